"""Parquet: :func:`to_parquet` / :func:`read_parquet` keep every dtype and the load metadata."""

from __future__ import annotations

import os

import orjson
import pandas as pd
import pyarrow as pa

from imgkit.errors import SourceError
from imgkit.io._coerce import LIST_DTYPE, LIST_TYPE, STRING_DTYPE, json_text, object_column, pd_list
from imgkit.io._frame import imgkit_version
from imgkit.validate import findings_from_json, findings_text

__all__ = ["read_parquet", "to_parquet"]

PARQUET_KEY = b"imgkit"


def to_parquet(df: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write a typed image frame to Parquet, keeping every dtype and the load metadata.

    Lists (``tags``) are stored as Parquet lists, dicts and other objects as JSON text;
    :func:`read_parquet` restores them, the categories, and ``df.attrs["imgkit"]``
    (source, :term:`fetched_at`, findings).

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
    raw = (table.schema.metadata or {}).get(PARQUET_KEY)
    df = table.to_pandas()
    for name, typ in zip(table.schema.names, table.schema.types):
        if typ == LIST_TYPE and df[name].dtype != LIST_DTYPE:
            df[name] = pd_list(table.column(name).combine_chunks())
        elif isinstance(df[name].dtype, pd.StringDtype) and df[name].dtype != STRING_DTYPE:
            df[name] = df[name].astype(STRING_DTYPE)  # pandas < 3 restores string[python]
    info = orjson.loads(raw) if raw else {}
    for c in info.pop("json_columns", []):
        df[c] = object_column([orjson.loads(v) if isinstance(v, str) else None for v in df[c]])
    if isinstance(info.get("findings"), list):  # files written before findings were JSON text
        info["findings"] = findings_text(findings_from_json(info["findings"]))
    info.pop("columns", None)  # files written before the column mapping left attrs
    info.setdefault("source", str(path))
    df.attrs["imgkit"] = info
    return df
