"""The ``df.imgkit`` accessor: the analyses and plots as methods of an image frame.

Importing :mod:`imgkit` registers it. Each method is a thin wrapper over the module
function of the same name (``df.imgkit.os_distribution(by="owner")`` is
``imgkit.os_distribution(df, by="owner")``); the options and their defaults are the
same, and the docs are those of the functions.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable
from typing import Any

import pandas as pd

import imgkit.analysis as analysis
import imgkit.demo as demo
import imgkit.plotting as plotting

__all__ = ["ImgkitAccessor"]

#: Columns a frame must have to get the accessor.
REQUIRED_COLUMNS = ("id", "owner")


@pd.api.extensions.register_dataframe_accessor("imgkit")
class ImgkitAccessor:
    """``df.imgkit``: imgkit's analyses and plots on an image frame.

    Available on any DataFrame with the columns ``id`` and ``owner`` (every frame
    :func:`imgkit.read_images`, :func:`imgkit.fetch_images` and
    :func:`imgkit.load_demo` return, and any row subset of one).

    Methods: ``resolve_as_of``, ``os_distribution``, ``age_profile``,
    ``stale_images``, ``creation_timeline``, ``feature_support``,
    ``tenant_summary``, ``filter_images``, ``plot_os_distribution``, ``plot_age``,
    ``plot_creation_timeline``, ``plot_feature_support``, ``image_usage``,
    ``cleanup_candidates``, ``storage_cost``, ``label_tenants``, ``diff_listings`` (the
    frame is the old listing: ``df.imgkit.diff_listings(new)``), ``trend`` and
    ``plot_trend`` (on a :func:`imgkit.history` frame), ``evolve_listing`` -- each the
    function of the same name applied to the frame, with the same options.

    Parameters
    ----------
    pandas_obj : pandas.DataFrame
        The frame; pandas passes it when ``df.imgkit`` is first used.

    Raises
    ------
    AttributeError
        When the frame lacks ``id`` or ``owner`` (as geopandas' accessors do, so
        ``hasattr(df, "imgkit")`` is False for other frames).

    Examples
    --------
    >>> df = pd.DataFrame({"id": ["a", "b", "c"], "owner": ["t1", "t1", "t2"],
    ...                    "platform": pd.Categorical(["Ubuntu", "CentOS", "Ubuntu"])})
    >>> df.imgkit.os_distribution(by="owner").loc["t1"].tolist()
    [1, 1]
    >>> hasattr(pd.DataFrame({"x": [1]}), "imgkit")
    False
    """

    def __init__(self, pandas_obj: pd.DataFrame) -> None:
        missing = [c for c in REQUIRED_COLUMNS if c not in pandas_obj.columns]
        if missing:
            raise AttributeError(
                f"df.imgkit needs an image frame with the columns {', '.join(map(repr, REQUIRED_COLUMNS))}; "
                f"this frame lacks {', '.join(map(repr, missing))} (load one with imgkit.read_images)"
            )
        self._obj = pandas_obj

    # The methods: one thin wrapper per module function, generated below so that their
    # options, defaults and type hints are the functions' own and cannot drift.


def _method(func: Callable[..., Any]) -> Callable[..., Any]:
    """``df.imgkit.<name>(...)`` calling ``func(df, ...)``, with `func`'s signature minus the frame."""
    name = func.__name__

    @functools.wraps(func)
    def method(self: ImgkitAccessor, /, *args: Any, **kwargs: Any) -> Any:
        return func(self._obj, *args, **kwargs)

    signature = inspect.signature(func)
    params = list(signature.parameters.values())
    method.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[inspect.Parameter("self", inspect.Parameter.POSITIONAL_ONLY), *params[1:]]
    )
    method.__doc__ = method_doc(func)
    method.__module__ = __name__
    method.__qualname__ = f"ImgkitAccessor.{name}"
    del method.__wrapped__  # help() and doctest use the docstring and the signature above
    return method


def method_doc(func: Callable[..., Any]) -> str:
    """`func`'s whole docstring for its method form: the frame's parameter left out, a line naming the function.

    Examples
    --------
    >>> def f(df, *, n=1):
    ...     \"\"\"Count.
    ...
    ...     Parameters
    ...     ----------
    ...     df : pandas.DataFrame
    ...         The frame.
    ...     n : int
    ...         How many.
    ...     \"\"\"
    >>> print(method_doc(f))
    Count.
    <BLANKLINE>
    The method form of :func:`imgkit.f` (the frame is the ``df`` argument).
    <BLANKLINE>
    Parameters
    ----------
    n : int
        How many.
    <BLANKLINE>
    """
    doc = inspect.cleandoc(func.__doc__ or "")
    frame = next(iter(inspect.signature(func).parameters))
    lines = doc.splitlines()
    out: list[str] = []
    skipping = False
    for line in lines:
        if re.match(rf"^{re.escape(frame)}\s*:", line):
            skipping = True  # the frame's entry: its line and the indented description under it
            continue
        if skipping and (line.startswith(" ") or not line.strip()):
            continue
        skipping = False
        out.append(line)
    summary = out[0] if out else ""
    rest = "\n".join(out[1:]).strip("\n")
    note = f"The method form of :func:`imgkit.{func.__name__}` (the frame is the ``{frame}`` argument)."
    return f"{summary}\n\n{note}\n\n{rest}\n" if rest else f"{summary}\n\n{note}\n"


#: The module functions available as methods, in the order of the docs.
_METHODS: tuple[Callable[..., Any], ...] = (
    analysis.resolve_as_of,
    analysis.os_distribution,
    analysis.age_profile,
    analysis.stale_images,
    analysis.creation_timeline,
    analysis.feature_support,
    analysis.os_features,
    analysis.tenant_summary,
    analysis.filter_images,
    plotting.plot_os_distribution,
    plotting.plot_age,
    plotting.plot_creation_timeline,
    plotting.plot_feature_support,
    analysis.image_usage,
    analysis.cleanup_candidates,
    analysis.storage_cost,
    analysis.label_tenants,
    analysis.diff_listings,
    analysis.trend,
    plotting.plot_trend,
    demo.evolve_listing,
)

for _func in _METHODS:
    setattr(ImgkitAccessor, _func.__name__, _method(_func))
del _func
