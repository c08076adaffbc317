"""Type aliases of imgkit's public signatures, written once (pandas' ``_typing.py`` pattern)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterable, Mapping
from typing import IO, Any, Literal, TypeAlias

import pandas as pd

#: What to do with a value that cannot be typed: warn (default), raise, or ignore.
Errors: TypeAlias = Literal["warn", "raise", "ignore"]
#: The loader's parser: auto (fast, falling back to exact), fast, exact.
Engine: TypeAlias = Literal["auto", "fast", "exact"]
#: Which fields every image must carry: ims (Huawei Cloud IMS / OTC), glance, or auto-detect.
Dialect: TypeAlias = Literal["auto", "ims", "glance"]
#: A compute backend of the archive.
Backend: TypeAlias = Literal["pandas", "dask"]
#: A file system path.
PathLike: TypeAlias = "str | os.PathLike[str]"
#: Anything read_images reads: a path, text, bytes, an open file, a page dict, a list of images or pages.
Source: TypeAlias = (
    "str | bytes | bytearray | memoryview | os.PathLike[str] | IO[Any] | Mapping[str, Any] | Iterable[Any]"
)
#: The reference time of an analysis: a timestamp, its text, a date, or None (the frame's own time).
AsOf: TypeAlias = "pd.Timestamp | dt.datetime | dt.date | str | None"
#: A duration: pandas Timedelta text ("365D"), a Timedelta, or days as a number.
Duration: TypeAlias = "str | pd.Timedelta | dt.timedelta | int | float"
#: A grouping column, or None for all images.
By: TypeAlias = "str | None"
#: Family of an image: a column name, or a function of the row.
Family: TypeAlias = "str | Callable[[pd.Series], Any] | None"
#: A listing given to an analysis: a typed image frame, or anything read_images reads.
Listing: TypeAlias = "pd.DataFrame | Source"
#: Snapshots of a listing over time: folders, {time: listing}, a list of listings, or one folder of snapshot folders.
Snapshots: TypeAlias = "PathLike | Mapping[Any, Any] | Iterable[Any]"
#: Filters of the archive: pyarrow-style ``[(column, op, value), ...]`` or a list of such lists (OR of ANDs).
Filters: TypeAlias = "list[tuple[str, str, Any]] | list[list[tuple[str, str, Any]]] | None"
#: Tenant names: ``{project_id: name}``, a CSV path, a DataFrame or Series, or "keystone".
TenantNames: TypeAlias = "Mapping[str, str] | PathLike | pd.DataFrame | pd.Series | str"
#: matplotlib rc parameters.
RcParams: TypeAlias = "dict[Any, Any]"

__all__ = [
    "AsOf",
    "Backend",
    "By",
    "Dialect",
    "Duration",
    "Engine",
    "Errors",
    "Family",
    "PathLike",
    "RcParams",
    "Source",
]
