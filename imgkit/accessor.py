"""The ``df.imgkit`` accessor: the analyses and plots as methods of an image frame.

Importing :mod:`imgkit` registers it. Each method is a thin wrapper over the module
function of the same name (``df.imgkit.os_distribution(by="owner")`` is
``imgkit.os_distribution(df, by="owner")``); the options and their defaults are the
same, and the docs are those of the functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import analysis, plotting

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["ImgkitAccessor"]

#: Columns a frame must have to get the accessor.
REQUIRED_COLUMNS = ("id", "owner")


@pd.api.extensions.register_dataframe_accessor("imgkit")
class ImgkitAccessor:
    """``df.imgkit``: imgkit's analyses and plots on an image frame.

    Available on any DataFrame with the columns ``id`` and ``owner`` (every frame
    :func:`imgkit.read_images`, :func:`imgkit.fetch_images` and
    :func:`imgkit.load_demo` return, and any row subset of one).

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

    # -- analyses ---------------------------------------------------------------------
    def resolve_as_of(self, as_of: Any = None) -> tuple[pd.Timestamp, str]:
        """See :func:`imgkit.resolve_as_of`."""
        return analysis.resolve_as_of(self._obj, as_of)

    def os_distribution(
        self, *, by: str | None = None, level: str = "platform", normalize: bool = False, top: int | None = None
    ) -> pd.Series | pd.DataFrame:
        """See :func:`imgkit.os_distribution`."""
        return analysis.os_distribution(self._obj, by=by, level=level, normalize=normalize, top=top)

    def age_profile(self, *, by: str | None = None, as_of: Any = None) -> pd.DataFrame:
        """See :func:`imgkit.age_profile`."""
        return analysis.age_profile(self._obj, by=by, as_of=as_of)

    def stale_images(
        self, *, older_than: pd.Timedelta | str, by: str = "created_at", as_of: Any = None
    ) -> pd.DataFrame:
        """See :func:`imgkit.stale_images`."""
        return analysis.stale_images(self._obj, older_than=older_than, by=by, as_of=as_of)

    def creation_timeline(
        self, *, freq: str = "MS", by: str | None = None, cumulative: bool = False
    ) -> pd.DataFrame:
        """See :func:`imgkit.creation_timeline`."""
        return analysis.creation_timeline(self._obj, freq=freq, by=by, cumulative=cumulative)

    def feature_support(
        self, *, by: str | None = "owner", features: Iterable[str] | None = None, normalize: bool = True
    ) -> pd.DataFrame:
        """See :func:`imgkit.feature_support`."""
        return analysis.feature_support(self._obj, by=by, features=features, normalize=normalize)

    def tenant_summary(self, *, as_of: Any = None) -> pd.DataFrame:
        """See :func:`imgkit.tenant_summary`."""
        return analysis.tenant_summary(self._obj, as_of=as_of)

    def filter_images(
        self,
        *,
        tenants: Iterable[str] | str | None = None,
        platforms: Iterable[str] | str | None = None,
        os_types: Iterable[str] | str | None = None,
        statuses: Iterable[str] | str | None = None,
        visibilities: Iterable[str] | str | None = None,
        imagetypes: Iterable[str] | str | None = None,
        created_between: tuple[Any, Any] | None = None,
        features: Iterable[str] | str | None = None,
    ) -> pd.DataFrame:
        """See :func:`imgkit.filter_images`."""
        return analysis.filter_images(
            self._obj,
            tenants=tenants,
            platforms=platforms,
            os_types=os_types,
            statuses=statuses,
            visibilities=visibilities,
            imagetypes=imagetypes,
            created_between=created_between,
            features=features,
        )

    # -- plots ------------------------------------------------------------------------
    def plot_os_distribution(
        self,
        *,
        by: str | None = "owner",
        level: str = "platform",
        top: int = 8,
        top_groups: int = 15,
        normalize: bool = False,
        ax: Axes | None = None,
        **kwargs: Any,
    ) -> Axes:
        """See :func:`imgkit.plot_os_distribution`."""
        return plotting.plot_os_distribution(
            self._obj, by=by, level=level, top=top, top_groups=top_groups, normalize=normalize, ax=ax, **kwargs
        )

    def plot_age(
        self,
        *,
        by: str | None = None,
        as_of: Any = None,
        kind: str = "hist",
        top: int = 6,
        bins: int = 30,
        ax: Axes | None = None,
        **kwargs: Any,
    ) -> Axes:
        """See :func:`imgkit.plot_age`."""
        return plotting.plot_age(self._obj, by=by, as_of=as_of, kind=kind, top=top, bins=bins, ax=ax, **kwargs)

    def plot_creation_timeline(
        self,
        *,
        freq: str = "MS",
        by: str | None = None,
        top: int = 8,
        cumulative: bool = False,
        ax: Axes | None = None,
        **kwargs: Any,
    ) -> Axes:
        """See :func:`imgkit.plot_creation_timeline`."""
        return plotting.plot_creation_timeline(
            self._obj, freq=freq, by=by, top=top, cumulative=cumulative, ax=ax, **kwargs
        )

    def plot_feature_support(
        self,
        *,
        by: str | None = "owner",
        features: Iterable[str] | None = None,
        top: int = 20,
        annot: bool = True,
        ax: Axes | None = None,
        **kwargs: Any,
    ) -> Axes:
        """See :func:`imgkit.plot_feature_support`."""
        return plotting.plot_feature_support(
            self._obj, by=by, features=features, top=top, annot=annot, ax=ax, **kwargs
        )
