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
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa

from ..errors import SourceError
from ..schema import DIALECTS, Field, mandatory_fields
from ..validate import findings_frame
from ._frame import _ArrowItems, _build_frame, _drop_duplicates
from ._sources import _collect, _Collected, _segments, _split
from ._typing import _LIST_TYPE, _MISSING, _Ctx, _exact_typed, _type_arrow, _type_unknown, _type_unknown_arrow

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
    if t == _LIST_TYPE and arr.values.null_count == 0:
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


class _GroupedColumns:
    """Raw columns of records added a group at a time (see the module docstring)."""

    def __init__(self) -> None:
        self.n = 0
        self.sizes: list[int] = []
        self.chunks: dict[str, list[Any]] = {}  # key -> per group: Arrow array, Python values, or None (absent)
        self.absent: dict[str, list[np.ndarray]] = {}  # known key -> rows without it, where it is null

    @property
    def keys(self) -> list[str]:
        return list(self.chunks)

    def add(self, records: Sequence[Mapping], *, parsed: bool = False) -> None:
        """Add a group of records; `parsed`: parsed from JSON by orjson (only JSON values, every record a dict)."""
        chunks = self.chunks
        for rec in records:
            if not rec.keys() <= chunks.keys():
                for k in rec:
                    if k not in chunks:
                        chunks[k] = [None] * len(self.sizes)
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

    def _add_parsed(self, records: list[dict]) -> None:
        """:meth:`add` of JSON records: pandas' C loop lays them out as one object array per key
        (NaN where absent; JSON has no NaN), and pyarrow converts each with NaN as null."""
        keys = list(self.chunks)
        table = _dicts_to_array(records, keys)
        for j, k in enumerate(keys):
            col = table[:, j]
            try:
                arr = pa.array(col, from_pandas=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError, TypeError,
                    ValueError):
                arr = None
            if arr is not None and arr.null_count and k in _REQUIRED:
                self._absent(k, [i for i in np.flatnonzero(arr.is_null().to_numpy(zero_copy_only=False))
                                 if col[i] is _NAN])
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
                return pa.chunked_array([pa.nulls(size, typ) if c is None else c if c.type == typ else c.cast(typ)
                                         for c, size in zip(per_group, self.sizes)], typ)
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
        return _ArrowItems(col) if isinstance(col, pa.ChunkedArray) else col

    def typed(self, f: Field, ctx: _Ctx) -> Any:
        col = self.column(f.api)
        if isinstance(col, pa.ChunkedArray):
            if ctx.requires(f):
                for i in self._absent_rows(f.api):
                    ctx.missing(int(i), f)
            return _type_arrow(f, col, ctx)
        for i in self._absent_rows(f.api):
            col[i] = _MISSING
        return _exact_typed(f, col, ctx)

    def unknown(self, key: str) -> Any:
        col = self.column(key)
        return _type_unknown_arrow(col) if isinstance(col, pa.ChunkedArray) else _type_unknown(col)


def _raw_groups(source: Any) -> tuple[Iterator[tuple[str, list[Any], bool]], _Collected] | None:
    """Groups of parsed records of a file, directory or JSON text, each with its source; None for other sources
    or when a segment is not a plain listing of objects (the records are then read as a whole)."""
    got = _segments(source)
    if got is None:
        return None
    segs, collected = got
    if not segs:
        return None  # an empty directory: _collect says so
    parts = []
    for seg in segs:
        split = _split(seg)
        if isinstance(split, str):
            return None
        parts.extend(split[0])

    def groups() -> Iterator[tuple[str, list[Any], bool]]:
        for desc, raws in parts:
            for i in range(0, len(raws), GROUP):
                yield desc, orjson.loads(b"[" + b",".join(raws[i:i + GROUP]) + b"]"), True

    return groups(), collected


def _record_groups(collected: _Collected) -> Iterator[tuple[str, list[Any], bool]]:
    for chunk in collected.chunks:
        for i in range(0, len(chunk.records), GROUP):
            yield chunk.source, chunk.records[i:i + GROUP], False


def _exact_frame(source: Any, *, dialect: str = "auto") -> tuple[pd.DataFrame, pd.DataFrame, _Collected]:
    """The exact engine's frame, findings and what the source said about itself."""
    raw = _raw_groups(source)
    if raw is not None:
        try:
            return _grouped_frame(*raw, dialect=dialect)
        except (_NotAnObject, orjson.JSONDecodeError):
            pass  # read as a whole below: the same records, or the precise error
    collected = _collect(source)
    return _grouped_frame(_record_groups(collected), collected, dialect=dialect)


class _NotAnObject(Exception):
    pass


def _grouped_frame(groups: Iterator[tuple[str, list[Any], bool]], collected: _Collected, *, dialect: str
                   ) -> tuple[pd.DataFrame, pd.DataFrame, _Collected]:
    cols = _GroupedColumns()
    sources: list[str] = []
    positions: list[np.ndarray] = []
    start: dict[str, int] = {}
    for desc, records, parsed in groups:
        for j, rec in enumerate(records if not parsed or not all(type(r) is dict for r in records) else ()):
            if not isinstance(rec, Mapping):
                if collected.chunks:
                    raise SourceError(
                        f"image #{start.get(desc, 0) + j + 1} is a JSON {type(rec).__name__}, not an object",
                        source=desc)
                raise _NotAnObject
        cols.add(records, parsed=parsed)
        first = start.get(desc, 0)
        sources.extend([desc] * len(records))
        positions.append(np.arange(first, first + len(records), dtype=np.int64))
        start[desc] = first + len(records)
    ctx = _Ctx(cols.ids(), sources, np.concatenate(positions) if positions else np.zeros(0, dtype=np.int64))
    df, meta = _build_frame(cols, ctx, dialect=dialect)
    df = _drop_duplicates(df, ctx)
    df.attrs["imgkit"] = meta
    return df, findings_frame(ctx.rows), collected
