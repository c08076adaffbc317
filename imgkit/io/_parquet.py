"""Parquet: :func:`to_parquet` / :func:`read_parquet` keep every dtype and the load metadata."""

from __future__ import annotations

import os

import orjson
import pandas as pd
import pyarrow as pa

from imgkit.errors import SourceError
from imgkit.io._coerce import LIST_DTYPE, STRING_DTYPE, json_text, object_column
from imgkit.io._frame import imgkit_version
from imgkit.validate import findings_from_json, findings_text

__all__ = ["read_parquet", "to_parquet"]

PARQUET_KEY = b"imgkit"


def to_parquet(df: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write a typed image frame to Parquet, keeping every dtype and the load metadata.

    The file is what ``df.to_parquet(path)`` writes, plus imgkit's metadata: any Parquet reader takes it, with or
    without imgkit (``pd.read_parquet``, Dask, polars, DuckDB). Lists (``tags``) are Parquet lists of strings, dicts
    and other objects JSON text; :func:`read_parquet` restores them (a plain ``pd.read_parquet`` gives a list column
    as NumPy arrays), the categories and ``df.attrs["imgkit"]`` (source, :term:`fetched_at`, findings).

    Parameters
    ----------
    df : pandas.DataFrame
        A typed image frame (:func:`imgkit.read_images`, :func:`imgkit.fetch_images`...).
    path : str or os.PathLike
        The file to write (replaced if it exists).

    Returns
    -------
    None

    Examples
    --------
    >>> import tempfile, os
    >>> df = imgkit.read_images("data/seed_example_response.json")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     imgkit.to_parquet(df, os.path.join(d, "x.parquet"))
    ...     back = imgkit.read_parquet(os.path.join(d, "x.parquet"))
    >>> back.dtypes.equals(df.dtypes), back["tags"].tolist()
    (True, [[], []])
    """
    import pyarrow.parquet as pq

    meta = dict(df.attrs.get("imgkit") or {})
    out = df.copy()
    json_cols = []
    for c in out.columns:
        if out[c].dtype == object:
            json_cols.append(c)
            out[c] = [None if v is None else json_text(v) for v in out[c]]
    meta.setdefault("imgkit_version", imgkit_version())
    info = {**meta, "json_columns": json_cols}  # attrs hold JSON values only (see imgkit.validate)
    out.attrs = {}
    table = pa.Table.from_pandas(out, preserve_index=False)
    schema_meta = dict(table.schema.metadata or {})
    schema_meta[PARQUET_KEY] = orjson.dumps(info)
    table = table.replace_schema_metadata(schema_meta)
    pq.write_table(table, os.fspath(path))


def read_parquet(path: str | os.PathLike) -> pd.DataFrame:
    """Read a Parquet file written by :func:`to_parquet` back into a typed image frame.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`to_parquet` (or any Parquet file of image columns).

    Returns
    -------
    pandas.DataFrame
        The frame with every dtype and ``df.attrs["imgkit"]`` (source, fetched_at, findings) as written.

    Raises
    ------
    SourceError
        When the file is missing or is not Parquet.

    Examples
    --------
    See :func:`to_parquet` for a round trip.

    >>> imgkit.read_parquet("no-such-file.parquet")
    Traceback (most recent call last):
    ...
    imgkit.errors.SourceError: no-such-file.parquet: cannot read Parquet file: ...
    """
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(os.fspath(path))
    except (OSError, pa.ArrowInvalid) as exc:
        raise SourceError(f"cannot read Parquet file: {exc}", source=str(path)) from None
    schema_meta = table.schema.metadata or {}
    raw = schema_meta.get(PARQUET_KEY)
    if raw is None and b"PANDAS_ATTRS" in schema_meta:  # written by df.to_parquet: pandas stores attrs there
        try:
            attrs = orjson.loads(schema_meta[b"PANDAS_ATTRS"])
        except orjson.JSONDecodeError:
            raise SourceError("the pandas attrs of the Parquet file are not JSON", source=str(path)) from None
        if isinstance(attrs, dict) and "imgkit" in attrs:
            raw = orjson.dumps(attrs["imgkit"])
    info = _metadata(raw, str(path))
    # Lists and text by their Arrow type, not by the dtype names in the pandas metadata: files written before
    # StringListDtype name "list<item: string>[pyarrow]" there, which pandas cannot parse.
    df = table.to_pandas(types_mapper=_pandas_type)
    json_columns = info.pop("json_columns", [])
    for c in json_columns:
        if c not in df.columns:
            raise SourceError(f"the imgkit metadata names a JSON column {c!r} the file does not have", source=str(path))
        df[c] = object_column([_json_value(v, c, str(path)) for v in df[c]])
    if isinstance(info.get("findings"), list):  # files written before findings were JSON text
        info["findings"] = findings_text(findings_from_json(info["findings"]))
    info.pop("columns", None)  # files written before the column mapping left attrs
    info.setdefault("source", str(path))
    df.attrs["imgkit"] = info
    return df


def _pandas_type(t: pa.DataType) -> object:
    if pa.types.is_list(t) and pa.types.is_string(t.value_type):
        return LIST_DTYPE
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return STRING_DTYPE
    return None


#: The keys of the imgkit metadata in a Parquet file, with the types their values must have.
_META_TYPES: dict[str, tuple[type, ...]] = {
    "source": (str, type(None)),
    "fetched_at": (str, type(None)),
    "imgkit_version": (str,),
    "findings": (str, list),
    "dialect": (str,),
    "engine": (str, dict),
    "unknown_keys": (dict,),
    "json_columns": (list,),
}


def _metadata(raw: bytes | None, source: str) -> dict:
    """The imgkit metadata of a Parquet file; anything but what :func:`to_parquet` writes is a SourceError."""
    if raw is None:
        return {}
    try:
        info = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise SourceError("the imgkit metadata of the Parquet file is not JSON", source=source) from None
    if not isinstance(info, dict):
        raise SourceError("the imgkit metadata of the Parquet file is not a JSON object", source=source)
    for key, kinds in _META_TYPES.items():
        if key in info and not isinstance(info[key], kinds):
            raise SourceError(
                f"the imgkit metadata key {key!r} of the Parquet file has the wrong type ({type(info[key]).__name__})",
                source=source,
            )
    if not all(isinstance(c, str) for c in info.get("json_columns", [])):
        raise SourceError("the imgkit metadata's json_columns are not column names", source=source)
    findings = info.get("findings")
    try:
        findings_from_json(findings)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, orjson.JSONDecodeError):
        raise SourceError("the imgkit metadata's findings are not imgkit findings", source=source) from None
    return info


def _json_value(text: object, column: str, source: str) -> object:
    if not isinstance(text, str):
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        raise SourceError(
            f"column {column!r} should hold JSON text (the imgkit metadata says so)", source=source
        ) from None
