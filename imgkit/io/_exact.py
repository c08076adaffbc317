"""The exact engine: ``orjson`` parses every record; raw columns are built group by group.

It takes every source form and every value, and names each problem precisely (a JSON
syntax error with line and column, a value of an unexpected JSON type).

Records are handled :data:`GROUP` at a time: a file's images are split into raw JSON texts
(:func:`._sources._split`, no Python object per field), parsed by ``orjson`` one group at a
time, and each key's values of the group become one Arrow array when they share one JSON
type (pyarrow converts them in C) -- otherwise they stay Python values. The group's
records are then freed, so memory holds the input bytes and the raw columns, not a
million dicts. A key whose values are Arrow arrays of one type in every group is typed
column-wise, as the fast engine types it; any other key is typed from its Python values
(:func:`._typing._type_values`). Both give what typing the whole list of values gives.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from itertools import chain
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from imgkit.errors import SourceError
from imgkit.io._coerce import (
    ABSENT,
    LIST_TYPE,
    TypingContext,
    exact_typed,
    type_arrow,
    type_unknown,
    type_unknown_arrow,
)
from imgkit.io._frame import MAX_UNKNOWN_KEYS, ArrowItems, build_frame, drop_duplicates
from imgkit.io._sources import Collected, Repeats, collect_source, key_tokens, segments_of, split_listing
from imgkit.schema import DIALECTS, FIELDS, Field, field_for_api, mandatory_fields
from imgkit.validate import findings_frame

#: Records parsed and converted to columns at a time: the group's dicts are the only Python objects per
#: field alive at once.
GROUP = 20_000


def _chunk(arr: pa.Array, values: Any) -> pa.Array | None:
    """`arr` (pyarrow's conversion of `values`) when it holds the values exactly as
    :func:`._typing._arrow_from_values` would convert the whole column; else None.

    So: strings, bools, int64 integers, floats not mixed with integers, lists of strings
    without null items, or nothing but nulls.
    """
    t = arr.type
    if pa.types.is_string(t) or pa.types.is_boolean(t) or pa.types.is_int64(t) or pa.types.is_null(t):
        return arr
    if pa.types.is_float64(t):
        return None if any(type(v) is int for v in values) else arr
    if t == LIST_TYPE and arr.values.null_count == 0:
        return arr
    return None


def _convert(values: list[Any]) -> pa.Array | list[Any]:
    """The values as one Arrow array when :func:`_chunk` accepts pyarrow's conversion, else themselves."""
    try:
        arr = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError, TypeError, ValueError):
        return values
    chunk = _chunk(arr, values)
    return values if chunk is None else chunk


try:  # the C loop behind pd.DataFrame(list_of_dicts); private, so it is optional
    from pandas._libs.lib import dicts_to_array as _dicts_to_array
except ImportError:  # pragma: no cover
    _dicts_to_array = None
_NAN = np.nan
#: API keys some dialect requires: where they are null, whether they are absent is recorded.
_REQUIRED = frozenset().union(*(mandatory_fields(d) for d in DIALECTS))


def _rounded(arr: pa.Array | None, col: Any) -> bool:
    """Whether a column that orjson parsed may hold an integer of more than 64 bits, read as a float (>= 2**64)."""
    if arr is None:
        return any(type(v) is float and abs(v) >= 2.0**64 for v in col)
    t = arr.type
    if pa.types.is_list(t) and pa.types.is_floating(t.value_type):
        arr = pc.list_flatten(arr)
    elif not pa.types.is_floating(t):
        return False
    top = pc.max(pc.abs(arr)).as_py()
    return top is not None and top >= 2.0**64


class _GroupedColumns:
    """Raw columns of records added a group at a time (see the module docstring)."""

    def __init__(self) -> None:
        self.n = 0
        self.sizes: list[int] = []
        self.chunks: dict[str, list[Any]] = {}  # key -> per group: Arrow array, Python values, or None (absent)
        self.absent: dict[str, list[np.ndarray]] = {}  # known key -> rows without it, where it is null
        self.n_unknown = 0  # keys with a column of their own that the schema does not know
        self.past: set[str] = set()  # unknown keys past MAX_UNKNOWN_KEYS
        self.overflow: dict[int, dict[str, Any]] = {}  # row -> its keys past the limit, with their values

    @property
    def keys(self) -> list[str]:
        return list(self.chunks)

    def add(self, records: Sequence[Mapping], *, parsed: bool = False) -> None:
        """Add a group of records; `parsed`: parsed from JSON by orjson (only JSON values, every record a dict)."""
        chunks = self.chunks
        new = [k for k in dict.fromkeys(chain.from_iterable(records)) if k not in chunks]  # first-seen order
        if new and not self.past and self.n_unknown + sum(field_for_api(k) is None for k in new) <= MAX_UNKNOWN_KEYS:
            for k in new:  # the common case: every new key gets its column
                self.n_unknown += field_for_api(k) is None
                chunks[k] = [None] * len(self.sizes)
        elif new:
            for j, rec in enumerate(records):
                if not rec.keys() <= chunks.keys():
                    extra = None
                    for k in rec:
                        if k in chunks:
                            continue
                        known = field_for_api(k) is not None
                        if known or (k not in self.past and self.n_unknown < MAX_UNKNOWN_KEYS):
                            self.n_unknown += not known
                            chunks[k] = [None] * len(self.sizes)
                        else:  # past the limit: kept in the row's OTHER_KEYS object
                            self.past.add(k)
                            extra = extra if extra is not None else {}
                            extra[k] = rec[k]
                    if extra is not None:
                        self.overflow[self.n + j] = extra
        if parsed and _dicts_to_array is not None:
            self._add_parsed(records)
        else:
            for k, per_group in chunks.items():
                values = [rec.get(k) for rec in records]
                chunk = _convert(values)
                nulls = chunk.null_count if isinstance(chunk, pa.Array) else values.count(None)
                if nulls and k in _REQUIRED:
                    self._absent(k, [i for i, rec in enumerate(records) if k not in rec])
                per_group.append(chunk)
        self.sizes.append(len(records))
        self.n += len(records)

    def _add_parsed(self, records: Sequence[Mapping]) -> None:
        """:meth:`add` of JSON records: pandas' C loop lays them out as one object array per key
        (NaN where absent; JSON has no NaN), and pyarrow converts each with NaN as null."""
        keys = list(self.chunks)
        table = _dicts_to_array(records, keys)
        for j, k in enumerate(keys):
            col = table[:, j]
            try:
                arr = pa.array(col, from_pandas=True)
            except (
                pa.ArrowInvalid,
                pa.ArrowTypeError,
                pa.ArrowNotImplementedError,
                OverflowError,
                TypeError,
                ValueError,
            ):
                arr = None
            if arr is not None and arr.null_count and k in _REQUIRED:
                self._absent(
                    k, [int(i) for i in np.flatnonzero(arr.is_null().to_numpy(zero_copy_only=False)) if col[i] is _NAN]
                )
            if _rounded(arr, col):
                raise _NotAnObject  # orjson read an integer beyond 64 bits as a float: Python's json reads it all
            chunk = _chunk(arr, col) if arr is not None else None
            if chunk is None:  # JSON types mix: the values themselves, None where absent
                nan = [i for i, v in enumerate(col) if v is _NAN]
                col = col.copy()
                col[nan] = None
                if nan and k in _REQUIRED:
                    self._absent(k, nan)
                chunk = col.tolist()
            self.chunks[k].append(chunk)

    def _absent(self, key: str, rows: list[int]) -> None:
        if rows:
            self.absent.setdefault(key, []).append(np.asarray(rows, dtype=np.int64) + self.n)

    def sends(self, key: str) -> bool:
        """Whether some image carries `key`."""
        return key in self.chunks

    def column(self, key: str) -> pa.ChunkedArray | list[Any]:
        """The key's values: one Arrow column when every group's are of one type, else Python values."""
        per_group = self.chunks[key]
        if all(c is None or isinstance(c, pa.Array) for c in per_group):
            types = {c.type for c in per_group if c is not None and not pa.types.is_null(c.type)}
            if len(types) <= 1:
                typ = types.pop() if types else pa.string()
                return pa.chunked_array(
                    [
                        pa.nulls(size, typ) if c is None else c if c.type == typ else c.cast(typ)
                        for c, size in zip(per_group, self.sizes)
                    ],
                    typ,
                )
        values: list[Any] = []
        for c, size in zip(per_group, self.sizes):
            values.extend([None] * size if c is None else c if isinstance(c, list) else c.to_pylist())
        return values

    def _absent_rows(self, key: str) -> np.ndarray:
        got = self.absent.get(key)
        return np.concatenate(got) if got else np.zeros(0, dtype=np.int64)

    def ids(self) -> Any:
        if "id" not in self.chunks:
            return [None] * self.n
        col = self.column("id")
        return ArrowItems(col) if isinstance(col, pa.ChunkedArray) else col

    def typed(self, f: Field, ctx: TypingContext) -> Any:
        col = self.column(f.api)
        if isinstance(col, pa.ChunkedArray):
            if ctx.requires(f):
                for i in self._absent_rows(f.api):
                    ctx.missing(int(i), f)
            return type_arrow(f, col, ctx)
        for i in self._absent_rows(f.api):
            col[i] = ABSENT
        return exact_typed(f, col, ctx)

    def unknown(self, key: str) -> Any:
        col = self.column(key)
        return type_unknown_arrow(col) if isinstance(col, pa.ChunkedArray) else type_unknown(col)


_JSON_TYPES = {
    type(None): "null",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    str: "a string",
    list: "an array",
}


#: Columns named unlike their API key: all of them in a record means a typed frame's own record.
RENAMED_FIELDS = {f.column: f for f in FIELDS if f.column != f.api}


def _frame_records(rec: Any) -> bool:
    """Whether `rec` is a row of an imgkit frame (``df.to_dict("records")``, ``df.to_json(orient="records")``)."""
    return (
        isinstance(rec, Mapping)
        and all(c in rec for c in RENAMED_FIELDS)
        and not any(f.api in rec for f in RENAMED_FIELDS.values())
    )


def _from_frame_record(rec: Mapping) -> dict:
    """A frame's own row back as an API record: API keys; NA, NaT and NaN as null; a Huawei-only field that is
    null, empty or a False flag left out (as the API would), so the listing's dialect comes back too."""
    out = {}
    for k, v in rec.items():
        if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v):
            v = None
        elif hasattr(v, "tolist") and not isinstance(v, (str, bytes)):  # numpy scalars and arrays
            v = v.tolist()
        f = RENAMED_FIELDS.get(k) or field_for_api(k)
        if f is not None and f.ims_only and (v is None or v == [] or (f.kind == "flag" and v is False)):
            continue
        out[f.api if f is not None else k] = v
    return out


def _raw_groups(source: Any) -> tuple[Iterator[tuple[str, list[Any], bool]], Collected, bool] | None:
    """Groups of parsed records of a file, directory or JSON text, each with its source; None for other sources
    or when a segment is not a plain listing of objects (the records are then read as a whole)."""
    got = segments_of(source)
    if got is None:
        return None
    segs, collected = got
    if not segs:
        return None  # an empty directory: collect_source says so
    parts = []
    for seg in segs:
        split = split_listing(seg)
        if isinstance(split, str):
            return None
        parts.extend(split[0])

    def groups() -> Iterator[tuple[str, list[Any], bool]]:
        for desc, raws in parts:
            for i in range(0, len(raws), GROUP):
                text = b"[" + b",".join(raws[i : i + GROUP]) + b"]"
                records = orjson.loads(text)
                objects = records if set(map(type, records)) <= {dict} else [r for r in records if isinstance(r, dict)]
                if key_tokens(text) != sum(map(len, objects)):
                    raise _NotAnObject  # a key may repeat inside an image (orjson keeps the last): read it whole
                yield desc, records, True

    return groups(), collected, any(seg.repaired for seg in segs)


def _record_groups(collected: Collected) -> Iterator[tuple[str, list[Any], bool]]:
    for chunk in collected.chunks:
        for i in range(0, len(chunk.records), GROUP):
            yield chunk.source, chunk.records[i : i + GROUP], False


def exact_frame(source: Any, *, dialect: str = "auto") -> tuple[pd.DataFrame, pd.DataFrame, Collected]:
    """The exact engine's frame, findings and what the source said about itself."""
    raw = _raw_groups(source)
    if raw is not None:
        groups, collected, repaired = raw
        try:
            return _grouped_frame(groups, collected, dialect=dialect, repaired=repaired)
        except (_NotAnObject, orjson.JSONDecodeError):
            pass  # read as a whole below: the same records, or the precise error
    collected = collect_source(source)
    return _grouped_frame(_record_groups(collected), collected, dialect=dialect)


class _NotAnObject(Exception):
    """The groups cannot be read as they are (an image that is no object, a repeated key, an integer beyond
    64 bits): the source is read as a whole."""


def _grouped_frame(
    groups: Iterator[tuple[str, list[Any], bool]], collected: Collected, *, dialect: str, repaired: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame, Collected]:
    cols = _GroupedColumns()
    repeats: list[tuple[int, list[tuple[str, Any]]]] = []  # (row, the earlier values of repeated keys)
    frame: bool | None = None  # a typed frame's own records?
    sources: list[str] = []
    positions: list[np.ndarray] = []
    start: dict[str, int] = {}
    for desc, records, parsed in groups:
        for j, rec in enumerate(records if not parsed or not set(map(type, records)) <= {dict} else ()):
            if not isinstance(rec, Mapping):
                if collected.chunks:
                    raise SourceError(
                        f"image #{start.get(desc, 0) + j + 1} is {_JSON_TYPES.get(type(rec), type(rec).__name__)}, "
                        "not an object",
                        source=desc,
                    )
                raise _NotAnObject
            if type(rec) is Repeats:
                repeats.append((cols.n + j, rec.repeated))
        if frame is None:
            frame = bool(records) and _frame_records(records[0])
        if frame:
            records = [_from_frame_record(r) for r in records]
        cols.add(records, parsed=parsed)
        first = start.get(desc, 0)
        sources.extend([desc] * len(records))
        positions.append(np.arange(first, first + len(records), dtype=np.int64))
        start[desc] = first + len(records)
    ctx = TypingContext(cols.ids(), sources, np.concatenate(positions) if positions else np.zeros(0, dtype=np.int64))
    repaired = repaired or any(c.repaired for c in collected.chunks)
    df, meta = build_frame(cols, ctx, dialect=dialect, repaired=repaired)
    column_of = {api: col for col, api in meta["unknown_keys"].items()}
    for i, repeated in repeats:
        for key, earlier in repeated:
            f = field_for_api(key)
            ctx.add(
                i,
                f.column if f else column_of.get(key, key),
                key,
                earlier,
                "duplicate_key",
                "repeated in one object: the last value is kept, this earlier one dropped",
            )
    df = drop_duplicates(df, ctx)
    rows, meta["findings_omitted"] = ctx.findings()
    df.attrs["imgkit"] = meta
    return df, findings_frame(rows), collected
