"""Typed columns -> frame: assembly in schema order, unknown keys, duplicate ids, findings, metadata.

Shared by both engines: each gives a *columns* object (``n``, ``keys``, ``typed(field, ctx)``,
``unknown(key)``) to :func:`build_frame`.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from imgkit.errors import ImgkitWarning, SchemaError
from imgkit.io._coerce import MAX_EXAMPLES, TypingContext, json_text, type_absent, type_unknown
from imgkit.io._sources import Collected
from imgkit.schema import (
    FIELDS,
    PENDING_STATUSES,
    Field,
    api_to_column,
    column_to_api,
    detect_dialect,
    field_for_api,
    mandatory_fields,
)
from imgkit.validate import findings_text, frame_findings


def imgkit_version() -> str:
    from imgkit._version import __version__

    return __version__


def build_frame(
    cols: Any, ctx: TypingContext, *, workers: int = 1, dialect: str = "auto", repaired: bool = False
) -> tuple[pd.DataFrame, dict]:
    """Type every column; with ``workers > 1`` the columns are typed in threads.

    Returns the frame and its ``attrs["imgkit"]`` so far: ``dialect`` (`dialect`, or the one
    detected from the keys when ``"auto"``) and ``unknown_keys``, ``{column: API key}`` of the
    keys the schema does not know (known columns map as :func:`imgkit.column_to_api` says).
    Mandatory fields are those of the dialect (:func:`imgkit.schema.mandatory_fields`).
    `repaired`: invalid UTF-8 in the input was replaced by U+FFFD; each text value holding one
    is then a finding (rule ``encoding``).

    Each column records its findings in its own child context, merged in schema order,
    so the findings are the same whatever the number of workers.
    """
    n = cols.n
    present = set(cols.keys)
    if dialect == "auto":
        dialect = detect_dialect(cols.keys, sends=cols.sends)
    ctx.required = mandatory_fields(dialect)
    ctx.pending = _pending_rows(cols) if "status" in present else None

    owned = _glance_owned(cols, present) if dialect == "glance" else {}

    def one(f: Field) -> tuple[Any, TypingContext]:
        sub = ctx.child()
        if f.api in owned:  # a Glance property named like a Huawei column fills that column
            return cols.typed(dataclasses.replace(f, api=owned[f.api]), sub), sub
        if f.api in present:
            return cols.typed(f, sub), sub
        if sub.requires(f):
            for i in range(n):
                sub.missing(i, f)
        return type_absent(f, n, sub), sub

    if workers > 1:
        with ThreadPoolExecutor(workers, thread_name_prefix="imgkit-typing") as pool:
            typed = list(pool.map(one, FIELDS))
    else:
        typed = [one(f) for f in FIELDS]
    columns: dict[str, Any] = {}
    api_of: dict[str, str] = {}
    for f, (col, sub) in zip(FIELDS, typed):
        columns[f.column] = col
        ctx.merge(sub)
        if f.api in owned:
            api_of[f.column] = owned[f.api]
    plain = set(owned.values())
    unknown = [k for k in cols.keys if field_for_api(k) is None and k not in plain]
    overflow = getattr(cols, "overflow", None)
    for k, name in _unknown_column_names(unknown, set(columns) | ({OTHER_KEYS} if overflow else set())).items():
        columns[name] = cols.unknown(k)
        api_of[name] = k
    if overflow:
        columns[OTHER_KEYS] = _other_keys(overflow, n, ctx)
    df = pd.DataFrame(columns, index=pd.RangeIndex(n), copy=False)
    if repaired:
        _encoding_findings(df, ctx, api_of)
    return df, {"dialect": dialect, "unknown_keys": api_of}


#: Distinct keys the schema does not know that get a column each; the keys past it share :data:`OTHER_KEYS`.
MAX_UNKNOWN_KEYS = 1000
#: The column of the unknown keys past :data:`MAX_UNKNOWN_KEYS`: per image, one JSON object of them.
OTHER_KEYS = "other_keys"


def _glance_owned(cols: Any, present: set[str]) -> dict[str, str]:
    """{Huawei API key: plain key} of the Glance/Nova properties that own a Huawei column on a Glance listing.

    ``os_type`` (Nova's ``os_type=windows|linux``), ``description``, ``image_location``, ``os_version``...: on a
    listing that sends no Huawei key, the plain property is the column (text and enum columns keep every value).
    """
    return {
        f.api: f.column
        for f in FIELDS
        if f.api.startswith("__")
        and f.kind in ("text", "enum")
        and f.column in present
        and field_for_api(f.column) is None
        and not cols.sends(f.api)
    }


def _other_keys(overflow: dict[int, dict[str, Any]], n: int, ctx: TypingContext) -> Any:
    """The :data:`OTHER_KEYS` column: each image's keys past the limit as JSON text; each such image a finding."""
    out: list[str | None] = [None] * n
    for i, extra in overflow.items():
        out[i] = json_text(extra)
        action = f"kept as JSON text in {OTHER_KEYS} (more than {MAX_UNKNOWN_KEYS} distinct unknown keys)"
        ctx.add(i, OTHER_KEYS, next(iter(extra)), out[i], "key_limit", action)
    return type_unknown(out)  # text: a string column


def _encoding_findings(df: pd.DataFrame, ctx: TypingContext, api_of: dict[str, str]) -> None:
    """A finding for every text value in which invalid UTF-8 was replaced by U+FFFD."""
    for name in df.columns:
        s = df[name]
        if isinstance(s.dtype, pd.CategoricalDtype):
            s = s.astype(object)
        elif not (isinstance(s.dtype, pd.StringDtype) or s.dtype == object):
            continue
        values = s.tolist()
        api = api_of.get(name) or column_to_api(name)
        for i, v in enumerate(values):
            text = v if isinstance(v, str) else json_text(v) if isinstance(v, (dict, list)) else None
            if text is not None and "\ufffd" in text:
                ctx.add(i, name, api, text, "encoding", "invalid UTF-8 bytes replaced by U+FFFD")


def _pending_rows(cols: Any) -> np.ndarray:
    """Which rows are images without data yet (``status`` queued, saving, uploading, importing)."""
    status = pd.Series(cols.unknown("status"), copy=False)  # the raw values, whatever their JSON type
    return status.isin(PENDING_STATUSES).to_numpy(dtype=bool)


def ids_unique(ids: Any) -> bool:
    """Whether the non-null values of an Arrow array of ids are all different (Arrow hashes without the GIL)."""
    return pc.count_distinct(ids, mode="only_valid").as_py() == len(ids) - ids.null_count


def drop_duplicates(df: pd.DataFrame, ctx: TypingContext, *, unique: bool | None = None) -> pd.DataFrame:
    """Keep the last occurrence of each id; record the others. `unique`: whether the ids are unique, if known."""
    ids = df["id"]
    if unique is None:
        unique = ids_unique(pa.array(ids.array))  # Arrow-backed strings: no copy
    if unique:
        return df
    dup = (ids.duplicated(keep="last") & ids.notna()).to_numpy()
    for i in np.flatnonzero(dup):
        ctx.add(int(i), "id", "id", ids.iat[i], "duplicate_id", "dropped (a later record has the same id)")
    return df.loc[~dup].reset_index(drop=True)


def _unknown_column_names(unknown: list[str], known: set[str]) -> dict[str, str]:
    """Column names for keys the schema does not know (see :func:`imgkit.schema.api_to_column`).

    A key keeps its API name when stripping its underscores would collide with another
    key; a key that is itself named like a known column (upstream Glance's free-form
    ``os_version`` property beside IMS's ``__os_version``) gets a trailing ``_``.
    """
    stripped = Counter(x.lstrip("_") or x for x in unknown)  # (one pass: 8,000 keys once took 17 s)
    names: dict[str, str] = {}
    used = set(known)
    for k in unknown:
        s = k.lstrip("_") or k
        name = api_to_column(k, taken=frozenset({s}) if stripped[s] > 1 else frozenset())
        while name in used:
            name += "_"
        names[k] = name
        used.add(name)
    return names


def finish_frame(df: pd.DataFrame, findings: pd.DataFrame, collected: Collected, errors: str) -> pd.DataFrame:
    meta = df.attrs.get("imgkit", {})
    fetched_at = collected.meta.get("fetched_at")
    meta.update(
        source=collected.meta.get("endpoint") or collected.description,
        fetched_at=pd.Timestamp(fetched_at).tz_convert("UTC").isoformat() if fetched_at else None,
        imgkit_version=imgkit_version(),
    )
    for k in ("api", "filters", "files", "skipped"):
        if k in collected.meta:
            meta[k] = collected.meta[k]
    if collected.meta.get("skipped") and errors != "ignore":
        names = ", ".join(collected.meta["skipped"])
        warnings.warn(
            f"{meta['source']}: skipped {len(collected.meta['skipped'])} entr(ies) that are not "
            f".json/.jsonl/.ndjson page files: {names}",
            ImgkitWarning,
            stacklevel=3,
        )
    if collected.meta.get("endpoint"):
        meta["snapshot"] = collected.description
    df.attrs["imgkit"] = meta
    omitted: dict[str, int] = dict(meta.pop("findings_omitted", None) or {})
    rules = frame_findings(df, source=meta["source"])
    if len(rules):
        rules = _capped(rules, omitted)
        findings = pd.concat([findings, rules], ignore_index=True) if len(findings) else rules
    meta["findings"] = findings_text(findings)  # JSON text: cheap to deep-copy, JSON-serialisable
    if omitted:
        meta["findings_omitted"] = omitted
    if (len(findings) or omitted) and errors != "ignore":
        summary = summarise_findings(findings, meta["source"], omitted=omitted)
        if errors == "raise":
            raise SchemaError(summary, findings=findings)
        warnings.warn(summary, ImgkitWarning, stacklevel=3)
    return df


def _capped(findings: pd.DataFrame, omitted: dict[str, int]) -> pd.DataFrame:
    """The first :data:`MAX_EXAMPLES` findings of each column and rule; the rest counted in `omitted`."""
    rank = findings.groupby(["column", "rule"], observed=True, sort=False).cumcount()
    over = findings[rank >= MAX_EXAMPLES]
    for (column, rule), n in over.groupby(["column", "rule"], observed=True, sort=False).size().items():
        omitted[f"{rule}/{column}"] = omitted.get(f"{rule}/{column}", 0) + int(n)
    return findings[rank < MAX_EXAMPLES].reset_index(drop=True) if len(over) else findings


def summarise_findings(
    findings: pd.DataFrame,
    source: str,
    *,
    examples: int = 10,
    noun: str = "image",
    frame: str = "df",
    omitted: dict[str, int] | None = None,
) -> str:
    """The warning / SchemaError text: counts per rule (those only counted too), then the first findings."""
    counts: dict[str, int] = {str(k): int(v) for k, v in findings.groupby("rule", observed=True).size().items()}
    for key, n in (omitted or {}).items():
        rule = key.split("/", 1)[0]
        counts[rule] = counts.get(rule, 0) + n
    total = sum(counts.values())
    parts = ", ".join(f"{n} {rule}" for rule, n in counts.items() if n)
    done = "Untypable values were set to NA; see" if counts.get("untypable") else "See"
    lines = [f"{source}: {total} validation finding(s): {parts}. {done} imgkit.validate({frame})."]
    if omitted:
        lines.append(
            f"  ({sum(omitted.values())} of them only counted: the first {MAX_EXAMPLES} of each column and rule "
            'are recorded; df.attrs["imgkit"]["findings_omitted"] has the counts)'
        )
    for r in findings.head(examples).itertuples(index=False):
        lines.append(f"  - {noun} {r.image_id!s} ({r.source} #{r.row}) {r.field}={r.value!s}: {r.rule}, {r.action}")
    if total > examples:
        lines.append(f"  ... and {total - min(examples, len(findings))} more")
    return "\n".join(lines)


class ArrowItems:
    """Index an Arrow array like a list (for finding ids), converting only what is asked for."""

    def __init__(self, arr: pa.Array) -> None:
        self.arr = arr

    def __getitem__(self, i: int) -> Any:
        return self.arr[i].as_py()
