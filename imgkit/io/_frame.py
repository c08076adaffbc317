"""Typed columns -> frame: assembly in schema order, unknown keys, duplicate ids, findings, metadata.

Shared by both engines: each gives a *columns* object (``n``, ``keys``, ``typed(field, ctx)``,
``unknown(key)``) to :func:`build_frame`.
"""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from imgkit.errors import ImgkitWarning, SchemaError
from imgkit.io._coerce import TypingContext, json_text, type_absent
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

    def one(f: Field) -> tuple[Any, TypingContext]:
        sub = ctx.child()
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
        ctx.rows.extend(sub.rows)
    unknown = [k for k in cols.keys if field_for_api(k) is None]
    for k, name in _unknown_column_names(unknown, set(columns)).items():
        columns[name] = cols.unknown(k)
        api_of[name] = k
    df = pd.DataFrame(columns, index=pd.RangeIndex(n), copy=False)
    if repaired:
        _encoding_findings(df, ctx, api_of)
    return df, {"dialect": dialect, "unknown_keys": api_of}


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
    raw = set(unknown)
    names: dict[str, str] = {}
    used = set(known)
    for k in unknown:
        others = {x.lstrip("_") or x for x in raw if x != k} | (raw - {k})
        name = api_to_column(k, taken=frozenset(others))
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
    rules = frame_findings(df, source=meta["source"])
    if len(rules):
        findings = pd.concat([findings, rules], ignore_index=True) if len(findings) else rules
    meta["findings"] = findings_text(findings)  # JSON text: cheap to deep-copy, JSON-serialisable
    if len(findings) and errors != "ignore":
        summary = summarise_findings(findings, meta["source"])
        if errors == "raise":
            raise SchemaError(summary, findings=findings)
        warnings.warn(summary, ImgkitWarning, stacklevel=3)
    return df


def summarise_findings(
    findings: pd.DataFrame, source: str, *, examples: int = 10, noun: str = "image", frame: str = "df"
) -> str:
    counts = findings.groupby("rule", observed=True).size()
    parts = ", ".join(f"{n} {rule}" for rule, n in counts.items())
    done = "Untypable values were set to NA; see" if (findings["rule"] == "untypable").any() else "See"
    lines = [f"{source}: {len(findings)} validation finding(s): {parts}. {done} imgkit.validate({frame})."]
    for r in findings.head(examples).itertuples(index=False):
        lines.append(f"  - {noun} {r.image_id!s} ({r.source} #{r.row}) {r.field}={r.value!s}: {r.rule}, {r.action}")
    if len(findings) > examples:
        lines.append(f"  ... and {len(findings) - examples} more")
    return "\n".join(lines)


class ArrowItems:
    """Index an Arrow array like a list (for finding ids), converting only what is asked for."""

    def __init__(self, arr: pa.Array) -> None:
        self.arr = arr

    def __getitem__(self, i: int) -> Any:
        return self.arr[i].as_py()
