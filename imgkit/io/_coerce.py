"""Typing: raw columns (Arrow arrays or Python values) -> typed pandas arrays, with findings.

One function per field kind of :data:`imgkit.schema.KINDS`; both engines hand their raw
columns to :func:`type_arrow` / :func:`type_values`. Adding a field kind touches this module.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from imgkit.io._lists import StringListArray, StringListDtype
from imgkit.schema import Field

ABSENT = object()
#: Findings recorded per (column, rule) with their row, image and value -- the first ones; the rest are only
#: counted (``df.attrs["imgkit"]["findings_omitted"]``), so no input makes the findings outgrow the frame.
MAX_EXAMPLES = 1000
#: Deepest nesting of a JSON value that is typed: deeper is a :class:`~imgkit.SourceError`, never a crash.
MAX_DEPTH = 512
_DT_DTYPE = "datetime64[ns, UTC]"
STRING_DTYPE = pd.StringDtype("pyarrow")


class TypingContext:
    """Row context for findings: image ids and per-row sources/positions."""

    def __init__(self, ids: Any, sources: Any, positions: Any) -> None:
        self.ids = ids
        self.sources = sources
        self.positions = positions
        self.rows: list[tuple[Any, ...]] = []
        #: Findings per (column, rule), recorded or not (see :data:`MAX_EXAMPLES`).
        self.counts: dict[tuple[str, str], int] = {}
        #: API keys every record must carry (the listing's dialect), and which rows are pending (no data yet).
        self.required: frozenset[str] = frozenset()
        self.pending: Any = None

    def merge(self, sub: TypingContext) -> None:
        """Take the findings of a child context (see :meth:`child`)."""
        for key, n in sub.counts.items():
            self.counts[key] = self.counts.get(key, 0) + n
        self.rows.extend(sub.rows)

    def findings(self) -> tuple[list[tuple[Any, ...]], dict[str, int]]:
        """The findings recorded -- the first :data:`MAX_EXAMPLES` of each column and rule -- and
        ``{"rule/column": count}`` of those only counted."""
        kept: dict[tuple[str, str], int] = {}
        rows = []
        for r in self.rows:
            key = (r[3], r[6])
            k = kept.get(key, 0)
            if k < MAX_EXAMPLES:
                kept[key] = k + 1
                rows.append(r)
        omitted = {
            f"{rule}/{column}": n - kept.get((column, rule), 0)
            for (column, rule), n in self.counts.items()
            if n > kept.get((column, rule), 0)
        }
        return rows, omitted

    def child(self) -> TypingContext:
        """A context for one column's typing: same rows, its own findings (so columns can be typed in threads)."""
        sub = TypingContext(self.ids, self.sources, self.positions)
        sub.required, sub.pending = self.required, self.pending
        return sub

    def requires(self, f: Field) -> bool:
        """Whether every record of this listing must carry `f` (see :func:`imgkit.schema.mandatory_fields`)."""
        return f.api in self.required

    def missing(self, i: int, f: Field) -> None:
        """Record that row `i` lacks the required field `f` (no finding while a pending image has no data)."""
        if f.with_data and self.pending is not None and self.pending[i]:
            return
        self.add(i, f.column, f.api, None, "mandatory", _missing_action(f))

    def add(self, i: int, column: str, api: str, value: Any, rule: str, action: str) -> None:
        key = (column, rule)
        n = self.counts.get(key, 0) + 1
        self.counts[key] = n
        if n > MAX_EXAMPLES:
            return
        raw = None if value is None else value if isinstance(value, str) else json_text(value)
        iid = self.ids[i]
        self.rows.append(
            (
                self.sources[i],
                int(self.positions[i]),
                iid if isinstance(iid, str) else None,
                column,
                api,
                raw,
                rule,
                action,
            )
        )


class TooDeep(ValueError):
    """A JSON value nested deeper than :data:`MAX_DEPTH` levels (:func:`imgkit.read_images` raises a SourceError)."""


def _depth(value: Any) -> int:
    """How deeply arrays and objects nest in `value` (0 for a scalar); iterative, so any depth is measured."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        v, d = stack.pop()
        if isinstance(v, (list, dict)):
            deepest = max(deepest, d + 1)
            stack.extend((x, d + 1) for x in (v.values() if isinstance(v, dict) else v))
    return deepest


def json_text(value: Any) -> str:
    """Compact JSON text of a value; integers beyond 64 bits keep their digits. Raises :class:`TooDeep`."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # an integer beyond 64 bits, nesting orjson does not write (> 254 levels), a Python object
        pass
    if _depth(value) > MAX_DEPTH:
        raise TooDeep(f"a JSON value is nested deeper than {MAX_DEPTH} levels (imgkit's limit)")
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def _to_text_values(values: list[Any]) -> list[str | None]:
    """JSON-ish text for every non-null value (bools as true/false)."""
    return [
        v
        if type(v) is str
        else None
        if v is None or v is ABSENT
        else ("true" if v else "false")
        if type(v) is bool
        else str(v)
        if type(v) is int
        else v
        if isinstance(v, str)
        else json_text(v)
        for v in values
    ]


def _arrow_from_values(values: list[Any]) -> pa.Array:
    """An Arrow array of the column's JSON type; text when the JSON types are mixed."""
    types = {type(v) for v in values}
    types.discard(type(None))
    if type(ABSENT) in types:
        types.discard(type(ABSENT))
        values = [None if v is ABSENT else v for v in values]
    if not types or types == {str}:
        return pa.array(values, pa.string())
    if types == {bool}:
        return pa.array(values, pa.bool_())
    if types == {int}:
        try:
            return pa.array(values, pa.int64())
        except (OverflowError, pa.ArrowInvalid):
            pass
    elif types == {float}:
        return pa.array(values, pa.float64())
    return pa.array(_to_text_values(values), pa.string())


def _pd_bool(arr: pa.Array) -> Any:
    mask = arr.is_null().to_numpy(zero_copy_only=False)
    vals = arr.fill_null(False).to_numpy(zero_copy_only=False).astype(bool)
    return pd.arrays.BooleanArray(vals, mask)


def _pd_int(arr: pa.Array) -> Any:
    mask = arr.is_null().to_numpy(zero_copy_only=False)
    vals = arr.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    return pd.arrays.IntegerArray(vals, mask)


def _chunked(arr: Any) -> pa.ChunkedArray:
    return arr if isinstance(arr, pa.ChunkedArray) else pa.chunked_array([arr], type=arr.type)


def _pd_string(arr: Any) -> Any:
    if not pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.large_string())
    return STRING_DTYPE.construct_array_type()(_chunked(arr))


LIST_TYPE = pa.list_(pa.string())
LIST_DTYPE = StringListDtype()


def pd_list(arr: Any) -> Any:
    """A list-of-strings column (:class:`~imgkit.io.StringListArray`; each cell reads as a Python list)."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    if arr.type != LIST_TYPE or str(arr.type) != str(LIST_TYPE):
        arr = arr.cast(LIST_TYPE)
    return StringListArray(arr.fill_null(pa.scalar([], LIST_TYPE)))


def bad_positions(invalid: pa.Array) -> np.ndarray:
    return np.flatnonzero(invalid.fill_null(False).to_numpy(zero_copy_only=False))


def _is_text(arr: Any) -> bool:
    return pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)


def _as_text(arr: pa.Array) -> pa.Array:
    if _is_text(arr):
        return arr
    if pa.types.is_null(arr.type):
        return arr.cast(pa.string())
    return pa.array(_to_text_values(arr.to_pylist()), pa.string())


def _blank_to_null(arr: pa.Array) -> pa.Array:
    """Empty (or all-blank) strings -> null."""
    return pc.if_else(pc.equal(pc.utf8_trim_whitespace(arr), ""), pa.scalar(None, arr.type), arr)


def _type_text(f: Field, arr: pa.Array, ctx: TypingContext, *, blank_to_na: bool) -> Any:
    if not _is_text(arr) and not pa.types.is_null(arr.type):
        for i in bad_positions(arr.is_valid()):
            ctx.add(i, f.column, f.api, arr[i].as_py(), "type", "converted to text")
    arr = _as_text(arr)
    if blank_to_na:
        blank = pc.equal(arr, "")
        if pc.any(blank).as_py():
            arr = pc.if_else(blank, pa.scalar(None, arr.type), arr)
    return _pd_string(arr)


#: The spellings of string booleans that listings send, and what each means ("" is NA).
_BOOL_TEXTS = pa.array(["false", "true", "False", "True", "FALSE", "TRUE", ""], pa.string())
_BOOL_OF = pa.array([False, True, False, True, False, True, None], pa.bool_())


def _common_bools(arr: Any) -> Any:
    """A text column of string booleans as booleans in one hash pass; None when some value is spelled
    otherwise (the general rule of :func:`_type_bool` then applies: it gives the same for these spellings)."""
    codes = pc.index_in(arr, value_set=_BOOL_TEXTS)
    if codes.null_count != arr.null_count:
        return None
    return pc.take(_BOOL_OF, codes)


def _type_bool(f: Field, arr: pa.Array, ctx: TypingContext) -> Any:
    if pa.types.is_boolean(arr.type):
        out = arr
    elif _is_text(arr) and (common := _common_bools(arr)) is not None:
        out = common
    else:
        arr = _as_text(arr)
        norm = pc.utf8_lower(pc.utf8_trim_whitespace(arr))
        is_true = pc.equal(norm, "true")
        is_false = pc.equal(norm, "false")
        ok = pc.or_(pc.or_(is_true, is_false), pc.equal(norm, ""))
        for i in bad_positions(pc.invert(ok)):
            ctx.add(i, f.column, f.api, arr[i].as_py(), "untypable", "set to NA")
        out = pc.if_else(pc.or_(is_true, is_false), is_true, pa.scalar(None, pa.bool_()))
    if f.kind == "flag":  # absent (or null) = not supported; "" (NA in every known column) or an untypable value NA
        out = pc.if_else(arr.is_null(), False, out)
    return _pd_bool(out)


_INT_RE = r"^\s*[+-]?\d+\s*$"


def _type_int(f: Field, arr: pa.Array, ctx: TypingContext) -> Any:
    if pa.types.is_integer(arr.type):
        return _pd_int(arr.cast(pa.int64()))
    if pa.types.is_floating(arr.type):
        integral = pc.equal(pc.floor(arr), arr)
        for i in bad_positions(pc.invert(integral)):
            ctx.add(i, f.column, f.api, arr[i].as_py(), "untypable", "set to NA")
        # 2**63 is the first float past int64 (JSON parsers read integers beyond int64 as floats)
        inside = pc.and_(pc.greater_equal(arr, -(2.0**63)), pc.less(arr, 2.0**63))
        for i in bad_positions(pc.and_(integral, pc.invert(inside))):
            ctx.add(i, f.column, f.api, arr[i].as_py(), "untypable", "set to NA (out of int64 range)")
        keep = pc.and_(integral, inside)
        return _pd_int(pc.if_else(keep, arr, pa.scalar(None, arr.type)).cast(pa.int64()))
    arr = _as_text(arr)
    if pc.all(pc.ascii_is_decimal(arr)).as_py() is not False:  # plain digits only (the common case): cast
        try:
            return _pd_int(arr.cast(pa.int64()))
        except (pa.ArrowInvalid, OverflowError):
            pass  # beyond int64: the careful path below names those values
    numeric = pc.match_substring_regex(arr, _INT_RE)
    bad = pc.and_(pc.invert(numeric), pc.invert(pc.equal(pc.utf8_trim_whitespace(arr), "")))
    clean = pc.if_else(numeric, pc.utf8_trim_whitespace(arr), pa.scalar(None, pa.string()))
    try:
        ints = clean.cast(pa.int64())
    except (pa.ArrowInvalid, OverflowError):  # some value is out of int64 range
        vals: list[int | None] = []
        for i, text in enumerate(clean.to_pylist()):
            v = None if text is None else int(text)
            if v is not None and not -(2**63) <= v < 2**63:
                ctx.add(i, f.column, f.api, text, "untypable", "set to NA (out of int64 range)")
                v = None
            vals.append(v)
        ints = pa.array(vals, pa.int64())
    for i in bad_positions(bad):
        ctx.add(i, f.column, f.api, arr[i].as_py(), "untypable", "set to NA")
    return _pd_int(ints)


#: Epoch milliseconds (pandas' ``to_json`` dates) read as times: from 1973-03-03 (10**11 ms; a smaller
#: number is more likely epoch *seconds* or a sentinel such as -1: a finding) to datetime64[ns]'s end.
_MS_RANGE = (10**11, pd.Timestamp.max.value // 1_000_000)


def _epoch_ms_text(v: Any) -> Any:
    """A JSON number in a datetime field is epoch milliseconds (pandas' ``to_json``): ISO text when it fits."""
    if isinstance(v, int) and not isinstance(v, bool) and _MS_RANGE[0] <= v <= _MS_RANGE[1]:
        return pd.Timestamp(v, unit="ms", tz="UTC").isoformat()
    if isinstance(v, pd.Timestamp) or hasattr(v, "isoformat") and not isinstance(v, str):
        try:
            ts = pd.Timestamp(v)
        except (ValueError, TypeError, OverflowError):
            return v
        return (ts.tz_localize("UTC") if ts.tz is None else ts).isoformat()
    return v


def _type_datetime(f: Field, arr: pa.Array, ctx: TypingContext) -> Any:
    if pa.types.is_integer(arr.type):  # epoch milliseconds, as pandas' to_json writes dates
        lo, hi = _MS_RANGE
        fits = pc.and_(pc.greater_equal(arr, lo), pc.less_equal(arr, hi))
        for i in bad_positions(pc.invert(fits)):
            ctx.add(
                i,
                f.column,
                f.api,
                arr[i].as_py(),
                "untypable",
                "set to NA (a number: read as epoch milliseconds from 1973 on)",
            )
        ms = pc.if_else(fits, arr, pa.scalar(None, arr.type)).cast(pa.int64())
        ts = pc.multiply(ms, 1_000_000).cast(pa.timestamp("ns", "UTC"))
        return pd.Series(ts.to_pandas(), copy=False).astype(_DT_DTYPE).array
    arr = _as_text(arr)
    for blanks in (False, True):  # fast: every value ISO 8601 with a zone (a blank one fails, then is NA)
        if blanks:
            arr = _blank_to_null(arr)
        try:
            ts = arr.cast(pa.timestamp("ns", "UTC"))
            return pd.Series(ts.to_pandas(), copy=False).astype(_DT_DTYPE).array
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    s = pd.Series(_pd_string(pc.utf8_upper(arr)))  # RFC 3339 allows a lower-case "t" and "z"
    obj = s.astype(object).where(s.notna(), None)
    parsed = pd.to_datetime(obj, utc=True, format="ISO8601", errors="coerce")
    if parsed.dtype != _DT_DTYPE:  # a coarser unit: years beyond what nanoseconds hold ("-1", "9999999") -> NA
        lo, hi = pd.Timestamp.min.tz_localize("UTC"), pd.Timestamp.max.tz_localize("UTC")
        parsed = parsed.where((parsed >= lo) & (parsed <= hi)).astype(_DT_DTYPE)
    for i in np.flatnonzero((parsed.isna() & s.notna()).to_numpy()):
        ctx.add(int(i), f.column, f.api, arr[i].as_py(), "untypable", "set to NA")
    return parsed.array


def _type_enum(f: Field, arr: Any, ctx: TypingContext) -> Any:
    text = _as_text(arr)
    if not _is_text(arr) and not pa.types.is_null(arr.type):
        for i in bad_positions(arr.is_valid()):
            ctx.add(i, f.column, f.api, arr[i].as_py(), "type", "converted to text")
    seen = [v for v in pc.unique(text).to_pylist() if v]  # "" is NA: no category
    documented = set(f.values)
    cats = list(f.values) + sorted(v for v in seen if v not in documented)
    codes = pc.index_in(text, value_set=pa.array(cats, text.type)).fill_null(-1)  # null and "": -1
    return pd.Categorical.from_codes(codes.to_numpy(zero_copy_only=False), categories=cats, validate=False)


def _split_text_list(arr: pa.Array) -> pa.Array:
    """``"hss, ces"`` -> ``["hss", "ces"]`` in Arrow: split on commas, trim, drop empty items."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    parts = pc.split_pattern(arr.fill_null(""), ",")
    items = pc.utf8_trim_whitespace(parts.flatten())
    keep = pc.not_equal(items, "")
    parents = pc.filter(pc.list_parent_indices(parts), keep).to_numpy(zero_copy_only=False)
    counts = np.bincount(parents, minlength=len(arr))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), pc.filter(items, keep))


def _type_list(f: Field, values: list[Any], ctx: TypingContext) -> Any:
    out: list[list[str]] = []
    split_text = f.api == "__support_agent_list"
    for i, v in enumerate(values):
        if v is None or v is ABSENT or v == "":  # "" is NA in every known column: [] here
            out.append([])
        elif isinstance(v, list):
            if all(isinstance(x, str) for x in v):
                out.append(v)
            elif all(isinstance(x, str) or x is None for x in v):
                ctx.add(i, f.column, f.api, v, "type", "null items dropped")
                out.append([x for x in v if x is not None])
            else:
                dropped = ", null items dropped" if None in v else ""
                ctx.add(i, f.column, f.api, v, "type", "items converted to text" + dropped)
                out.append([x if isinstance(x, str) else json_text(x) for x in v if x is not None])
        elif isinstance(v, str):
            if split_text:
                out.append([p.strip() for p in v.split(",") if p.strip()])
            else:
                ctx.add(i, f.column, f.api, v, "type", "wrapped in a one-item list")
                out.append([v] if v else [])
        else:
            ctx.add(i, f.column, f.api, v, "untypable", "set to empty list")
            out.append([])
    return pd_list(pa.array(out, LIST_TYPE))


def _json_value(f: Field, i: int, v: Any, ctx: TypingContext) -> str | None:
    """One JSON-object value (text or an already parsed dict) -> its canonical JSON text, or None with a finding.

    Canonical: compact, keys sorted, so that equal objects have equal text (diffs, duplicates,
    ``value_counts``) and plain ``df.to_parquet`` writes any object, the empty one included.
    :func:`imgkit.os_features` turns the column into one typed column per key.
    """
    if v is None or v is ABSENT or v == "":
        return None
    if isinstance(v, str):
        raw = v
        try:
            v = orjson.loads(raw)
        except orjson.JSONDecodeError:
            ctx.add(i, f.column, f.api, raw, "untypable", "set to NA (not JSON)")
            return None
        if not isinstance(v, dict):
            ctx.add(i, f.column, f.api, raw, "untypable", "set to NA (not a JSON object)")
            return None
    if isinstance(v, dict):
        try:
            return orjson.dumps(v, option=orjson.OPT_SORT_KEYS).decode()
        except TypeError:  # keys that are not text (a dict built in Python)
            ctx.add(i, f.column, f.api, repr(v), "untypable", "set to NA (not a JSON object)")
            return None
    ctx.add(i, f.column, f.api, v, "untypable", "set to NA")
    return None


def _type_json(f: Field, values: list[Any], ctx: TypingContext) -> Any:
    return _pd_string(pa.array([_json_value(f, i, v, ctx) for i, v in enumerate(values)], pa.string()))


def _type_json_arrow(f: Field, arr: Any, ctx: TypingContext) -> Any:
    """:func:`_type_json` of an Arrow column, looking only at its non-null values.

    A text column is typed once per distinct value (listings repeat a handful of feature lists), and
    each row takes its value's canonical text; the findings are those of a row-by-row pass.
    """
    if _is_text(arr):
        return _type_json_distinct(f, arr, ctx)
    out: list[str | None] = [None] * len(arr)
    valid = arr.is_valid()
    rows = np.flatnonzero(valid.to_numpy(zero_copy_only=False))
    for i, v in zip(rows.tolist(), arr.filter(valid).to_pylist()):
        out[i] = _json_value(f, i, v, ctx)
    return _pd_string(pa.array(out, pa.string()))


def _type_json_distinct(f: Field, arr: Any, ctx: TypingContext) -> Any:
    distinct = pc.unique(arr)
    texts: list[str | None] = []
    probe = TypingContext([None], [None], [0])  # the finding of a distinct value, if any, for row 0
    finding: dict[int, tuple[Any, ...]] = {}
    for j, v in enumerate(distinct.to_pylist()):
        texts.append(_json_value(f, 0, v, probe))
        if probe.rows:
            finding[j] = probe.rows.pop()
    codes = pc.index_in(arr, value_set=distinct)
    if finding:
        at = codes.to_numpy(zero_copy_only=False)
        for i in np.flatnonzero(np.isin(at, list(finding))).tolist():
            value, rule, action = finding[int(at[i])][5:]
            ctx.add(i, f.column, f.api, value, rule, action)
    return _pd_string(pc.take(pa.array(texts, pa.string()), codes))


def object_column(values: list[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = [None if v is ABSENT else v for v in values]
    return out


def type_unknown_arrow(arr: pa.Array) -> Any:
    """Conservative typing of a key the schema does not know, from its Arrow (JSON) type."""
    t = arr.type
    if _is_text(arr):
        return _pd_string(arr)
    if pa.types.is_boolean(t):
        return _pd_bool(arr)
    if pa.types.is_integer(t):
        return _pd_int(arr.cast(pa.int64()))
    if pa.types.is_floating(t):
        return pd.array(arr.to_numpy(zero_copy_only=False), dtype="Float64")
    if pa.types.is_null(t):
        return _pd_string(arr.cast(pa.string()))
    return _json_text_column(arr.to_pylist())


def _json_text_column(values: list[Any]) -> Any:
    """A ``string`` column of JSON values: text as it is, anything else (arrays, objects, mixed types) as compact
    JSON text -- printable, hashable, and written by plain ``df.to_parquet`` whatever the nesting."""
    out = [None if v is None or v is ABSENT else v if isinstance(v, str) else json_text(v) for v in values]
    return _pd_string(pa.array(out, pa.string()))


def type_unknown(values: list[Any]) -> Any:
    types = {type(v) for v in values} - {type(None), type(ABSENT)}
    clean = [None if v is ABSENT else v for v in values]
    if types == {str}:
        return _pd_string(pa.array(clean, pa.string()))
    if types == {bool}:
        return _pd_bool(pa.array(clean, pa.bool_()))
    if types == {int}:
        try:
            return _pd_int(pa.array(clean, pa.int64()))
        except (OverflowError, pa.ArrowInvalid):
            return _json_text_column(clean)
    if types and types <= {int, float}:
        return pd.array(clean, dtype="Float64")
    return _json_text_column(clean)


def type_arrow(f: Field, arr: pa.Array, ctx: TypingContext) -> Any:
    """Apply the schema's typing rule for one known field to an Arrow column of raw JSON values."""
    if f.kind == "text":  # "" is NA in every known column (README "Guarantees")
        return _type_text(f, arr, ctx, blank_to_na=True)
    if f.kind == "enum":
        return _type_enum(f, arr, ctx)
    if f.kind in ("bool", "flag"):
        return _type_bool(f, arr, ctx)
    if f.kind == "int":
        return _type_int(f, arr, ctx)
    if f.kind == "datetime":
        return _type_datetime(f, arr, ctx)
    if f.kind == "list":
        if arr.type == LIST_TYPE and pc.list_flatten(arr).null_count == 0:
            return pd_list(arr)
        if f.api == "__support_agent_list" and _is_text(arr):
            return pd_list(_split_text_list(arr))
        return _type_list(f, arr.to_pylist(), ctx)
    if f.kind == "json":
        return _type_json_arrow(f, arr, ctx)
    if arr.null_count == len(arr):  # e.g. Glance's `locations`, never sent by IMS
        return _pd_string(pa.nulls(len(arr), pa.string()))
    return _json_text_column(arr.to_pylist())


def _textual(f: Field, values: list[Any], ctx: TypingContext) -> list[Any]:
    """Values of a text, enum or datetime field whose JSON types vary, made text the way the arrow typing expects.

    A text or enum field keeps any other JSON value as its JSON text (``true``, ``["active"]``)
    with a ``type`` finding; a datetime field reads numbers as epoch milliseconds and
    Timestamps as themselves (a frame's own records fed back).
    """
    types = {type(v) for v in values}
    if types <= {str, type(None), type(ABSENT)}:
        return values
    if f.kind == "datetime":
        return [_epoch_ms_text(v) for v in values]
    if len(types - {type(None), type(ABSENT)}) == 1 and not types & {list, dict} and not _beyond_int64(values):
        return values  # one non-text JSON type: the arrow typing records it
    out = list(values)
    for i, v in enumerate(values):
        if v is not None and v is not ABSENT and not isinstance(v, str):
            ctx.add(i, f.column, f.api, v, "type", "converted to text")
            out[i] = json_text(v)
    return out


def _beyond_int64(values: list[Any]) -> bool:
    return any(type(v) is int and not -(2**63) <= v < 2**63 for v in values)


def _integral_numbers(values: list[Any]) -> list[Any]:
    """JSON numbers of an int field with an integral value as integers (``40.0``, ``3e9``, ``-0.0``), so that a
    listing mixing ``40`` and ``40.0`` types each as a listing of either alone does."""
    if float not in {type(v) for v in values}:
        return values
    return [int(v) if type(v) is float and v.is_integer() and -(2.0**63) <= v < 2.0**63 else v for v in values]


def type_values(f: Field, values: list[Any], ctx: TypingContext) -> Any:
    """Apply the schema's typing rule for one known field to raw Python values."""
    if f.kind == "list":
        return _type_list(f, values, ctx)
    if f.kind == "json":
        return _type_json(f, values, ctx)
    if f.kind == "object":
        return _json_text_column(values)
    if f.kind in ("text", "enum", "datetime"):
        values = _textual(f, values, ctx)
    elif f.kind == "int":
        values = _integral_numbers(values)
    return type_arrow(f, _arrow_from_values(values), ctx)


def type_absent(f: Field, n: int, ctx: TypingContext) -> Any:
    """:func:`type_values` of a field no image carries (`n` nulls), without a Python value per row."""
    if f.kind == "list":
        return pd_list(pa.nulls(n, LIST_TYPE))
    if f.kind in ("json", "object"):
        return _pd_string(pa.nulls(n, pa.string()))
    return type_arrow(f, pa.nulls(n, pa.string()), ctx)


def _missing_action(f: Field) -> str:
    return "missing (False)" if f.kind == "flag" else "missing ([])" if f.kind == "list" else "missing (NA)"


def exact_typed(f: Field, values: list[Any], ctx: TypingContext) -> Any:
    """A known field from raw Python values (``ABSENT`` where absent), missing required values recorded."""
    if ctx.requires(f):
        for i, v in enumerate(values):
            if v is ABSENT:
                ctx.missing(i, f)
    return type_values(f, values, ctx)


#: Field kinds that :func:`type_parts` types column-wise (no finding of theirs depends on a value's JSON type).
PART_KINDS = ("bool", "flag", "int", "datetime")


def type_parts(f: Field, parts: list[Any], absent: np.ndarray | None, ctx: TypingContext) -> Any:
    """:func:`exact_typed` of a column that pyarrow read split by JSON kind.

    `parts`: aligned Arrow arrays of JSON strings, bools and integers, at most one value per
    row among them; `absent`: the rows without the key (None when the listing does not require it). The values
    mixed as :func:`_arrow_from_values` mixes them (bools as ``true``/``false``, integers
    in decimal), so the result and the findings are those of the exact engine.
    """
    if absent is not None:
        for i in np.flatnonzero(absent):
            ctx.missing(int(i), f)
    used = [p for p in parts if p.null_count < len(p)]
    if len(used) == 1:
        return type_arrow(f, used[0], ctx)
    if not used:
        return type_arrow(f, parts[0].cast(pa.string()), ctx)
    text = None
    for p in used:
        if f.kind == "datetime" and pa.types.is_integer(p.type):  # epoch milliseconds, as _textual reads them
            p = pa.array([None if v is None else str(_epoch_ms_text(v)) for v in p.to_pylist()], pa.large_string())
        t = p.cast(pa.large_string())
        text = t if text is None else pc.coalesce(text, t)
    return type_arrow(f, text, ctx)
