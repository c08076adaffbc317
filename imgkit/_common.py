"""Private helpers shared by the analyses, plots, explorer and report (one definition each).

Group codes and labels, ages in days, option checks, the folding of small categories,
and the labels they use.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from .errors import ConfigError

#: Label of missing values (NA) in groups and categories.
MISSING = "(missing)"
#: Label that ``top=N`` folds the remaining categories into (also a documented platform).
OTHER = "Other"
#: Label of the single group when ``by=None``, and of the totals row unless grouping by owner.
ALL_IMAGES = "All images"
#: Label of the totals row of :func:`feature_support` grouped by ``owner``.
ALL_TENANTS = "All tenants"

_DAY_NS = 86_400 * 10**9


def _require(df: pd.DataFrame, columns: Iterable[str]) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ConfigError(
            f"the frame lacks the column(s) {', '.join(map(repr, missing))}; "
            "pass a frame returned by imgkit.read_images, fetch_images or load_demo"
        )


def _check_by(df: pd.DataFrame, by: str | None, name: str = "by") -> None:
    if by is not None and by not in df.columns:
        raise ConfigError(f"`{name}` must be None or a column of the frame, got {by!r}")


def _bincount(x: np.ndarray, n: int, w: np.ndarray | None = None) -> np.ndarray:
    """Counts of 0..n-1 in `x` (int64), each occurrence weighted by `w` when given."""
    return np.bincount(x, minlength=n) if w is None else np.bincount(x, weights=w, minlength=n).astype(np.int64)


def _total(df: pd.DataFrame, w: np.ndarray | None) -> int:
    """Images in `df`: its rows, or the sum of the row weights."""
    return len(df) if w is None else int(w.sum())


def _codes(s: pd.Series, w: np.ndarray | None = None) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Integer codes (no -1), string labels and counts of a column, in display order.

    Categorical: category order (all categories kept). Integer kinds: by value.
    Anything else: by count, largest first, ties by label. NA -> MISSING, last.
    `w`: row weights (each row stands for that many images), as the Dask path gives.
    """
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes = s.cat.codes.to_numpy().astype(np.intp, copy=True)
        labels = [str(c) for c in s.cat.categories]
        order = None
    else:
        try:
            codes, uniques = pd.factorize(s, use_na_sentinel=True)
        except (TypeError, NotImplementedError) as exc:  # lists (tags), dicts (os_feature_list)
            raise ConfigError(f"column {s.name!r} holds lists or dicts and cannot be counted or grouped") from exc
        codes = codes.astype(np.intp, copy=False)
        labels = [str(u) for u in uniques]
        order = "value" if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype) else "count"
        if order == "value":
            values = np.asarray(uniques, dtype=float)
    n = len(labels)
    na = codes < 0
    has_na = bool(na.any())
    if has_na:
        codes[na] = n
    counts = _bincount(codes, n + has_na, w)
    if order is not None and n:
        if order == "value":
            perm = np.argsort(values, kind="stable")
        else:
            perm = np.array(sorted(range(n), key=lambda i: (-counts[i], labels[i])), dtype=np.intp)
        if has_na:
            perm = np.append(perm, n)
        inverse = np.empty_like(perm)
        inverse[perm] = np.arange(len(perm))
        codes = inverse[codes]
        labels = [labels[i] for i in perm[:n]]
        counts = counts[perm]
    if has_na:
        labels.append(MISSING)
    return codes, labels, counts


def _groups(df: pd.DataFrame, by: str | None, w: np.ndarray | None = None) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Group codes, labels and sizes (weighted by `w` when given); only groups that occur (codes re-numbered)."""
    if by is None:
        return np.zeros(len(df), dtype=np.intp), [ALL_IMAGES], np.array([_total(df, w)])
    codes, labels, counts = _codes(df[by], w)
    present = counts > 0
    if present.all():
        return codes, labels, counts
    remap = np.cumsum(present) - 1
    return remap[codes], [lab for lab, p in zip(labels, present) if p], counts[present]


def _ns(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Nanoseconds since the epoch (int64) and the missing mask of a UTC datetime column."""
    if not isinstance(s.dtype, pd.DatetimeTZDtype):
        s = pd.to_datetime(s, utc=True)
    arr = s.dt.tz_convert("UTC").dt.as_unit("ns").array
    return arr.asi8, np.asarray(arr.isna(), dtype=bool)


def _age_days(s: pd.Series, as_of: pd.Timestamp) -> np.ndarray:
    """Age in (fractional) days at `as_of`; NaN where the timestamp is missing."""
    if pd.isna(as_of):
        return np.full(len(s), np.nan)
    i8, na = _ns(s)
    days = (as_of.as_unit("ns").value - i8) / _DAY_NS
    days[na] = np.nan
    return days


def _check_positive(name: str, value: Any, *, none: str = "") -> int:
    """`value` as an int if it is a positive integer (not a bool); else ConfigError naming option `name`.

    The one count check of the analyses, plots, explorer and report (``top``, ``rows``...).
    """
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ConfigError(f"`{name}` must be {none}a positive integer, got {value!r}")
    return int(value)


def _fold_top(table: pd.DataFrame, top: int | None) -> pd.DataFrame:
    """Keep the `top` largest columns (by total), fold the rest into OTHER; MISSING stays last."""
    if top is None:
        return table
    top = _check_positive("top", top, none="None or ")
    totals = table.sum(axis=0)
    candidates = [c for c in table.columns if c not in (OTHER, MISSING)]
    ranked = sorted(candidates, key=lambda c: (-totals[c], candidates.index(c)))
    keep = ranked[:top]
    rest = [c for c in table.columns if c not in keep and c != MISSING]
    out = table[keep].copy()
    if rest:
        out[OTHER] = table[rest].sum(axis=1)
    if MISSING in table.columns:
        out[MISSING] = table[MISSING]
    return out
