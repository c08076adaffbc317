"""Read image listings into typed pandas DataFrames.

The one typing path of imgkit. Two parsers feed it:

* the **fast path** splits a listing into NDJSON and parses it column-wise with
  ``pyarrow.json`` under an explicit schema derived from :data:`imgkit.schema.FIELDS`;
* the **exact path** parses with ``orjson`` and builds the same Arrow columns in Python.

Both hand Arrow columns to :func:`_type_arrow`, which applies the schema's typing rules and
records a finding for every value it cannot type. When the fast path meets data it cannot
take exactly (a number where a string was declared, a mixed-type unknown key, a JSON syntax
error), the exact path takes over and names the problem precisely. Which parser ran is in
``df.attrs["imgkit"]["parser"]``.
"""

from __future__ import annotations

import gc
import gzip
import os
import warnings
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal, Union

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._checks import check_argument
from ._fast import Segment, fast_frame, present_rows
from .errors import ImgkitWarning, SchemaError, SourceError
from .schema import FIELDS, Field, api_to_column, field_for_api
from .validate import Findings, findings_frame, frame_findings

__all__ = ["read_images", "read_parquet", "to_parquet"]

Errors = Literal["warn", "raise", "ignore"]
Source = Union[str, bytes, bytearray, memoryview, os.PathLike, IO, Mapping, Iterable]

SNAPSHOT_META = "_imgkit_snapshot.json"
_SUFFIXES = (".json", ".jsonl", ".ndjson")
_MISSING = object()
_DT_DTYPE = "datetime64[ns, UTC]"
_STRING = pd.StringDtype("pyarrow")
#: Threads typing the columns of the fast parser's Arrow table (Arrow's kernels release the GIL).
_TYPING_WORKERS = min(4, os.cpu_count() or 1)


# --------------------------------------------------------------------------------------------
# Sources -> raw records
# --------------------------------------------------------------------------------------------
@dataclass
class _Chunk:
    """Raw records from one source (a file, a page, an object)."""

    source: str
    records: list[Any]


@dataclass
class _Collected:
    chunks: list[_Chunk] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    description: str = ""


def _version() -> str:
    from . import __version__

    return __version__


def _describe(obj: Any) -> str:
    if isinstance(obj, (str, os.PathLike)):
        return os.fspath(obj)
    name = getattr(obj, "name", None)
    if isinstance(name, str):
        return name
    return f"<{type(obj).__name__}>"


def _looks_like_json_text(s: str) -> bool:
    t = s.lstrip()
    return t.startswith("{") or t.startswith("[")


def _decompress(data: bytes, desc: str) -> bytes:
    if data[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(data)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise SourceError(f"corrupt gzip data ({exc})", source=desc) from None
    return data


def _loads(data: bytes | str, desc: str, *, line: int | None = None) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        lineno = getattr(exc, "lineno", None)
        colno = getattr(exc, "colno", None)
        if line is not None:
            lineno, colno = line, colno
        msg = str(exc).split(": line")[0]
        raise SourceError(f"malformed JSON: {msg}", source=desc, line=lineno, column=colno) from None


def _is_ndjson_name(name: str) -> bool:
    n = name.lower()
    if n.endswith(".gz"):
        n = n[:-3]
    return n.endswith((".jsonl", ".ndjson"))


def _parse_bytes(data: bytes, desc: str, *, ndjson: bool = False) -> list[_Chunk]:
    data = _decompress(data, desc)
    if not data.strip():
        raise SourceError("empty input: no JSON document", source=desc)
    if ndjson:
        records: list[Any] = []
        for i, line in enumerate(data.splitlines(), start=1):
            if not line.strip():
                continue
            obj = _loads(line, desc, line=i)
            if isinstance(obj, dict) and "images" in obj and isinstance(obj.get("images"), list):
                records.extend(obj["images"])
            else:
                records.append(obj)
        return [_Chunk(desc, records)]
    return _from_document(_loads(data, desc), desc)


def _error_body_text(doc: Mapping) -> str | None:
    inner = doc.get("error")
    if isinstance(inner, Mapping) and ("message" in inner or "code" in inner):
        return f"{inner.get('code', '')} {inner.get('message', '')}".strip()
    if "error_code" in doc or "error_msg" in doc:
        return f"{doc.get('error_code', '')} {doc.get('error_msg', '')}".strip()
    if "code" in doc and "title" in doc and "message" in doc and "id" not in doc:
        return f"{doc.get('code')} {doc.get('message')}".strip()
    return None


def _from_document(doc: Any, desc: str, *, depth: int = 0) -> list[_Chunk]:
    """Find the images in one parsed JSON document."""
    if isinstance(doc, list):
        if doc and all(isinstance(x, Mapping) and isinstance(x.get("images"), list) for x in doc):
            return [c for i, page in enumerate(doc, 1) for c in _from_document(page, f"{desc} page {i}")]
        return [_Chunk(desc, doc)]
    if not isinstance(doc, Mapping):
        raise SourceError(f"expected a JSON object or array, got {type(doc).__name__}", source=desc)
    if "images" in doc:
        images = doc["images"]
        if not isinstance(images, list):
            raise SourceError(f"'images' must be a JSON array, got {type(images).__name__}", source=desc)
        return [_Chunk(desc, images)]
    err = _error_body_text(doc)
    if err is not None:
        raise SourceError(f"this is an API error response, not an image listing: {err}", source=desc)
    if "properties" in doc and ("links" in doc or "additionalProperties" in doc):
        raise SourceError("this is a JSON schema (/v2/schemas/image), not an image listing", source=desc)
    if "id" in doc and any(k in doc for k in ("status", "name", "owner", "visibility", "self")):
        return [_Chunk(desc, [doc])]
    if depth < 2:
        for value in doc.values():
            if isinstance(value, Mapping):
                try:
                    return _from_document(value, desc, depth=depth + 1)
                except SourceError:
                    continue
    keys = ", ".join(sorted(map(str, doc))[:8])
    raise SourceError(f"no images found (a page has an 'images' array; top-level keys: {keys})", source=desc)


def _listing_name(name: str) -> bool:
    """A file name imgkit reads as a listing: .json, .jsonl or .ndjson, optionally .gz."""
    return name.lower().removesuffix(".gz").endswith(_SUFFIXES)


def _unsupported_name(name: str) -> bool:
    """A file name with a suffix imgkit does not read (a name without any suffix is sniffed instead)."""
    return "." in name.lower().removesuffix(".gz") and not _listing_name(name)


def _read_path(path: Path) -> list[_Chunk]:
    desc = str(path)
    name = path.name.lower()
    if _unsupported_name(name):
        raise SourceError(
            f"unsupported file type '{Path(name.removesuffix('.gz')).suffix}': imgkit reads .json, .jsonl and .ndjson files "
            "(optionally .gz), directories of them, and .parquet files written by imgkit.to_parquet",
            source=desc,
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read file: {exc.strerror or exc}", source=desc) from None
    return _parse_bytes(data, desc, ndjson=_is_ndjson_name(name))


def _page_files(path: Path) -> list[Path]:
    return sorted(
        p for p in path.iterdir() if p.is_file() and not p.name.startswith((".", "_")) and _listing_name(p.name)
    )


def _snapshot_meta(path: Path) -> dict[str, Any]:
    """What a snapshot written by fetch_images says about itself (endpoint, api, filters, fetched_at)."""
    meta_file = path / SNAPSHOT_META
    if not meta_file.is_file():
        return {}
    meta = _loads(meta_file.read_bytes(), str(meta_file))
    if not isinstance(meta, Mapping):
        raise SourceError("snapshot metadata must be a JSON object", source=str(meta_file))
    return {k: meta[k] for k in ("endpoint", "api", "filters", "fetched_at", "pages") if k in meta}


def _directory(path: Path) -> tuple[list[Path], _Collected]:
    """A directory's page files, and what it says about itself (snapshot metadata, the files read)."""
    files = _page_files(path)
    return files, _Collected(meta={**_snapshot_meta(path), "files": [p.name for p in files]}, description=str(path))


def _read_directory(path: Path) -> _Collected:
    files, out = _directory(path)
    if not files:
        raise SourceError("directory holds no .json/.jsonl/.ndjson page files", source=str(path))
    for p in files:
        out.chunks.extend(_read_path(p))
    return out


def _collect(source: Any) -> _Collected:
    """Turn any supported source into raw record chunks (no typing)."""
    if isinstance(source, (str, os.PathLike)):
        if isinstance(source, str) and _looks_like_json_text(source):
            return _Collected(_parse_bytes(source.encode(), "<str>"), description="<str>")
        path = Path(source)
        if path.is_dir():
            return _read_directory(path)
        if not path.exists():
            raise SourceError("no such file or directory", source=str(path))
        return _Collected(_read_path(path), description=str(path))
    if isinstance(source, (bytes, bytearray, memoryview)):
        return _Collected(_parse_bytes(bytes(source), "<bytes>"), description="<bytes>")
    if hasattr(source, "read"):
        desc = _describe(source)
        data = source.read()
        if isinstance(data, str):
            data = data.encode()
        return _Collected(_parse_bytes(data, desc, ndjson=_is_ndjson_name(desc)), description=desc)
    if isinstance(source, Mapping):
        return _Collected(_from_document(source, "<dict>"), description="<dict>")
    if isinstance(source, pd.DataFrame):
        raise SourceError("already a DataFrame; pass the raw listing (file, pages, records)", source="<DataFrame>")
    if isinstance(source, Iterable):
        items = list(source)
        if items and all(isinstance(x, Mapping) and isinstance(x.get("images"), list) for x in items):
            chunks = [_Chunk(f"page {i}", list(x["images"])) for i, x in enumerate(items, 1)]
            return _Collected(chunks, description=f"{len(items)} page(s)")
        if items and all(isinstance(x, (str, bytes, os.PathLike)) and not _looks_like_json_text(str(x))
                         for x in items if not isinstance(x, Mapping)) and not any(isinstance(x, Mapping) for x in items):
            col = _Collected(description=f"{len(items)} file(s)")
            for x in items:
                sub = _collect(x)
                col.chunks.extend(sub.chunks)
            return col
        return _Collected([_Chunk("<list>", items)], description="<list>")
    raise SourceError(f"unsupported source type {type(source).__name__}", source=_describe(source))


# --------------------------------------------------------------------------------------------
# Typing: raw columns -> typed pandas arrays, with findings
# --------------------------------------------------------------------------------------------
class _Ctx:
    """Row context for findings: image ids and per-row sources/positions."""

    def __init__(self, ids: Any, sources: Any, positions: Any) -> None:
        self.ids = ids
        self.sources = sources
        self.positions = positions
        self.rows: list[tuple[Any, ...]] = []

    def child(self) -> _Ctx:
        """A context for one column's typing: same rows, its own findings (so columns can be typed in threads)."""
        return _Ctx(self.ids, self.sources, self.positions)

    def add(self, i: int, column: str, api: str, value: Any, rule: str, action: str) -> None:
        raw = None if value is None else value if isinstance(value, str) else _json_text(value)
        iid = self.ids[i]
        self.rows.append(
            (self.sources[i], int(self.positions[i]), iid if isinstance(iid, str) else None, column, api, raw, rule,
             action)
        )


def _json_text(value: Any) -> str:
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return repr(value)


def _to_text_values(values: list[Any]) -> list[str | None]:
    """JSON-ish text for every non-null value (bools as true/false)."""
    out: list[str | None] = []
    for v in values:
        if v is None or v is _MISSING:
            out.append(None)
        elif isinstance(v, str):
            out.append(v)
        else:
            out.append(_json_text(v))
    return out


def _arrow_from_values(values: list[Any]) -> pa.Array:
    """An Arrow array of the column's JSON type; text when the JSON types are mixed."""
    types = {type(v) for v in values}
    types.discard(type(None))
    if type(_MISSING) in types:
        types.discard(type(_MISSING))
        values = [None if v is _MISSING else v for v in values]
    if not types or types == {str}:
        return pa.array(values, pa.string())
    if types == {bool}:
        return pa.array(values, pa.bool_())
    if types == {int}:
        try:
            return pa.array(values, pa.int64())
        except (OverflowError, pa.ArrowInvalid):
            pass
    elif types == {float}:
        return pa.array(values, pa.float64())
    return pa.array(_to_text_values(values), pa.string())


def _pd_bool(arr: pa.Array) -> Any:
    mask = arr.is_null().to_numpy(zero_copy_only=False)
    vals = arr.fill_null(False).to_numpy(zero_copy_only=False).astype(bool)
    return pd.arrays.BooleanArray(vals, mask)


def _pd_int(arr: pa.Array) -> Any:
    mask = arr.is_null().to_numpy(zero_copy_only=False)
    vals = arr.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    return pd.arrays.IntegerArray(vals, mask)


def _chunked(arr: Any) -> pa.ChunkedArray:
    return arr if isinstance(arr, pa.ChunkedArray) else pa.chunked_array([arr], type=arr.type)


def _pd_string(arr: Any) -> Any:
    if not pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.large_string())
    return _STRING.construct_array_type()(_chunked(arr))


_LIST_TYPE = pa.list_(pa.string())
_LIST_DTYPE = pd.ArrowDtype(_LIST_TYPE)


def _pd_list(arr: Any) -> Any:
    """A list-of-strings column (``ArrowDtype(list<string>)``; each cell reads as a Python list)."""
    if arr.type != _LIST_TYPE:
        arr = arr.cast(_LIST_TYPE)
    arr = arr.fill_null(pa.scalar([], _LIST_TYPE))
    return pd.arrays.ArrowExtensionArray(_chunked(arr))


def _bad_positions(invalid: pa.Array) -> np.ndarray:
    return np.flatnonzero(invalid.fill_null(False).to_numpy(zero_copy_only=False))


def _is_text(arr: Any) -> bool:
    return pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)


def _as_text(arr: pa.Array) -> pa.Array:
    if _is_text(arr):
        return arr
    if pa.types.is_null(arr.type):
        return arr.cast(pa.string())
    return pa.array(_to_text_values(arr.to_pylist()), pa.string())


def _blank_to_null(arr: pa.Array) -> pa.Array:
    """Empty (or all-blank) strings -> null."""
    return pc.if_else(pc.equal(pc.utf8_trim_whitespace(arr), ""), pa.scalar(None, arr.type), arr)


def _type_text(f: Field, arr: pa.Array, ctx: _Ctx, *, blank_to_na: bool) -> Any:
    if not _is_text(arr) and not pa.types.is_null(arr.type):
        for i in _bad_positions(arr.is_valid()):
            ctx.add(i, f.column, f.api, arr[i].as_py(), "type", "converted to text")
    arr = _as_text(arr)
    if blank_to_na:
        arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, arr.type), arr)
    return _pd_string(arr)


def _type_bool(f: Field, arr: pa.Array, ctx: _Ctx) -> Any:
    if pa.types.is_boolean(arr.type):
        out = arr
    else:
        arr = _as_text(arr)
        norm = pc.utf8_lower(pc.utf8_trim_whitespace(arr))
        is_true = pc.equal(norm, "true")
        is_false = pc.equal(norm, "false")
        ok = pc.or_(pc.or_(is_true, is_false), pc.equal(norm, ""))
        for i in _bad_positions(pc.invert(ok)):
            ctx.add(i, f.column, f.api, arr[i].as_py(), "untypable", "set to NA")
        out = pc.if_else(pc.or_(is_true, is_false), is_true, pa.scalar(None, pa.bool_()))
    if f.kind == "flag":  # absent (or null) = not supported; "" or an untypable value stays NA
        out = pc.if_else(arr.is_null(), False, out)
    return _pd_bool(out)


_INT_RE = r"^\s*[+-]?\d+\s*$"


def _type_int(f: Field, arr: pa.Array, ctx: _Ctx) -> Any:
    if pa.types.is_integer(arr.type):
        return _pd_int(arr.cast(pa.int64()))
    if pa.types.is_floating(arr.type):
        integral = pc.equal(pc.floor(arr), arr)
        for i in _bad_positions(pc.invert(integral)):
            ctx.add(i, f.column, f.api, arr[i].as_py(), "untypable", "set to NA")
        return _pd_int(pc.if_else(integral, arr, pa.scalar(None, arr.type)).cast(pa.int64()))
    arr = _as_text(arr)
    if pc.all(pc.ascii_is_decimal(arr)).as_py() is not False:  # plain digits only (the common case): cast
        try:
            return _pd_int(arr.cast(pa.int64()))
        except (pa.ArrowInvalid, OverflowError):
            pass  # beyond int64: the careful path below names those values
    numeric = pc.match_substring_regex(arr, _INT_RE)
    bad = pc.and_(pc.invert(numeric), pc.invert(pc.equal(pc.utf8_trim_whitespace(arr), "")))
    clean = pc.if_else(numeric, pc.utf8_trim_whitespace(arr), pa.scalar(None, pa.string()))
    try:
        ints = clean.cast(pa.int64())
    except (pa.ArrowInvalid, OverflowError):  # some value is out of int64 range
        vals: list[int | None] = []
        for i, text in enumerate(clean.to_pylist()):
            v = None if text is None else int(text)
            if v is not None and not -(2**63) <= v < 2**63:
                ctx.add(i, f.column, f.api, text, "untypable", "set to NA (out of int64 range)")
                v = None
            vals.append(v)
        ints = pa.array(vals, pa.int64())
    for i in _bad_positions(bad):
        ctx.add(i, f.column, f.api, arr[i].as_py(), "untypable", "set to NA")
    return _pd_int(ints)


def _type_datetime(f: Field, arr: pa.Array, ctx: _Ctx) -> Any:
    arr = _blank_to_null(_as_text(arr))
    try:  # fast: every value ISO 8601 with a zone
        ts = arr.cast(pa.timestamp("ns", "UTC"))
        return pd.Series(ts.to_pandas(), copy=False).astype(_DT_DTYPE).array
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    s = pd.Series(_pd_string(arr))
    obj = s.astype(object).where(s.notna(), None)
    parsed = pd.to_datetime(obj, utc=True, format="ISO8601", errors="coerce").astype(_DT_DTYPE)
    for i in np.flatnonzero((parsed.isna() & s.notna()).to_numpy()):
        ctx.add(i, f.column, f.api, arr[i].as_py(), "untypable", "set to NA")
    return parsed.array


def _type_enum(f: Field, arr: Any, ctx: _Ctx) -> Any:
    text = _as_text(arr)
    if not _is_text(arr) and not pa.types.is_null(arr.type):
        for i in _bad_positions(arr.is_valid()):
            ctx.add(i, f.column, f.api, arr[i].as_py(), "type", "converted to text")
    text = pc.if_else(pc.equal(text, ""), pa.scalar(None, text.type), text)
    seen = [v for v in pc.unique(text).to_pylist() if v is not None]
    documented = set(f.values)
    cats = list(f.values) + sorted(v for v in seen if v not in documented)
    codes = pc.index_in(text, value_set=pa.array(cats, text.type)).fill_null(-1)
    return pd.Categorical.from_codes(codes.to_numpy(zero_copy_only=False).astype(np.int32), categories=cats)


def _split_text_list(arr: pa.Array) -> pa.Array:
    """``"hss, ces"`` -> ``["hss", "ces"]`` in Arrow: split on commas, trim, drop empty items."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    parts = pc.split_pattern(arr.fill_null(""), ",")
    items = pc.utf8_trim_whitespace(parts.flatten())
    keep = pc.not_equal(items, "")
    parents = pc.filter(pc.list_parent_indices(parts), keep).to_numpy(zero_copy_only=False)
    counts = np.bincount(parents, minlength=len(arr))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), pc.filter(items, keep))


def _type_list(f: Field, values: list[Any], ctx: _Ctx) -> Any:
    out: list[list[str]] = []
    split_text = f.api == "__support_agent_list"
    for i, v in enumerate(values):
        if v is None or v is _MISSING:
            out.append([])
        elif isinstance(v, list):
            if all(isinstance(x, str) for x in v):
                out.append(v)
            else:
                ctx.add(i, f.column, f.api, v, "type", "items converted to text")
                out.append([x if isinstance(x, str) else _json_text(x) for x in v])
        elif isinstance(v, str):
            if split_text:
                out.append([p.strip() for p in v.split(",") if p.strip()])
            else:
                ctx.add(i, f.column, f.api, v, "type", "wrapped in a one-item list")
                out.append([v] if v else [])
        else:
            ctx.add(i, f.column, f.api, v, "untypable", "set to empty list")
            out.append([])
    return _pd_list(pa.array(out, _LIST_TYPE))


def _json_value(f: Field, i: int, v: Any, ctx: _Ctx) -> dict | None:
    """One JSON-text value (or an already parsed object) -> a dict, or None with a finding."""
    if v is None or v is _MISSING or v == "":
        return None
    if isinstance(v, dict):
        return v
    if isinstance(v, str):
        try:
            parsed = orjson.loads(v)
        except orjson.JSONDecodeError:
            ctx.add(i, f.column, f.api, v, "untypable", "set to NA (not JSON)")
            return None
        if isinstance(parsed, dict):
            return parsed
        ctx.add(i, f.column, f.api, v, "untypable", "set to NA (not a JSON object)")
        return None
    ctx.add(i, f.column, f.api, v, "untypable", "set to NA")
    return None


def _type_json(f: Field, values: list[Any], ctx: _Ctx) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):
        out[i] = _json_value(f, i, v, ctx)
    return out


def _type_json_arrow(f: Field, arr: Any, ctx: _Ctx) -> np.ndarray:
    """:func:`_type_json` of an Arrow column, looking only at its non-null values."""
    out = np.full(len(arr), None, dtype=object)
    valid = arr.is_valid()
    rows = np.flatnonzero(valid.to_numpy(zero_copy_only=False))
    for i, v in zip(rows.tolist(), arr.filter(valid).to_pylist()):
        out[i] = _json_value(f, i, v, ctx)
    return out


def _object_column(values: list[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = [None if v is _MISSING else v for v in values]
    return out


def _type_unknown_arrow(arr: pa.Array) -> Any:
    """Conservative typing of a key the schema does not know, from its Arrow (JSON) type."""
    t = arr.type
    if _is_text(arr):
        return _pd_string(arr)
    if pa.types.is_boolean(t):
        return _pd_bool(arr)
    if pa.types.is_integer(t):
        return _pd_int(arr.cast(pa.int64()))
    if pa.types.is_floating(t):
        return pd.array(arr.to_numpy(zero_copy_only=False), dtype="Float64")
    return _object_column(arr.to_pylist())


def _type_unknown(values: list[Any]) -> Any:
    types = {type(v) for v in values} - {type(None), type(_MISSING)}
    clean = [None if v is _MISSING else v for v in values]
    if types == {str}:
        return _pd_string(pa.array(clean, pa.string()))
    if types == {bool}:
        return _pd_bool(pa.array(clean, pa.bool_()))
    if types == {int}:
        try:
            return _pd_int(pa.array(clean, pa.int64()))
        except (OverflowError, pa.ArrowInvalid):
            return _object_column(clean)
    if types and types <= {int, float}:
        return pd.array(clean, dtype="Float64")
    return _object_column(clean)


def _type_arrow(f: Field, arr: pa.Array, ctx: _Ctx) -> Any:
    """Apply the schema's typing rule for one known field to an Arrow column of raw JSON values."""
    if f.kind == "text":
        return _type_text(f, arr, ctx, blank_to_na=not f.mandatory)
    if f.kind == "enum":
        return _type_enum(f, arr, ctx)
    if f.kind in ("bool", "flag"):
        return _type_bool(f, arr, ctx)
    if f.kind == "int":
        return _type_int(f, arr, ctx)
    if f.kind == "datetime":
        return _type_datetime(f, arr, ctx)
    if f.kind == "list":
        if arr.type == _LIST_TYPE:
            return _pd_list(arr)
        if f.api == "__support_agent_list" and _is_text(arr):
            return _pd_list(_split_text_list(arr))
        return _type_list(f, arr.to_pylist(), ctx)
    if f.kind == "json":
        return _type_json_arrow(f, arr, ctx)
    if arr.null_count == len(arr):  # e.g. Glance's `locations`, never sent by IMS
        return np.full(len(arr), None, dtype=object)
    return _object_column(arr.to_pylist())


def _type_values(f: Field, values: list[Any], ctx: _Ctx) -> Any:
    """Apply the schema's typing rule for one known field to raw Python values."""
    if f.kind == "list":
        return _type_list(f, values, ctx)
    if f.kind == "json":
        return _type_json(f, values, ctx)
    if f.kind == "object":
        return _object_column(values)
    return _type_arrow(f, _arrow_from_values(values), ctx)


# --------------------------------------------------------------------------------------------
# Raw columns -> frame (shared by the exact and the fast parser)
# --------------------------------------------------------------------------------------------
class _RecordColumns:
    """Raw columns of parsed records (the exact path)."""

    def __init__(self, records: list[Mapping]) -> None:
        self.records = records
        self.n = len(records)
        keys: dict[str, None] = {}
        for rec in records:
            for k in rec:
                if k not in keys:
                    keys[k] = None
        self.keys = list(keys)

    def ids(self) -> list[Any]:
        return [rec.get("id") for rec in self.records]

    def typed(self, f: Field, ctx: _Ctx) -> Any:
        values = [rec.get(f.api, _MISSING) for rec in self.records]
        if f.mandatory:
            for i, v in enumerate(values):
                if v is _MISSING:
                    ctx.add(i, f.column, f.api, None, "mandatory", _missing_action(f))
        return _type_values(f, values, ctx)

    def unknown(self, key: str) -> Any:
        return _type_unknown([rec.get(key) for rec in self.records])


class _ArrowColumns:
    """Raw columns parsed by pyarrow (the fast path)."""

    def __init__(self, table: pa.Table, raws: list[Any], texts: list[bytes]) -> None:
        self.table = table
        self.raws = raws
        self.texts = texts  # the input bytes: a key that never occurs in them is absent from every row
        self.n = table.num_rows
        self.keys = table.schema.names

    def _col(self, key: str) -> Any:
        col = self.table.column(key)
        return col.chunk(0) if col.num_chunks == 1 else col

    def ids(self) -> Any:
        return _ArrowItems(self._col("id")) if "id" in self.keys else [None] * self.n

    def typed(self, f: Field, ctx: _Ctx) -> Any:
        arr = self._col(f.api)
        if f.mandatory and arr.null_count:
            rows = _bad_positions(arr.is_null())
            needle = orjson.dumps(f.api)
            if any(needle in text for text in self.texts):  # some rows send it (maybe as null): look closer
                rows = rows[~present_rows(self.raws, rows, f.api)]
            for i in rows:
                ctx.add(int(i), f.column, f.api, None, "mandatory", _missing_action(f))
        return _type_arrow(f, arr, ctx)

    def unknown(self, key: str) -> Any:
        return _type_unknown_arrow(self._col(key))


class _ArrowItems:
    """Index an Arrow array like a list (for finding ids), converting only what is asked for."""

    def __init__(self, arr: pa.Array) -> None:
        self.arr = arr

    def __getitem__(self, i: int) -> Any:
        return self.arr[i].as_py()


def _missing_action(f: Field) -> str:
    return "missing (False)" if f.kind == "flag" else "missing ([])" if f.kind == "list" else "missing (NA)"


def _build_frame(cols: Any, ctx: _Ctx, *, workers: int = 1) -> tuple[pd.DataFrame, dict[str, str]]:
    """Type every column; with ``workers > 1`` the columns are typed in threads.

    Each column records its findings in its own child context, merged in schema order,
    so the findings are the same whatever the number of workers.
    """
    n = cols.n
    present = set(cols.keys)

    def one(f: Field) -> tuple[Any, _Ctx]:
        sub = ctx.child()
        if f.api in present:
            return cols.typed(f, sub), sub
        if f.mandatory:
            for i in range(n):
                sub.add(i, f.column, f.api, None, "mandatory", _missing_action(f))
        return _type_values(f, [None] * n, sub), sub

    if workers > 1:
        with ThreadPoolExecutor(workers, thread_name_prefix="imgkit-typing") as pool:
            typed = list(pool.map(one, FIELDS))
    else:
        typed = [one(f) for f in FIELDS]
    columns: dict[str, Any] = {}
    api_of: dict[str, str] = {}
    for f, (col, sub) in zip(FIELDS, typed):
        columns[f.column] = col
        api_of[f.column] = f.api
        ctx.rows.extend(sub.rows)
    unknown = [k for k in cols.keys if field_for_api(k) is None]
    for k, name in _unknown_column_names(unknown, set(columns)).items():
        columns[name] = cols.unknown(k)
        api_of[name] = k
    return pd.DataFrame(columns, index=pd.RangeIndex(n), copy=False), api_of


def _ids_unique(ids: Any) -> bool:
    """Whether the non-null values of an Arrow array of ids are all different (Arrow hashes without the GIL)."""
    return pc.count_distinct(ids, mode="only_valid").as_py() == len(ids) - ids.null_count


def _drop_duplicates(df: pd.DataFrame, ctx: _Ctx, *, unique: bool | None = None) -> pd.DataFrame:
    """Keep the last occurrence of each id; record the others. `unique`: whether the ids are unique, if known."""
    ids = df["id"]
    if unique is None:
        unique = _ids_unique(pa.array(ids.array))  # Arrow-backed strings: no copy
    if unique:
        return df
    dup = (ids.duplicated(keep="last") & ids.notna()).to_numpy()
    for i in np.flatnonzero(dup):
        ctx.add(int(i), "id", "id", ids.iat[i], "duplicate_id", "dropped (a later record has the same id)")
    return df.loc[~dup].reset_index(drop=True)


def _records_frame(collected: _Collected) -> tuple[pd.DataFrame, pd.DataFrame]:
    records: list[Any] = []
    sources: list[str] = []
    positions: list[int] = []
    for chunk in collected.chunks:
        for j, rec in enumerate(chunk.records):
            if not isinstance(rec, Mapping):
                raise SourceError(
                    f"image #{j + 1} is a JSON {type(rec).__name__}, not an object", source=chunk.source
                )
            records.append(rec)
        sources.extend([chunk.source] * len(chunk.records))
        positions.extend(range(len(chunk.records)))
    cols = _RecordColumns(records)
    ctx = _Ctx(cols.ids(), sources, positions)
    df, api_of = _build_frame(cols, ctx)
    df = _drop_duplicates(df, ctx)
    df.attrs["imgkit"] = {"columns": api_of}
    return df, findings_frame(ctx.rows)


def _unknown_column_names(unknown: list[str], known: set[str]) -> dict[str, str]:
    """Column names for keys the schema does not know (see :func:`imgkit.schema.api_to_column`).

    A key keeps its API name when stripping its underscores would collide with another
    key; a key that is itself named like a known column (upstream Glance's free-form
    ``os_version`` property beside IMS's ``__os_version``) gets a trailing ``_``.
    """
    raw = set(unknown)
    names: dict[str, str] = {}
    used = set(known)
    for k in unknown:
        others = {x.lstrip("_") or x for x in raw if x != k} | (raw - {k})
        name = api_to_column(k, taken=frozenset(others))
        while name in used:
            name += "_"
        names[k] = name
        used.add(name)
    return names


def read_images(source: Source, *, errors: Errors = "warn") -> pd.DataFrame:
    """Read an image listing into a typed DataFrame.

    Parameters
    ----------
    source : path, str, bytes, file, dict, list or iterable
        Any of: a path to a ``.json``, ``.json.gz``, ``.jsonl`` / ``.ndjson`` (``.gz``
        too) file; a directory of page files (every such file in it is read, in sorted
        order, as one listing -- ``attrs["imgkit"]["files"]`` lists them; a snapshot written by
        :func:`imgkit.fetch_images` also restores its ``fetched_at``); an open file;
        JSON text (``str`` or ``bytes``); a dict (a page ``{"images": [...], "next": ...}``,
        a single image object, or a page wrapped one or two levels deep by a proxy); a
        list of images; a list or iterator of pages; a ``.parquet`` file written by
        :func:`imgkit.to_parquet`. All give the same frame.
    errors : {"warn", "raise", "ignore"}, default "warn"
        What to do with validation findings (see :mod:`imgkit.validate`): ``"warn"``
        sets untypable values to NA and emits one :class:`~imgkit.ImgkitWarning` with
        the counts; ``"raise"`` raises one :class:`~imgkit.SchemaError` listing all
        findings; ``"ignore"`` only records them. In every mode the findings are in
        ``df.attrs["imgkit"]["findings"]`` and :func:`imgkit.validate` returns them.

    Returns
    -------
    pandas.DataFrame
        One row per image; every known column of :data:`imgkit.schema.FIELDS`, in
        order and with its dtype, then the unknown keys. ``df.attrs["imgkit"]`` holds
        ``source``, ``fetched_at``, ``findings``, ``columns`` (column -> API key) and
        ``imgkit_version``.

    Raises
    ------
    SourceError
        The input is not an image listing: missing or unreadable file, malformed JSON
        (with line and column), an empty file, an unsupported file type, an API error
        body, a JSON schema, a document without images.
    SchemaError
        With ``errors="raise"``, when there is any finding.

    Examples
    --------
    >>> df = imgkit.read_images("data/seed_example_response.json")
    >>> df[["name", "platform", "min_disk", "lazyloading"]]
                            name platform  min_disk  lazyloading
    0    CentOS 7.3 64bit vivado   CentOS       100         True
    1  CentOS 7.3 64bit with sdx   CentOS       100         True
    >>> df["created_at"].dtype, df["support_xen"].tolist()
    (datetime64[ns, UTC], [False, False])

    Raw records work too; values that cannot be typed become NA and are recorded:

    >>> df = imgkit.read_images([{"id": "x", "min_disk": "abc"}], errors="ignore")
    >>> df["min_disk"].isna().item(), imgkit.validate(df).query("rule == 'untypable'")["value"].tolist()
    (True, ['abc'])
    """
    check_argument("errors", ["warn", "raise", "ignore"], errors)
    if isinstance(source, (str, os.PathLike)) and not (isinstance(source, str) and _looks_like_json_text(source)):
        if str(source).lower().endswith(".parquet"):
            return read_parquet(source)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # parsing builds millions of objects that hold no cycles; the collector only slows it
    try:
        fast = _fast_path(source)
        if fast is not None:
            df, findings, collected = fast
            df.attrs["imgkit"]["parser"] = "fast"
        else:
            collected = _collect(source)
            df, findings = _records_frame(collected)
            df.attrs["imgkit"]["parser"] = "exact"
    finally:
        if gc_was_enabled:
            gc.enable()
    return _finish(df, findings, collected, errors)


def _segments(source: Any) -> tuple[list[Segment], _Collected] | None:
    """The raw bytes of sources the fast parser can take: files, directories, JSON text."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        return [Segment(data, "<bytes>", False)], _Collected(description="<bytes>")
    if isinstance(source, str) and _looks_like_json_text(source):
        return [Segment(source.encode(), "<str>", False)], _Collected(description="<str>")
    if not isinstance(source, (str, os.PathLike)):
        return None
    path = Path(source)
    if path.is_dir():
        files, collected = _directory(path)
    elif path.is_file():
        if _unsupported_name(path.name):
            return None  # the exact path raises the clear error
        files = [path]
        collected = _Collected(description=str(path))
    else:
        return None
    segs = []
    for p in files:
        try:
            data = _decompress(p.read_bytes(), str(p))
        except (OSError, SourceError):
            return None  # the exact path raises the clear error
        segs.append(Segment(data, str(p), _is_ndjson_name(p.name)))
    return segs, collected


def _fast_path(source: Any) -> tuple[pd.DataFrame, pd.DataFrame, _Collected] | None:
    got = _segments(source)
    if got is None:
        return None
    segs, collected = got
    parsed = fast_frame(segs)
    if parsed is None:
        return None
    table, raws, sources, positions = parsed
    cols = _ArrowColumns(table, raws, [seg.data for seg in segs])
    del segs
    ctx = _Ctx(cols.ids(), sources, positions)
    with ThreadPoolExecutor(1, thread_name_prefix="imgkit-ids") as pool:
        # The raw ids are the typed ids here (a non-text id sends the load to the exact parser),
        # so their uniqueness is checked while the columns are typed.
        unique = pool.submit(_ids_unique, table.column("id")) if "id" in cols.keys else None
        df, api_of = _build_frame(cols, ctx, workers=_TYPING_WORKERS)
        df = _drop_duplicates(df, ctx, unique=unique.result() if unique else None)
    df.attrs["imgkit"] = {"columns": api_of}
    return df, findings_frame(ctx.rows), collected


def _finish(df: pd.DataFrame, findings: pd.DataFrame, collected: _Collected, errors: str) -> pd.DataFrame:
    meta = df.attrs.get("imgkit", {})
    fetched_at = collected.meta.get("fetched_at")
    meta.update(
        source=collected.meta.get("endpoint") or collected.description,
        fetched_at=pd.Timestamp(fetched_at).tz_convert("UTC") if fetched_at else None,
        imgkit_version=_version(),
    )
    for k in ("api", "filters", "files"):
        if k in collected.meta:
            meta[k] = collected.meta[k]
    if collected.meta.get("endpoint"):
        meta["snapshot"] = collected.description
    df.attrs["imgkit"] = meta
    rules = frame_findings(df, source=meta["source"])
    if len(rules):
        findings = pd.concat([findings, rules], ignore_index=True) if len(findings) else rules
    meta["findings"] = Findings(findings)
    if len(findings) and errors != "ignore":
        summary = _summarise(findings, meta["source"])
        if errors == "raise":
            raise SchemaError(summary, findings=findings)
        warnings.warn(summary, ImgkitWarning, stacklevel=3)
    return df


def _summarise(findings: pd.DataFrame, source: str, *, examples: int = 10) -> str:
    counts = findings.groupby("rule", observed=True).size()
    parts = ", ".join(f"{n} {rule}" for rule, n in counts.items())
    done = "Untypable values were set to NA; see" if (findings["rule"] == "untypable").any() else "See"
    lines = [f"{source}: {len(findings)} validation finding(s): {parts}. {done} imgkit.validate(df)."]
    for r in findings.head(examples).itertuples(index=False):
        lines.append(f"  - image {r.image_id!s} ({r.source} #{r.row}) {r.field}={r.value!s}: {r.rule}, {r.action}")
    if len(findings) > examples:
        lines.append(f"  ... and {len(findings) - examples} more")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Parquet
# --------------------------------------------------------------------------------------------
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
