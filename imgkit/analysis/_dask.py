"""Dask support: the optional-dependency check, and the aggregate analyses on a Dask DataFrame.

An aggregate analysis only needs, per distinct combination of the columns it reads, how many rows have it. On a
Dask frame that count is one tree-reduced ``groupby(...).size()`` (the workers hold one partition and a few
partial counts at a time); the small pandas result goes, with the counts as row weights, through the very code
that analyses a pandas frame, so the result is the same as on the computed frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from imgkit.io import StringListDtype, register_dask

__all__ = ["is_dask", "require_dask"]

_INSTALL = 'pip install "imgkit[dask]"  (or: conda install -c conda-forge dask distributed)'


def require_dask(what: str) -> None:
    """Import dask.dataframe, or raise ImportError naming the fix."""
    try:
        import dask.dataframe  # noqa: F401
    except ImportError as exc:
        raise ImportError(f"{what} needs Dask, which is not installed: {_INSTALL}") from exc
    register_dask()  # Dask's meta frames need an example of imgkit's list dtype


def available() -> bool:
    """Whether dask.dataframe can be imported."""
    try:
        import dask.dataframe  # noqa: F401
    except ImportError:
        return False
    return True


def is_dask(df: Any) -> bool:
    """Whether `df` is a Dask DataFrame (without importing Dask when it is not loaded)."""
    import sys

    if "dask.dataframe" not in sys.modules:
        return False
    import dask.dataframe as dd

    return isinstance(df, (dd.DataFrame, dd.Series))


def computed(value: Any) -> Any:
    """`value` itself, or its computed value when it is a lazy Dask object."""
    return value.compute() if hasattr(value, "dask") and hasattr(value, "compute") else value


#: How many partial counts one task of the tree reduction combines.
SPLIT_EVERY = 8


def aggregate(core: Any, ddf: Any, columns: Sequence[str | None], **options: Any) -> Any:
    """Run an analysis core on the distinct combinations of `columns` in `ddf`, weighted by their counts."""
    import numpy as np
    import pyarrow as pa

    from imgkit.errors import ConfigError

    cols = list(dict.fromkeys(c for c in columns if c is not None))
    for c in cols:
        dtype = ddf[c].dtype
        if (
            pd.api.types.is_object_dtype(dtype)
            or isinstance(dtype, StringListDtype)
            or (isinstance(dtype, pd.ArrowDtype) and pa.types.is_list(dtype.pyarrow_dtype))
        ):
            raise ConfigError(f"column {c!r} holds lists or dicts and cannot be counted or grouped")
    counts = ddf[cols].groupby(cols, dropna=False, observed=True).size(split_every=SPLIT_EVERY, split_out=1).compute()
    frame = counts.index.to_frame(index=False)
    frame.columns = cols
    for c in cols:  # a grouping key comes back with the column's dtype; make certain of it
        if frame[c].dtype != ddf[c].dtype:
            frame[c] = frame[c].astype(ddf[c].dtype)
    result = core(frame, counts.to_numpy().astype(np.float64), **options)
    result.attrs["engine"] = "dask"
    if "when" in options:
        result.attrs["quantiles"] = "exact"
    return result
