"""Sources -> raw records: paths, directories, gzip, open files, JSON text, dicts and lists.

Every supported source becomes :class:`_Chunk` s of raw records (the exact engine) or, for
files, directories and JSON text, :class:`Segment` s of raw bytes (the fast engine).
Adding a source form touches this module only.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import orjson
import pandas as pd

from ..errors import SourceError

SNAPSHOT_META = "_imgkit_snapshot.json"
_SUFFIXES = (".json", ".jsonl", ".ndjson")


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


class Segment:
    """One input for the fast parser: the bytes of one file/page and its description."""

    __slots__ = ("data", "desc", "ndjson")

    def __init__(self, data: bytes, desc: str, ndjson: bool) -> None:
        self.data = data
        self.desc = desc
        self.ndjson = ndjson


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


class _Doc(msgspec.Struct):
    images: list[msgspec.Raw] | None = None


def _split(seg: Segment) -> tuple[list[tuple[str, list[Any]]], bool] | str:
    """The raw JSON text of each image of a segment, by source, and whether msgspec split a plain document.

    A plain ``{"images": [...]}`` document and NDJSON of images are split without building
    the images. Other shapes the exact engine reads (a single image, a page wrapped by a
    proxy, a JSON array of pages, NDJSON lines that are pages) are parsed by orjson and
    each image is written back as JSON text; a syntax error raises the exact engine's
    :class:`~imgkit.SourceError`. Otherwise the reason why the exact engine must read it.
    """
    if seg.ndjson:
        lines = [line for line in seg.data.split(b"\n") if line.strip()]
        if b'"images"' not in seg.data:
            return [(seg.desc, lines)], False
        raws: list[Any] = []
        for i, line in enumerate(lines, start=1):
            obj = _loads(line, seg.desc, line=i) if b'"images"' in line else None
            if isinstance(obj, dict) and isinstance(obj.get("images"), list):
                texts = _dumps_all(obj["images"])
                if texts is None:
                    return f"{seg.desc}: an image is not a JSON object"
                raws.extend(texts)
            else:
                raws.append(line)
        return [(seg.desc, raws)], False
    try:
        doc = msgspec.json.decode(seg.data, type=_Doc)
    except (msgspec.DecodeError, msgspec.ValidationError):
        doc = None
    if doc is not None and doc.images is not None:
        return [(seg.desc, doc.images)], True
    if not seg.data.strip():
        return f"{seg.desc} is empty"
    out = []
    for chunk in _from_document(_loads(seg.data, seg.desc), seg.desc):
        texts = _dumps_all(chunk.records)
        if texts is None:
            return f"{chunk.source}: an image is not a JSON object"
        out.append((chunk.source, texts))
    return out, False


def _dumps_all(records: list[Any]) -> list[bytes] | None:
    """Each record as JSON text, or None when one is not a JSON object."""
    if not all(isinstance(r, dict) for r in records):
        return None
    return [orjson.dumps(r) for r in records]
