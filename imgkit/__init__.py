"""imgkit: the image catalogue of Huawei Cloud IMS / OpenStack Glance v2 clouds as typed pandas frames.

The data path, one module per concern:
schema -> load (read_images) / fetch (fetch_images) -> typed frame -> analysis -> plots / widgets / report.
"""

from __future__ import annotations

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
from .schema import FIELDS, api_to_column, column_to_api, describe_columns

__version__ = "0.1.0"

__all__ = [
    "FIELDS",
    "ApiError",
    "AuthError",
    "ConfigError",
    "ImgkitError",
    "ImgkitWarning",
    "PaginationError",
    "SchemaError",
    "SourceError",
    "__version__",
    "api_to_column",
    "column_to_api",
    "describe_columns",
]
