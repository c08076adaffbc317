"""Analyses of a typed image frame: composition, age, tenants, cleanup, changes and history.

Statistics apart from drawing (seaborn's ``_statistics`` pattern): every function here returns a
table; :mod:`imgkit.plotting` draws them.
"""

from imgkit.analysis._age import age_profile, creation_timeline, stale_images
from imgkit.analysis._changes import ListingDiff, diff_listings, fmt_time, load_listing, value_text
from imgkit.analysis._cleanup import (
    GIB,
    IMAGE_KINDS,
    cleanup_candidates,
    huawei_cloud_prices,
    image_bytes,
    image_family,
    image_kind,
    image_usage,
    storage_cost,
)
from imgkit.analysis._composition import (
    feature_labels,
    feature_sources,
    feature_support,
    os_distribution,
    os_features,
    tenant_summary,
)
from imgkit.analysis._core import (
    ALL_IMAGES,
    ALL_TENANTS,
    MISSING,
    OTHER,
    age_days,
    as_documented,
    crosstab_counts,
    fold_top,
    group_codes,
    group_rows,
    resolve_as_of,
    to_utc,
)
from imgkit.analysis._dask import aggregate, available, require_dask
from imgkit.analysis._filter import filter_images
from imgkit.analysis._history import history, is_history, trend, trend_table
from imgkit.analysis._tenants import display_labels, label_tenants, names_for, tenant_ids

__all__ = [
    "GIB",
    "IMAGE_KINDS",
    "huawei_cloud_prices",
    "image_kind",
    "ALL_IMAGES",
    "ALL_TENANTS",
    "ListingDiff",
    "MISSING",
    "OTHER",
    "age_days",
    "age_profile",
    "aggregate",
    "as_documented",
    "available",
    "cleanup_candidates",
    "creation_timeline",
    "crosstab_counts",
    "diff_listings",
    "display_labels",
    "feature_labels",
    "feature_sources",
    "feature_support",
    "filter_images",
    "fmt_time",
    "fold_top",
    "group_codes",
    "group_rows",
    "history",
    "image_bytes",
    "image_family",
    "image_usage",
    "is_history",
    "label_tenants",
    "load_listing",
    "names_for",
    "os_distribution",
    "os_features",
    "require_dask",
    "resolve_as_of",
    "stale_images",
    "storage_cost",
    "tenant_ids",
    "tenant_summary",
    "to_utc",
    "trend",
    "trend_table",
    "value_text",
]
