"""How old and stale images are: age profiles, stale images, the creation timeline."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from imgkit._typing import AsOf
from imgkit._validators import check_argument, check_by, require_columns
from imgkit.analysis import _dask
from imgkit.analysis._core import (
    AGE_YEARS,
    DATETIME_COLUMNS,
    MAX_PERIODS,
    age_days,
    as_of_stamp,
    crosstab_counts,
    group_index,
    group_rows,
    resolve_as_of,
    to_ns,
    weighted_bincount,
)
from imgkit.analysis._tenants import named_tenants
from imgkit.errors import ConfigError


def age_profile(df: pd.DataFrame, *, by: str | None = None, as_of: AsOf = None) -> pd.DataFrame:
    """Age of the images (since ``created_at``) per group.

    Parameters
    ----------
    df : pandas.DataFrame
        A typed image frame.
    by : str, optional
        ``None`` for one row ``"All images"``, ``"owner"`` per tenant, or any column.
    as_of : str, datetime or Timestamp, optional
        Reference time; default as :func:`resolve_as_of` (``fetched_at``, else the
        latest ``updated_at``). Recorded in ``result.attrs["as_of"]`` and
        ``result.attrs["as_of_source"]``.

    Returns
    -------
    pandas.DataFrame
        One row per group with ``images`` (count), ``dated`` (images with a
        ``created_at``), ``median_age_days``, ``p90_age_days`` (float days),
        ``oldest``/``newest`` (min/max ``created_at``) and ``older_1y``,
        ``older_2y``, ``older_5y``: the share of dated images older than 365, 730
        and 1825 days. Age figures are NaN / NaT for a group without dates.

    Raises
    ------
    ConfigError
        When the frame lacks ``created_at``, `by` is not a column (or holds lists),
        or `as_of` is not a date/time.

    Examples
    --------
    >>> df = pd.DataFrame({"owner": ["t1", "t1", "t2"],
    ...                    "created_at": pd.to_datetime(["2020-01-01", "2023-01-01", None], utc=True)})
    >>> prof = imgkit.age_profile(df, by="owner", as_of="2024-01-01")
    >>> prof[["images", "dated", "median_age_days", "older_2y"]].to_dict("list")
    {'images': [2, 1], 'dated': [2, 0], 'median_age_days': [913.0, nan], 'older_2y': [0.5, nan]}
    >>> prof.attrs["as_of_source"]
    'argument'
    """
    require_columns(df, ["created_at"])
    check_by(df, by)
    when, source = resolve_as_of(df, as_of)
    if _dask.is_dask(df):
        return _dask.aggregate(age_profile_table, df, [by, "created_at"], by=by, when=when, source=source)
    return age_profile_table(df, None, by=by, when=when, source=source)


def _weighted_quantiles(g: np.ndarray, x: np.ndarray, w: np.ndarray, ng: int) -> tuple[np.ndarray, np.ndarray]:
    """Per group, the median and the 0.9 quantile of `x` where each value occurs `w` times.

    Exactly pandas' ``groupby().median()`` / ``.quantile(0.9)`` (linear interpolation) of the expanded values,
    without expanding them.
    """
    order = np.lexsort((x, g))
    g, x, w = g[order], x[order], w[order]
    cum = np.cumsum(w)
    n = weighted_bincount(g, ng, w)
    base = np.concatenate([[0], np.cumsum(n)[:-1]]) if ng else np.zeros(0, dtype=np.int64)

    def at(rank: np.ndarray) -> np.ndarray:  # the value of 0-based rank `rank` within each group
        pos = np.searchsorted(cum, base + rank, side="right")
        return x[np.minimum(pos, len(x) - 1)] if len(x) else np.full(ng, np.nan)

    with np.errstate(invalid="ignore"):
        even = (n // 2) * 2 == n
        median = np.where(even, (at(n // 2) + at(np.maximum(n // 2 - 1, 0))) / 2, at(n // 2))
        q = 0.9 * (n - 1).astype(np.float64)
        idx = np.maximum(q, 0).astype(np.int64)
        frac = q % 1
        lo = at(idx)
        p90 = np.where(frac == 0.0, lo, lo + (at(idx + 1) - lo) * frac)
    empty = n == 0
    return np.where(empty, np.nan, median), np.where(empty, np.nan, p90)


def age_profile_table(
    df: pd.DataFrame, w: np.ndarray | None, *, by: str | None, when: pd.Timestamp, source: str
) -> pd.DataFrame:
    g, glabels, sizes = group_rows(df, by, w)
    ng = len(glabels)
    days = age_days(df["created_at"], when)
    dated = ~np.isnan(days)
    gd, dd = g[dated], days[dated]
    wd = None if w is None else w[dated]
    n_dated = weighted_bincount(gd, ng, wd)
    if wd is None:
        ages = pd.Series(dd).groupby(gd)
        median = ages.median().reindex(range(ng)).to_numpy()
        p90 = ages.quantile(0.9).reindex(range(ng)).to_numpy()
    else:
        median, p90 = _weighted_quantiles(gd, dd, wd, ng)
    created = df["created_at"].reset_index(drop=True)[dated]
    by_group = created.groupby(gd)
    out = pd.DataFrame(
        {
            "images": sizes.astype(np.int64),
            "dated": n_dated.astype(np.int64),
            "median_age_days": median,
            "p90_age_days": p90,
            "oldest": by_group.min().reindex(range(ng)).to_numpy() if ng else [],
            "newest": by_group.max().reindex(range(ng)).to_numpy() if ng else [],
        },
        index=group_index(glabels, by),
    )
    for col in ("oldest", "newest"):
        out[col] = pd.to_datetime(out[col], utc=True).astype("datetime64[ns, UTC]")
    with np.errstate(invalid="ignore", divide="ignore"):
        for years in AGE_YEARS:
            older = np.bincount(gd, weights=(dd > 365 * years) * (1 if wd is None else wd), minlength=ng)
            out[f"older_{years}y"] = np.where(n_dated > 0, older / np.maximum(n_dated, 1), np.nan)
    return as_of_stamp(named_tenants(out, df, by), when, source)


def stale_images(
    df: pd.DataFrame, *, older_than: pd.Timedelta | str, by: str = "created_at", as_of: AsOf = None
) -> pd.DataFrame:
    """The images whose `by` timestamp is more than `older_than` before `as_of`.

    Parameters
    ----------
    df : pandas.DataFrame
        A typed image frame.
    older_than : pandas.Timedelta or str
        A duration such as ``"365D"`` or ``pd.Timedelta(days=730)``.
    by : str, default "created_at"
        The timestamp column: any datetime column of the schema
        (``created_at``, ``updated_at``, ``active_at``, ``deleted_at``).
    as_of : str, datetime or Timestamp, optional
        Reference time; default as :func:`resolve_as_of`. Recorded in
        ``result.attrs["as_of"]`` / ``result.attrs["as_of_source"]``.

    Returns
    -------
    pandas.DataFrame
        The matching rows (all columns, original order and index). Rows with a
        missing `by` timestamp are never stale.

    Raises
    ------
    ConfigError
        When `by` is not a datetime column, `older_than` is not a duration (a bare
        number is refused: ``pd.Timedelta(365)`` would be 365 nanoseconds) or
        `as_of` is not a date/time.

    Examples
    --------
    >>> df = pd.DataFrame({"id": ["a", "b", "c"],
    ...                    "created_at": pd.to_datetime(["2020-01-01", "2023-06-01", None], utc=True),
    ...                    "updated_at": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-01"], utc=True)})
    >>> old = imgkit.stale_images(df, older_than="365D")
    >>> old["id"].tolist(), old.attrs["as_of_source"]
    (['a'], 'latest updated_at')
    """
    check_argument("by", DATETIME_COLUMNS, by)
    require_columns(df, [by])
    if isinstance(older_than, (bool, int, float, np.number)):  # pd.Timedelta(365) would be 365 nanoseconds
        raise ConfigError(f"`older_than` must be a duration such as '365D', got the number {older_than!r}")
    try:
        delta = pd.Timedelta(older_than)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"`older_than` must be a duration such as '365D', got {older_than!r}") from exc
    if pd.isna(delta):
        raise ConfigError(f"`older_than` must be a duration such as '365D', got {older_than!r}")
    when, source = resolve_as_of(df, as_of)
    days = age_days(df[by], when)
    with np.errstate(invalid="ignore"):
        mask = days > delta / pd.Timedelta(days=1)
    return as_of_stamp(df[mask], when, source)


def creation_timeline(
    df: pd.DataFrame, *, freq: str = "MS", by: str | None = None, cumulative: bool = False
) -> pd.DataFrame:
    """Images created per period, per group.

    Parameters
    ----------
    df : pandas.DataFrame
        A typed image frame.
    freq : str, default "MS"
        A pandas frequency (``"MS"`` month start, ``"QS"``, ``"YS"``, ``"W"``, ``"D"``).
    by : str, optional
        ``None`` for one column ``"All images"``, or a column to split by.
    cumulative : bool, default False
        Running totals instead of counts per period.

    Returns
    -------
    pandas.DataFrame
        Indexed by period start (UTC ``DatetimeIndex`` named ``"created_at"``, every
        period from the first to the last creation, empty periods = 0); one
        ``int64`` column per group (index name = `by`), ordered as in the module
        notes. Images without ``created_at`` are left out.

    Raises
    ------
    ConfigError
        When `freq` is not a pandas frequency or would make more than 100,000
        periods, or `by` is not a column (or holds lists).

    Examples
    --------
    >>> df = pd.DataFrame({"owner": ["t1", "t1", "t2"],
    ...                    "created_at": pd.to_datetime(["2020-03-01", "2022-01-05", "2022-07-01"], utc=True)})
    >>> tl = imgkit.creation_timeline(df, freq="YS", by="owner")
    >>> tl.index.year.tolist(), tl.to_dict("list")
    ([2020, 2021, 2022], {'t1': [1, 0, 1], 't2': [0, 0, 1]})
    """
    require_columns(df, ["created_at"])
    check_by(df, by)
    try:
        offset = pd.tseries.frequencies.to_offset(freq)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"`freq` must be a pandas frequency such as 'MS', got {freq!r}") from exc
    if _dask.is_dask(df):
        return _dask.aggregate(
            _creation_timeline, df, [by, "created_at"], by=by, offset=offset, freq=freq, cumulative=cumulative
        )
    return _creation_timeline(df, None, by=by, offset=offset, freq=freq, cumulative=cumulative)


def _creation_timeline(
    df: pd.DataFrame, w: np.ndarray | None, *, by: str | None, offset: Any, freq: str, cumulative: bool
) -> pd.DataFrame:
    g, glabels, _ = group_rows(df, by, w)
    i8, na = to_ns(df["created_at"])
    dated = ~na
    i8, g = i8[dated], g[dated]
    w = None if w is None else w[dated]
    if len(i8):
        first, last = pd.Timestamp(i8.min(), tz="UTC"), pd.Timestamp(i8.max(), tz="UTC")
        if isinstance(offset, pd.offsets.Tick):
            start = first.floor(offset)
            periods = (last - start) // pd.Timedelta(offset) + 1
            if periods > MAX_PERIODS:
                raise ConfigError(
                    f"`freq` {freq!r} makes {periods:,} periods from {first:%Y-%m-%d} to {last:%Y-%m-%d} "
                    f"(at most {MAX_PERIODS:,}); use a coarser frequency such as 'D', 'W' or 'MS'"
                )
        else:
            start = offset.rollback(first.normalize())
        edges = pd.date_range(start, last, freq=offset, unit="ns")
        bins = np.searchsorted(edges.asi8, i8, side="right") - 1
        counts = crosstab_counts(bins, len(edges), g, len(glabels), w)
        present = counts.sum(axis=0) > 0
        table = pd.DataFrame(
            counts[:, present],
            index=edges.rename("created_at"),
            columns=group_index([lab for lab, p in zip(glabels, present) if p], by),
        )
    else:
        table = pd.DataFrame(
            index=pd.DatetimeIndex([], tz="UTC", name="created_at").as_unit("ns"),
            columns=group_index([], by),
            dtype=np.int64,
        )
    table = table.astype(np.int64)
    return named_tenants(table.cumsum() if cumulative else table, df, by, how="columns")
