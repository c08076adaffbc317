"""Sources -> raw records: paths, directories, gzip, open files, JSON text, dicts and lists.

Every supported source becomes :class:`_Chunk` s of raw records (the exact engine) or, for
files, directories and JSON text, :class:`Segment` s of raw bytes (the fast engine).
Adding a source form touches this module only.
"""

from __future__ import annotations

import gzip
import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import msgspec
import orjson
import pandas as pd
import pyarrow as pa

from ..errors import SourceError

SNAPSHOT_META = "_imgkit_snapshot.json"
_SUFFIXES = (".json", ".jsonl", ".ndjson")


@dataclass
class _Chunk:
    """Raw records from one source (a file, a page, an object)."""

    source: str
    records: list[Any]
    #: Invalid UTF-8 bytes in the source were replaced by U+FFFD (each affected value is a finding).
    repaired: bool = False


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


#: Leading bytes of what users save by mistake, and what to call them.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x1f\x8b", "gzip inside gzip: compressed twice"),
    (b"PK\x03\x04", "a zip archive"),
    (b"BZh", "bzip2 data"),
    (b"\xfd7zXZ\x00", "xz data"),
    (b"\x28\xb5\x2f\xfd", "zstd data"),
    (b"PAR1", "a Parquet file: name it .parquet"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\xfe\xff", "UTF-16"),
    (b"\xff\xfe", "UTF-16"),
)
_UTF8_BOM = b"\xef\xbb\xbf"


def _decompress(data: bytes, desc: str) -> bytes:
    if data[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(data)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            raise SourceError(f"corrupt gzip data ({exc})", source=desc) from None
    return data


def _not_utf8_json(data: bytes) -> str | None:
    """What `data` looks like when it is clearly not UTF-8 JSON text (another encoding, compressed, binary)."""
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return what
    head = data[:64]
    if len(head) >= 4 and head.count(0) >= len(head) // 4:  # ASCII in UTF-16/32 without a BOM: NULs between
        return "UTF-32" if head[1:3] == b"\x00\x00" else "UTF-16"
    return None


def _text(data: bytes, desc: str) -> tuple[bytes, bool]:
    """Decompressed bytes -> UTF-8 JSON text; and whether invalid UTF-8 was replaced.

    A UTF-8 byte order mark is dropped. UTF-16/32, doubly compressed and other binary data is a
    :class:`SourceError` saying what it looks like. Invalid UTF-8 inside otherwise UTF-8 text
    (Latin-1 bytes, raw surrogates) is replaced by U+FFFD, so the frame stays printable and
    writable; every value affected is then a finding (rule ``encoding``).
    """
    data = _decompress(data, desc)
    what = _not_utf8_json(data)
    if what is not None:
        raise SourceError(f"not UTF-8 JSON (looks like {what})", source=desc)
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM):]
    if data.isascii():
        return data, False
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    try:  # validates without decoding into a Python str
        pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(data)]).validate(full=True)
        return data, False
    except pa.ArrowInvalid:
        return data.decode("utf-8", "replace").encode("utf-8"), True


def _loads(data: bytes | str, desc: str, *, line: int | None = None) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        lineno = getattr(exc, "lineno", None)
        colno = getattr(exc, "colno", None)
        if line is not None:
            lineno, colno = line, colno
        msg = str(exc).split(": line")[0]
        if "depth limit" in msg:
            msg = "nested deeper than 1024 levels"
        elif "BOM" in msg:
            msg = "a byte order mark inside the text"
        raise SourceError(f"malformed JSON: {msg}", source=desc, line=lineno, column=colno) from None


def _is_ndjson_name(name: str) -> bool:
    n = name.lower()
    if n.endswith(".gz"):
        n = n[:-3]
    return n.endswith((".jsonl", ".ndjson"))


def _parse_bytes(data: bytes, desc: str, *, ndjson: bool = False) -> list[_Chunk]:
    data, repaired = _text(data, desc)
    if not data.strip():
        raise SourceError("empty input: no JSON document", source=desc)
    chunks, top_keys = _parse_text(data, desc, ndjson, _loads)
    if _may_repeat_keys(data, chunks, top_keys):
        chunks, _ = _parse_text(data, desc, ndjson, _loads_keeping_repeats)
    for c in chunks:
        c.repaired = repaired
    return chunks


def _parse_text(data: bytes, desc: str, ndjson: bool, loads: Any) -> tuple[list[_Chunk], int]:
    """The chunks of a document or NDJSON text, and how many keys the objects around the images have."""
    if ndjson:
        records: list[Any] = []
        top = 0
        for i, line in enumerate(data.splitlines(), start=1):
            if not line.strip():
                continue
            obj = loads(line, desc, line=i)
            if isinstance(obj, dict) and "images" in obj and isinstance(obj.get("images"), list):
                records.extend(obj["images"])
                top += len(obj)
            else:
                records.append(obj)
        return [_Chunk(desc, records)], top
    doc = loads(data, desc)
    return _from_document(doc, desc), len(doc) if isinstance(doc, dict) and "images" in doc else 0


def _key_tokens(data: bytes) -> int:
    """How many ``"key":`` tokens `data` holds (an escaped quote before a colon, inside a string, is none)."""
    return data.count(b'":') + data.count(b'" :') - data.count(b'\\":')


def _may_repeat_keys(data: bytes, chunks: list[_Chunk], top_keys: int) -> bool:
    """Whether some object of `data` may repeat a key (orjson keeps the last value silently).

    Counts the key tokens (``":``) in the text against the keys of the parsed images: equal
    counts (the common case, one pass over the bytes) mean no key was repeated. Anything else
    (a repeat, nested objects, ``":`` inside a value) has the text parsed again, keeping repeats.
    """
    tokens = _key_tokens(data)
    keys = top_keys + sum(len(r) for c in chunks for r in c.records if isinstance(r, dict))
    return tokens != keys


class _Repeats(dict):
    """A JSON object that repeated keys: the last value of each key, and the earlier ``(key, value)`` pairs."""

    repeated: list[tuple[str, Any]]


def _keep_repeats(pairs: list[tuple[str, Any]]) -> dict:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    out = _Repeats(obj)
    seen: dict[str, Any] = {}
    out.repeated = []
    for k, v in pairs:
        if k in seen:
            out.repeated.append((k, seen[k]))
        seen[k] = v
    return out


def _loads_keeping_repeats(data: bytes | str, desc: str, *, line: int | None = None) -> Any:
    """:func:`_loads` (already known to succeed) with objects that repeat a key as :class:`_Repeats`."""
    import json

    return json.loads(data, object_pairs_hook=_keep_repeats)


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


def _check_file(path: Path) -> None:
    """A clear SourceError for a path that is no readable regular file or directory (never blocks on a FIFO)."""
    desc = str(path)
    try:
        st = os.stat(path)
    except OSError as exc:
        if os.path.islink(path):
            if exc.errno == 40:  # ELOOP
                raise SourceError("symbolic link loop: the link points back to itself", source=desc) from None
            raise SourceError(f"broken symbolic link (to {os.readlink(path)!r}, which does not exist)",
                              source=desc) from None
        if exc.errno == 2:  # ENOENT
            raise SourceError("no such file or directory", source=desc) from None
        raise SourceError(f"cannot read file: {exc.strerror or exc}", source=desc) from None
    if stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode):
        return
    kind = ("a FIFO (named pipe)" if stat.S_ISFIFO(st.st_mode) else "a socket" if stat.S_ISSOCK(st.st_mode)
            else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else "not a regular file")
    raise SourceError(f"is {kind}, not a file: imgkit reads regular files (pipe a listing to "
                      "`imgkit summary -`, or pass an open file)", source=desc)


def _read_path(path: Path) -> list[_Chunk]:
    desc = str(path)
    name = path.name.lower()
    _check_file(path)
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
    return _directory_entries(path)[0]


def _directory_entries(path: Path) -> tuple[list[Path], list[str]]:
    """A directory's listing files, and the other entries it holds (hidden ones and ``_*`` metadata aside)."""
    files, skipped = [], []
    for p in sorted(path.iterdir()):
        if p.name.startswith((".", "_")):
            continue
        if p.is_file() and _listing_name(p.name):
            files.append(p)
        else:
            skipped.append(p.name + ("/" if p.is_dir() else ""))
    return files, skipped


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
    files, skipped = _directory_entries(path)
    meta = {**_snapshot_meta(path), "files": [p.name for p in files]}
    if skipped:
        meta["skipped"] = skipped
    return files, _Collected(meta=meta, description=str(path))


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
        _check_file(path)
        if path.is_dir():
            return _read_directory(path)
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

    __slots__ = ("data", "desc", "ndjson", "repaired")

    def __init__(self, data: bytes, desc: str, ndjson: bool, repaired: bool = False) -> None:
        self.data = data
        self.desc = desc
        self.ndjson = ndjson
        self.repaired = repaired  # invalid UTF-8 was replaced by U+FFFD (see _text)


def _segments(source: Any) -> tuple[list[Segment], _Collected] | None:
    """The raw bytes of sources the fast parser can take: files, directories, JSON text.

    None when the exact engine must read the source (it raises the clear error for what is not
    a listing: an unreadable or special file, another encoding, corrupt gzip...).
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        named = [(bytes(source), "<bytes>", False)]
        collected = _Collected(description="<bytes>")
    elif isinstance(source, str) and _looks_like_json_text(source):
        named = [(source.encode(), "<str>", False)]
        collected = _Collected(description="<str>")
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            _check_file(path)
        except SourceError:
            return None
        if path.is_dir():
            files, collected = _directory(path)
        elif _unsupported_name(path.name):
            return None
        else:
            files, collected = [path], _Collected(description=str(path))
        named = []
        for p in files:
            try:
                _check_file(p)
                named.append((p.read_bytes(), str(p), _is_ndjson_name(p.name)))
            except (OSError, SourceError):
                return None
    else:
        return None
    segs = []
    for data, desc, ndjson in named:
        try:
            text, repaired = _text(data, desc)
        except SourceError:
            return None
        segs.append(Segment(text, desc, ndjson, repaired))
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
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):  # (msgspec recurses on deep nesting)
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
