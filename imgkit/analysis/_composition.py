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
    ``"latest updated_at"``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from imgkit._typing import AsOf
from imgkit._validators import check_argument, check_by, require_columns
from imgkit.analysis import _dask
from imgkit.analysis._age import age_profile_table
from imgkit.analysis._core import (
    AGE_LEVELS,
    ALL_IMAGES,
    ALL_TENANTS,
    MISSING,
    as_documented,
    as_of_stamp,
    crosstab_counts,
    fold_top,
    group_codes,
    group_index,
    group_rows,
    resolve_as_of,
    total_images,
    weighted_bincount,
)
from imgkit.analysis._tenants import named_tenants
from imgkit.schema import FIELDS, field_for_column

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
    check_argument("level", AGE_LEVELS, level)
    require_columns(df, [level])
    check_by(df, by)
    if _dask.is_dask(df):
        return _dask.aggregate(_os_distribution, df, [by, level], by=by, level=level, normalize=normalize, top=top)
    return _os_distribution(df, None, by=by, level=level, normalize=normalize, top=top)


def _os_distribution(
    df: pd.DataFrame, w: np.ndarray | None, *, by: str | None, level: str, normalize: bool, top: int | None
) -> pd.Series | pd.DataFrame:
    g, glabels, _ = group_rows(df, by, w)
    c, clabels, _ = group_codes(as_documented(df[level]), w)
    table = pd.DataFrame(
        crosstab_counts(g, len(glabels), c, len(clabels), w),
        index=group_index(glabels, by),
        columns=group_index(clabels, level),
    )
    table = fold_top(table, top)
    table.columns.name = level
    if normalize:
        table = table.div(table.sum(axis=1).replace(0, np.nan), axis=0)
    if by is None:
        s = table.iloc[0].rename("share" if normalize else "count")
        s.index.name = level
        return s
    return named_tenants(table, df, by, how="index")


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
    require_columns(df, ["id", "os_feature_list"])
    import orjson

    texts = df["os_feature_list"].tolist()
    rows = [orjson.loads(t) if isinstance(t, str) else {} for t in texts]
    keys = sorted({k for r in rows for k in r})
    out = pd.DataFrame({"id": df["id"].to_numpy()}, index=df.index)
    for k in keys:
        values = [r.get(k) for r in rows]
        present = [v for v in values if v is not None]
        if all(isinstance(v, bool) or (isinstance(v, str) and v.lower() in ("true", "false")) for v in present):
            out[k] = pd.array(
                [None if v is None else v if isinstance(v, bool) else v.lower() == "true" for v in values],
                dtype="boolean",
            )
        else:
            out[k] = pd.array(
                [None if v is None else v if isinstance(v, str) else orjson.dumps(v).decode() for v in values],
                dtype=df["id"].dtype if isinstance(df["id"].dtype, pd.StringDtype) else "string",
            )
    return out


def feature_matrix(df: pd.DataFrame, features: Sequence[str]) -> np.ndarray:
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


def check_features(features: Iterable[str] | str | None) -> list[str]:
    if features is None:
        return list(_FEATURE_LABELS)
    if isinstance(features, str):
        features = [features]
    features = list(features)
    for name in features:
        check_argument("features", _FEATURE_LABELS, name)
    return features


def feature_sources(features: Sequence[str]) -> list[str]:
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
    check_by(df, by)
    names = check_features(features)
    require_columns(df, feature_sources(names))
    if _dask.is_dask(df):
        return _dask.aggregate(
            _feature_support, df, [by, *feature_sources(names)], by=by, names=names, normalize=normalize
        )
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
    sources = feature_sources(names)
    return [n for n, src in zip(names, sources) if (f := field_for_column(src)) is not None and f.ims_only]


def _feature_support(
    df: pd.DataFrame, w: np.ndarray | None, *, by: str | None, names: list[str], normalize: bool
) -> pd.DataFrame:
    g, glabels, sizes = (
        group_rows(df, by, w) if by is not None else (np.zeros(len(df), dtype=np.intp), [], np.array([]))
    )
    matrix = feature_matrix(df, names)
    ng = len(glabels)
    counts = np.empty((ng + 1, len(names)), dtype=np.int64)
    for j in range(len(names)):
        sel = matrix[:, j]
        ws = None if w is None else w[sel]
        counts[:ng, j] = weighted_bincount(g[sel], ng, ws)[:ng] if ng else []
        counts[ng, j] = int(sel.sum()) if ws is None else int(ws.sum())
    total_label = ALL_TENANTS if by == "owner" else ALL_IMAGES
    index = group_index([*glabels, total_label], by)
    result = pd.DataFrame(counts, index=index, columns=pd.Index(names, dtype=object, name="feature"))
    if normalize:
        denom = np.append(np.asarray(sizes, dtype=float), float(total_images(df, w)))
        denom[denom == 0] = np.nan
        result = result.div(denom, axis=0)
    return named_tenants(result, df, by, how="index")


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


def tenant_summary(df: pd.DataFrame, *, as_of: AsOf = None) -> pd.DataFrame:
    """One row per :term:`tenant` (``owner``): the first table an operator looks at.

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
    require_columns(df, columns)
    when, source = resolve_as_of(df, as_of)
    if _dask.is_dask(df):
        return _dask.aggregate(
            _tenant_summary, df, columns + (["size"] if "size" in df.columns else []), when=when, source=source
        )
    return _tenant_summary(df, None, when=when, source=source)


def _tenant_summary(df: pd.DataFrame, w: np.ndarray | None, *, when: pd.Timestamp, source: str) -> pd.DataFrame:
    g, glabels, sizes = group_rows(df, "owner", w)
    ng = len(glabels)
    cls = _image_class(df)
    keep = cls >= 0
    classes = crosstab_counts(g[keep], ng, cls[keep], 4, None if w is None else w[keep])
    pc, plabels, _ = group_codes(df["platform"])
    per_platform = crosstab_counts(g, ng, pc, len(plabels), w)
    real = np.array([lab != MISSING for lab in plabels], dtype=bool)
    profile = age_profile_table(df, w, by="owner", when=when, source=source)
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
        index=group_index(glabels, "owner"),
    )
    out["median_age_days"] = profile["median_age_days"].to_numpy()
    out["oldest"] = profile["oldest"].to_numpy()
    out["newest"] = profile["newest"].to_numpy()
    out["storage_bytes"] = storage.to_numpy()
    for col in ("oldest", "newest"):
        out[col] = pd.to_datetime(out[col], utc=True).astype("datetime64[ns, UTC]")
    out["storage_bytes"] = out["storage_bytes"].astype("Int64")
    return as_of_stamp(named_tenants(out, df, "owner"), profile.attrs["as_of"], profile.attrs["as_of_source"])
