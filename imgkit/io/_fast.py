"""The fast parser: column-wise JSON parsing with pyarrow under a schema-derived Arrow schema.

A listing document ``{"images": [...]}`` is split into one raw JSON text per image by
msgspec (no Python object per field is built), joined as NDJSON and parsed by
``pyarrow.json`` with an explicit schema taken from :data:`imgkit.schema.FIELDS`. The
Arrow columns then go through the same typing functions as the exact path
(:mod:`imgkit.io._typing`).

pyarrow is strict: a value whose JSON type differs from the declared one (``"min_disk":
"abc"``, a number in a string field) or an unknown key that changes type makes it fail,
naming the column. That key alone then takes the exact route (:class:`_Plan`): it leaves
the Arrow schema, its values of one JSON kind are moved aside so that pyarrow parses the
rest, and its values are typed as the exact engine types them. A key pyarrow reads as
objects or as timestamps inferred from text takes the same route. A syntax error, an image
that is not an object or a conflict inside nested values make :func:`fast_frame` return
the reason, and the exact engine reads the whole input. That is how the fast path never
mistypes: anything it cannot type exactly, it does not type column-wise.

Why pyarrow, when polars parses NDJSON about twice as fast here: measured with polars 2.1
under an explicit schema, a number, bool, object or array in a string column silently
becomes text (``{"x":1}`` becomes ``'{"x": 1}'``), keys outside the schema are silently
dropped, and a lone surrogate escape becomes a NUL character; the exact path records the first,
keeps the second and rejects the third. Without a schema polars infers types in a
separate pass and is slower than pyarrow. Its string columns also cost a copy to become
the ``large_string`` that pandas' string dtype stores.
"""

from __future__ import annotations

import operator
import os
import re
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import msgspec
import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from imgkit.io._coerce import (
    ABSENT,
    PART_KINDS,
    TypingContext,
    bad_positions,
    exact_typed,
    type_arrow,
    type_parts,
    type_unknown,
    type_unknown_arrow,
)
from imgkit.io._exact import RENAMED_FIELDS
from imgkit.io._frame import MAX_UNKNOWN_KEYS, ArrowItems, build_frame, drop_duplicates, ids_unique
from imgkit.io._sources import Collected, Segment, segments_of, split_listing
from imgkit.schema import FIELDS, Field, field_for_api
from imgkit.validate import findings_frame

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
_SCALAR_OK = (
    pa.types.is_string,
    pa.types.is_large_string,
    pa.types.is_boolean,
    pa.types.is_integer,
    pa.types.is_floating,
    pa.types.is_null,
)


class _NotAnObject(ValueError):
    """An image that is not a JSON object (``null``, a number, an array...): pyarrow must never see it
    (``{"images": [null]}`` crashes pyarrow.json; with other images it becomes a phantom row)."""


#: Images parsed per pyarrow call. It bounds the joined NDJSON copy that the parser needs to
#: ~25 MB, below glibc's largest mmap threshold (32 MB): a freed group's memory is then reused
#: for the next one instead of being unmapped and faulted in again, which cost ~1 s per 1M
#: images in 50k-image groups (300k page faults).
GROUP = 20_000
#: Images of the first group of a longer listing (see :func:`_parse_groups`).
PROBE = 2_000


def _join(raws: Sequence[Any], newlines: bool = True) -> tuple[bytes, bool]:
    """NDJSON of a group of raw images, and whether some image spans lines (pretty-printed input).

    `newlines`: whether an image may hold a line break at all (False: the input has none, so
    each image is one line, without counting). Raises :class:`_NotAnObject` when some image is
    not a JSON object.
    """
    nd = b"\n".join(raws)
    multiline = newlines and nd.count(b"\n") != len(raws) - 1
    if multiline:  # pretty-printed (rare for big listings): look at each image
        if any(memoryview(r)[:1].tobytes() != b"{" for r in raws):
            raise _NotAnObject
    elif raws:  # one image per line: every line starts with {
        sizes = np.fromiter(map(len, raws), np.int64, len(raws))
        if not sizes.all():
            raise _NotAnObject
        starts = np.cumsum(sizes + 1) - sizes - 1
        if not (np.frombuffer(nd, np.uint8)[starts] == 0x7B).all():
            raise _NotAnObject
    return nd, multiline


_CONFLICT = re.compile(r"Column\((/.*)\) changed from (\w+) to (\w+)")
_NOT_INT = re.compile(r"Failed to convert JSON to int64, couldn't parse:(\S+)")
#: Per JSON kind that pyarrow names in a conflict: the first bytes of such a value, and how many
#: of the key's last characters are overwritten with DEL (0x7f) to move the value aside.
_KINDS = {"string": (b'"', 1), "boolean": (b"tf", 2), "object": (b"{", 3), "array": (b"[", 4)}
_DEL = 0x7F


class _Keys:
    """Where a group's NDJSON writes ``"key":`` outside strings: the closing quote of each (:meth:`ends`).

    With a few keys to find, each is searched for as text; with more, every ``":`` of the group
    is found once (one vectorised pass) and matched against each key.
    """

    def __init__(self, nd: bytes, keys: int) -> None:
        self.nd = nd
        self.a = np.frombuffer(nd, np.uint8)
        self.all: tuple[np.ndarray, np.ndarray] | None = None
        if keys > 2:
            colons = np.flatnonzero(self.a == 0x3A)
            colons = colons[colons > 1]
            ends = colons[self.a[colons - 1] == 0x22] - 1
            self.all = ends, self.a[ends - 1]
        self.found: dict[bytes, np.ndarray] = {}

    def ends(self, key: bytes) -> np.ndarray:
        """The closing quote of each ``"key":`` (`key` JSON-escaped) preceded by '{', ',' or white space."""
        if key in self.found:
            return self.found[key]
        a, n = self.a, len(key)
        if self.all is None:
            needle, at, find = b'"' + key + b'":', [], self.nd.find
            i = find(needle)
            while i != -1:
                at.append(i)
                i = find(needle, i + 1)
            e = np.array(at, dtype=np.int64) + n + 1
        else:
            ends, last = self.all
            k = np.frombuffer(key, np.uint8)
            e = ends[(last == k[-1]) & (ends > n + 1)]
            e = e[a[e - n - 1] == 0x22]  # the opening quote where this key's would be
            for j in range(n - 1):
                e = e[a[e - n + j] == k[j]]
        e = e[e > n + 1]
        before = a[e - n - 2]
        e = e[(before == 0x7B) | (before == 0x2C) | (before <= 0x20)]  # '{' ',' or white space: not in a string
        self.found[key] = e
        return e


class _Plan:
    """Which keys pyarrow leaves to the exact route, and how it is kept from tripping over them.

    A key whose JSON type varies (``"__whole_image": true`` in one image, ``"true"`` in
    another) is dropped from the explicit Arrow schema, and its values of one JSON kind are
    moved to a key of their own, so that pyarrow parses each kind column-wise: in a copy
    of the group's NDJSON, the key's last characters are overwritten with DEL where it
    holds such a value (``"protected":"true"`` -> ``"protecte\x7f":"true"``; one vectorised
    pass finds every ``"key":`` outside strings, since a quote inside a string is escaped).
    Those columns are dropped afterwards: the values of such keys are taken, exactly, from
    the raw images by msgspec (:func:`_exact_values`). Only the parse threads change a plan.

    pyarrow spends time on every declared key of every image, sent or not (a null for each
    absent one). So the first group is parsed under the whole schema, and later ones declare
    only the known keys sent so far (:meth:`declared`); a known key first met in a later
    group is read as declared all the same (:meth:`settle`).
    """

    def __init__(self) -> None:
        self.exact: dict[str, str] = {}  # API key -> why it takes the exact route
        self.moves: list[tuple[bytes, bytes, int]] = []  # (JSON-escaped key, value starts, characters)
        self.moved: dict[str, str] = {}  # column name of moved values -> API key
        self.schema = ARROW_SCHEMA
        #: Whether values may be moved aside: not when the input holds a DEL character (a key of its own could be
        #: named exactly like a moved-aside column, ``"min_dis\x7f"``).
        self.can_move = True
        self.seen: set[str] | None = None  # known keys sent with a value so far; None before the first group

    def declared(self) -> pa.Schema:
        """The explicit schema of the next parse: all of :attr:`schema` at first, then the keys seen."""
        if self.seen is None:
            return self.schema
        return pa.schema([f for f in self.schema if f.name in self.seen])

    def settle(self, table: pa.Table, declared: pa.Schema) -> pa.Table | None:
        """The parsed group with each known key of its declared type, the keys sent noted; None when a known
        key that pyarrow inferred must be parsed again, declared (text read as times, say)."""
        again = False
        known = set(self.schema.names)
        for i, (name, typ) in enumerate(zip(table.schema.names, table.schema.types)):
            if name in declared.names or name not in known or pa.types.is_null(typ):
                continue
            want = self.schema.field(name).type
            if typ == want:
                continue
            if (pa.types.is_string(typ) and pa.types.is_large_string(want)) or (
                pa.types.is_list(typ) and pa.types.is_null(typ.value_type) and pa.types.is_list(want)
            ):
                table = table.set_column(i, name, table.column(i).cast(want))
            else:
                assert self.seen is not None  # the first group declares every known key
                self.seen.add(name)
                again = True
        if again:
            return None
        sent = {n for n, c in zip(table.schema.names, table.columns) if n in known and c.null_count < len(c)}
        self.seen = sent if self.seen is None else self.seen | sent
        return table

    def take(self, key: str, why: str) -> None:
        """Leave `key` to the exact route (no re-parse needed when only its column is unusable)."""
        if key not in self.exact:
            self.exact[key] = why
            if key in self.schema.names:
                self.schema = self.schema.remove(self.schema.get_field_index(key))

    def move(self, key: str, kind: str) -> bool:
        """Move aside the values of JSON `kind` of `key`; False when done already or impossible."""
        starts, m = _KINDS[kind]
        name = key[:-m] + "\x7f" * m
        escaped = orjson.dumps(key)[1:-1]
        if not self.can_move:
            return False
        if name in self.moved or len(escaped) <= m or not escaped[-m:].isascii() or b"\\" in escaped[-m - 1 :]:
            return False
        self.moved[name] = key
        self.moves.append((escaped, starts, m))
        return True

    def rename(self, group: _Keys) -> bytes | bytearray:
        """The group with the planned values moved aside (a copy; the group's bytes are not changed)."""
        a = group.a
        out = bytearray(group.nd)
        buf = np.frombuffer(out, np.uint8)
        for key, starts, m in self.moves:
            e = group.ends(key)
            value = np.minimum(e + 2, len(a) - 1)
            value[a[value] == 0x20] += 1  # '"key": value'
            first = a[np.minimum(value, len(a) - 1)]
            hit = first == starts[0]
            for c in starts[1:]:
                hit |= first == c
            for j in range(1, m + 1):
                buf[e[hit] - j] = _DEL
        return out

    def handle(self, exc: Exception, nd: bytes | bytearray) -> bool:
        """Adapt the plan to a pyarrow error; False when the error is not one of a column's JSON type."""
        msg = str(exc)
        m = _CONFLICT.search(msg)
        if m:
            path, was, now = m.groups()
            key = _top_key(path, nd)
            if key is None or key in self.moved:
                return False
            if key != path[1:]:
                return False  # a conflict inside nested values: no JSON kind to move aside
            if self.seen is not None and key in self.schema.names and key not in self.seen:
                self.seen.add(key)  # a known key pyarrow inferred: parse it declared
                return True
            declared = key in self.schema.names
            self.take(key, f"JSON {was} and {now} values")
            # one kind moved aside at a time: a third kind makes pyarrow name the key again
            kinds = [k for k in _KINDS if k in (was, now)]
            return any(self.move(key, k) for k in kinds) or declared
        m = _NOT_INT.search(msg)
        if m:
            value = m.group(1).encode()
            for f in self.declared():
                if pa.types.is_integer(f.type):
                    name = orjson.dumps(f.name)
                    if name + b":" + value in nd or name + b": " + value in nd:
                        self.take(f.name, f"a JSON number that is not an int64 ({m.group(1)})")
                        return True
        return False


def _top_key(path: str, nd: Any) -> str | None:
    """The top-level key of a pyarrow column path such as ``/a/b/[]`` (a key may itself hold a '/')."""
    parts = path[1:].split("/")
    for i in range(len(parts), 0, -1):
        cand = "/".join(parts[:i])
        name = orjson.dumps(cand)
        if name + b":" in nd or name + b": " in nd:
            return cand
    return None


def _parse(nd: bytes, multiline: bool, plan: _Plan) -> pa.Table:
    """Parse one group; a JSON type conflict in a column changes the plan and the group is parsed again."""
    block = int(min(max(len(nd) // 8, 1 << 20), 1 << 24))
    keys: _Keys | None = None
    while True:
        if plan.moves:
            keys = keys or _Keys(nd, len({key for key, _, _ in plan.moves}))
            data: bytes | bytearray = plan.rename(keys)
        else:
            data = nd
        declared = plan.declared()
        parse = pj.ParseOptions(
            explicit_schema=declared, unexpected_field_behavior="infer", newlines_in_values=multiline
        )
        try:
            table = pj.read_json(
                pa.BufferReader(data), read_options=pj.ReadOptions(block_size=block), parse_options=parse
            )
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
            if not plan.handle(exc, data):
                raise
            continue
        settled = plan.settle(table, declared)
        if settled is not None:
            return settled


def _parse_groups(raws: Sequence[Any], plan: _Plan, newlines: bool = True) -> list[pa.Table]:
    """Parse `raws` in groups of :data:`GROUP`, joining the next group while pyarrow parses this one.

    pyarrow releases the GIL while it parses (on all cores), so the join -- a copy made
    under the GIL -- of group k + 1 runs beside the parse of group k. At most two joined
    groups are alive at a time. (Parsing two groups at once, each on one thread, was
    measured too: no faster.) The first group of a longer listing holds :data:`PROBE` images:
    it is parsed under the whole schema, and a JSON type conflict met in it costs a small parse
    again, not a group's. `newlines`: see :func:`_join`.
    """
    if len(raws) <= GROUP:
        return [_parse(*_join(raws, newlines), plan)]
    bounds = [0, *range(min(PROBE, GROUP), len(raws), GROUP), len(raws)]
    tables: list[pa.Table] = []
    with ThreadPoolExecutor(1, thread_name_prefix="imgkit-parse") as pool:
        pending: Future[pa.Table] | None = None
        for i, j in zip(bounds, bounds[1:]):
            joined = _join(raws[i:j], newlines)
            if pending is not None:
                tables.append(pending.result())
            pending = pool.submit(_parse, *joined, plan)
            del joined
        assert pending is not None
        tables.append(pending.result())
    return tables


def _unknown_ok(t: pa.DataType) -> bool:
    if any(test(t) for test in _SCALAR_OK):
        return True
    # (not an array of doubles: it may hold JSON integers, which the exact engine writes as integers: [22, 3389.5])
    return pa.types.is_list(t) and any(test(t.value_type) for test in _SCALAR_OK if test is not pa.types.is_floating)


def _beyond_int64(tables: list[pa.Table], name: str) -> bool:
    """Whether a column pyarrow read as doubles holds a number of magnitude 2**63 or more: it may have been a JSON
    integer beyond int64 (rounded here), whose digits the exact route keeps."""
    for t in tables:
        if name in t.schema.names and pa.types.is_floating(t.schema.field(name).type):
            top = pc.max(pc.abs(t.column(name))).as_py()
            if top is not None and top >= 2.0**63:
                return True
    return False


def _unusable(name: str, typ: pa.DataType) -> str | None:
    """Why a parsed column cannot be typed column-wise (it then takes the exact route), or None."""
    f = field_for_api(name)
    if f is None:
        if not _unknown_ok(typ):
            return f"pyarrow reads it as {typ}"  # objects, lists of objects, timestamps inferred from text
    elif f.kind == "object" and not (
        pa.types.is_null(typ) or (pa.types.is_list(typ) and pa.types.is_null(typ.value_type))
    ):
        return f"pyarrow reads it as {typ}"
    return None


def _combine(tables: list[pa.Table], plan: _Plan) -> tuple[pa.Table, list[str]]:
    """One table of the columns pyarrow typed alike in every group; every key in first-seen order."""
    order: dict[str, None] = {}
    types: dict[str, set[pa.DataType]] = {}
    for t in tables:
        for name, typ in zip(t.schema.names, t.schema.types):
            key = plan.moved.get(name, name)
            order.setdefault(key, None)
            if name == key and not pa.types.is_null(typ):
                types.setdefault(key, set()).add(typ)
    for key, seen in types.items():
        if key in plan.exact:
            continue
        if len(seen) > 1:
            plan.take(key, "JSON " + " and ".join(sorted(map(str, seen))) + " values in different images")
        elif (why := _unusable(key, next(iter(seen)))) is not None:
            plan.take(key, why)
        elif _beyond_int64(tables, key):
            plan.take(key, "a number beyond int64, which pyarrow reads as a double")
    keep = [t.drop_columns([n for n in t.schema.names if plan.moved.get(n, n) in plan.exact]) for t in tables]
    table = keep[0] if len(keep) == 1 else pa.concat_tables(keep, promote_options="default")
    return table, list(order)


def _exact_type(t: pa.DataType) -> bool:
    """Whether ``to_pylist`` of an Arrow column of this type gives the JSON values exactly (not so for
    doubles, which may have been JSON integers, structs, which fill in absent keys, and timestamps; nor arrays:
    pyarrow.json reads ``[null, false]`` as ``[false, false]`` and ``[null, null]`` as one null)."""
    scalar = (pa.types.is_string, pa.types.is_large_string, pa.types.is_boolean, pa.types.is_int64, pa.types.is_null)
    return any(test(t) for test in scalar)


def _kind_of(t: pa.DataType) -> str | None:
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "string"
    if pa.types.is_boolean(t):
        return "boolean"
    if pa.types.is_int64(t):
        return "integer"
    if pa.types.is_null(t):
        return "null"
    return None


def _arrow_parts(tables: Sequence[pa.Table], plan: _Plan, key: str) -> list[pa.ChunkedArray] | None:
    """A key's values that pyarrow read as JSON strings, bools and integers: one aligned array per
    kind (from its column and its moved-aside columns); None when some are of another kind."""
    names = [key, *(n for n, k in plan.moved.items() if k == key)]
    chunks: dict[str, list[pa.Array]] = {}
    for g, t in enumerate(tables):
        for n in names:
            if n not in t.schema.names:
                continue
            col = t.column(n)
            kind = _kind_of(col.type)
            if kind is None or len(chunks.setdefault(kind, [])) > g:
                return None
            if kind == "null":
                continue
            chunks[kind].extend([pa.nulls(len(x), col.type) for x in tables[len(chunks[kind]) : g]])
            chunks[kind].append(col.combine_chunks())
    chunks.pop("null", None)
    out = []
    for arrays in chunks.values():
        typ = arrays[-1].type
        arrays = [a if a.type == typ else a.cast(typ) for a in arrays]  # string vs large_string
        arrays.extend(pa.nulls(t.num_rows, typ) for t in tables[len(arrays) :])
        out.append(pa.chunked_array(arrays, typ))
    return out or [pa.chunked_array([pa.nulls(t.num_rows) for t in tables], pa.null())]


def _arrow_values(tables: Sequence[pa.Table], plan: _Plan, key: str) -> list[Any] | None:
    """The values of a key pyarrow read exactly, from its column and its moved-aside columns (absent: None)."""
    names = [key, *(n for n, k in plan.moved.items() if k == key)]
    out: list[Any] = []
    for t in tables:
        cols = [t.column(n) for n in names if n in t.schema.names]
        if not all(_exact_type(c.type) for c in cols):
            return None
        if not cols:
            out.extend([None] * t.num_rows)
            continue
        values = cols[0].to_pylist()
        for c in cols[1:]:
            values = [a if a is not None else b for a, b in zip(values, c.to_pylist())]
        out.extend(values)
    return out


def _absent(raws: Sequence[Any], parts: list[pa.ChunkedArray], key: str) -> np.ndarray:
    """Rows without `key` (not merely null), among those where every part is null."""
    null = np.ones(len(raws), dtype=bool)
    for p in parts:
        null &= p.is_null().to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(null)
    out = np.zeros(len(raws), dtype=bool)
    out[rows[~present_rows(raws, rows, key)]] = True
    return out


def _exact_values(
    segs: Sequence[Segment], docs: list[bool], raws: Sequence[Any], keys: Sequence[str]
) -> dict[str, tuple[list[Any]]]:
    """The values of `keys` in every image, as the exact engine reads them (absent: ``ABSENT``; in a 1-tuple).

    msgspec decodes only those keys and skips the rest of each image without building it.
    """
    names = [f"k{i}" for i in range(len(keys))]
    one: Any = msgspec.defstruct("_Keys", [(n, Any, msgspec.UNSET) for n in names], rename=dict(zip(names, keys)))
    rows: list[Any] = []
    if all(docs):
        doc_type: Any = msgspec.defstruct("_DocKeys", [("images", list[one])])
        for seg in segs:
            rows.extend(msgspec.json.decode(seg.data, type=doc_type).images)
    else:
        dec = msgspec.json.Decoder(one)
        rows = [dec.decode(r) for r in raws]
    out = {}
    for n, key in zip(names, keys):
        out[key] = ([ABSENT if v is msgspec.UNSET else v for v in map(operator.attrgetter(n), rows)],)
    return out


class _Parsed:
    """What the fast parser read: Arrow columns, the exact route's values, each row's source."""

    def __init__(
        self,
        table: pa.Table,
        keys: list[str],
        exact: dict[str, list[Any]],
        why: dict[str, str],
        raws: list[Any],
        sources: list[str],
        positions: np.ndarray,
    ) -> None:
        self.table = table
        self.keys = keys
        self.exact = exact
        self.why = why
        self.raws = raws
        self.sources = sources
        self.positions = positions


#: Images parsed first to see whether a listing has many distinct unknown keys (pyarrow makes every key a
#: column as long as the group: 8,000 images with one key of their own each are 0.5 GB of nulls).
_PROBE = 200
#: Average bytes per image below which the exact engine reads a listing (``{}`` images: pyarrow's explicit
#: schema costs ~1 KB per image, 500 times the text).
_TINY = 10


def _many_keys(raws: Sequence[Any]) -> bool:
    """Whether an evenly spaced sample of the images has more than 100 distinct unknown keys, and more than
    one per two images: then the exact engine, which caps the columns (:data:`MAX_UNKNOWN_KEYS`), reads it."""
    step = max(1, len(raws) // _PROBE)
    sample = [bytes(raws[i]) for i in range(0, len(raws), step)][:_PROBE]
    if any(r[:1] != b"{" for r in sample):  # (pyarrow.json must only see objects: see _join)
        return False
    try:
        names = pj.read_json(
            pa.BufferReader(b"\n".join(sample)), parse_options=pj.ParseOptions(newlines_in_values=True)
        ).schema.names
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return False  # the parse proper says why
    unknown = sum(1 for n in names if field_for_api(n) is None)
    return unknown > 100 and unknown > len(sample) // 2


def _may_span_lines(data: bytes) -> bool:
    """Whether an image split from document `data` may span lines: a line break before its trailing white space."""
    end = len(data)
    while end and data[end - 1] in b" \t\r\n":
        end -= 1
    return data.find(b"\n", 0, end) != -1


def fast_frame(segments: Sequence[Segment]) -> _Parsed | str:
    """Parse segments column-wise; the keys pyarrow cannot type alike everywhere take the exact route.

    Returns the parsed columns or, when the exact engine must read the whole input, the reason why.
    """
    raws: list[Any] = []
    sources: list[str] = []
    positions: list[np.ndarray] = []
    docs: list[bool] = []
    for seg in segments:
        split = split_listing(seg)
        if isinstance(split, str):
            return split
        parts, plain = split
        for desc, part in parts:
            raws.extend(part)
            sources.extend([desc] * len(part))
            positions.append(np.arange(len(part), dtype=np.int64))
        docs.append(plain)
    if not raws:
        return "the listing holds no images"  # the exact engine gives the empty typed frame
    if sum(len(s.data) for s in segments) < _TINY * len(raws):
        return f"images of fewer than {_TINY} bytes on average (pyarrow's columns would cost far more than the text)"
    if _many_keys(raws):
        return f"more than {MAX_UNKNOWN_KEYS} distinct unknown keys may be in it"
    plan = _Plan()
    plan.can_move = not any(b"\x7f" in s.data or b"\\u007f" in s.data or b"\\u007F" in s.data for s in segments)
    newlines = any(plain and _may_span_lines(seg.data) for seg, plain in zip(segments, docs))
    try:
        tables = _parse_groups(raws, plan, newlines)
    except _NotAnObject:
        return "an image is not a JSON object"
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
        # a syntax error, or a type conflict inside nested values: the exact path finds and names it
        return f"pyarrow could not parse it column-wise ({str(exc).splitlines()[0]})"
    if sum(t.num_rows for t in tables) != len(raws):
        return "pyarrow read a different number of images"
    unknown = {n for t in tables for n in t.schema.names if field_for_api(n) is None}
    if len(unknown) > MAX_UNKNOWN_KEYS:
        return f"more than {MAX_UNKNOWN_KEYS} distinct unknown keys"
    table, keys = _combine(tables, plan)
    if RENAMED_FIELDS.keys() <= set(keys):  # (every schema key is a column here, so only the column names tell)
        return "these are a typed frame's own records (imgkit column names)"
    exact: dict[str, Any] = {}
    for key in plan.exact:
        f = field_for_api(key)
        got = _arrow_parts(tables, plan, key) if f is not None and f.kind in PART_KINDS else None
        if got is None:
            got = _arrow_values(tables, plan, key)  # JSON null and absent both None: see _ArrowColumns.typed
        if got is not None:
            exact[key] = got
    del tables
    rest = [k for k in plan.exact if k not in exact]
    if rest:
        exact.update(_exact_values(segments, docs, raws, rest))
    return _Parsed(table, keys, exact, dict(plan.exact), raws, sources, np.concatenate(positions))


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
    """Raw columns parsed by pyarrow (the fast path), and the exact route's values of the keys it left."""

    def __init__(self, parsed: _Parsed, texts: list[bytes]) -> None:
        self.table = parsed.table
        self.exact = parsed.exact
        self.raws = parsed.raws
        self.texts = texts  # the input bytes: a key that never occurs in them is absent from every row
        self.n = len(parsed.raws)
        self.keys = parsed.keys
        self._underscored: bool | None = None

    def _col(self, key: str) -> Any:
        col = self.table.column(key)
        return col.chunk(0) if col.num_chunks == 1 else col

    def sends(self, key: str) -> bool:
        """Whether some image carries `key` (every schema field is a column of the table, null where absent)."""
        if key in self.exact:
            return True
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
        if "id" in self.exact:
            got = self.exact["id"]
            return [None if v is ABSENT else v for v in (got[0] if isinstance(got, tuple) else got)]
        return ArrowItems(self._col("id")) if "id" in self.keys else [None] * self.n

    def typed(self, f: Field, ctx: TypingContext) -> Any:
        if f.api in self.exact:
            got = self.exact[f.api]
            if isinstance(got, tuple):  # _exact_values: absent is ABSENT already
                return exact_typed(f, got[0], ctx)
            if isinstance(got[0], pa.ChunkedArray):
                return type_parts(f, got, _absent(self.raws, got, f.api) if ctx.requires(f) else None, ctx)
            if ctx.requires(f):  # null or absent? look at the raw images where it is null
                rows = np.array([i for i, v in enumerate(got) if v is None], dtype=np.int64)
                got = list(got)
                for i in rows[~present_rows(self.raws, rows, f.api)]:
                    got[i] = ABSENT
            return exact_typed(f, got, ctx)
        arr = self._col(f.api)
        if ctx.requires(f) and arr.null_count:
            rows = bad_positions(arr.is_null())
            needle = orjson.dumps(f.api)
            if any(needle in text for text in self.texts):  # some rows send it (maybe as null): look closer
                rows = rows[~present_rows(self.raws, rows, f.api)]
            for i in rows:
                ctx.missing(int(i), f)
        return type_arrow(f, arr, ctx)

    def unknown(self, key: str) -> Any:
        if key in self.exact:
            got = self.exact[key]
            if isinstance(got, tuple):
                return type_unknown(got[0])
            if isinstance(got[0], pa.ChunkedArray):  # a known field's parts, asked for its raw values
                values = got[0].to_pylist()
                for part in got[1:]:
                    values = [a if a is not None else b for a, b in zip(values, part.to_pylist())]
                return type_unknown(values)
            return type_unknown(got)
        return type_unknown_arrow(self._col(key))


def fast_path(source: Any, *, dialect: str = "auto") -> tuple[pd.DataFrame, pd.DataFrame, Collected] | str:
    """The frame, its findings and what the source said about itself; or why the exact engine must read it."""
    got = segments_of(source)
    if got is None:
        return f"the fast engine reads JSON text (paths, directories, str, bytes), not a {type(source).__name__}"
    segs, collected = got
    parsed = fast_frame(segs)
    if isinstance(parsed, str):
        return parsed
    cols = _ArrowColumns(parsed, [seg.data for seg in segs])
    repaired = any(seg.repaired for seg in segs)
    del segs
    ctx = TypingContext(cols.ids(), parsed.sources, parsed.positions)
    with ThreadPoolExecutor(1, thread_name_prefix="imgkit-ids") as pool:
        # Text ids read by pyarrow are the typed ids, so their uniqueness is checked while the columns are typed.
        arrow_ids = "id" in cols.keys and "id" not in cols.exact
        unique = pool.submit(ids_unique, parsed.table.column("id")) if arrow_ids else None
        df, meta = build_frame(cols, ctx, workers=_TYPING_WORKERS, dialect=dialect, repaired=repaired)
        df = drop_duplicates(df, ctx, unique=unique.result() if unique else None)
    df.attrs["imgkit"] = meta
    if parsed.why:
        df.attrs["imgkit"]["exact_columns"] = parsed.why
    rows, df.attrs["imgkit"]["findings_omitted"] = ctx.findings()
    return df, findings_frame(rows), collected
