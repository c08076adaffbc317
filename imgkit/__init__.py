"""imgkit: the image catalogue of Huawei Cloud IMS / OpenStack Glance v2 clouds as typed pandas frames.

The data path, one module per concern:
schema -> load (read_images) / fetch (fetch_images) -> typed frame -> analysis -> plots / widgets / report.
"""

from __future__ import annotations

from . import _pandas_compat  # noqa: F401  (pandas reads list columns back from Parquet/Feather by name)
from . import accessor as _accessor  # noqa: F401  (registers the df.imgkit accessor)
from .analysis import (
    age_profile,
    creation_timeline,
    feature_labels,
    feature_support,
    filter_images,
    os_distribution,
    os_features,
    resolve_as_of,
    stale_images,
    tenant_summary,
)
from .archive import Archive
from .demo import evolve_listing, generate_listing, load_demo, write_listing
from .demo_servers import load_demo_servers
from .errors import (
    ApiError,
    AuthError,
    ConfigError,
    ImgkitError,
    ImgkitWarning,
    PaginationError,
    SchemaError,
    SourceError,
)
from .fetch import fetch_images, fetch_servers
from .history import ListingDiff, diff_listings, history, plot_diff_summary, plot_trend, trend
from .io import read_images, read_parquet, to_parquet
from .plotting import (
    platform_colors,
    plot_age,
    plot_creation_timeline,
    plot_feature_support,
    plot_os_distribution,
)
from .report import build_report
from .schema import FIELDS, api_to_column, column_to_api, describe_columns
from .servers import read_servers
from .cleanup import cleanup_candidates, image_usage, storage_cost
from .tenants import label_tenants
from .validate import validate

__version__ = "0.1.0"

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
    "fetch_images",
    "fetch_servers",
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
