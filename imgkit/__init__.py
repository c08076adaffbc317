"""imgkit: the image catalogue of Huawei Cloud IMS / OpenStack Glance v2 clouds as typed pandas frames.

The layout is the data path (each layer imports only the layers below it; ``lint-imports`` checks it):
``schema`` / ``validate`` -> ``io`` (read_images) -> ``fetch`` (fetch_images) -> ``analysis`` -> ``plotting``
-> ``archive`` / ``demo`` -> ``report`` / ``widgets`` / ``accessor`` -> ``cli``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from imgkit import accessor as _accessor  # noqa: F401  (registers the df.imgkit accessor)
from imgkit._version import __version__
from imgkit.analysis import (
    ListingDiff,
    age_profile,
    cleanup_candidates,
    creation_timeline,
    diff_listings,
    eol_images,
    feature_labels,
    feature_support,
    filter_images,
    history,
    image_usage,
    label_tenants,
    os_distribution,
    os_eol_table,
    os_features,
    resolve_as_of,
    stale_images,
    storage_cost,
    tenant_summary,
    trend,
)
from imgkit.demo import evolve_listing, generate_listing, load_demo, load_demo_servers, load_demo_tenants, write_listing
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
from imgkit.io import (
    StringListDtype,
    concat,
    read_images,
    read_members,
    read_parquet,
    read_scaling_configs,
    read_servers,
    to_excel,
    to_parquet,
    to_sql,
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
    "ReportContext",
    "SchemaError",
    "SourceError",
    "StringListDtype",
    "__version__",
    "age_profile",
    "build_report",
    "creation_timeline",
    "feature_labels",
    "feature_support",
    "filter_images",
    "os_distribution",
    "os_eol_table",
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
    "concat",
    "describe_columns",
    "diff_listings",
    "eol_images",
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
    "load_demo_tenants",
    "read_images",
    "read_parquet",
    "read_servers",
    "read_scaling_configs",
    "read_members",
    "image_usage",
    "cleanup_candidates",
    "storage_cost",
    "label_tenants",
    "to_excel",
    "to_parquet",
    "to_sql",
    "trend",
    "validate",
    "write_listing",
]

if TYPE_CHECKING:
    from imgkit.archive import Archive
    from imgkit.fetch import (
        FetchConfig,
        fetch_images,
        fetch_members,
        fetch_scaling_configs,
        fetch_servers,
        fetch_volumes,
    )
    from imgkit.report import build_report

#: Names whose module loads on first use, so ``import imgkit`` stays close to ``import pandas``
#: (bench/bench_import.py): the HTTP/auth stack (requests, urllib3, PyYAML) is for fetching only; the report's
#: page kit and the archive load when first used.
_LAZY = {"Archive": "imgkit.archive", "build_report": "imgkit.report", "ReportContext": "imgkit.report"} | {
    name: "imgkit.fetch"
    for name in (
        "FetchConfig",
        "fetch_images",
        "fetch_members",
        "fetch_scaling_configs",
        "fetch_servers",
        "fetch_volumes",
    )
}


#: Public modules reached as attributes (``imgkit.cleanup.huawei_cloud_prices``), imported on first use.
_SUBMODULES = ("cleanup", "testing")


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module(f"imgkit.{name}")
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'imgkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | set(_SUBMODULES))
