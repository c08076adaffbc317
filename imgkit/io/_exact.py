"""The exact engine: ``orjson`` parses every record; raw columns are built in Python.

It takes every source form and every value, and names each problem precisely (a JSON
syntax error with line and column, a value of an unexpected JSON type).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..errors import SourceError
from ..schema import FIELDS, Field, field_for_api
from ..validate import findings_frame
from ._frame import _build_frame, _drop_duplicates
from ._sources import _Collected
from ._typing import _MISSING, _Ctx, _exact_typed, _type_unknown


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
        self._key_set = keys

    def sends(self, key: str) -> bool:
        """Whether some image carries `key`."""
        return key in self._key_set

    def ids(self) -> list[Any]:
        return [rec.get("id") for rec in self.records]

    def typed(self, f: Field, ctx: _Ctx) -> Any:
        return _exact_typed(f, [rec.get(f.api, _MISSING) for rec in self.records], ctx)

    def unknown(self, key: str) -> Any:
        return _type_unknown([rec.get(key) for rec in self.records])


_JSON_TYPES = {type(None): "null", bool: "a boolean", int: "a number", float: "a number", str: "a string",
               list: "an array"}


#: Columns named unlike their API key: all of them in a record means a typed frame's own record.
_RENAMED = {f.column: f for f in FIELDS if f.column != f.api}


def _frame_records(rec: Mapping) -> bool:
    """Whether `rec` is a row of an imgkit frame (``df.to_dict("records")``, ``df.to_json(orient="records")``)."""
    return all(c in rec for c in _RENAMED) and not any(f.api in rec for f in _RENAMED.values())


def _from_frame_record(rec: Mapping) -> dict:
    """A frame's own row back as an API record: API keys; NA, NaT and NaN as null; a Huawei-only field that is
    null, empty or a False flag left out (as the API would), so the listing's dialect comes back too."""
    out = {}
    for k, v in rec.items():
        if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and v != v):
            v = None
        elif hasattr(v, "tolist") and not isinstance(v, (str, bytes)):  # numpy scalars and arrays
            v = v.tolist()
        f = _RENAMED.get(k) or field_for_api(k)
        if f is not None and f.ims_only and (v is None or v == [] or (f.kind == "flag" and v is False)):
            continue
        out[f.api if f is not None else k] = v
    return out


def _records_frame(collected: _Collected, *, dialect: str = "auto") -> tuple[pd.DataFrame, pd.DataFrame]:
    records: list[Any] = []
    sources: list[str] = []
    positions: list[int] = []
    for chunk in collected.chunks:
        for j, rec in enumerate(chunk.records):
            if not isinstance(rec, Mapping):
                raise SourceError(
                    f"image #{j + 1} is {_JSON_TYPES.get(type(rec), type(rec).__name__)}, not an object",
                    source=chunk.source
                )
            records.append(rec)
        sources.extend([chunk.source] * len(chunk.records))
        positions.extend(range(len(chunk.records)))
    if records and _frame_records(records[0]):
        records = [_from_frame_record(r) for r in records]
    cols = _RecordColumns(records)
    ctx = _Ctx(cols.ids(), sources, positions)
    df, meta = _build_frame(cols, ctx, dialect=dialect, repaired=any(c.repaired for c in collected.chunks))
    column_of = {api: col for col, api in meta["unknown_keys"].items()}
    for i, rec in enumerate(records):
        for key, earlier in getattr(rec, "repeated", ()):
            f = field_for_api(key)
            ctx.add(i, f.column if f else column_of.get(key, key), key, earlier, "duplicate_key",
                    "repeated in one object: the last value is kept, this earlier one dropped")
    df = _drop_duplicates(df, ctx)
    df.attrs["imgkit"] = meta
    return df, findings_frame(ctx.rows)
