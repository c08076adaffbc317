"""Sources -> raw records: paths, directories, gzip, open files, JSON text, dicts and lists.

Every supported source becomes :class:`_Chunk` s of raw records (the exact engine) or, for
files, directories and JSON text, :class:`Segment` s of raw bytes (the fast engine).
Adding a source form touches this module only."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import orjson
import pandas as pd

from imgkit.errors import SourceError
from imgkit.io._orients import is_json_lines, pandas_records
from imgkit.io._parse import (
    check_file,
    is_ndjson_name,
    loads_json,
    looks_like_json_text,
    unsupported_name,
    utf8_text,
)
from imgkit.io._snapshot import directory_entries, snapshot_meta


@dataclass
class _Chunk:
    """Raw records from one source (a file, a page, an object)."""

    source: str
    records: list[Any]
    #: Invalid UTF-8 bytes in the source were replaced by U+FFFD (each affected value is a finding).
    repaired: bool = False


@dataclass
class Collected:
    chunks: list[_Chunk] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    description: str = ""


def describe_source(obj: Any) -> str:
    if isinstance(obj, (str, os.PathLike)):
        return os.fspath(obj)
    name = getattr(obj, "name", None)
    if isinstance(name, str):
        return name
    return f"<{type(obj).__name__}>"


def _parse_bytes(data: bytes, desc: str, *, ndjson: bool = False) -> list[_Chunk]:
    data, repaired = utf8_text(data, desc)
    if not data.strip():
        raise SourceError("empty input: no JSON document", source=desc)
    ndjson = ndjson or is_json_lines(data)  # JSON lines whatever the name (df.to_json(orient="records", lines=True))
    chunks, top_keys = _parse_text(data, desc, ndjson, loads_json)
    if _may_repeat_keys(data, chunks, top_keys) or _big_integers(data):
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
            if is_page(obj):
                records.extend(obj["images"])
                top += len(obj)
            else:
                records.append(obj)
        return [_Chunk(desc, records)], top
    doc = loads(data, desc)
    return _from_document(doc, desc), len(doc) if is_page(doc) else 0


def is_page(obj: Any) -> bool:
    """Whether a JSON object is a page of a listing (``{"images": [...], "next": ...}``), not an image.

    An image may carry a custom property named ``images`` (Glance allows any property): an object
    with an ``id`` is an image whatever else it holds. The one rule of both engines and every source form.
    """
    return isinstance(obj, Mapping) and isinstance(obj.get("images"), list) and "id" not in obj


_KEY = re.compile(rb'"[ \t\n\r]*:')
_ESCAPED_SPACED = re.compile(rb'\\"[ \t\n\r]*:')
_ESCAPED_KEY = re.compile(rb'(?<!\\)\\(?:\\\\)*"[ \t\n\r]*:')  # a quote escaped by an odd number of backslashes


_DIGITS = bytes(ord("0") if chr(c) in "0123456789" else ord(":") if chr(c) in ",[" else c for c in range(256))


def _big_integers(data: bytes) -> bool:
    """Whether `data` may hold a JSON integer of 20 digits or more, which orjson reads as a float (a different
    number): such text is parsed again by Python's json, which keeps every digit."""
    t = data.translate(_DIGITS)
    return any(lead + b"0" * 20 in t for lead in (b":", b": ", b":-", b": -", b":\n", b":\r\n"))


def key_tokens(data: bytes) -> int:
    """How many ``"key":`` tokens `data` holds (an escaped quote before a colon, inside a string, is none).

    White space between a key and its colon counts too (``"x"  :``, ``"x"\\n:``); counting bytes
    is enough in the common case, the regular expressions look where white space or backslashes
    before a quote make it ambiguous.
    """
    spaced = any(w in data for w in (b'"  ', b'"\t', b'"\n', b'"\r', b'" \t', b'" \n', b'" \r'))
    if not spaced and b"\\\\" not in data:  # the common case: one pass over the colons
        a = np.frombuffer(data, np.uint8)
        colons = np.flatnonzero(a == 0x3A)
        colons = colons[colons > 0]
        before = a[colons - 1]
        quoted = colons[before == 0x22]  # '":'
        spaced_one = colons[(before == 0x20) & (colons > 1)]
        spaced_quoted = spaced_one[a[spaced_one - 2] == 0x22]  # '" :'
        esc = quoted[quoted > 1]  # '\\":'
        esc_spaced = spaced_quoted[spaced_quoted > 2]  # '\\" :'
        return (
            len(quoted)
            + len(spaced_quoted)
            - int(np.count_nonzero(a[esc - 2] == 0x5C))
            - int(np.count_nonzero(a[esc_spaced - 3] == 0x5C))
        )
    n = _count(_KEY, data) if spaced else data.count(b'":') + data.count(b'" :')
    if b"\\\\" in data:  # an escaped backslash: only an odd run of backslashes escapes the quote
        return n - _count(_ESCAPED_KEY, data)
    return n - _count(_ESCAPED_SPACED, data)  # white space before a colon


def _count(pattern: re.Pattern[bytes], data: bytes) -> int:
    return sum(1 for _ in pattern.finditer(data))


def _may_repeat_keys(data: bytes, chunks: list[_Chunk], top_keys: int) -> bool:
    """Whether some object of `data` may repeat a key (orjson keeps the last value silently).

    Counts the key tokens (``":``) in the text against the keys of the parsed images: equal
    counts (the common case, one pass over the bytes) mean no key was repeated. Anything else
    (a repeat, nested objects, ``":`` inside a value) has the text parsed again, keeping repeats.
    """
    tokens = key_tokens(data)
    keys = top_keys + sum(len(r) for c in chunks for r in c.records if isinstance(r, dict))
    return tokens != keys


class Repeats(dict):
    """A JSON object that repeated keys: the last value of each key, and the earlier ``(key, value)`` pairs."""

    repeated: list[tuple[str, Any]]


def _keep_repeats(pairs: list[tuple[str, Any]]) -> dict:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    out = Repeats(obj)
    seen: dict[str, Any] = {}
    out.repeated = []
    for k, v in pairs:
        if k in seen:
            out.repeated.append((k, seen[k]))
        seen[k] = v
    return out


def _loads_keeping_repeats(data: bytes | str, desc: str, *, line: int | None = None) -> Any:
    """:func:`loads_json` (already known to succeed) with objects that repeat a key as :class:`Repeats`, and
    integers of any size kept exact (orjson reads one beyond 64 bits as a float)."""
    import json

    return json.loads(data, object_pairs_hook=_keep_repeats)


def error_body_text(doc: Mapping) -> str | None:
    inner = doc.get("error")
    if isinstance(inner, Mapping) and ("message" in inner or "code" in inner):
        return f"{inner.get('code', '')} {inner.get('message', '')}".strip()
    if "error_code" in doc or "error_msg" in doc:
        return f"{doc.get('error_code', '')} {doc.get('error_msg', '')}".strip()
    if "code" in doc and "title" in doc and "message" in doc and "id" not in doc:
        return f"{doc.get('code')} {doc.get('message')}".strip()
    return None


def _from_document(doc: Any, desc: str, *, depth: int = 0) -> list[_Chunk]:
    """Find the images in one parsed JSON document (a page, a list of images or pages, pandas' to_json layouts)."""
    if depth == 0:
        found = pandas_records(doc, desc)
        if found is not None:
            return [_Chunk(desc, found[1])]
    if isinstance(doc, list):
        if doc and all(is_page(x) for x in doc):
            return [c for i, page in enumerate(doc, 1) for c in _from_document(page, f"{desc} page {i}")]
        return [_Chunk(desc, doc)]
    if not isinstance(doc, Mapping):
        raise SourceError(f"expected a JSON object or array, got {type(doc).__name__}", source=desc)
    if "images" in doc and "id" not in doc:
        images = doc["images"]
        if not isinstance(images, list):
            raise SourceError(f"'images' must be a JSON array, got {type(images).__name__}", source=desc)
        return [_Chunk(desc, images)]
    err = error_body_text(doc)
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


def _read_path(path: Path) -> list[_Chunk]:
    desc = str(path)
    name = path.name.lower()
    check_file(path)
    if unsupported_name(name):
        raise SourceError(
            f"unsupported file type '{Path(name.removesuffix('.gz')).suffix}': imgkit reads .json, .jsonl and .ndjson files "
            "(optionally .gz), directories of them, and .parquet files written by imgkit.to_parquet",
            source=desc,
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read file: {exc.strerror or exc}", source=desc) from None
    return _parse_bytes(data, desc, ndjson=is_ndjson_name(name))


def _directory(path: Path) -> tuple[list[Path], Collected]:
    """A directory's page files, and what it says about itself (snapshot metadata, the files read)."""
    files, skipped = directory_entries(path)
    meta = {**snapshot_meta(path), "files": [p.name for p in files]}
    if skipped:
        meta["skipped"] = skipped
    return files, Collected(meta=meta, description=str(path))


def _read_directory(path: Path) -> Collected:
    files, out = _directory(path)
    if not files:
        raise SourceError("directory holds no .json/.jsonl/.ndjson page files", source=str(path))
    for p in files:
        out.chunks.extend(_read_path(p))
    return out


def collect_source(source: Any) -> Collected:
    """Turn any supported source into raw record chunks (no typing)."""
    if isinstance(source, (str, os.PathLike)):
        if isinstance(source, str) and looks_like_json_text(source):
            return Collected(_parse_bytes(source.encode(), "<str>"), description="<str>")
        path = Path(source)
        check_file(path)
        if path.is_dir():
            return _read_directory(path)
        return Collected(_read_path(path), description=str(path))
    if isinstance(source, (bytes, bytearray, memoryview)):
        return Collected(_parse_bytes(bytes(source), "<bytes>"), description="<bytes>")
    if hasattr(source, "read"):
        desc = describe_source(source)
        data = source.read()
        if isinstance(data, str):
            data = data.encode()
        return Collected(_parse_bytes(data, desc, ndjson=is_ndjson_name(desc)), description=desc)
    if isinstance(source, Mapping):
        return Collected(_from_document(source, "<dict>"), description="<dict>")
    if isinstance(source, pd.DataFrame):
        raise SourceError("already a DataFrame; pass the raw listing (file, pages, records)", source="<DataFrame>")
    if isinstance(source, Iterable):
        items = list(source)
        if items and all(is_page(x) for x in items):
            chunks = [_Chunk(f"page {i}", list(x["images"])) for i, x in enumerate(items, 1)]
            return Collected(chunks, description=f"{len(items)} page(s)")
        if (
            items
            and all(
                isinstance(x, (str, bytes, os.PathLike)) and not looks_like_json_text(str(x))
                for x in items
                if not isinstance(x, Mapping)
            )
            and not any(isinstance(x, Mapping) for x in items)
        ):
            col = Collected(description=f"{len(items)} file(s)")
            for x in items:
                sub = collect_source(x)
                col.chunks.extend(sub.chunks)
            return col
        return Collected([_Chunk("<list>", items)], description="<list>")
    raise SourceError(f"unsupported source type {type(source).__name__}", source=describe_source(source))


class Segment:
    """One input for the fast parser: the bytes of one file/page and its description."""

    __slots__ = ("data", "desc", "ndjson", "repaired")

    def __init__(self, data: bytes, desc: str, ndjson: bool, repaired: bool = False) -> None:
        self.data = data
        self.desc = desc
        self.ndjson = ndjson
        self.repaired = repaired  # invalid UTF-8 was replaced by U+FFFD (see utf8_text)


def segments_of(source: Any) -> tuple[list[Segment], Collected] | None:
    """The raw bytes of sources the fast parser can take: files, directories, JSON text.

    None when the exact engine must read the source (it raises the clear error for what is not
    a listing: an unreadable or special file, another encoding, corrupt gzip...).
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        named = [(bytes(source), "<bytes>", False)]
        collected = Collected(description="<bytes>")
    elif isinstance(source, str) and looks_like_json_text(source):
        named = [(source.encode(), "<str>", False)]
        collected = Collected(description="<str>")
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            check_file(path)
        except SourceError:
            return None
        if path.is_dir():
            files, collected = _directory(path)
        elif unsupported_name(path.name):
            return None
        else:
            files, collected = [path], Collected(description=str(path))
        named = []
        for p in files:
            try:
                check_file(p)
                named.append((p.read_bytes(), str(p), is_ndjson_name(p.name)))
            except (OSError, SourceError):
                return None
    else:
        return None
    segs = []
    for data, desc, ndjson in named:
        try:
            text, repaired = utf8_text(data, desc)
        except SourceError:
            return None
        segs.append(Segment(text, desc, ndjson or is_json_lines(text), repaired))
    return segs, collected


class _Doc(msgspec.Struct):
    images: list[msgspec.Raw] | None = None
    id: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET  # an image whose custom property is named "images"


def _nonfinite(data: bytes) -> bool:
    """Whether `data` may hold ``NaN`` or ``Infinity``, which JSON does not allow (Python's json.dumps writes them).

    pyarrow reads them as numbers; the exact engine names the first one as malformed JSON (file, line,
    column) -- the one rule of both engines. (Inside a string they are text: the exact engine reads it.)
    """
    return b"NaN" in data or b"Infinity" in data


def _count_keys(obj: Any) -> int:
    """How many keys the objects in a parsed JSON value hold, nested ones included."""
    n, stack = 0, [obj]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            n += len(v)
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return n


def split_listing(seg: Segment) -> tuple[list[tuple[str, list[Any]]], bool] | str:
    """The raw JSON text of each image of a segment, by source, and whether msgspec split a plain document.

    A plain ``{"images": [...]}`` document and NDJSON of images are split without building
    the images. Other shapes the exact engine reads (a single image, a page wrapped by a
    proxy, a JSON array of pages, NDJSON lines that are pages) are parsed by orjson and
    each image is written back as JSON text; a syntax error raises the exact engine's
    :class:`~imgkit.SourceError`. Otherwise the reason why the exact engine must read it
    (the text may hold NaN or Infinity, a repeated key that writing back would hide...).
    """
    if seg.ndjson:
        if _nonfinite(seg.data):
            return f"{seg.desc}: NaN or Infinity (not JSON) may be in the text"
        numbered = [(i, line) for i, line in enumerate(seg.data.split(b"\n"), start=1) if line.strip()]
        if b'"images"' not in seg.data:
            return [(seg.desc, [line for _, line in numbered])], False
        if _big_integers(seg.data):
            return f"{seg.desc}: an integer beyond 64 bits may be in a page (orjson would round it)"
        raws: list[Any] = []
        for i, line in numbered:
            obj = loads_json(line, seg.desc, line=i) if b'"images"' in line else None
            if obj is not None and is_page(obj):
                texts = _dumps_all(obj["images"])
                if texts is None:
                    return f"{seg.desc}: an image is not a JSON object, or not one that orjson writes back"
                if key_tokens(line) != _count_keys(obj):
                    return f"{seg.desc}, line {i}: a key may be repeated in an object"
                raws.extend(texts)
            else:
                raws.append(line)
        return [(seg.desc, raws)], False
    try:
        doc = msgspec.json.decode(seg.data, type=_Doc)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):  # (msgspec recurses on deep nesting)
        doc = None
    if doc is not None and doc.images is not None and doc.id is msgspec.UNSET:
        return [(seg.desc, doc.images)], True
    if not seg.data.strip():
        return f"{seg.desc} is empty"
    parsed = loads_json(seg.data, seg.desc)
    if key_tokens(seg.data) != _count_keys(parsed):
        return f"{seg.desc}: a key may be repeated in an object"
    if _big_integers(seg.data):
        return f"{seg.desc}: an integer beyond 64 bits may be in it (orjson would round it)"
    out = []
    for chunk in _from_document(parsed, seg.desc):
        texts = _dumps_all(chunk.records)
        if texts is None:
            return f"{chunk.source}: an image is not a JSON object, or not one that orjson writes back"
        out.append((chunk.source, texts))
    return out, False


def _dumps_all(records: list[Any]) -> list[bytes] | None:
    """Each record as JSON text, or None when one is not a JSON object or cannot be written back exactly."""
    if not all(isinstance(r, dict) for r in records):
        return None
    try:
        return [orjson.dumps(r) for r in records]
    except TypeError:  # nested deeper than orjson writes (254 levels), an integer beyond 64 bits
        return None
