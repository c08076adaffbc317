"""The fast parser: column-wise JSON parsing with pyarrow under a schema-derived Arrow schema.

A listing document ``{"images": [...]}`` is split into one raw JSON text per image by
msgspec (no Python object per field is built), joined as NDJSON and parsed by
``pyarrow.json`` with an explicit schema taken from :data:`imgkit.schema.FIELDS`. The
Arrow columns then go through the same typing functions as the exact path
(:mod:`imgkit.io._typing`).

pyarrow is strict: a value whose JSON type differs from the declared one (``"min_disk":
"abc"``, a number in a string field), a syntax error, an unknown key that changes type or
holds objects, or an unknown string key that pyarrow would read as a timestamp all make
:func:`fast_frame` return the reason, and the exact path takes over. That is how the fast path
never mistypes: anything it cannot type exactly, it does not type.

Why pyarrow, when polars parses NDJSON about twice as fast here: measured with polars 2.1
under an explicit schema, a number, bool, object or array in a string column silently
becomes text (``{"x":1}`` becomes ``'{"x": 1}'``), keys outside the schema are silently
dropped, and a lone surrogate escape becomes a NUL character; the exact path records the first,
keeps the second and rejects the third. Without a schema polars infers types in a
separate pass and is slower than pyarrow. Its string columns also cost a copy to become
the ``large_string`` that pandas' string dtype stores.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import msgspec
import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.json as pj

from ..schema import FIELDS, Field, field_for_api
from ..validate import findings_frame
from ._frame import _build_frame, _drop_duplicates, _ids_unique
from ._sources import Segment, _Collected, _segments
from ._typing import _bad_positions, _Ctx, _type_arrow, _type_unknown_arrow

#: Threads typing the columns of the fast parser's Arrow table (Arrow's kernels release the GIL).
_TYPING_WORKERS = min(4, os.cpu_count() or 1)

__all__ = ["ARROW_SCHEMA", "fast_frame"]


def _arrow_type(f: Field) -> pa.DataType | None:
    """The Arrow type of a field's raw JSON values, from the schema's ``json_type``."""
    if f.kind == "object":
        return None  # left to inference; only empty values are accepted below
    jt = f.json_type
    if jt == "boolean":
        return pa.bool_()
    if jt.startswith("integer"):
        return pa.int64()
    if jt == "array<string>":
        return pa.list_(pa.string())
    return pa.large_string()  # what pandas' string dtype stores: no cast later


#: Arrow schema of the raw JSON of every known field that has a fixed JSON type.
ARROW_SCHEMA = pa.schema([(f.api, t) for f in FIELDS if (t := _arrow_type(f)) is not None])
_SCALAR_OK = (pa.types.is_string, pa.types.is_large_string, pa.types.is_boolean, pa.types.is_integer, pa.types.is_floating, pa.types.is_null)


class _Doc(msgspec.Struct):
    images: list[msgspec.Raw] | None = None


def _split(seg: Segment) -> list[Any] | None:
    """Raw JSON text of each image of a segment, or None when it is not a plain listing."""
    if seg.ndjson:
        return [line for line in seg.data.split(b"\n") if line.strip()]
    try:
        doc = msgspec.json.decode(seg.data, type=_Doc)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None  # not {"images": [...]}: wrappers, single images, errors -> exact path
    return doc.images


#: Images parsed per pyarrow call. It bounds the joined NDJSON copy that the parser needs to
#: ~25 MB, below glibc's largest mmap threshold (32 MB): a freed group's memory is then reused
#: for the next one instead of being unmapped and faulted in again, which cost ~1 s per 1M
#: images in 50k-image groups (300k page faults).
GROUP = 20_000


def _join(raws: Sequence[Any]) -> tuple[bytes, bool]:
    """NDJSON of a group of raw images, and whether some image spans lines (pretty-printed input)."""
    nd = b"\n".join(raws)
    return nd, nd.count(b"\n") != len(raws) - 1


def _parse(nd: bytes, multiline: bool) -> pa.Table:
    parse = pj.ParseOptions(explicit_schema=ARROW_SCHEMA, unexpected_field_behavior="infer",
                            newlines_in_values=multiline)
    block = int(min(max(len(nd) // 8, 1 << 20), 1 << 24))
    return pj.read_json(pa.BufferReader(nd), read_options=pj.ReadOptions(block_size=block), parse_options=parse)


def _parse_groups(raws: Sequence[Any]) -> list[pa.Table]:
    """Parse `raws` in groups of :data:`GROUP`, joining the next group while pyarrow parses this one.

    pyarrow releases the GIL while it parses (on all cores), so the join -- a copy made
    under the GIL -- of group k + 1 runs beside the parse of group k. At most two joined
    groups are alive at a time. (Parsing two groups at once, each on one thread, was
    measured too: no faster.)
    """
    starts = range(0, len(raws), GROUP)
    if len(starts) == 1:
        return [_parse(*_join(raws))]
    tables: list[pa.Table] = []
    with ThreadPoolExecutor(1, thread_name_prefix="imgkit-parse") as pool:
        pending: Future[pa.Table] | None = None
        for i in starts:
            joined = _join(raws[i:i + GROUP])
            if pending is not None:
                tables.append(pending.result())
            pending = pool.submit(_parse, *joined)
            del joined
        assert pending is not None
        tables.append(pending.result())
    return tables


def _unknown_ok(t: pa.DataType) -> bool:
    if any(test(t) for test in _SCALAR_OK):
        return True
    return pa.types.is_list(t) and any(test(t.value_type) for test in _SCALAR_OK)


def fast_frame(segments: Sequence[Segment]) -> tuple[pa.Table, list[Any], list[str], np.ndarray] | str:
    """Parse segments column-wise.

    Returns ``(table, raws, sources, positions)`` -- the Arrow table of raw values (every
    known field a column, null where absent), the raw JSON text of each row (for the rare
    presence checks), and each row's source and position in it -- or, when the exact
    path must take over, the reason why.
    """
    raws: list[Any] = []
    sources: list[str] = []
    positions: list[np.ndarray] = []
    for seg in segments:
        part = _split(seg)
        if part is None:
            return f"{seg.desc} is not a plain listing (a {{\"images\": [...]}} document or NDJSON of images)"
        raws.extend(part)
        sources.extend([seg.desc] * len(part))
        positions.append(np.arange(len(part), dtype=np.int64))
    if not raws:
        return "the listing holds no images"
    try:
        tables = _parse_groups(raws)
        table = tables[0] if len(tables) == 1 else pa.concat_tables(tables, promote_options="default")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
        # a type conflict or a syntax error: the exact path finds and names it
        return f"pyarrow could not parse it column-wise ({str(exc).splitlines()[0]})"
    if table.num_rows != len(raws):
        return "pyarrow read a different number of images"
    for name, typ in zip(table.schema.names, table.schema.types):
        f = field_for_api(name)
        if f is None:
            if not _unknown_ok(typ):
                return f"the unknown key {name!r} holds {typ} values"  # timestamps inferred from text, nested objects
        elif f.kind == "object" and not (pa.types.is_null(typ) or (pa.types.is_list(typ)
                                                                  and pa.types.is_null(typ.value_type))):
            return f"{name!r} holds {typ} values"
    return table, raws, sources, np.concatenate(positions)


def present_rows(raws: Sequence[Any], rows: np.ndarray, key: str) -> np.ndarray:
    """Which of `rows` have `key` (with a null value) -- parses only those rows."""
    needle = orjson.dumps(key)
    out = np.zeros(len(rows), dtype=bool)
    for j, i in enumerate(rows):
        raw = bytes(raws[i])
        if needle in raw:
            out[j] = key in orjson.loads(raw)
    return out


class _ArrowColumns:
    """Raw columns parsed by pyarrow (the fast path)."""

    def __init__(self, table: pa.Table, raws: list[Any], texts: list[bytes]) -> None:
        self.table = table
        self.raws = raws
        self.texts = texts  # the input bytes: a key that never occurs in them is absent from every row
        self.n = table.num_rows
        self.keys = table.schema.names
        self._underscored: bool | None = None

    def _col(self, key: str) -> Any:
        col = self.table.column(key)
        return col.chunk(0) if col.num_chunks == 1 else col

    def sends(self, key: str) -> bool:
        """Whether some image carries `key` (every schema field is a column of the table, null where absent)."""
        col = self.table.column(key)
        if col.null_count < len(col):
            return True
        if key.startswith("__"):  # one scan answers for every absent Huawei key of a Glance listing
            if self._underscored is None:
                self._underscored = any(b'"__' in text for text in self.texts)
            if not self._underscored:
                return False
        needle = orjson.dumps(key)
        return any(needle in text for text in self.texts)

    def ids(self) -> Any:
        return _ArrowItems(self._col("id")) if "id" in self.keys else [None] * self.n

    def typed(self, f: Field, ctx: _Ctx) -> Any:
        arr = self._col(f.api)
        if ctx.requires(f) and arr.null_count:
            rows = _bad_positions(arr.is_null())
            needle = orjson.dumps(f.api)
            if any(needle in text for text in self.texts):  # some rows send it (maybe as null): look closer
                rows = rows[~present_rows(self.raws, rows, f.api)]
            for i in rows:
                ctx.missing(int(i), f)
        return _type_arrow(f, arr, ctx)

    def unknown(self, key: str) -> Any:
        return _type_unknown_arrow(self._col(key))


class _ArrowItems:
    """Index an Arrow array like a list (for finding ids), converting only what is asked for."""

    def __init__(self, arr: pa.Array) -> None:
        self.arr = arr

    def __getitem__(self, i: int) -> Any:
        return self.arr[i].as_py()


def _fast_path(source: Any, *, dialect: str = "auto") -> tuple[pd.DataFrame, pd.DataFrame, _Collected] | str:
    """The frame, its findings and what the source said about itself; or why the exact engine must read it."""
    got = _segments(source)
    if got is None:
        return f"the fast engine reads JSON text (paths, directories, str, bytes), not a {type(source).__name__}"
    segs, collected = got
    parsed = fast_frame(segs)
    if isinstance(parsed, str):
        return parsed
    table, raws, sources, positions = parsed
    cols = _ArrowColumns(table, raws, [seg.data for seg in segs])
    del segs
    ctx = _Ctx(cols.ids(), sources, positions)
    with ThreadPoolExecutor(1, thread_name_prefix="imgkit-ids") as pool:
        # The raw ids are the typed ids here (a non-text id sends the load to the exact parser),
        # so their uniqueness is checked while the columns are typed.
        unique = pool.submit(_ids_unique, table.column("id")) if "id" in cols.keys else None
        df, meta = _build_frame(cols, ctx, workers=_TYPING_WORKERS, dialect=dialect)
        df = _drop_duplicates(df, ctx, unique=unique.result() if unique else None)
    df.attrs["imgkit"] = meta
    return df, findings_frame(ctx.rows), collected
