"""Read image listings into typed pandas DataFrames.

The one typing path of imgkit. Two parsers feed it:

* the **fast path** splits a listing into NDJSON and parses it column-wise with
  ``pyarrow.json`` under an explicit schema derived from :data:`imgkit.schema.FIELDS`;
* the **exact path** parses with ``orjson`` and builds the same Arrow columns in Python.

Both hand Arrow columns to :func:`_type_arrow`, which applies the schema's typing rules and
records a finding for every value it cannot type. When the fast path meets data it cannot
take exactly (a number where a string was declared, a mixed-type unknown key, a JSON syntax
error), the exact path takes over and names the problem precisely. Which engine ran, and why, is in
``df.attrs["imgkit"]["engine"]``.

The package keeps one private module per seam, behind this small public surface:

* :mod:`._sources` -- paths, directories, gzip, open files, JSON text, dicts -> raw chunks/segments;
* :mod:`._fast` and :mod:`._exact` -- the two engines (raw columns of a listing);
* :mod:`._coerce` -- per-kind typing of a raw column, with findings;
* :mod:`._frame` -- assembly, unknown keys, duplicate ids, findings and metadata;
* :mod:`._read` -- :func:`read_images`; :mod:`._parquet` -- :func:`to_parquet` / :func:`read_parquet`;
* :mod:`._snapshot` -- the on-disk snapshot format (a folder of raw API pages), both ways;
* :mod:`._servers` -- :func:`read_servers` / :func:`read_volumes`, on the same sources.
"""

from __future__ import annotations

from imgkit.io._coerce import MAX_DEPTH, MAX_EXAMPLES
from imgkit.io._export import neutralise, safe_table, to_safe_csv
from imgkit.io._frame import MAX_UNKNOWN_KEYS, OTHER_KEYS
from imgkit.io._lists import StringListArray, StringListDtype, register_dask
from imgkit.io._parquet import PARQUET_KEY, read_parquet, to_parquet
from imgkit.io._parse import MAX_DECOMPRESSED
from imgkit.io._plain import concat, to_csv, to_excel, to_sql
from imgkit.io._read import read_images
from imgkit.io._references import MEMBER_FIELDS, SCALING_CONFIG_FIELDS, read_members, read_scaling_configs
from imgkit.io._servers import all_tenants_fetched, read_servers, read_volumes
from imgkit.io._snapshot import (
    PAGE_NAME,
    RESERVED_PARAMS,
    SNAPSHOT_META,
    combine,
    commit_snapshot,
    page_files,
    prepare_snapshot,
    snapshot_meta,
)

__all__ = [
    "MAX_DECOMPRESSED",
    "MAX_DEPTH",
    "MAX_EXAMPLES",
    "MAX_UNKNOWN_KEYS",
    "OTHER_KEYS",
    "all_tenants_fetched",
    "MEMBER_FIELDS",
    "SCALING_CONFIG_FIELDS",
    "read_members",
    "read_scaling_configs",
    "PAGE_NAME",
    "StringListArray",
    "StringListDtype",
    "PARQUET_KEY",
    "RESERVED_PARAMS",
    "SNAPSHOT_META",
    "combine",
    "concat",
    "neutralise",
    "commit_snapshot",
    "page_files",
    "prepare_snapshot",
    "read_images",
    "read_parquet",
    "read_servers",
    "read_volumes",
    "register_dask",
    "safe_table",
    "snapshot_meta",
    "to_csv",
    "to_excel",
    "to_parquet",
    "to_sql",
    "to_safe_csv",
]
