"""A typed image frame out to SQL, Excel and CSV, and frames concatenated with their findings.

pandas' own writers see a list cell as an object they do not know: ``df.to_sql`` hands it to the database
driver (which refuses it, or writes the bytes of a NumPy array), a spreadsheet runs text that starts with ``=``.
These writers turn every cell into something the target stores faithfully: lists and dicts as JSON text,
times as ISO 8601 UTC text (SQL) or naive UTC with ``(UTC)`` in the header (Excel), formula-like text behind an
apostrophe (Excel, CSV). :func:`concat` is ``pd.concat`` that keeps the loader's metadata and findings.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types

from imgkit.validate import findings_from_json, findings_text, loaded_findings

__all__ = ["concat", "to_csv", "to_excel", "to_sql"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _json_cell(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return value


def _is_plain(dtype: Any) -> bool:
    return types.is_bool_dtype(dtype) or types.is_numeric_dtype(dtype) or types.is_datetime64_any_dtype(dtype)


def _csv_cell(value: Any) -> Any:
    """One text-like cell: containers as JSON text, formula-like text behind an apostrophe."""
    value = _json_cell(value)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _safe_table(df: pd.DataFrame) -> pd.DataFrame:
    """`df` with every text-like cell (and column name) made safe for a spreadsheet."""
    out = pd.DataFrame(index=df.index)
    for col in df.columns:
        s = df[col]
        if _is_plain(s.dtype):
            out[col] = s
        else:
            out[col] = pd.Series([None if _isna(v) else _csv_cell(v) for v in s.tolist()], index=df.index, dtype=object)
    out.columns = [str(_csv_cell(str(c))) for c in df.columns]
    return out


def _isna(v: Any) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and np.isnan(v))


def _printable(text: str) -> str:
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def to_csv(df: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write `df` as CSV that is safe to open in a spreadsheet.

    Numbers, booleans and timestamps are written as they are. Every other cell is text: lists and dicts become
    JSON text, and text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
    apostrophe. Column names (unknown API keys come from the data too) are neutralised the same way.

    Examples
    --------
    >>> import tempfile, os
    >>> df = imgkit.read_images("data/seed_example_response.json")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     imgkit.io.to_csv(df.assign(name="=cmd()"), os.path.join(d, "x.csv"))
    ...     back = pd.read_csv(os.path.join(d, "x.csv"))
    >>> back["name"].iat[0], back["tags"].iat[0]
    ("'=cmd()", '[]')
    """
    _safe_table(df).to_csv(path, index=False)


def to_excel(df: pd.DataFrame, path: str | os.PathLike[str], *, sheet_name: str = "images") -> None:
    """Write `df` as an Excel workbook that is safe to open (openpyxl).

    As :func:`imgkit.io.to_csv` (JSON text for lists and dicts, formula-like text behind an apostrophe), and:
    times become naive UTC (Excel has no zones) and their headers say ``(UTC)``; nullable numbers and booleans
    become plain cells (empty when NA); characters Excel cannot store (control characters) are written
    escaped (``\\x00``). The ``imgkit export -o out.xlsx`` command writes the same file.

    Parameters
    ----------
    df : pandas.DataFrame
        Any frame; typically from :func:`imgkit.read_images`.
    path : str or os.PathLike
        The ``.xlsx`` file to write.
    sheet_name : str, default "images"
        The worksheet's name.

    Examples
    --------
    >>> import tempfile, os
    >>> df = imgkit.read_images("data/seed_example_response.json")
    >>> with tempfile.TemporaryDirectory() as d:
    ...     imgkit.to_excel(df, os.path.join(d, "x.xlsx"))
    ...     back = pd.read_excel(os.path.join(d, "x.xlsx"))
    >>> back["tags"].tolist(), "created_at (UTC)" in back.columns
    (['[]', '[]'], True)
    """
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def clean(v: Any) -> Any:
        return ILLEGAL_CHARACTERS_RE.sub(lambda m: _printable(m.group()), v) if isinstance(v, str) else v

    out = _safe_table(df)
    names = []
    for col in out.columns:
        s = out[col]
        if types.is_datetime64_any_dtype(s.dtype):
            if getattr(s.dtype, "tz", None) is not None:
                s = s.dt.tz_convert("UTC").dt.tz_localize(None)
            out[col] = s
            names.append(f"{col} (UTC)")
            continue
        if s.dtype == object:
            out[col] = s.map(clean)
        elif isinstance(s.dtype, pd.api.extensions.ExtensionDtype):
            out[col] = s.astype(object).where(s.notna(), None)
        names.append(clean(str(col)))
    out.columns = names
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        out.to_excel(writer, index=False, sheet_name=sheet_name)


def to_sql(df: pd.DataFrame, name: str, *, con: Any, if_exists: str = "fail", chunksize: int | None = None) -> int:
    """Write `df` to a SQL table: lists and dicts as JSON text, times as ISO 8601 UTC text.

    ``df.to_sql`` passes a list cell to the database driver as it is: sqlite3 refuses it, and a NumPy array (what
    ``astype(object)`` gives for pandas' Arrow list dtype) is written as the bytes of its memory. This writes
    ``["env=prod"]`` as the text ``'["env=prod"]'`` (read it back with ``json.loads``), ``{}``-like JSON columns as
    their text, categories as text, and every timestamp as ``2026-11-29T06:00:00+00:00`` (SQLite has no time
    type; text sorts and compares correctly). The index is not written.

    Parameters
    ----------
    df : pandas.DataFrame
        Any frame; typically from :func:`imgkit.read_images`.
    name : str
        The table.
    con : sqlite3.Connection, SQLAlchemy connectable or URI string
        As for :meth:`pandas.DataFrame.to_sql`.
    if_exists : {"fail", "replace", "append"}, default "fail"
        As for :meth:`pandas.DataFrame.to_sql`.
    chunksize : int, optional
        Rows per batch, as for :meth:`pandas.DataFrame.to_sql`.

    Returns
    -------
    int
        The number of rows written.

    Examples
    --------
    >>> import sqlite3, json
    >>> con = sqlite3.connect(":memory:")
    >>> df = imgkit.read_images("data/seed_example_response.json")
    >>> imgkit.to_sql(df.assign(tags=[["env=prod"], []]), "images", con=con)
    2
    >>> con.execute("select tags, created_at from images").fetchone()
    ('["env=prod"]', '2018-09-06T14:03:27+00:00')
    """
    out = pd.DataFrame(index=pd.RangeIndex(len(df)))
    for col in df.columns:
        s = df[col].reset_index(drop=True)
        if types.is_datetime64_any_dtype(s.dtype):
            if getattr(s.dtype, "tz", None) is None:
                s = s.dt.tz_localize("UTC")
            utc = s.dt.tz_convert("UTC")
            out[col] = pd.Series([None if _isna(t) else t.isoformat() for t in utc], dtype=object)
        elif isinstance(s.dtype, pd.CategoricalDtype):
            out[col] = s.astype(object).where(s.notna(), None)
        elif _is_plain(s.dtype):
            out[col] = s
        else:
            out[col] = pd.Series([None if _isna(v) else _json_cell(v) for v in s.tolist()], dtype=object)
    written = out.to_sql(name, con, if_exists=if_exists, index=False, chunksize=chunksize)
    return int(written) if written is not None else len(out)


def concat(objs: Iterable[pd.DataFrame], *, ignore_index: bool = True) -> pd.DataFrame:
    """Stack image frames like ``pd.concat``, keeping the loader's metadata and every frame's findings.

    ``pd.concat`` keeps ``attrs`` only when every frame has the same ``attrs`` (pandas >= 2.1), so stacking two
    listings drops their findings. Here ``attrs["imgkit"]`` of the result has ``source`` (the sources joined
    with ``"; "``), the findings of every frame, in order (a finding two frames share -- both taken from one
    listing -- once), the union of ``unknown_keys``, and ``dialect`` when all
    agree (else ``"mixed"``).

    Parameters
    ----------
    objs : iterable of pandas.DataFrame
        Image frames (from :func:`imgkit.read_images`, :func:`imgkit.fetch_images`, ...).
    ignore_index : bool, default True
        As for :func:`pandas.concat`.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> a = imgkit.read_images("data/seed_example_response.json")
    >>> b = imgkit.read_images([{"id": "x", "min_disk": "abc"}], errors="ignore")
    >>> both = imgkit.concat([a, b])
    >>> len(both), len(imgkit.validate(both)) == len(imgkit.validate(a)) + len(imgkit.validate(b))
    (3, True)
    >>> len(pd.concat([a, b]).attrs)  # pandas drops attrs that differ
    0
    """
    frames = list(objs)
    out = pd.concat(frames, ignore_index=ignore_index)
    metas = [f.attrs.get("imgkit") if isinstance(f.attrs.get("imgkit"), Mapping) else {} for f in frames]
    if not any(metas):
        return out
    parts = []
    for f, m in zip(frames, metas):
        found = loaded_findings(f) if m else findings_from_json("[]")
        parts.append(found)
    nonempty = [p for p in parts if len(p)]
    findings = pd.concat(nonempty, ignore_index=True).drop_duplicates(ignore_index=True) if nonempty else parts[0]
    dialects = {m.get("dialect") for m in metas if m.get("dialect")}
    unknown: dict[str, str] = {}
    for m in metas:
        unknown.update(m.get("unknown_keys") or {})
    sources = [str(m["source"]) for m in metas if m.get("source")]
    meta = dict(metas[0])
    meta.update(
        source="; ".join(dict.fromkeys(sources)),
        findings=findings_text(findings),
        unknown_keys=unknown,
        dialect=dialects.pop() if len(dialects) == 1 else "mixed",
    )
    out.attrs = {"imgkit": meta}
    return out
