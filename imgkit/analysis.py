"""Analyses of a typed image frame: OS distribution, image age, capabilities, tenants.

Every function takes the frame first (anything :func:`imgkit.read_images`,
:func:`imgkit.fetch_images` or :func:`imgkit.load_demo` returns, or any row subset of
one) and keyword-only options, so ``df.pipe(imgkit.os_distribution, by="owner")``
works. The same functions are reachable as ``df.imgkit.<name>(...)``.

Conventions shared by all functions
-----------------------------------
Groups (``by=``)
    ``by=None`` means the whole frame (one group labelled ``"All images"``);
    otherwise any column name, typically ``"owner"`` (per tenant), ``"imagetype"``,
    ``"visibility"`` or ``"status"``. Only groups that occur appear. Groups of a
    categorical column keep the category order (the documented order of the
    schema); groups of any other column are ordered by size, largest first (ties by
    label); integer columns are ordered by value.
Categories (``level=`` of :func:`os_distribution`)
    Every documented value of an enum column (``platform``, ``os_type``) appears, in
    the schema's order, even with a count of 0; values outside the documented set
    follow in the order they were seen.
Missing values
    A missing value (NA) is never dropped silently: it is counted under the label
    ``"(missing)"`` (:data:`MISSING`), which comes last and only appears when some
    value is missing. Missing timestamps are excluded from age and timeline figures
    (``age_profile`` reports how many images were ``dated``).
Labels
    All group and category labels are strings (``os_bit`` 64 becomes ``"64"``).
Tenant names
    When the frame has an ``owner_name`` column (:func:`imgkit.label_tenants`), tables
    grouped by ``owner`` keep the ids and show the names beside them: an ``owner_name``
    column first in :func:`age_profile` and :func:`tenant_summary`; a second index level
    (``owner``, ``owner_name``) on the rows of :func:`os_distribution` and
    :func:`feature_support` and on the columns of :func:`creation_timeline`. Totals rows
    have no name (NA).
``as_of``
    Ages are measured at a reference time, never at the wall clock silently. The
    default (see :func:`resolve_as_of`) is the listing's ``fetched_at`` (set by a
    fetch snapshot, ``df.attrs["imgkit"]["fetched_at"]``) when present, else the
    latest ``updated_at`` of the frame. Results that depend on it record it in
    ``result.attrs["as_of"]`` (a UTC ``Timestamp``) and
    ``result.attrs["as_of_source"]`` (``"argument"``, ``"fetched_at"`` or
    ``"latest updated_at"``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import _dask
from ._checks import check_argument
from ._common import (
    ALL_IMAGES,
    ALL_TENANTS,
    MISSING,
    OTHER,
    _age_days,
    _bincount,
    _check_by,
    _check_positive,
    _codes,
    _fold_top,
    _groups,
    _ns,
    _require,
    _total,
)
from .errors import ConfigError
from .schema import FIELDS, field_for_column
from .tenants import _named

__all__ = [
    "ALL_IMAGES",
    "ALL_TENANTS",
    "MISSING",
    "OTHER",
    "age_profile",
    "creation_timeline",
    "feature_labels",
    "feature_support",
    "filter_images",
    "os_distribution",
    "os_features",
    "resolve_as_of",
    "stale_images",
    "tenant_summary",
]

_KIND = {f.column: f.kind for f in FIELDS}
_VALUES = {f.column: f.values for f in FIELDS if f.kind == "enum"}
_DATETIME_COLUMNS = [f.column for f in FIELDS if f.kind == "datetime"]
_LEVELS = ("platform", "os_type", "os_version", "os_bit")
_YEARS = (1, 2, 5)
#: Most periods creation_timeline builds (10 years of hours is 87,600); finer is a mistake, not a plot.
_MAX_PERIODS = 100_000

# ---------------------------------------------------------------------------------------
# Features: derived from the schema (flag columns, GPU/FPGA type enums), plus three
# derived capabilities. Only the display labels of known flags are spelled out here; a
# new flag in the schema gets a generated label.
# ---------------------------------------------------------------------------------------
_FLAG_COLUMNS = [f.column for f in FIELDS if f.kind == "flag" and f.column != "support_fc_inject"]
_ACCEL_COLUMNS = [
    f.column
    for f in FIELDS
    if f.kind == "enum" and f.column.startswith("support_") and f.column.endswith(("_gpu_type", "_fpga_type"))
]
_WORDS = {
    "xen": "Xen",
    "kvm": "KVM",
    "hana": "HANA",
    "gpu": "GPU",
    "fpga": "FPGA",
    "largememory": "Large memory",
    "diskintensive": "Disk-intensive",
    "highperformance": "High performance",
    "infiniband": "InfiniBand",
    "hi1822": "Hi1822",
    "hisriov": "SR-IOV NIC",
    "hivirtionet": "virtio NIC",
}


def _label_for(column: str) -> str:
    words = column.removeprefix("support_").removesuffix("_type").split("_")
    return " ".join(_WORDS.get(w, w.capitalize()) for w in words)


_FEATURE_LABELS: dict[str, str] = {
    **{c: _label_for(c) for c in _FLAG_COLUMNS},
    "lazyloading": "Lazy loading",
    "uefi": "UEFI boot",
    **{c: _label_for(c) for c in _ACCEL_COLUMNS},
    "cloud_init_injection": "Cloud-Init injection",
}


def feature_labels() -> dict[str, str]:
    """The capabilities :func:`feature_support` reports: feature name -> display label.

    The names are the ``features=`` values of :func:`feature_support` and
    :func:`filter_images`:

    - every capability flag column of the schema (``support_xen``, ``support_kvm``,
      ...; ``support_fc_inject`` excepted, see below) -- supported when True;
    - ``lazyloading`` -- the ``lazyloading`` column is True (NA counts as not supported);
    - ``uefi`` -- ``hw_firmware_type == "uefi"``;
    - every GPU/FPGA type column (``support_xen_gpu_type``, ``support_kvm_gpu_type``,
      ``support_kvm_fpga_type``) -- supported when a type is present;
    - ``cloud_init_injection`` -- password/key injection with Cloud-Init is supported,
      i.e. ``support_fc_inject`` is NOT True (that raw flag is inverted).

    Returns
    -------
    dict
        Ordered mapping of feature name to a plain-English label.

    Examples
    --------
    >>> labels = imgkit.feature_labels()
    >>> labels["support_kvm"], labels["uefi"], labels["cloud_init_injection"]
    ('KVM', 'UEFI boot', 'Cloud-Init injection')
    >>> list(labels)[:3]
    ['support_xen', 'support_kvm', 'support_largememory']
    """
    return dict(_FEATURE_LABELS)


# ---------------------------------------------------------------------------------------
# Private helpers
# ---------------------------------------------------------------------------------------
def _as_documented(s: pd.Series) -> pd.Series:
    """An enum column as a categorical with the documented values first, even if the user changed its dtype."""
    values = _VALUES.get(str(s.name), ())
    if not values or isinstance(s.dtype, pd.CategoricalDtype):
        return s
    seen = [v for v in pd.unique(s.dropna().astype(str)) if v not in values]
    return pd.Series(pd.Categorical(s.astype(object).where(s.notna(), None), categories=[*values, *seen]),
                     index=s.index, name=s.name)


def _crosstab(g: np.ndarray, ng: int, c: np.ndarray, nc: int, w: np.ndarray | None = None) -> np.ndarray:
    return _bincount(g * nc + c, ng * nc, w).reshape(ng, nc)


def _index(labels: Sequence[str], name: str | None) -> pd.Index:
    return pd.Index(list(labels), dtype=object, name=name)


def _utc(ts: Any, name: str = "as_of") -> pd.Timestamp:
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


def resolve_as_of(df: pd.DataFrame, as_of: Any = None) -> tuple[pd.Timestamp, str]:
    """The reference time that ages are measured at, and where it came from.

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
        return _utc(as_of), "argument"
    meta = getattr(df, "attrs", {}).get("imgkit")  # a Dask frame has no attrs
    fetched = meta.get("fetched_at") if isinstance(meta, dict) else None
    if fetched is not None and not pd.isna(fetched):
        return _utc(fetched), "fetched_at"
    latest = _dask.computed(df["updated_at"].max()) if "updated_at" in df.columns and len(df) else pd.NaT
    return (pd.NaT if pd.isna(latest) else _utc(latest)), "latest updated_at"


def _stamp(result: Any, as_of: pd.Timestamp, source: str) -> Any:
    result.attrs["as_of"] = as_of
    result.attrs["as_of_source"] = source
    return result


# ---------------------------------------------------------------------------------------
# Public functions
# ---------------------------------------------------------------------------------------
def os_distribution(
    df: pd.DataFrame,
    *,
    by: str | None = None,
    level: str = "platform",
    normalize: bool = False,
    top: int | None = None,
) -> pd.Series | pd.DataFrame:
    """Count images by operating system, overall or per group.

    Parameters
    ----------
    df : pandas.DataFrame
        A typed image frame.
    by : str, optional
        ``None`` for the whole frame, ``"owner"`` per tenant, or any other column
        (``"imagetype"``, ``"visibility"``, ``"status"``...).
    level : {"platform", "os_type", "os_version", "os_bit"}
        What to count by.
    normalize : bool, default False
        Shares (0..1) within each group instead of counts.
    top : int, optional
        Keep the `top` most frequent categories (over the whole frame), largest
        first, and fold the rest into ``"Other"`` (merged with the documented
        platform ``"Other"``), then ``"(missing)"``, which is never folded. Without it, every documented category appears in the schema's
        order, even when empty, then undocumented values, then ``"(missing)"``.

    Returns
    -------
    pandas.Series or pandas.DataFrame
        ``by=None``: a Series indexed by category (index name = `level`), named
        ``"count"`` or ``"share"``. Otherwise a DataFrame, one row per group
        (index name = `by`, ordering as in the module notes), one column per
        category. Counts are ``int64``, shares ``float64`` (NaN for an empty frame).

    Raises
    ------
    ConfigError
        On an unknown `level`, a `by` that is not a column, or a bad `top`.

    Examples
    --------
    >>> df = pd.DataFrame({"owner": ["t1", "t1", "t2"],
    ...                    "platform": pd.Categorical(["Ubuntu", "CentOS", "Ubuntu"])})
    >>> imgkit.os_distribution(df)
    platform
    CentOS    1
    Ubuntu    2
    Name: count, dtype: int64
    >>> imgkit.os_distribution(df, by="owner", normalize=True).to_dict("index")
    {'t1': {'CentOS': 0.5, 'Ubuntu': 0.5}, 't2': {'CentOS': 0.0, 'Ubuntu': 1.0}}
    """
    check_argument("level", _LEVELS, level)
    _require(df, [level])
    _check_by(df, by)
    if _dask.is_dask(df):
        return _dask.aggregate(_os_distribution, df, [by, level], by=by, level=level, normalize=normalize, top=top)
    return _os_distribution(df, None, by=by, level=level, normalize=normalize, top=top)


def _os_distribution(
    df: pd.DataFrame, w: np.ndarray | None, *, by: str | None, level: str, normalize: bool, top: int | None
) -> pd.Series | pd.DataFrame:
    g, glabels, _ = _groups(df, by, w)
    c, clabels, _ = _codes(_as_documented(df[level]), w)
    table = pd.DataFrame(
        _crosstab(g, len(glabels), c, len(clabels), w),
        index=_index(glabels, by),
        columns=_index(clabels, level),
    )
    table = _fold_top(table, top)
    table.columns.name = level
    if normalize:
        table = table.div(table.sum(axis=1).replace(0, np.nan), axis=0)
    if by is None:
        s = table.iloc[0].rename("share" if normalize else "count")
        s.index.name = level
        return s
    return _named(table, df, by, how="index")


def age_profile(df: pd.DataFrame, *, by: str | None = None, as_of: Any = None) -> pd.DataFrame:
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
    _require(df, ["created_at"])
    _check_by(df, by)
    when, source = resolve_as_of(df, as_of)
    if _dask.is_dask(df):
        return _dask.aggregate(_age_profile, df, [by, "created_at"], by=by, when=when, source=source)
    return _age_profile(df, None, by=by, when=when, source=source)


def _weighted_quantiles(g: np.ndarray, x: np.ndarray, w: np.ndarray, ng: int) -> tuple[np.ndarray, np.ndarray]:
    """Per group, the median and the 0.9 quantile of `x` where each value occurs `w` times.

    Exactly pandas' ``groupby().median()`` / ``.quantile(0.9)`` (linear interpolation) of the expanded values,
    without expanding them.
    """
    order = np.lexsort((x, g))
    g, x, w = g[order], x[order], w[order]
    cum = np.cumsum(w)
    n = _bincount(g, ng, w)
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


def _age_profile(
    df: pd.DataFrame, w: np.ndarray | None, *, by: str | None, when: pd.Timestamp, source: str
) -> pd.DataFrame:
    g, glabels, sizes = _groups(df, by, w)
    ng = len(glabels)
    days = _age_days(df["created_at"], when)
    dated = ~np.isnan(days)
    gd, dd = g[dated], days[dated]
    wd = None if w is None else w[dated]
    n_dated = _bincount(gd, ng, wd)
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
        index=_index(glabels, by),
    )
    for col in ("oldest", "newest"):
        out[col] = pd.to_datetime(out[col], utc=True).astype("datetime64[ns, UTC]")
    with np.errstate(invalid="ignore", divide="ignore"):
        for years in _YEARS:
            older = np.bincount(gd, weights=(dd > 365 * years) * (1 if wd is None else wd), minlength=ng)
            out[f"older_{years}y"] = np.where(n_dated > 0, older / np.maximum(n_dated, 1), np.nan)
    return _stamp(_named(out, df, by), when, source)


def os_features(df: pd.DataFrame) -> pd.DataFrame:
    """The OS features of ``os_feature_list`` (``__os_feature_list``) as one typed column per feature.

    The listing keeps ``os_feature_list`` as compact JSON text (keys sorted), which any pandas
    I/O writes and reads back as it is; this expands it: one row per image (the frame's index),
    ``id`` first, then one column per feature key in name order. A column whose values are all
    ``"true"``/``"false"`` (any case) or JSON booleans is ``boolean``; any other is ``string``
    (JSON text for nested values). An image without the key, or without a feature list, is NA.

    Parameters
    ----------
    df : DataFrame
        A frame from :func:`imgkit.read_images` (or a subset of one).

    Returns
    -------
    DataFrame

    Raises
    ------
    ConfigError
        If the frame has no ``id`` or ``os_feature_list`` column.

    Examples
    --------
    >>> df = imgkit.read_images([
    ...     {"id": "a", "__os_feature_list": '{"onekey_resetpasswd": "true", "nic_hotplug": "false"}'},
    ...     {"id": "b"}], errors="ignore")
    >>> df["os_feature_list"].iat[0]
    '{"nic_hotplug":"false","onekey_resetpasswd":"true"}'
    >>> imgkit.os_features(df)
      id  nic_hotplug  onekey_resetpasswd
    0  a        False                True
    1  b         <NA>                <NA>
    """
    _require(df, ["id", "os_feature_list"])
    import orjson

    texts = df["os_feature_list"].tolist()
    rows = [orjson.loads(t) if isinstance(t, str) else {} for t in texts]
    keys = sorted({k for r in rows for k in r})
    out = pd.DataFrame({"id": df["id"].to_numpy()}, index=df.index)
    for k in keys:
        values = [r.get(k) for r in rows]
        present = [v for v in values if v is not None]
        if all(isinstance(v, bool) or (isinstance(v, str) and v.lower() in ("true", "false")) for v in present):
            out[k] = pd.array([None if v is None else v if isinstance(v, bool) else v.lower() == "true"
                               for v in values], dtype="boolean")
        else:
            out[k] = pd.array([None if v is None else v if isinstance(v, str) else orjson.dumps(v).decode()
                               for v in values], dtype=df["id"].dtype if isinstance(df["id"].dtype, pd.StringDtype)
                              else "string")
    return out


def stale_images(
    df: pd.DataFrame, *, older_than: pd.Timedelta | str, by: str = "created_at", as_of: Any = None
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
    check_argument("by", _DATETIME_COLUMNS, by)
    _require(df, [by])
    if isinstance(older_than, (bool, int, float, np.number)):  # pd.Timedelta(365) would be 365 nanoseconds
        raise ConfigError(f"`older_than` must be a duration such as '365D', got the number {older_than!r}")
    try:
        delta = pd.Timedelta(older_than)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"`older_than` must be a duration such as '365D', got {older_than!r}") from exc
    if pd.isna(delta):
        raise ConfigError(f"`older_than` must be a duration such as '365D', got {older_than!r}")
    when, source = resolve_as_of(df, as_of)
    days = _age_days(df[by], when)
    with np.errstate(invalid="ignore"):
        mask = days > delta / pd.Timedelta(days=1)
    return _stamp(df[mask], when, source)


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
    _require(df, ["created_at"])
    _check_by(df, by)
    try:
        offset = pd.tseries.frequencies.to_offset(freq)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"`freq` must be a pandas frequency such as 'MS', got {freq!r}") from exc
    if _dask.is_dask(df):
        return _dask.aggregate(_creation_timeline, df, [by, "created_at"], by=by, offset=offset, freq=freq,
                               cumulative=cumulative)
    return _creation_timeline(df, None, by=by, offset=offset, freq=freq, cumulative=cumulative)


def _creation_timeline(
    df: pd.DataFrame, w: np.ndarray | None, *, by: str | None, offset: Any, freq: str, cumulative: bool
) -> pd.DataFrame:
    g, glabels, _ = _groups(df, by, w)
    i8, na = _ns(df["created_at"])
    dated = ~na
    i8, g = i8[dated], g[dated]
    w = None if w is None else w[dated]
    if len(i8):
        first, last = pd.Timestamp(i8.min(), tz="UTC"), pd.Timestamp(i8.max(), tz="UTC")
        if isinstance(offset, pd.offsets.Tick):
            start = first.floor(offset)
            periods = (last - start) // pd.Timedelta(offset) + 1
            if periods > _MAX_PERIODS:
                raise ConfigError(
                    f"`freq` {freq!r} makes {periods:,} periods from {first:%Y-%m-%d} to {last:%Y-%m-%d} "
                    f"(at most {_MAX_PERIODS:,}); use a coarser frequency such as 'D', 'W' or 'MS'"
                )
        else:
            start = offset.rollback(first.normalize())
        edges = pd.date_range(start, last, freq=offset, unit="ns")
        bins = np.searchsorted(edges.asi8, i8, side="right") - 1
        counts = _crosstab(bins, len(edges), g, len(glabels), w)
        present = counts.sum(axis=0) > 0
        table = pd.DataFrame(
            counts[:, present],
            index=edges.rename("created_at"),
            columns=_index([lab for lab, p in zip(glabels, present) if p], by),
        )
    else:
        table = pd.DataFrame(
            index=pd.DatetimeIndex([], tz="UTC", name="created_at").as_unit("ns"),
            columns=_index([], by),
            dtype=np.int64,
        )
    table = table.astype(np.int64)
    return _named(table.cumsum() if cumulative else table, df, by, how="columns")


def _feature_matrix(df: pd.DataFrame, features: Sequence[str]) -> np.ndarray:
    """Boolean array (images x features): does each image support each feature."""
    out = np.zeros((len(df), len(features)), dtype=bool)
    for j, name in enumerate(features):
        if name == "uefi":
            col = df["hw_firmware_type"] == "uefi"
        elif name == "cloud_init_injection":
            col = df["support_fc_inject"] != True  # noqa: E712 (NA -> supported)
        elif name in _ACCEL_COLUMNS:
            col = df[name].notna()
        else:
            col = df[name] == True  # noqa: E712 (NA -> not supported)
        out[:, j] = np.asarray(col.fillna(False) if hasattr(col, "fillna") else col, dtype=bool)
    return out


def _check_features(features: Iterable[str] | str | None) -> list[str]:
    if features is None:
        return list(_FEATURE_LABELS)
    if isinstance(features, str):
        features = [features]
    features = list(features)
    for name in features:
        check_argument("features", _FEATURE_LABELS, name)
    return features


def _feature_sources(features: Sequence[str]) -> list[str]:
    special = {"uefi": "hw_firmware_type", "cloud_init_injection": "support_fc_inject"}
    return [special.get(f, f) for f in features]


def feature_support(
    df: pd.DataFrame, *, by: str | None = "owner", features: Iterable[str] | None = None, normalize: bool = True
) -> pd.DataFrame:
    """Which capabilities the images support, per group, with a totals row.

    Parameters
    ----------
    df : pandas.DataFrame
        A typed image frame.
    by : str or None, default "owner"
        One row per tenant (``"owner"``), per value of another column, or ``None``
        for the totals row only.
    features : list of str, optional
        Feature names (keys of :func:`feature_labels`); default all, in that order.
    normalize : bool, default True
        Share (0..1) of the group's images supporting each feature; ``False`` for
        counts.

    Returns
    -------
    pandas.DataFrame
        One row per group (ordered as in the module notes) plus a last totals row
        labelled ``"All tenants"`` (``by="owner"``) or ``"All images"``; one column
        per feature name (use :func:`feature_labels` to display them). ``float64``
        shares (NaN for an empty frame) or ``int64`` counts. On a plain Glance listing
        (``df.attrs["imgkit"]["dialect"] == "glance"``) the Huawei-only features (every
        feature but ``uefi``) are unknown: NaN shares, NA (``Int64``) counts.

    Raises
    ------
    ConfigError
        On an unknown feature name, a `by` that is not a column, or a frame
        lacking a column a feature is computed from.

    Examples
    --------
    >>> df = pd.DataFrame({"owner": ["t1", "t1", "t2"],
    ...                    "hw_firmware_type": pd.Categorical(["uefi", "bios", "uefi"]),
    ...                    "support_fc_inject": pd.array([True, False, False], dtype="boolean")})
    >>> fs = imgkit.feature_support(df, features=["uefi", "cloud_init_injection"], normalize=False)
    >>> fs.to_dict("index")
    {'t1': {'uefi': 1, 'cloud_init_injection': 1}, 't2': {'uefi': 1, 'cloud_init_injection': 1}, 'All tenants': {'uefi': 2, 'cloud_init_injection': 2}}
    >>> imgkit.feature_support(df, features="uefi")["uefi"].round(2).tolist()
    [0.5, 1.0, 0.67]
    """
    _check_by(df, by)
    names = _check_features(features)
    _require(df, _feature_sources(names))
    if _dask.is_dask(df):
        return _dask.aggregate(_feature_support, df, [by, *_feature_sources(names)], by=by, names=names,
                               normalize=normalize)
    result = _feature_support(df, None, by=by, names=names, normalize=normalize)
    unknown = _unknown_features(df, names)
    if unknown:  # a Glance listing says nothing about Huawei's capabilities: unknown, not 0% or 100%
        for c in unknown:
            result[c] = np.nan if normalize else pd.array([pd.NA] * len(result), dtype="Int64")
    return result


def _unknown_features(df: pd.DataFrame, names: Sequence[str]) -> list[str]:
    """The features of `names` that a listing of `df`'s dialect cannot tell (Huawei-only ones on Glance)."""
    meta = df.attrs.get("imgkit") if isinstance(df.attrs.get("imgkit"), dict) else {}
    if meta.get("dialect") != "glance":
        return []
    sources = _feature_sources(names)
    return [n for n, src in zip(names, sources) if (f := field_for_column(src)) is not None and f.ims_only]


def _feature_support(
    df: pd.DataFrame, w: np.ndarray | None, *, by: str | None, names: list[str], normalize: bool
) -> pd.DataFrame:
    g, glabels, sizes = _groups(df, by, w) if by is not None else (np.zeros(len(df), dtype=np.intp), [], np.array([]))
    matrix = _feature_matrix(df, names)
    ng = len(glabels)
    counts = np.empty((ng + 1, len(names)), dtype=np.int64)
    for j in range(len(names)):
        sel = matrix[:, j]
        ws = None if w is None else w[sel]
        counts[:ng, j] = _bincount(g[sel], ng, ws)[:ng] if ng else []
        counts[ng, j] = int(sel.sum()) if ws is None else int(ws.sum())
    total_label = ALL_TENANTS if by == "owner" else ALL_IMAGES
    index = _index([*glabels, total_label], by)
    result = pd.DataFrame(counts, index=index, columns=pd.Index(names, dtype=object, name="feature"))
    if normalize:
        denom = np.append(np.asarray(sizes, dtype=float), float(_total(df, w)))
        denom[denom == 0] = np.nan
        result = result.div(denom, axis=0)
    return _named(result, df, by, how="index")


def _classify(s: pd.Series, mapping: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Per-row class from `mapping` (-1 for other values) and the missing mask, via category codes."""
    cat = s if isinstance(s.dtype, pd.CategoricalDtype) else s.astype("category")
    lookup = np.array([mapping.get(str(c), -1) for c in cat.cat.categories] + [-1], dtype=np.intp)
    codes = cat.cat.codes.to_numpy()
    return lookup[codes], codes < 0  # code -1 (NA) picks the trailing -1


def _image_class(df: pd.DataFrame) -> np.ndarray:
    """0=public, 1=private, 2=shared, 3=market, -1=none; by imagetype, else visibility."""
    by_type, type_na = _classify(df["imagetype"], {"gold": 0, "private": 1, "shared": 2, "market": 3})
    by_vis, _ = _classify(df["visibility"], {"public": 0, "private": 1, "shared": 2, "community": 2})
    return np.where(type_na, by_vis, by_type)


def _platform_text(row: np.ndarray, labels: Sequence[str], shown: int = 3) -> str:
    order = sorted((i for i in range(len(row)) if row[i] > 0), key=lambda i: (-row[i], i))
    names = [labels[i] for i in order]
    if len(names) <= shown:
        return ", ".join(names)
    return ", ".join(names[:shown]) + f" +{len(names) - shown} more"


def tenant_summary(df: pd.DataFrame, *, as_of: Any = None) -> pd.DataFrame:
    """One row per tenant (``owner``): the first table an operator looks at.

    Parameters
    ----------
    df : pandas.DataFrame
        A typed image frame.
    as_of : str, datetime or Timestamp, optional
        Reference time of ``median_age_days``; default as :func:`resolve_as_of`.
        Recorded in ``result.attrs["as_of"]`` / ``result.attrs["as_of_source"]``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``owner`` (largest tenant first, missing owner as ``"(missing)"``),
        with columns:

        ``images``
            number of images (int64);
        ``public``, ``private``, ``shared``, ``market``
            counts by ``imagetype`` (gold = public, private, shared, market); an
            image without ``imagetype`` is classed by ``visibility`` (public,
            private, shared or community = shared); other values are in none of
            the four;
        ``platforms``
            the platforms by frequency, e.g. ``"Ubuntu, CentOS"``; beyond three,
            ``"Ubuntu, CentOS, Debian +2 more"``; missing platforms are listed as
            ``"(missing)"``;
        ``n_platforms``
            number of distinct platforms (missing not counted);
        ``median_age_days``
            median age since ``created_at`` at `as_of` (float days);
        ``oldest``, ``newest``
            min and max ``created_at``;
        ``storage_bytes``
            sum of ``image_size``, or of ``size`` where that is absent (a Glance
            listing; IMS sends ``size`` 0) (``Int64`` bytes; NA when no image of the
            tenant has a size).

    Raises
    ------
    ConfigError
        When the frame lacks one of the columns above or `as_of` is not a
        date/time.

    Examples
    --------
    >>> df = pd.DataFrame({"owner": ["t1", "t1", "t2"],
    ...                    "imagetype": pd.Categorical(["gold", "private", None]),
    ...                    "visibility": pd.Categorical(["public", "private", "shared"]),
    ...                    "platform": pd.Categorical(["Ubuntu", "CentOS", "Ubuntu"]),
    ...                    "created_at": pd.to_datetime(["2020-01-01", "2023-01-01", "2023-07-01"], utc=True),
    ...                    "image_size": pd.array([10, 20, None], dtype="Int64")})
    >>> ts = imgkit.tenant_summary(df, as_of="2024-01-01")
    >>> ts[["images", "public", "private", "shared", "platforms", "median_age_days"]].to_dict("list")
    {'images': [2, 1], 'public': [1, 0], 'private': [1, 0], 'shared': [0, 1], 'platforms': ['CentOS, Ubuntu', 'Ubuntu'], 'median_age_days': [913.0, 184.0]}
    >>> ts["storage_bytes"].tolist()
    [30, <NA>]
    """
    columns = ["owner", "platform", "created_at", "image_size", "imagetype", "visibility"]
    _require(df, columns)
    when, source = resolve_as_of(df, as_of)
    if _dask.is_dask(df):
        return _dask.aggregate(_tenant_summary, df, columns + (["size"] if "size" in df.columns else []),
                               when=when, source=source)
    return _tenant_summary(df, None, when=when, source=source)


def _tenant_summary(df: pd.DataFrame, w: np.ndarray | None, *, when: pd.Timestamp, source: str) -> pd.DataFrame:
    g, glabels, sizes = _groups(df, "owner", w)
    ng = len(glabels)
    cls = _image_class(df)
    keep = cls >= 0
    classes = _crosstab(g[keep], ng, cls[keep], 4, None if w is None else w[keep])
    pc, plabels, _ = _codes(df["platform"])
    per_platform = _crosstab(g, ng, pc, len(plabels), w)
    real = np.array([lab != MISSING for lab in plabels], dtype=bool)
    profile = _age_profile(df, w, by="owner", when=when, source=source)
    size = df["image_size"].reset_index(drop=True)
    if "size" in df.columns:  # Glance has no __image_size: its byte `size` (IMS sends 0 there: unused)
        raw = df["size"].reset_index(drop=True)
        size = size.fillna(raw.where(raw > 0))
    if w is not None:
        size = size * w
    storage = size.groupby(g).sum(min_count=1).reindex(range(ng)).astype("Int64")
    out = pd.DataFrame(
        {
            "images": sizes.astype(np.int64),
            "public": classes[:, 0],
            "private": classes[:, 1],
            "shared": classes[:, 2],
            "market": classes[:, 3],
            "platforms": pd.array([_platform_text(row, plabels) for row in per_platform], dtype="string"),
            "n_platforms": (per_platform[:, real] > 0).sum(axis=1).astype(np.int64),
        },
        index=_index(glabels, "owner"),
    )
    out["median_age_days"] = profile["median_age_days"].to_numpy()
    out["oldest"] = profile["oldest"].to_numpy()
    out["newest"] = profile["newest"].to_numpy()
    out["storage_bytes"] = storage.to_numpy()
    for col in ("oldest", "newest"):
        out[col] = pd.to_datetime(out[col], utc=True).astype("datetime64[ns, UTC]")
    out["storage_bytes"] = out["storage_bytes"].astype("Int64")
    return _stamp(_named(out, df, "owner"), profile.attrs["as_of"], profile.attrs["as_of_source"])


def _as_list(values: Any) -> list[Any]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        return [values]
    return list(values)


def _isin(s: pd.Series, values: Any) -> np.ndarray:
    values = _as_list(values)
    wanted = [v for v in values if v != MISSING and not (v is None or (isinstance(v, float) and np.isnan(v)))]
    mask = np.array(s.isin(wanted).fillna(False), dtype=bool)
    if len(wanted) < len(values):
        mask = mask | np.asarray(s.isna(), dtype=bool)
    return mask


def filter_images(
    df: pd.DataFrame,
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
    """The rows matching every given filter (``None`` = no filter on that field).

    Parameters
    ----------
    df : pandas.DataFrame
        A typed image frame.
    tenants, platforms, os_types, statuses, visibilities, imagetypes : str or list of str, optional
        Keep images whose ``owner`` / ``platform`` / ``os_type`` / ``status`` /
        ``visibility`` / ``imagetype`` is one of the values (a single string is one
        value). ``"(missing)"`` (or ``None``) in the list matches a missing value.
        An empty list keeps nothing.
    created_between : (start, end), optional
        Keep images with ``start <= created_at < end`` (half-open, so
        ``("2024-01-01", "2025-01-01")`` is the year 2024). Either bound may be
        ``None`` (open); a time without zone is read as UTC. Images without
        ``created_at`` are dropped by this filter.
    features : str or list of str, optional
        Feature names (keys of :func:`feature_labels`); keep images supporting
        all of them.

    Returns
    -------
    pandas.DataFrame
        A row subset of `df` (same columns, index and ``attrs``).

    Raises
    ------
    ConfigError
        On an unknown feature name or a malformed `created_between` (not a pair,
        or a bound that is not a date/time).

    Examples
    --------
    >>> df = pd.DataFrame({"id": ["a", "b", "c"],
    ...                    "platform": pd.Categorical(["Ubuntu", "CentOS", None]),
    ...                    "hw_firmware_type": pd.Categorical(["uefi", "uefi", "bios"]),
    ...                    "created_at": pd.to_datetime(["2020-01-01", "2024-03-01", None], utc=True)})
    >>> imgkit.filter_images(df, platforms=["Ubuntu", "(missing)"])["id"].tolist()
    ['a', 'c']
    >>> imgkit.filter_images(df, features=["uefi"], created_between=("2024-01-01", None))["id"].tolist()
    ['b']
    """
    mask = np.ones(len(df), dtype=bool)
    for column, values in (
        ("owner", tenants),
        ("platform", platforms),
        ("os_type", os_types),
        ("status", statuses),
        ("visibility", visibilities),
        ("imagetype", imagetypes),
    ):
        if values is not None:
            _require(df, [column])
            mask &= _isin(df[column], values)
    if created_between is not None:
        if isinstance(created_between, (str, bytes)) or len(created_between) != 2:
            raise ConfigError(f"`created_between` must be a (start, end) pair, got {created_between!r}")
        _require(df, ["created_at"])
        start, end = created_between
        i8, na = _ns(df["created_at"])
        mask &= ~na
        if start is not None:
            mask &= i8 >= _utc(start, "created_between").as_unit("ns").value
        if end is not None:
            mask &= i8 < _utc(end, "created_between").as_unit("ns").value
    if features is not None:
        names = _check_features(features)
        _require(df, _feature_sources(names))
        mask &= _feature_matrix(df, names).all(axis=1)
    return df[mask]
