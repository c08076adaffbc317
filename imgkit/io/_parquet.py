"""Parquet: :func:`to_parquet` / :func:`read_parquet` keep every dtype and the load metadata."""

from __future__ import annotations

import os

import orjson
import pandas as pd
import pyarrow as pa

from ..errors import SourceError
from ..validate import Findings, findings_frame
from ._frame import _version
from ._typing import _LIST_DTYPE, _LIST_TYPE, _STRING, _json_text, _object_column, _pd_list

__all__ = ["read_parquet", "to_parquet"]

_PARQUET_KEY = b"imgkit"


def to_parquet(df: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write a typed image frame to Parquet, keeping every dtype and the load metadata.

    Lists (``tags``) are stored as Parquet lists, dicts and other objects as JSON text;
    :func:`read_parquet` restores them, the categories, and ``df.attrs["imgkit"]``
    (source, fetched_at, findings).

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
            out[c] = [None if v is None else _json_text(v) for v in out[c]]
    findings = meta.get("findings")
    fdf = findings.to_frame() if isinstance(findings, Findings) else findings_frame()
    info = {
        "source": meta.get("source"),
        "fetched_at": None if meta.get("fetched_at") is None else pd.Timestamp(meta["fetched_at"]).isoformat(),
        "columns": meta.get("columns", {}),
        "json_columns": json_cols,
        "findings": orjson.loads(fdf.astype(object).where(fdf.notna(), None).to_json(orient="records")),
        "api": meta.get("api"),
        "filters": meta.get("filters"),
        "imgkit_version": meta.get("imgkit_version", _version()),
    }
    out.attrs = {}
    table = pa.Table.from_pandas(out, preserve_index=False)
    schema_meta = dict(table.schema.metadata or {})
    # pandas cannot rebuild an ArrowDtype(list) from its own metadata: mark those columns plain lists
    pandas_meta = orjson.loads(schema_meta[b"pandas"])
    for col in pandas_meta.get("columns", []):
        if isinstance(out.get(col.get("name")), pd.Series) and out[col["name"]].dtype == _LIST_DTYPE:
            col.update(pandas_type="list[unicode]", numpy_type="object", metadata=None)
    schema_meta[b"pandas"] = orjson.dumps(pandas_meta)
    schema_meta[_PARQUET_KEY] = orjson.dumps(info)
    table = table.replace_schema_metadata(schema_meta)
    pq.write_table(table, os.fspath(path))


def read_parquet(path: str | os.PathLike) -> pd.DataFrame:
    """Read a Parquet file written by :func:`to_parquet` back into a typed image frame.

    Examples
    --------
    See :func:`to_parquet`.
    """
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(os.fspath(path))
    except (OSError, pa.ArrowInvalid) as exc:
        raise SourceError(f"cannot read Parquet file: {exc}", source=str(path)) from None
    raw = (table.schema.metadata or {}).get(_PARQUET_KEY)
    df = table.to_pandas()
    for name, typ in zip(table.schema.names, table.schema.types):
        if typ == _LIST_TYPE:
            df[name] = _pd_list(table.column(name).combine_chunks())
        elif isinstance(df[name].dtype, pd.StringDtype) and df[name].dtype != _STRING:
            df[name] = df[name].astype(_STRING)  # pandas < 3 restores string[python]
    info = orjson.loads(raw) if raw else {}
    for c in info.get("json_columns", []):
        df[c] = _object_column([orjson.loads(v) if isinstance(v, str) else None for v in df[c]])
    fdf = findings_frame([tuple(r.get(k) for k in ("source", "row", "image_id", "column", "field", "value", "rule",
                                                     "action")) for r in info.get("findings", [])])
    df.attrs["imgkit"] = {
        "columns": info.get("columns", {}),
        "source": info.get("source") or str(path),
        "fetched_at": pd.Timestamp(info["fetched_at"]) if info.get("fetched_at") else None,
        "findings": Findings(fdf),
        "imgkit_version": info.get("imgkit_version"),
        **({"api": info["api"]} if info.get("api") else {}),
        **({"filters": info["filters"]} if info.get("filters") else {}),
    }
    return df
