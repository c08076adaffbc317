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
* :mod:`._typing` -- per-kind typing of a raw column, with findings;
* :mod:`._frame` -- assembly, unknown keys, duplicate ids, findings and metadata;
* :mod:`._read` -- :func:`read_images`; :mod:`._parquet` -- :func:`to_parquet` / :func:`read_parquet`.
"""

from __future__ import annotations

from ._parquet import read_parquet, to_parquet
from ._read import read_images

__all__ = ["read_images", "read_parquet", "to_parquet"]
