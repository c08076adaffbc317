"""Validation findings: what the loader could not type, and the schema rules a typed frame breaks.

Validation is lazy (as in pandera): every finding is collected, none stops the load.
A finding names the source, the row, the image id, the column (and its API field),
the raw value, the rule and what imgkit did about it.

Rules
-----
``untypable``
    A value that cannot be typed (``min_disk: "abc"``, ``created_at: "yesterday"``).
    Action: set to NA (the raw value is kept here).
``type``
    A value of an unexpected JSON type that could be kept losslessly (a number in a text
    field). Action: converted to text.
``mandatory``
    A mandatory field (the seed page's "Mandatory: Yes") absent from a record.
``range``
    An integer outside its documented range (``min_disk`` 0-1024). Action: kept.
``coexistence``
    Flags the seed page says cannot co-exist: ``support_xen`` with ``support_xen_hana``,
    ``support_xen_gpu_type`` or ``support_kvm_infiniband``. Action: kept.
``duplicate_id``
    An image id seen more than once. Action: the last occurrence is kept, the earlier
    ones are dropped and recorded here.
``duplicate_key``
    A key repeated inside one image object (``{"id": "a", "id": "b"}``). Action: the last
    value is kept, as JSON parsers do; the earlier value is recorded here.
``encoding``
    A text value with bytes that are not UTF-8 (Latin-1, raw surrogates). Action: those
    bytes were replaced by U+FFFD, so the frame can be printed and written.
``key_limit``
    More distinct keys the schema does not know than ``imgkit.io.MAX_UNKNOWN_KEYS`` (1,000): the keys past
    the limit are kept, per image, as one JSON object in the column ``other_keys``. Action: kept as JSON text.
``boot_from_volume``
    Servers only (:func:`imgkit.read_servers`): a server booted from a volume whose image
    could not be resolved (no volume listing given, or no boot volume with image metadata
    in it). Action: ``image_id`` NA. For a servers frame, a finding's ``image_id`` is the
    server's id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import orjson
import pandas as pd

from imgkit.schema import FIELDS, field_for_column

__all__ = ["FINDING_COLUMNS", "RULES", "findings_from_json", "findings_text", "loaded_findings", "validate"]

#: Columns of a findings frame, in order.
FINDING_COLUMNS: tuple[str, ...] = ("source", "row", "image_id", "column", "field", "value", "rule", "action")

#: Every rule a finding can carry.
RULES: tuple[str, ...] = (
    "untypable",
    "type",
    "mandatory",
    "range",
    "coexistence",
    "duplicate_id",
    "boot_from_volume",
    "duplicate_key",
    "encoding",
    "key_limit",
)

#: (flag column, conflicting column) pairs that cannot co-exist (seed page).
_COEXISTENCE: tuple[tuple[str, str], ...] = (
    ("support_xen", "support_xen_hana"),
    ("support_xen", "support_xen_gpu_type"),
    ("support_xen", "support_kvm_infiniband"),
)


def findings_frame(rows: Sequence[Sequence[Any]] | None = None) -> pd.DataFrame:
    """Build a findings frame from ``(source, row, image_id, column, field, value, rule, action)`` tuples."""
    df = pd.DataFrame(list(rows or ()), columns=list(FINDING_COLUMNS))
    df["row"] = df["row"].astype("Int64")
    for c in ("source", "image_id", "column", "field", "value", "action"):
        df[c] = df[c].astype("string")
    df["rule"] = pd.Categorical(df["rule"], categories=list(RULES))
    return df


def findings_text(findings: pd.DataFrame) -> str:
    """The findings as compact JSON text: one array per finding, in :data:`FINDING_COLUMNS` order.

    This is how a frame carries its load-time findings in ``df.attrs["imgkit"]["findings"]``: a
    ``str`` deep-copies in constant time (pandas copies ``attrs`` on most operations) and survives
    pickle, ``df.to_parquet`` / ``pd.read_parquet`` and Feather, which store ``attrs`` as JSON.
    Read them back with :func:`loaded_findings` or :func:`validate`.

    Examples
    --------
    >>> findings_text(findings_frame([("a.json", 0, "x", "min_disk", "min_disk", "abc", "untypable", "set to NA")]))
    '[["a.json",0,"x","min_disk","min_disk","abc","untypable","set to NA"]]'
    """
    if not len(findings):
        return "[]"
    cols = [findings[c].astype(object).where(findings[c].notna(), None).tolist() for c in FINDING_COLUMNS]
    cols[1] = [None if v is None else int(v) for v in cols[1]]
    return orjson.dumps(list(zip(*cols))).decode()


def loaded_findings(df: pd.DataFrame) -> pd.DataFrame:
    """The findings recorded when `df` (or the frame it was taken from) was loaded, as a DataFrame.

    Unlike :func:`validate`, neither filtered to the images still in `df` nor re-checked.
    """
    meta = df.attrs.get("imgkit") or {}
    return findings_from_json(meta.get("findings") if isinstance(meta, dict) else None)


def findings_from_json(raw: Any) -> pd.DataFrame:
    """A findings frame from :func:`findings_text`'s JSON text (or its parsed rows, or records)."""
    if raw is None:
        return findings_frame()
    if isinstance(raw, pd.DataFrame):
        return raw.copy()
    rows = orjson.loads(raw) if isinstance(raw, (str, bytes)) else raw
    if rows and isinstance(rows[0], dict):
        rows = [tuple(r.get(c) for c in FINDING_COLUMNS) for r in rows]
    return findings_frame(rows)


def frame_findings(df: pd.DataFrame, *, source: str = "") -> pd.DataFrame:
    """Findings of the rules that can be checked on a typed frame: range and coexistence."""
    rows: list[tuple[Any, ...]] = []
    if "id" in df.columns:
        ids = df["id"].astype("string")
    else:
        ids = pd.Series(pd.NA, index=df.index, dtype="string")
    positions = np.arange(len(df))
    srcs = _row_sources(df, source)
    for f in FIELDS:
        if f.valid_range is None or f.column not in df.columns:
            continue
        col = df[f.column]
        if not isinstance(col.dtype, pd.Int64Dtype):
            continue
        lo, hi = f.valid_range
        bad = ((col < lo) | (col > hi)).fillna(False).to_numpy(dtype=bool)
        for i in np.flatnonzero(bad):
            rows.append(
                (
                    srcs[i],
                    positions[i],
                    ids.iat[i],
                    f.column,
                    f.api,
                    str(col.iat[i]),
                    "range",
                    f"kept (valid {lo}-{hi})",
                )
            )
    for a, b in _COEXISTENCE:
        if a not in df.columns or b not in df.columns:
            continue
        fa = df[a].fillna(False).astype(bool).to_numpy()
        cb = df[b]
        fb = (cb.fillna(False).astype(bool) if cb.dtype == "boolean" else cb.notna()).to_numpy(dtype=bool)
        fa_api = field_for_column(a).api  # type: ignore[union-attr]
        fb_api = field_for_column(b).api  # type: ignore[union-attr]
        for i in np.flatnonzero(fa & fb):
            rows.append(
                (
                    srcs[i],
                    positions[i],
                    ids.iat[i],
                    b,
                    fb_api,
                    f"{fa_api}={df[a].iat[i]}, {fb_api}={cb.iat[i]}",
                    "coexistence",
                    "kept",
                )
            )
    return findings_frame(rows)


def _row_sources(df: pd.DataFrame, default: str) -> list[str]:
    meta = df.attrs.get("imgkit") or {}
    src = default or meta.get("source") or ""
    return [src] * len(df)


def validate(df: pd.DataFrame) -> pd.DataFrame:
    """Return every validation finding of a typed image frame.

    The findings recorded while loading (untypable values, missing mandatory fields,
    dropped duplicate ids, each naming its source and raw value) for the images still in
    `df`, plus the rules re-checked on the frame as it is now: integer ranges, flags that
    cannot co-exist, and duplicate ids.

    Parameters
    ----------
    df : pandas.DataFrame
        A frame from :func:`imgkit.read_images`, :func:`imgkit.fetch_images` or
        :func:`imgkit.load_demo`, or a subset of one.

    Returns
    -------
    pandas.DataFrame
        Columns ``source``, ``row``, ``image_id``, ``column``, ``field``, ``value``,
        ``rule``, ``action``; one row per finding (empty when the frame is clean).

    Examples
    --------
    >>> df = imgkit.read_images({"images": [
    ...     {"id": "a", "min_disk": 2000, "__support_xen": "true", "__support_xen_hana": "true"}]},
    ...     errors="ignore")
    >>> f = imgkit.validate(df)
    >>> f["rule"].value_counts().loc[["mandatory", "range", "coexistence"]].tolist()
    [16, 1, 1]
    >>> print(f.loc[f["rule"] != "mandatory", ["image_id", "column", "value", "rule"]].to_string(index=False))
    image_id           column                                       value        rule
           a         min_disk                                        2000       range
           a support_xen_hana __support_xen=True, __support_xen_hana=True coexistence
    """
    parts = []
    lf = loaded_findings(df)
    if len(lf):
        lf = lf[~lf["rule"].isin(["range", "coexistence"])]  # re-checked on the frame below
        if "id" in df.columns:
            keep = lf["image_id"].isin(df["id"].dropna()) | (lf["rule"] == "duplicate_id") | lf["image_id"].isna()
            lf = lf[keep]
        parts.append(lf)
    parts.append(frame_findings(df))
    if "id" in df.columns:
        dup = df["id"].duplicated(keep="last") & df["id"].notna()
        if dup.any():
            srcs = _row_sources(df, "")
            rows = [
                (srcs[i], i, df["id"].iat[i], "id", "id", df["id"].iat[i], "duplicate_id", "duplicate in frame")
                for i in np.flatnonzero(dup.to_numpy())
            ]
            parts.append(findings_frame(rows))
    parts = [p for p in parts if len(p)]
    if not parts:
        return findings_frame()
    out = pd.concat(parts, ignore_index=True)
    out["rule"] = pd.Categorical(out["rule"].astype(str), categories=list(RULES))
    return out
