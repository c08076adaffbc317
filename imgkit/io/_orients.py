"""pandas' own JSON layouts: ``DataFrame.to_json`` in every orient, and JSON-lines text, read back as records.

:func:`pandas_records` turns a parsed document written by ``DataFrame.to_json(orient=...)`` into the list of
its records (``records`` needs nothing: it already is one), or raises :class:`~imgkit.SourceError` naming the
orient when the layout cannot give a frame back (``values`` has no column names). :func:`is_json_lines` tells
JSON-lines text (``to_json(orient="records", lines=True)``) from one JSON document.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import orjson

from imgkit.errors import SourceError

__all__ = ["is_json_lines", "pandas_records"]

_SPLIT_KEYS = ({"columns", "index", "data"}, {"columns", "data"})


def pandas_records(doc: Any, desc: str) -> tuple[str, list[Any]] | None:
    """``(orient, records)`` when `doc` is a ``DataFrame.to_json`` layout other than ``records``, else None.

    Examples
    --------
    >>> pandas_records({"id": {"0": "a", "1": "b"}, "name": {"0": "x", "1": None}}, "<str>")
    ('columns', [{'id': 'a', 'name': 'x'}, {'id': 'b', 'name': None}])
    >>> pandas_records({"columns": ["id"], "index": [0], "data": [["a"]]}, "<str>")
    ('split', [{'id': 'a'}])
    >>> pandas_records({"7": {"id": "a"}}, "<str>")
    ('index', [{'id': 'a'}])
    >>> pandas_records([["a", "x"]], "<str>")
    Traceback (most recent call last):
    ...
    imgkit.errors.SourceError: <str>: this is DataFrame.to_json(orient='values') output: rows without column names ...
    """
    if isinstance(doc, list):
        if doc and all(isinstance(r, list) for r in doc):
            raise SourceError(
                "this is DataFrame.to_json(orient='values') output: rows without column names cannot be read as "
                "images; write orient='records' (or 'table', 'split', 'columns', 'index')",
                source=desc,
            )
        return None
    if not isinstance(doc, Mapping) or "images" in doc:
        return None
    if set(doc) in _SPLIT_KEYS and isinstance(doc["columns"], list) and isinstance(doc["data"], list):
        columns = doc["columns"]
        if not all(isinstance(c, str) for c in columns):
            raise SourceError("DataFrame.to_json(orient='split') output with non-text column names", source=desc)
        rows = doc["data"]
        if not all(isinstance(r, list) and len(r) == len(columns) for r in rows):
            raise SourceError(
                f"DataFrame.to_json(orient='split') output whose rows do not have {len(columns)} values", source=desc
            )
        return "split", [dict(zip(columns, r)) for r in rows]
    if set(doc) == {"schema", "data"} and isinstance(doc["schema"], Mapping) and isinstance(doc["data"], list):
        schema = doc["schema"]
        fields = schema.get("fields")
        if not isinstance(fields, list) or not all(isinstance(f, Mapping) for f in fields):
            raise SourceError("DataFrame.to_json(orient='table') output without a list of fields", source=desc)
        key = schema.get("primaryKey") or []
        index = set(key) if isinstance(key, list) and all(isinstance(k, str) for k in key) else set()
        rows = doc["data"]
        if not all(isinstance(r, Mapping) for r in rows):
            raise SourceError("DataFrame.to_json(orient='table') output whose data are not objects", source=desc)
        return "table", [{k: v for k, v in r.items() if k not in index} for r in rows]
    values = list(doc.values())
    if not values or not all(isinstance(v, Mapping) for v in values):
        return None
    if isinstance(doc.get("id"), Mapping):  # orient="columns": {column: {label: value}}
        labels = list(doc["id"])
        return "columns", [{c: col.get(lab) for c, col in doc.items()} for lab in labels]
    if all(isinstance(v.get("id"), str) for v in values):  # orient="index": {label: record}
        return "index", [dict(v) for v in values]
    return None


_NON_SPACE = re.compile(rb"\S")


def is_json_lines(data: bytes) -> bool:
    """Whether `data` is JSON-lines text: its first line a whole JSON object, and more text after it.

    Looks at the first line only (a listing may be large).

    Examples
    --------
    >>> is_json_lines(b'{"id": "a"}\\n{"id": "b"}\\n'), is_json_lines(b'{\\n "id": "a"\\n}'), is_json_lines(b'{"a": 1}\\n')
    (True, False, False)
    """
    start = _NON_SPACE.search(data)
    if start is None or data[start.start() : start.start() + 1] != b"{":
        return False
    end = data.find(b"\n", start.start())
    if end < 0 or _NON_SPACE.search(data, end) is None:
        return False
    try:
        return isinstance(orjson.loads(data[start.start() : end]), dict)
    except orjson.JSONDecodeError:
        return False
