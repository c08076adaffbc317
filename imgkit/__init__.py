"""imgkit: the image catalogue of Huawei Cloud IMS / OpenStack Glance v2 clouds as typed pandas frames.

The layout is the data path (each layer imports only the layers below it; ``lint-imports`` checks it):
``schema`` / ``validate`` -> ``io`` (read_images) -> ``fetch`` (fetch_images) -> ``analysis`` -> ``plotting``
-> ``archive`` / ``demo`` -> ``report`` / ``widgets`` / ``accessor`` -> ``cli``.
"""

from __future__ import annotations

from imgkit import accessor as _accessor  # noqa: F401  (registers the df.imgkit accessor)
from imgkit._version import __version__
from imgkit.analysis import (
    ListingDiff,
    age_profile,
    cleanup_candidates,
    creation_timeline,
    diff_listings,
    feature_labels,
    feature_support,
    filter_images,
    history,
    image_usage,
    label_tenants,
    os_distribution,
    os_features,
    resolve_as_of,
    stale_images,
    storage_cost,
    tenant_summary,
    trend,
)
from imgkit.archive import Archive
from imgkit.demo import evolve_listing, generate_listing, load_demo, load_demo_servers, write_listing
from imgkit.errors import (
    ApiError,
    AuthError,
    ConfigError,
    ImgkitError,
    ImgkitWarning,
    PaginationError,
    SchemaError,
    SourceError,
)
from imgkit.fetch import (
    FetchConfig,
    fetch_images,
    fetch_members,
    fetch_scaling_configs,
    fetch_servers,
    fetch_volumes,
)
from imgkit.io import (
    read_images,
    read_parquet,
    read_servers,
    to_parquet,
)
from imgkit.plotting import (
    platform_colors,
    plot_age,
    plot_creation_timeline,
    plot_diff_summary,
    plot_feature_support,
    plot_os_distribution,
    plot_trend,
)
from imgkit.report import build_report
from imgkit.schema import FIELDS, api_to_column, column_to_api, describe_columns
from imgkit.validate import validate

__all__ = [
    "FIELDS",
    "Archive",
    "ListingDiff",
    "ApiError",
    "AuthError",
    "ConfigError",
    "ImgkitError",
    "ImgkitWarning",
    "PaginationError",
    "SchemaError",
    "SourceError",
    "__version__",
    "age_profile",
    "build_report",
    "creation_timeline",
    "feature_labels",
    "feature_support",
    "filter_images",
    "os_distribution",
    "os_features",
    "platform_colors",
    "plot_age",
    "plot_creation_timeline",
    "plot_diff_summary",
    "plot_feature_support",
    "plot_os_distribution",
    "plot_trend",
    "resolve_as_of",
    "stale_images",
    "tenant_summary",
    "api_to_column",
    "column_to_api",
    "describe_columns",
    "diff_listings",
    "evolve_listing",
    "FetchConfig",
    "fetch_images",
    "fetch_members",
    "fetch_scaling_configs",
    "fetch_servers",
    "fetch_volumes",
    "generate_listing",
    "history",
    "load_demo",
    "load_demo_servers",
    "read_images",
    "read_parquet",
    "read_servers",
    "image_usage",
    "cleanup_candidates",
    "storage_cost",
    "label_tenants",
    "to_parquet",
    "trend",
    "validate",
    "write_listing",
]
