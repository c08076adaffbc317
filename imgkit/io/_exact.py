"""The exact engine: ``orjson`` parses every record; raw columns are built in Python.

It takes every source form and every value, and names each problem precisely (a JSON
syntax error with line and column, a value of an unexpected JSON type).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..errors import SourceError
from ..schema import Field
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


def _records_frame(collected: _Collected, *, dialect: str = "auto") -> tuple[pd.DataFrame, pd.DataFrame]:
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
    df, meta = _build_frame(cols, ctx, dialect=dialect)
    df = _drop_duplicates(df, ctx)
    df.attrs["imgkit"] = meta
    return df, findings_frame(ctx.rows)
