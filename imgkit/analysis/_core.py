"""Helpers every analysis shares: group codes, ages, the as-of time, documented categories."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from imgkit._typing import AsOf
from imgkit._validators import check_positive
from imgkit.analysis import _dask
from imgkit.errors import ConfigError
from imgkit.io import StringListDtype
from imgkit.schema import FIELDS

#: Label of missing values (NA) in groups and categories.
MISSING = "(missing)"


#: Label that ``top=N`` folds the remaining categories into (also a documented platform).
OTHER = "Other"


#: Label of the single group when ``by=None``, and of the totals row unless grouping by owner.
ALL_IMAGES = "All images"


#: Label of the totals row of :func:`feature_support` grouped by ``owner``.
ALL_TENANTS = "All tenants"


_DAY_NS = 86_400 * 10**9


def weighted_bincount(x: np.ndarray, n: int, w: np.ndarray | None = None) -> np.ndarray:
    """Counts of 0..n-1 in `x` (int64), each occurrence weighted by `w` when given."""
    return np.bincount(x, minlength=n) if w is None else np.bincount(x, weights=w, minlength=n).astype(np.int64)


def total_images(df: pd.DataFrame, w: np.ndarray | None) -> int:
    """Images in `df`: its rows, or the sum of the row weights."""
    return len(df) if w is None else int(w.sum())


def group_codes(s: pd.Series, w: np.ndarray | None = None) -> tuple[np.ndarray, list[str], np.ndarray]:
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
        if isinstance(s.dtype, StringListDtype):  # hashable, but a list is not a group: explode it first
            raise ConfigError(
                f"column {s.name!r} holds lists or dicts and cannot be counted or grouped "
                f"(count single items with df.explode({s.name!r}))"
            )
        try:
            codes, uniques = pd.factorize(s, use_na_sentinel=True)
        except (TypeError, NotImplementedError) as exc:  # lists (tags), dicts (os_feature_list)
            raise ConfigError(f"column {s.name!r} holds lists or dicts and cannot be counted or grouped") from exc
        codes = codes.astype(np.intp, copy=False)
        labels = [str(u) for u in uniques]
        order = (
            "value" if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype) else "count"
        )
        if order == "value":
            values = np.asarray(uniques, dtype=float)
    n = len(labels)
    na = codes < 0
    has_na = bool(na.any())
    if has_na:
        codes[na] = n
    counts = weighted_bincount(codes, n + has_na, w)
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


def group_rows(
    df: pd.DataFrame, by: str | None, w: np.ndarray | None = None
) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Group codes, labels and sizes (weighted by `w` when given); only groups that occur (codes re-numbered)."""
    if by is None:
        return np.zeros(len(df), dtype=np.intp), [ALL_IMAGES], np.array([total_images(df, w)])
    codes, labels, counts = group_codes(df[by], w)
    present = counts > 0
    if present.all():
        return codes, labels, counts
    remap = np.cumsum(present) - 1
    return remap[codes], [lab for lab, p in zip(labels, present) if p], counts[present]


def to_ns(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Nanoseconds since the epoch (int64) and the missing mask of a UTC datetime column."""
    if not isinstance(s.dtype, pd.DatetimeTZDtype):
        s = pd.to_datetime(s, utc=True)
    arr = s.dt.tz_convert("UTC").dt.as_unit("ns").array
    return arr.asi8, np.asarray(arr.isna(), dtype=bool)


def age_days(s: pd.Series, as_of: pd.Timestamp) -> np.ndarray:
    """Age in (fractional) days at `as_of`; NaN where the timestamp is missing."""
    if pd.isna(as_of):
        return np.full(len(s), np.nan)
    i8, na = to_ns(s)
    days = (as_of.as_unit("ns").value - i8) / _DAY_NS
    days[na] = np.nan
    return days


def fold_top(table: pd.DataFrame, top: int | None) -> pd.DataFrame:
    """Keep the `top` largest columns (by total), fold the rest into OTHER; MISSING stays last."""
    if top is None:
        return table
    top = check_positive("top", top, none="None or ")
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


_KIND = {f.column: f.kind for f in FIELDS}


_VALUES = {f.column: f.values for f in FIELDS if f.kind == "enum"}


DATETIME_COLUMNS = [f.column for f in FIELDS if f.kind == "datetime"]


AGE_LEVELS = ("platform", "os_type", "os_version", "os_bit")


AGE_YEARS = (1, 2, 5)


#: Most periods creation_timeline builds (10 years of hours is 87,600); finer is a mistake, not a plot.
MAX_PERIODS = 100_000


# ---------------------------------------------------------------------------------------
# Private helpers
# ---------------------------------------------------------------------------------------
def as_documented(s: pd.Series) -> pd.Series:
    """An enum column as a categorical with the documented values first, even if the user changed its dtype."""
    values = _VALUES.get(str(s.name), ())
    if not values or isinstance(s.dtype, pd.CategoricalDtype):
        return s
    seen = [v for v in pd.unique(s.dropna().astype(str)) if v not in values]
    return pd.Series(
        pd.Categorical(s.to_numpy(dtype=object, na_value=None), categories=[*values, *seen]), index=s.index, name=s.name
    )


def crosstab_counts(g: np.ndarray, ng: int, c: np.ndarray, nc: int, w: np.ndarray | None = None) -> np.ndarray:
    return weighted_bincount(g * nc + c, ng * nc, w).reshape(ng, nc)


def group_index(labels: Sequence[str], name: str | None) -> pd.Index:
    return pd.Index(list(labels), dtype=object, name=name)


def to_utc(ts: Any, name: str = "as_of") -> pd.Timestamp:
    """`ts` as a UTC Timestamp (a time without zone is UTC); ConfigError naming option `name` otherwise.

    ``NaT`` stays ``NaT`` (an unknown time, e.g. the resolved as_of of a frame without dates).
    """
    if ts is pd.NaT:
        return pd.NaT
    try:
        ts = pd.Timestamp(ts)
    except (TypeError, ValueError) as exc:  # DateParseError, OutOfBoundsDatetime are ValueErrors
        raise ConfigError(f"`{name}` must be a date/time such as '2025-01-01', got {ts!r}") from exc
    if pd.isna(ts):
        raise ConfigError(f"`{name}` must be a date/time such as '2025-01-01', got {ts!r}")
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def resolve_as_of(df: pd.DataFrame, as_of: AsOf = None) -> tuple[pd.Timestamp, str]:
    """The reference time that ages are measured at (:term:`as_of`), and where it came from.

    Parameters
    ----------
    df : pandas.DataFrame
        A typed image frame (or a subset of one).
    as_of : str, datetime or Timestamp, optional
        An explicit reference time; a time without zone is read as UTC.

    Returns
    -------
    (pandas.Timestamp, str)
        The UTC time and its source: ``"argument"`` when `as_of` is given, else
        ``"fetched_at"`` when ``df.attrs["imgkit"]["fetched_at"]`` is set (a fetch
        snapshot), else ``"latest updated_at"`` (the frame's latest ``updated_at``;
        ``NaT`` when the frame has none). The wall clock is never used.

    Raises
    ------
    ConfigError
        When `as_of` is not a date/time.

    Examples
    --------
    >>> df = pd.DataFrame({"updated_at": pd.to_datetime(["2024-01-01", "2024-03-01"], utc=True)})
    >>> imgkit.resolve_as_of(df)
    (Timestamp('2024-03-01 00:00:00+0000', tz='UTC'), 'latest updated_at')
    >>> imgkit.resolve_as_of(df, "2025-01-01")
    (Timestamp('2025-01-01 00:00:00+0000', tz='UTC'), 'argument')
    """
    if as_of is not None:
        return to_utc(as_of), "argument"
    meta = getattr(df, "attrs", {}).get("imgkit")  # a Dask frame has no attrs
    fetched = meta.get("fetched_at") if isinstance(meta, dict) else None
    if fetched is not None and not pd.isna(fetched):
        return to_utc(fetched), "fetched_at"
    latest = _dask.computed(df["updated_at"].max()) if "updated_at" in df.columns and len(df) else pd.NaT
    return (pd.NaT if pd.isna(latest) else to_utc(latest)), "latest updated_at"


def as_of_stamp(result: Any, as_of: pd.Timestamp, source: str) -> Any:
    result.attrs["as_of"] = as_of
    result.attrs["as_of_source"] = source
    return result


def _as_list(values: Any) -> list[Any]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        return [values]
    return list(values)


def isin_values(s: pd.Series, values: Any) -> np.ndarray:
    values = _as_list(values)
    wanted = [v for v in values if v != MISSING and not (v is None or (isinstance(v, float) and np.isnan(v)))]
    mask = np.array(s.isin(wanted).fillna(False), dtype=bool)
    if len(wanted) < len(values):
        mask = mask | np.asarray(s.isna(), dtype=bool)
    return mask
