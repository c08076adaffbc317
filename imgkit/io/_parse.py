"""Bytes -> JSON: decompression, encodings, parse errors with their position; file checks and listing names.

The lowest step of every reader (images, servers, volumes, snapshots): it knows nothing of listings.
"""

from __future__ import annotations

import os
import stat
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pyarrow as pa

from imgkit.errors import SourceError


def check_file(path: Path) -> None:
    """A clear SourceError for a path that is no readable regular file or directory (never blocks on a FIFO)."""
    desc = str(path)
    try:
        st = os.stat(path)
    except OSError as exc:
        if os.path.islink(path):
            if exc.errno == 40:  # ELOOP
                raise SourceError("symbolic link loop: the link points back to itself", source=desc) from None
            raise SourceError(
                f"broken symbolic link (to {os.readlink(path)!r}, which does not exist)", source=desc
            ) from None
        if exc.errno == 2:  # ENOENT
            raise SourceError("no such file or directory", source=desc) from None
        raise SourceError(f"cannot read file: {exc.strerror or exc}", source=desc) from None
    if stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode):
        return
    kind = (
        "a FIFO (named pipe)"
        if stat.S_ISFIFO(st.st_mode)
        else "a socket"
        if stat.S_ISSOCK(st.st_mode)
        else "a device"
        if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
        else "not a regular file"
    )
    raise SourceError(
        f"is {kind}, not a file: imgkit reads regular files (pipe a listing to "
        "`imgkit summary -`, or pass an open file)",
        source=desc,
    )


def unsupported_name(name: str) -> bool:
    """A file name with a suffix imgkit does not read (a name without any suffix is sniffed instead)."""
    return "." in name.lower().removesuffix(".gz") and not listing_name(name)


def listing_name(name: str) -> bool:
    """A file name imgkit reads as a listing: .json, .jsonl or .ndjson, optionally .gz."""
    return name.lower().removesuffix(".gz").endswith(_SUFFIXES)


def is_ndjson_name(name: str) -> bool:
    n = name.lower()
    if n.endswith(".gz"):
        n = n[:-3]
    return n.endswith((".jsonl", ".ndjson"))


def loads_json(data: bytes | str, desc: str, *, line: int | None = None) -> Any:
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


def utf8_text(data: bytes, desc: str) -> tuple[bytes, bool]:
    """Decompressed bytes -> UTF-8 JSON text; and whether invalid UTF-8 was replaced.

    A UTF-8 byte order mark is dropped. UTF-16/32, doubly compressed and other binary data is a
    :class:`SourceError` saying what it looks like. Invalid UTF-8 inside otherwise UTF-8 text
    (Latin-1 bytes, raw surrogates) is replaced by U+FFFD, so the frame stays printable and
    writable; every value affected is then a finding (rule ``encoding``).
    """
    data = decompress(data, desc)
    what = _not_utf8_json(data)
    if what is not None:
        raise SourceError(f"not UTF-8 JSON (looks like {what})", source=desc)
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM) :]
    if data.isascii():
        return data, False
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    try:  # validates without decoding into a Python str
        pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(data)]).validate(full=True)
        return data, False
    except pa.ArrowInvalid:
        return data.decode("utf-8", "replace").encode("utf-8"), True


def _not_utf8_json(data: bytes) -> str | None:
    """What `data` looks like when it is clearly not UTF-8 JSON text (another encoding, compressed, binary)."""
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return what
    head = data[:64]
    if len(head) >= 4 and head.count(0) >= len(head) // 4:  # ASCII in UTF-16/32 without a BOM: NULs between
        return "UTF-32" if head[1:3] == b"\x00\x00" else "UTF-16"
    return None


#: Largest decompressed size of gzip input, in bytes (a 1M-image listing is ~1.4 GB of JSON): a gzip bomb is
#: a :class:`~imgkit.SourceError`, not gigabytes of memory.
MAX_DECOMPRESSED = 1 << 31


def decompress(data: bytes, desc: str) -> bytes:
    """Gzip data decompressed (at most :data:`MAX_DECOMPRESSED` bytes, every member); other data as it is."""
    if data[:2] != b"\x1f\x8b":
        return data
    limit = MAX_DECOMPRESSED
    too_big = f"gzip data decompresses to more than {limit:,} bytes (imgkit's limit)"
    out = bytearray()
    rest = data
    try:
        while rest:  # gzip members one after the other, as gzip.decompress reads them
            d = zlib.decompressobj(16 + zlib.MAX_WBITS)
            out += d.decompress(rest, limit + 1 - len(out))
            if len(out) > limit or d.unconsumed_tail:
                raise SourceError(too_big, source=desc)
            if not d.eof:
                raise EOFError("compressed file ended before the end-of-stream marker was reached")
            rest = d.unused_data.lstrip(b"\x00")
            if rest and rest[:2] != b"\x1f\x8b":
                raise OSError("not a gzipped file (trailing data)")
    except (OSError, EOFError, zlib.error) as exc:
        raise SourceError(f"corrupt gzip data ({exc})", source=desc) from None
    return bytes(out)


_UTF8_BOM = b"\xef\xbb\xbf"


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


_SUFFIXES = (".json", ".jsonl", ".ndjson")


def looks_like_json_text(s: str) -> bool:
    t = s.lstrip()
    return t.startswith("{") or t.startswith("[")
