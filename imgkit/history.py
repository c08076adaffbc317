"""What changed between listings: diffs of two snapshots, image history over many, trends.

Operators re-scan their catalogue every day or week. :func:`diff_listings` says what
changed between two listings (images added, removed, and every changed cell),
:func:`history` turns a series of snapshots into one slowly-changing-dimension (type 2)
frame -- one row per image *version* with ``valid_from`` / ``valid_to`` -- and
:func:`trend` counts images per group at each snapshot time.

Snapshots and their times
-------------------------
A snapshot is anything :func:`imgkit.read_images` accepts, or a typed frame. Its time is
its own ``fetched_at`` (a folder written by ``fetch_images(save_to=...)``, a Parquet file
written by :func:`imgkit.to_parquet` from such a frame, or a frame whose
``attrs["imgkit"]["fetched_at"]`` is set). :func:`diff_listings` falls back to the
listing's latest ``updated_at`` (as :func:`imgkit.resolve_as_of` does);
:func:`history` and :func:`trend` need a real time for every snapshot: give it as a
``(time, source)`` pair or a ``{time: source}`` mapping.

Comparison
----------
Images are matched on ``id``. Two values are equal when their *typed* values are:
NA equals NA (and nothing else), lists, dicts and timestamps compare by value (a
timestamp's unit or zone does not matter), categoricals by their values whatever their
categories. Within one listing duplicate ids follow the loader's rule (the last record
wins, with an :class:`~imgkit.ImgkitWarning` for a frame that still has them); images
without an id cannot be matched and are left out with a warning.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ._common import ALL_IMAGES, ALL_TENANTS, MISSING, _codes, _fold_top
from .analysis import _as_documented, _utc, resolve_as_of
from .errors import ConfigError, ImgkitWarning

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = ["ListingDiff", "diff_listings", "history", "plot_diff_summary", "plot_trend", "trend"]

#: The columns :func:`history` adds to the listing's.
HISTORY_COLUMNS = ("valid_from", "valid_to", "is_current")
#: :attr:`ListingDiff.summary` columns.
SUMMARY_COLUMNS = ("added", "removed", "changed", "images_old", "images_new", "storage_bytes_delta")
#: :attr:`ListingDiff.changed` columns.
CHANGED_COLUMNS = ("id", "owner", "column", "old", "new")


# ---------------------------------------------------------------------------------------
# typed value comparison (NA-aware, by value)
# ---------------------------------------------------------------------------------------
def _is_na(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, float):
        return math.isnan(v)
    if isinstance(v, (np.floating, np.datetime64, np.timedelta64)):
        return bool(np.isnat(v)) if not isinstance(v, np.floating) else bool(np.isnan(v))
    return False


def _plain(v: Any) -> Any:
    """A Python value comparable by ``==``: NA -> None, arrays/tuples -> lists, recursively."""
    if _is_na(v):
        return None
    if isinstance(v, (list, tuple, np.ndarray, pa.Array, pa.ListScalar)):
        items = v.as_py() if isinstance(v, pa.ListScalar) else (v.to_pylist() if isinstance(v, pa.Array) else v)
        return [_plain(x) for x in items]
    if isinstance(v, Mapping):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (pd.Timestamp, np.datetime64)):
        ts = pd.Timestamp(v)
        return ts.tz_convert("UTC") if ts.tzinfo is not None else ts
    if isinstance(v, np.generic):
        return v.item()
    return v


def _same(a: Any, b: Any) -> bool:
    a, b = _plain(a), _plain(b)
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):  # True is not the number 1 here
        return type(a) is type(b) and a == b
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return repr(a) == repr(b)


_PLAIN_TYPES = (dict, list, str, int, float)


def _same_quick(a: Any, b: Any) -> bool:
    """:func:`_same`, with the common cases (the same object, equal plain values of one type) first."""
    if a is b:
        return True
    if type(a) is type(b) and type(a) in _PLAIN_TYPES:
        try:
            if (a == b) is True:
                return True
        except (TypeError, ValueError):  # e.g. a dict holding arrays
            pass
    return _same(a, b)


def _arrow(s: pd.Series) -> pa.Array | None:
    if isinstance(s.dtype, (pd.ArrowDtype, pd.StringDtype)):
        arr = pa.array(s.array)
        return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    return None


def _na(s: pd.Series) -> np.ndarray:
    return np.asarray(s.isna(), dtype=bool)


def _list_differs(a: pa.Array, b: pa.Array) -> np.ndarray:
    """Row-wise: do two list arrays of equal length differ (by value, null-aware)?"""
    na_a, na_b = a.is_null().to_numpy(zero_copy_only=False), b.is_null().to_numpy(zero_copy_only=False)
    la = pc.fill_null(pc.list_value_length(a), -1).to_numpy(zero_copy_only=False)
    lb = pc.fill_null(pc.list_value_length(b), -1).to_numpy(zero_copy_only=False)
    out = (na_a != na_b) | (la != lb)
    rows = np.flatnonzero(~out & ~na_a & (la > 0))
    if len(rows):
        idx = pa.array(rows)
        fa, fb = pc.list_flatten(a.take(idx)), pc.list_flatten(b.take(idx))
        parents = pc.list_parent_indices(a.take(idx)).to_numpy(zero_copy_only=False)
        bad = _arrow_differs(fa, fb)
        out[rows[np.unique(parents[bad])]] = True
    return out


def _arrow_differs(a: pa.Array, b: pa.Array) -> np.ndarray:
    if pa.types.is_list(a.type) or pa.types.is_large_list(a.type):
        if not (pa.types.is_list(b.type) or pa.types.is_large_list(b.type)):
            raise TypeError("list against non-list")
        return _list_differs(a, b)
    na_a, na_b = a.is_null().to_numpy(zero_copy_only=False), b.is_null().to_numpy(zero_copy_only=False)
    eq = pc.fill_null(pc.equal(a, b), False).to_numpy(zero_copy_only=False)
    return ~eq & ~(na_a & na_b)


def _differs(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Element-wise: do two aligned columns hold different typed values? (NA == NA; by value.)"""
    if len(a) == 0:
        return np.zeros(0, dtype=bool)
    da, db = a.dtype, b.dtype
    try:
        if isinstance(da, pd.CategoricalDtype) and isinstance(db, pd.CategoricalDtype):
            ca, cb = a.cat.codes.to_numpy(), b.cat.codes.to_numpy()
            if not da.categories.equals(db.categories):
                where = da.categories.get_indexer(db.categories)
                where[where < 0] = -2  # a value old's categories lack: never equal
                cb = np.where(cb >= 0, where[cb], -1)
            return ca != cb
        if isinstance(da, pd.DatetimeTZDtype) or isinstance(db, pd.DatetimeTZDtype) or (
                da.kind == "M" and db.kind == "M"):
            ia = pd.to_datetime(a, utc=True).dt.as_unit("ns").array.asi8
            ib = pd.to_datetime(b, utc=True).dt.as_unit("ns").array.asi8
            return ia != ib  # NaT is one value on both sides
        ma, mb = a.array, b.array
        if isinstance(ma, pd.arrays.BooleanArray) == isinstance(mb, pd.arrays.BooleanArray) and isinstance(
                ma, pd.core.arrays.masked.BaseMaskedArray) and isinstance(mb, pd.core.arrays.masked.BaseMaskedArray):
            na_a, na_b = ma._mask, mb._mask
            return (na_a != na_b) | (~na_a & ~na_b & (ma._data != mb._data))
        pa_a, pa_b = _arrow(a), _arrow(b)
        if pa_a is not None and pa_b is not None:
            return _arrow_differs(pa_a, pa_b)
        if da == db and da.kind in "iufb" and not isinstance(da, pd.api.extensions.ExtensionDtype):
            va, vb = a.to_numpy(), b.to_numpy()
            both_nan = (va != va) & (vb != vb) if da.kind == "f" else False
            return (va != vb) & ~both_nan
    except (TypeError, ValueError, pa.ArrowNotImplementedError, pa.ArrowInvalid):
        pass
    na_a, na_b = _na(a), _na(b)
    out = na_a != na_b
    both = np.flatnonzero(~na_a & ~na_b)  # compare only where both hold a value
    if len(both):
        xs, ys = a.to_numpy(dtype=object)[both], b.to_numpy(dtype=object)[both]
        out[both] = np.fromiter((not _same_quick(x, y) for x, y in zip(xs, ys)), dtype=bool, count=len(both))
    return out


def _absent(n: int) -> pd.Series:
    return pd.Series([None] * n, dtype=object)


def _column_at(df: pd.DataFrame, col: str, pos: np.ndarray | None) -> pd.Series:
    """Column `col` of `df` at positions `pos` (all rows when None); all-NA when the frame lacks it."""
    n = len(df) if pos is None else len(pos)
    if col not in df.columns:
        return _absent(n)
    s = df[col]
    if pos is None:
        return s.reset_index(drop=True)
    if len(pos) and pos[-1] - pos[0] == len(pos) - 1 and (len(pos) < 2 or bool((np.diff(pos) == 1).all())):
        return s.iloc[int(pos[0]):int(pos[-1]) + 1].reset_index(drop=True)  # a contiguous run: a view, no copy
    return s.take(pos).reset_index(drop=True)


def _changed_cells(old: pd.DataFrame, old_pos: np.ndarray, new: pd.DataFrame, new_pos: np.ndarray,
                   columns: Sequence[str]) -> dict[str, np.ndarray]:
    """For each column, a mask over the matched pairs (old_pos[i], new_pos[i]): does the value differ?"""
    same_order = (len(old_pos) == len(old) == len(new) and np.array_equal(old_pos, np.arange(len(old)))
                  and np.array_equal(new_pos, np.arange(len(new))))
    out = {}
    for col in columns:
        a = _column_at(old, col, None if same_order else old_pos)
        b = _column_at(new, col, None if same_order else new_pos)
        out[col] = _differs(a, b)
    return out


# ---------------------------------------------------------------------------------------
# snapshots: loading, times, duplicate ids
# ---------------------------------------------------------------------------------------
def _load(source: Any) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        if "id" not in source.columns:
            raise ConfigError("a listing frame needs an 'id' column; pass a frame returned by imgkit.read_images, "
                              "fetch_images or load_demo")
        return source
    from .io import read_images

    return read_images(source)


def _describe(source: Any, df: pd.DataFrame) -> str:
    meta = df.attrs.get("imgkit")
    if isinstance(meta, dict) and meta.get("source"):
        return str(meta["source"])
    return os.fspath(source) if isinstance(source, (str, os.PathLike)) else type(source).__name__


def _unique_ids(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """`df` with one row per id, the loader's way (the last record wins); rows without an id left out, with warnings."""
    ids = df["id"]
    missing = _na(ids)
    dup = np.asarray(ids.duplicated(keep="last"), dtype=bool) & ~missing
    if dup.any():
        shown = ", ".join(map(repr, pd.unique(ids[dup])[:3].tolist()))
        warnings.warn(f"{name}: {int(dup.sum())} record(s) share an id with a later record ({shown}); the last record "
                      "of each id is kept, as imgkit.read_images does", ImgkitWarning, stacklevel=3)
    if missing.any():
        warnings.warn(f"{name}: {int(missing.sum())} image(s) without an id cannot be matched and are left out",
                      ImgkitWarning, stacklevel=3)
    if dup.any() or missing.any():
        df = df.loc[~(dup | missing)]
    df = df.reset_index(drop=True) if (dup.any() or missing.any() or not isinstance(df.index, pd.RangeIndex)
                                       or df.index.start != 0) else df.copy(deep=False)
    df.attrs = {}  # a working copy: pandas would deep-copy the metadata on every column access
    return df


# ---------------------------------------------------------------------------------------
# diff_listings
# ---------------------------------------------------------------------------------------
def _fmt_time(ts: pd.Timestamp) -> str:
    if pd.isna(ts):
        return "unknown time"
    return ts.strftime("%Y-%m-%d %H:%M UTC") if (ts.hour or ts.minute) else ts.strftime("%Y-%m-%d")


@dataclass(frozen=True, eq=False, repr=False)
class ListingDiff:
    """What changed between two listings (returned by :func:`diff_listings`).

    Attributes
    ----------
    added, removed : pandas.DataFrame
        The image rows only in the new / only in the old listing (typed, the listing's columns).
    changed : pandas.DataFrame
        One row per changed cell: ``id``, ``owner`` (the new listing's), ``column``, ``old``,
        ``new`` (Python values, ``None`` for NA), in the new listing's row order, then column order.
    summary : pandas.DataFrame
        One row per tenant (index ``owner``): ``added``, ``removed``, ``changed`` (images with at
        least one changed column), ``images_old``, ``images_new``, ``storage_bytes_delta``
        (sum of ``image_size``, new minus old); the busiest tenants first, then ``"All tenants"``.
    old_as_of, new_as_of : pandas.Timestamp
        The listings' times: their ``fetched_at``, else their latest ``updated_at``.
    old_as_of_source, new_as_of_source : str
        Where those times came from: ``"fetched_at"`` or ``"latest updated_at"``.
    old_source, new_source : str
        What was read (``attrs["imgkit"]["source"]``, else the path).
    ignore : tuple of str
        The columns left out of the comparison.
    changed_names : dict
        id -> name (in the new listing) of each changed image.
    """

    added: pd.DataFrame
    removed: pd.DataFrame
    changed: pd.DataFrame
    summary: pd.DataFrame
    old_as_of: pd.Timestamp
    new_as_of: pd.Timestamp
    old_as_of_source: str = ""
    new_as_of_source: str = ""
    old_source: str = ""
    new_source: str = ""
    ignore: tuple[str, ...] = field(default=())
    changed_names: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def empty(self) -> bool:
        """True when nothing was added, removed or changed."""
        return not (len(self.added) or len(self.removed) or len(self.changed))

    @property
    def changed_images(self) -> int:
        """How many matched images have at least one changed column."""
        return int(self.changed["id"].nunique()) if len(self.changed) else 0

    def __repr__(self) -> str:
        tenants = int((self.summary.drop(index=ALL_TENANTS, errors="ignore")[["added", "removed", "changed"]]
                       .sum(axis=1) > 0).sum())
        return (f"<ListingDiff {_fmt_time(self.old_as_of)} -> {_fmt_time(self.new_as_of)}: "
                f"{len(self.added):,} added, {len(self.removed):,} removed, {self.changed_images:,} changed "
                f"({len(self.changed):,} cells) in {tenants:,} tenant(s)>")

    def to_frame(self) -> pd.DataFrame:
        """All changes as one long table of text: ``change``, ``id``, ``owner``, ``name``, ``column``, ``old``, ``new``.

        ``change`` is ``"added"``, ``"removed"`` or ``"changed"``; added/removed images have one
        row each (no column); values are text (lists and dicts as JSON, times in ISO 8601), so
        the table writes to CSV and Parquet as is.

        Examples
        --------
        >>> old = pd.DataFrame({"id": ["a", "b"], "owner": ["t", "t"], "name": ["x", "y"]})
        >>> new = pd.DataFrame({"id": ["b", "c"], "owner": ["t", "t"], "name": ["y2", "z"]})
        >>> table = imgkit.diff_listings(old, new).to_frame()
        >>> table["change"].tolist(), table["id"].tolist()
        (['added', 'removed', 'changed'], ['c', 'a', 'b'])
        >>> table.iloc[2].tolist()
        ['changed', 'b', 't', 'y2', 'name', 'y', 'y2']
        """
        def rows(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
            return pd.DataFrame({"change": kind, "id": frame["id"].astype(object).to_numpy(),
                                 "owner": _column_at(frame, "owner", None).astype(object).to_numpy(),
                                 "name": _column_at(frame, "name", None).astype(object).to_numpy(),
                                 "column": None, "old": None, "new": None})

        names = self.changed_names
        changed = pd.DataFrame({"change": "changed", "id": self.changed["id"].to_numpy(dtype=object),
                                "owner": self.changed["owner"].to_numpy(dtype=object),
                                "name": [names.get(i) for i in self.changed["id"]],
                                "column": self.changed["column"].to_numpy(dtype=object),
                                "old": [_text(v) for v in self.changed["old"]],
                                "new": [_text(v) for v in self.changed["new"]]})
        out = pd.concat([rows(self.added, "added"), rows(self.removed, "removed"), changed], ignore_index=True)
        out = out.astype(object).where(out.notna(), None)
        return out.astype({c: "string" for c in out.columns})


def _text(v: Any) -> str | None:
    v = _plain(v)
    if v is None:
        return None
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    if isinstance(v, (list, dict)):
        import orjson

        return orjson.dumps(v, default=str).decode()
    return str(v)


def _owner_labels(s: pd.Series) -> pd.Series:
    return s.astype(object).where(s.notna(), MISSING)


def _summary(old: pd.DataFrame, new: pd.DataFrame, added: np.ndarray, removed: np.ndarray,
             changed_new_pos: np.ndarray) -> pd.DataFrame:
    o_owner = _owner_labels(_column_at(old, "owner", None))
    n_owner = _owner_labels(_column_at(new, "owner", None))
    parts = {
        "added": n_owner[added].value_counts(),
        "removed": o_owner[removed].value_counts(),
        "changed": n_owner.iloc[changed_new_pos].value_counts(),
        "images_old": o_owner.value_counts(),
        "images_new": n_owner.value_counts(),
    }
    size_o = pd.to_numeric(_column_at(old, "image_size", None), errors="coerce").fillna(0).groupby(o_owner).sum()
    size_n = pd.to_numeric(_column_at(new, "image_size", None), errors="coerce").fillna(0).groupby(n_owner).sum()
    table = pd.DataFrame(parts).fillna(0)
    table["storage_bytes_delta"] = size_n.reindex(table.index, fill_value=0) - size_o.reindex(table.index,
                                                                                            fill_value=0)
    table = table.astype("int64")
    activity = table[["added", "removed", "changed"]].sum(axis=1)
    order = sorted(table.index, key=lambda o: (-activity[o], -table.at[o, "images_new"], o == MISSING, str(o)))
    table = table.loc[order, list(SUMMARY_COLUMNS)]
    total = table.sum().to_frame(ALL_TENANTS).T
    out = pd.concat([table, total])
    out.index = pd.Index(list(out.index), dtype=object, name="owner")
    return out.astype("int64")


def _check_ignore(ignore: Any, columns: Iterable[str]) -> tuple[str, ...]:
    if isinstance(ignore, str):
        ignore = (ignore,)
    try:
        ignore = tuple(ignore)
    except TypeError:
        raise ConfigError(f"`ignore` must be a list of column names, got {ignore!r}") from None
    known = set(columns)
    for col in ignore:
        if col == "id":
            raise ConfigError("`ignore` cannot hold 'id': images are matched on it")
        if col not in known:
            raise ConfigError(f"`ignore` must name columns of the listings, got {col!r}")
    return ignore


def _union_columns(frames: Iterable[pd.DataFrame]) -> list[str]:
    return list(dict.fromkeys(c for f in frames for c in f.columns))


def diff_listings(old: Any, new: Any, *, ignore: Iterable[str] = ()) -> ListingDiff:
    """What changed between two listings: images added, removed, and every changed cell.

    Parameters
    ----------
    old, new : DataFrame or any source of :func:`imgkit.read_images`
        The earlier and the later listing (a typed frame, a snapshot folder, a file...).
    ignore : list of str, optional
        Columns left out of the comparison, such as ``"updated_at"``.

    Returns
    -------
    ListingDiff
        ``.added``, ``.removed`` (typed image rows), ``.changed`` (one row per changed cell:
        ``id``, ``owner``, ``column``, ``old``, ``new``), ``.summary`` (per tenant, then
        ``"All tenants"``), ``.old_as_of`` / ``.new_as_of`` (each listing's ``fetched_at``,
        else its latest ``updated_at``; ``.old_as_of_source`` says which). Only columns
        whose typed values differ count (see the module notes); a listing diffed with
        itself is empty.

    Raises
    ------
    ConfigError
        A frame without an ``id`` column; `ignore` naming ``id`` or an unknown column.
    SourceError, SchemaError
        From :func:`imgkit.read_images` for a source that cannot be read.

    Examples
    --------
    >>> old = pd.DataFrame({"id": ["a", "b", "c"], "owner": ["t1", "t1", "t2"],
    ...                     "status": ["active", "queued", "active"], "image_size": [10, 0, 5]})
    >>> new = pd.DataFrame({"id": ["b", "c", "d"], "owner": ["t1", "t2", "t2"],
    ...                     "status": ["active", "active", "active"], "image_size": [7, 5, 1]})
    >>> d = imgkit.diff_listings(old, new)
    >>> d.added["id"].tolist(), d.removed["id"].tolist()
    (['d'], ['a'])
    >>> d.changed
      id owner      column     old     new
    0  b    t1      status  queued  active
    1  b    t1  image_size       0       7
    >>> d.summary[["added", "removed", "changed", "storage_bytes_delta"]]  # doctest: +NORMALIZE_WHITESPACE
                 added  removed  changed  storage_bytes_delta
    owner
    t1               0        1        1                   -3
    t2               1        0        0                    1
    All tenants      1        1        1                   -2
    """
    o_raw, n_raw = _load(old), _load(new)
    o_time, o_time_src = resolve_as_of(o_raw)
    n_time, n_time_src = resolve_as_of(n_raw)
    o, n = _unique_ids(o_raw, "old"), _unique_ids(n_raw, "new")
    columns = [c for c in _union_columns([n, o]) if c != "id"]
    ignore = _check_ignore(ignore, columns)
    compare = [c for c in columns if c not in ignore]

    o_ids = pd.Index(o["id"].astype(object))
    pos_in_old = o_ids.get_indexer(pd.Index(n["id"].astype(object)))
    added = pos_in_old < 0
    new_pos = np.flatnonzero(~added)
    old_pos = pos_in_old[new_pos]
    removed = np.ones(len(o), dtype=bool)
    removed[old_pos] = False

    masks = _changed_cells(o, old_pos, n, new_pos, compare)
    pair, col_idx = [], []
    for k, col in enumerate(compare):
        hit = np.flatnonzero(masks[col])
        pair.append(hit)
        col_idx.append(np.full(len(hit), k))
    pairs = np.concatenate(pair) if pair else np.zeros(0, dtype=np.intp)
    cols = np.concatenate(col_idx) if col_idx else np.zeros(0, dtype=np.intp)
    order = np.lexsort((cols, pairs))
    pairs, cols = pairs[order], cols[order]
    olds: list[Any] = [None] * len(pairs)
    news: list[Any] = [None] * len(pairs)
    for k, col in enumerate(compare):
        at = np.flatnonzero(cols == k)
        if len(at):
            ov = _column_at(o, col, old_pos[pairs[at]]).tolist()
            nv = _column_at(n, col, new_pos[pairs[at]]).tolist()
            for j, a, b in zip(at.tolist(), ov, nv):
                olds[j], news[j] = _plain(a), _plain(b)
    rows_new = new_pos[pairs]
    changed = pd.DataFrame({
        "id": pd.array(n["id"].to_numpy(dtype=object)[rows_new], dtype="string"),
        "owner": pd.array(_column_at(n, "owner", rows_new).to_numpy(dtype=object), dtype="string"),
        "column": pd.array([compare[k] for k in cols.tolist()], dtype="string"),
        "old": pd.Series(olds, dtype=object),
        "new": pd.Series(news, dtype=object),
    })
    changed_new_pos = np.unique(rows_new)
    names = dict(zip(n["id"].to_numpy(dtype=object)[changed_new_pos].tolist(),
                     [_plain(v) for v in _column_at(n, "name", changed_new_pos).tolist()]))
    return ListingDiff(
        added=n.loc[added].reset_index(drop=True),
        removed=o.loc[removed].reset_index(drop=True),
        changed=changed,
        summary=_summary(o, n, added, removed, changed_new_pos),
        old_as_of=o_time, new_as_of=n_time, old_as_of_source=o_time_src, new_as_of_source=n_time_src,
        old_source=_describe(old, o_raw), new_source=_describe(new, n_raw), ignore=ignore, changed_names=names,
    )


# ---------------------------------------------------------------------------------------
# history (SCD type 2)
# ---------------------------------------------------------------------------------------
def _probe_time(source: Any) -> Any:
    """A snapshot's own fetched_at without reading its images (None when it has none)."""
    if isinstance(source, pd.DataFrame):
        meta = source.attrs.get("imgkit")
        return meta.get("fetched_at") if isinstance(meta, dict) else None
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if path.is_dir():
            from .io._sources import _snapshot_meta

            return _snapshot_meta(path).get("fetched_at")
        if path.is_file() and path.name.lower().endswith(".parquet"):
            import orjson
            import pyarrow.parquet as pq

            from .io._parquet import _PARQUET_KEY

            try:
                raw = (pq.read_schema(path).metadata or {}).get(_PARQUET_KEY)
            except (OSError, pa.ArrowInvalid):
                return None
            return orjson.loads(raw).get("fetched_at") if raw else None
    return None


def _is_snapshot_folder_of_folders(path: Path) -> bool:
    from .io._sources import SNAPSHOT_META, _page_files

    if not path.is_dir() or (path / SNAPSHOT_META).exists() or _page_files(path):
        return False
    return any(p.is_dir() or p.name.lower().endswith(".parquet") for p in path.iterdir()
               if not p.name.startswith((".", "_")))


def _snapshot_items(sources: Any) -> list[tuple[Any, Any]]:
    """(explicit time or None, source) for each snapshot."""
    if isinstance(sources, (str, os.PathLike)):
        path = Path(sources)
        if _is_snapshot_folder_of_folders(path):
            return [(None, p) for p in sorted(path.iterdir()) if not p.name.startswith((".", "_"))
                    and (p.is_dir() or p.name.lower().endswith(".parquet"))]
        return [(None, sources)]
    if isinstance(sources, pd.DataFrame):
        return [(None, sources)]
    if isinstance(sources, Mapping):
        return [(t, s) for t, s in sources.items()]
    if not isinstance(sources, Iterable):
        raise ConfigError(f"`sources` must be a list of snapshots, a {{time: snapshot}} mapping or a folder of "
                          f"snapshot folders, got {type(sources).__name__}")
    items = []
    for item in sources:
        if isinstance(item, tuple) and len(item) == 2 and not isinstance(item[0], (pd.DataFrame, Mapping, list)):
            items.append((item[0], item[1]))
        else:
            items.append((None, item))
    return items


def _ordered_snapshots(sources: Any, as_of: Any) -> list[tuple[pd.Timestamp, Any]]:
    items = _snapshot_items(sources)
    if not items:
        raise ConfigError("`sources` holds no snapshot")
    timed = []
    for k, (explicit, source) in enumerate(items):
        when = explicit if explicit is not None else _probe_time(source)
        if when is None or (not isinstance(when, str) and pd.isna(when)):
            name = os.fspath(source) if isinstance(source, (str, os.PathLike)) else f"snapshot #{k + 1}"
            raise ConfigError(f"{name} has no fetched_at; give its time explicitly: a (time, snapshot) pair or a "
                              "{time: snapshot} mapping")
        timed.append((_utc(when, "snapshot time"), source))
    timed.sort(key=lambda ts: ts[0])
    times = [t for t, _ in timed]
    dup = next((t for a, t in zip(times, times[1:]) if a == t), None)
    if dup is not None:
        raise ConfigError(f"two snapshots have the same time {dup.isoformat()}; each snapshot needs its own time")
    if as_of is not None:
        limit = _utc(as_of)
        timed = [(t, s) for t, s in timed if t <= limit]
        if not timed:
            raise ConfigError(f"no snapshot was taken at or before as_of={limit.isoformat()}")
    return timed


def _align_categories(frames: list[pd.DataFrame]) -> list[pd.DataFrame]:
    """Give each categorical column the union of its categories (first seen first), so concat keeps it categorical."""
    cats: dict[str, list[Any]] = {}
    for f in frames:
        for col in f.columns:
            if isinstance(f[col].dtype, pd.CategoricalDtype):
                cats.setdefault(col, [])
                seen = set(cats[col])
                cats[col].extend(c for c in f[col].cat.categories if c not in seen)
    out = []
    for f in frames:
        change = {c: pd.CategoricalDtype(v) for c, v in cats.items()
                  if c in f.columns and (not isinstance(f[c].dtype, pd.CategoricalDtype)
                                         or list(f[c].cat.categories) != v)}
        out.append(f.astype(change) if change else f)
    return out


def history(sources: Any, *, as_of: Any = None) -> pd.DataFrame:
    """One row per image version over a series of snapshots (a slowly changing dimension, type 2).

    A version of an image begins when the image first appears, or when any of its typed
    values other than ``updated_at`` changes, and ends at the first snapshot where it no
    longer holds (the image changed again or is absent). An image that disappears and
    comes back starts a new version.

    Parameters
    ----------
    sources : list, mapping or folder
        The snapshots: a list whose items are snapshots (frames or anything
        :func:`imgkit.read_images` reads) or ``(time, snapshot)`` pairs; a
        ``{time: snapshot}`` mapping; or one folder of snapshot folders (and/or Parquet
        files written by :func:`imgkit.to_parquet`). They are ordered by time: a
        snapshot's own ``fetched_at`` unless a time is given.
    as_of : date/time, optional
        Use only the snapshots taken at or before it: the history as it was known then.

    Returns
    -------
    pandas.DataFrame
        The listings' columns (each version's values as last seen, so ``updated_at`` is
        the latest within the version) plus ``valid_from`` (the snapshot time the version
        was first seen), ``valid_to`` (the first snapshot time it no longer held; ``NaT``
        while current) and ``is_current``; sorted by ``id``, then ``valid_from``.
        ``attrs["imgkit"]["snapshots"]`` lists the snapshot times (ISO 8601).

    Raises
    ------
    ConfigError
        A snapshot without ``fetched_at`` and without a given time, two snapshots at the
        same time, no snapshot at or before `as_of`, or a frame without ``id``.

    Examples
    --------
    >>> s1 = pd.DataFrame({"id": ["a", "b"], "status": ["queued", "active"]})
    >>> s2 = pd.DataFrame({"id": ["a", "b"], "status": ["active", "active"]})
    >>> s3 = pd.DataFrame({"id": ["a"], "status": ["active"]})
    >>> h = imgkit.history({"2026-01-01": s1, "2026-02-01": s2, "2026-03-01": s3})
    >>> h[["id", "status", "valid_from", "valid_to", "is_current"]]
      id  status                valid_from                  valid_to  is_current
    0  a  queued 2026-01-01 00:00:00+00:00 2026-02-01 00:00:00+00:00       False
    1  a  active 2026-02-01 00:00:00+00:00                       NaT        True
    2  b  active 2026-01-01 00:00:00+00:00 2026-03-01 00:00:00+00:00       False
    """
    timed = _ordered_snapshots(sources, as_of)
    closed: list[pd.DataFrame] = []
    cur: pd.DataFrame | None = None
    cur_from = np.zeros(0, dtype="int64")
    for k, (when, source) in enumerate(timed):
        frame = _unique_ids(_load(source), f"snapshot {when.isoformat()}")
        t = when.as_unit("ns").value
        if cur is None:
            cur, cur_from = frame, np.full(len(frame), t, dtype="int64")
            continue
        pos = pd.Index(cur["id"].astype(object)).get_indexer(pd.Index(frame["id"].astype(object)))
        new_pos = np.flatnonzero(pos >= 0)
        old_pos = pos[new_pos]
        columns = [c for c in _union_columns([frame, cur]) if c not in ("id", "updated_at")]
        masks = _changed_cells(cur, old_pos, frame, new_pos, columns)
        changed = np.zeros(len(new_pos), dtype=bool)
        for m in masks.values():
            changed |= m
        ends = np.ones(len(cur), dtype=bool)  # versions that end now: absent or changed
        ends[old_pos[~changed]] = False
        if ends.any():
            done = cur.loc[ends].copy()
            done["valid_from"] = pd.to_datetime(cur_from[ends], utc=True).as_unit("ns")
            done["valid_to"] = when
            closed.append(done)
        keep_from = np.full(len(frame), t, dtype="int64")
        keep_from[new_pos[~changed]] = cur_from[old_pos[~changed]]
        cur, cur_from = frame, keep_from
    assert cur is not None
    last = cur.copy()
    last["valid_from"] = pd.to_datetime(cur_from, utc=True).as_unit("ns")
    last["valid_to"] = pd.Series(pd.NaT, index=last.index, dtype="datetime64[ns, UTC]")
    frames = _align_categories([*closed, last])
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].reset_index(drop=True)
    out["valid_to"] = out["valid_to"].astype("datetime64[ns, UTC]")
    out["is_current"] = out["valid_to"].isna()
    out = out.sort_values(["id", "valid_from"], kind="stable", ignore_index=True)
    from . import __version__

    out.attrs = {"imgkit": {"source": f"imgkit.history of {len(timed)} snapshot(s)",
                            "snapshots": [t.isoformat() for t, _ in timed], "imgkit_version": __version__}}
    return out


# ---------------------------------------------------------------------------------------
# trend
# ---------------------------------------------------------------------------------------
def _is_history(obj: Any) -> bool:
    return isinstance(obj, pd.DataFrame) and all(c in obj.columns for c in ("valid_from", "valid_to"))


def _snapshot_times(h: pd.DataFrame) -> pd.DatetimeIndex:
    meta = h.attrs.get("imgkit")
    listed = meta.get("snapshots") if isinstance(meta, dict) else None
    if listed:
        times = pd.DatetimeIndex([_utc(t) for t in listed])
    else:  # a history frame from elsewhere: the times versions start or end
        both = pd.concat([pd.to_datetime(h["valid_from"], utc=True), pd.to_datetime(h["valid_to"], utc=True)])
        times = pd.DatetimeIndex(both.dropna().unique())
    return times.as_unit("ns").sort_values().unique()


def trend(history_or_sources: Any, *, by: str | None = "platform", top: int | None = None) -> pd.DataFrame:
    """Image counts per group at each snapshot time.

    Parameters
    ----------
    history_or_sources : DataFrame or snapshots
        A frame returned by :func:`history`, or the snapshots themselves (anything
        :func:`history` accepts; the history is built first).
    by : str or None, default "platform"
        The column to group by (``"os_type"``, ``"owner"``, ``"status"``...); ``None``
        counts all images (one column, ``"All images"``).
    top : int, optional
        Keep the `top` groups with the most images over all snapshots and fold the rest
        into ``"Other"`` (``"(missing)"`` is never folded).

    Returns
    -------
    pandas.DataFrame
        Indexed by snapshot time (``DatetimeIndex`` named ``"as_of"``, UTC), one
        ``int64`` column per group (column index named `by`): the number of images
        present in that snapshot with that value. Groups that never occur are left out;
        documented categories keep the schema's order, then other values (most images
        first), then ``"(missing)"``. An image counts at time ``t`` when one of its
        versions has ``valid_from <= t < valid_to`` (or is current), so
        ``trend(history(s))`` equals ``trend(s)``.

    Raises
    ------
    ConfigError
        A `by` that is not a column, a bad `top`, or any :func:`history` error.

    Examples
    --------
    >>> s1 = pd.DataFrame({"id": ["a", "b"], "platform": ["CentOS", "CentOS"]})
    >>> s2 = pd.DataFrame({"id": ["a", "b", "c"], "platform": ["CentOS", "Ubuntu", "Ubuntu"]})
    >>> imgkit.trend({"2026-01-01": s1, "2026-02-01": s2})  # doctest: +NORMALIZE_WHITESPACE
    platform                   Ubuntu  CentOS
    as_of
    2026-01-01 00:00:00+00:00       0       2
    2026-02-01 00:00:00+00:00       2       1
    """
    h = history_or_sources if _is_history(history_or_sources) else history(history_or_sources)
    if by is not None and by not in h.columns:
        raise ConfigError(f"`by` must be None or a column of the listings, got {by!r}")
    times = _snapshot_times(h)
    if by is None:
        codes, labels = np.zeros(len(h), dtype=np.intp), [ALL_IMAGES]
    else:
        codes, labels, _ = _codes(_as_documented(h[by]))
    tv = times.asi8
    start = np.searchsorted(tv, pd.to_datetime(h["valid_from"], utc=True).dt.as_unit("ns").array.asi8, side="left")
    end_col = pd.to_datetime(h["valid_to"], utc=True).dt.as_unit("ns")
    end = np.where(end_col.isna().to_numpy(), len(tv),
                   np.searchsorted(tv, end_col.array.asi8, side="left"))
    n, g = len(tv), len(labels)
    events = np.zeros((n + 1) * g, dtype=np.int64)
    np.add.at(events, start * g + codes, 1)
    np.add.at(events, end * g + codes, -1)
    counts = np.cumsum(events.reshape(n + 1, g), axis=0)[:n]
    categorical = by is not None and isinstance(_as_documented(h[by]).dtype, pd.CategoricalDtype)
    return _trend_table(counts, times, labels, by=by, categorical=categorical, top=top)


def _trend_table(
    counts: np.ndarray, times: Any, labels: Sequence[str], *, by: str | None, categorical: bool, top: int | None
) -> pd.DataFrame:
    """The trend frame from its counts (snapshot times x group labels); shared with :meth:`imgkit.Archive.trend`.

    Groups that never occur are left out; `categorical` groups keep their label order, others go most images
    first (``"(missing)"`` last); `top` folds the rest into ``"Other"``.
    """
    table = pd.DataFrame(counts, index=pd.DatetimeIndex(times, name="as_of"),
                         columns=pd.Index(labels, dtype=object))
    if by is not None and len(table):
        present = [c for c in table.columns if table[c].any()]
        if not categorical:  # no documented order: most first
            totals = table.sum()
            present.sort(key=lambda c: (c == MISSING, -totals[c], str(c)))
        table = table[present]
    table = _fold_top(table, top)
    table.columns.name = by
    return table.astype("int64")


# ---------------------------------------------------------------------------------------
# plots
# ---------------------------------------------------------------------------------------
_ADDED_COLOR = "#2ca02c"
_REMOVED_COLOR = "#d62728"


def _is_trend(obj: Any) -> bool:
    return (isinstance(obj, pd.DataFrame) and isinstance(obj.index, pd.DatetimeIndex) and obj.index.name == "as_of"
            and not _is_history(obj))


def plot_trend(data: Any, *, by: str | None = "platform", top: int = 8, kind: str = "area",
               ax: Axes | None = None, **kwargs: Any) -> Axes:
    """Images per group at each snapshot time: a stacked area (or lines).

    Parameters
    ----------
    data : DataFrame or snapshots
        A frame returned by :func:`trend` (drawn as is: `by` and `top` are ignored), a
        frame returned by :func:`history`, or the snapshots (anything :func:`history`
        accepts).
    by : str or None, default "platform"
        The column to group by (see :func:`trend`). Platforms keep their colours.
    top : int, default 8
        The `top` largest groups get their own layer, the rest are one ``"Other"`` layer.
    kind : {"area", "line"}, default "area"
        A stacked area (the catalogue's size and mix) or one line per group. A single
        snapshot is drawn as points.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.stackplot` (``kind="area"``) or
        :meth:`~matplotlib.axes.Axes.plot`.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ConfigError
        A bad `kind`, `top` or `by`, or any :func:`history` error.

    Examples
    --------
    >>> s1 = pd.DataFrame({"id": ["a", "b"], "platform": ["CentOS", "CentOS"]})
    >>> s2 = pd.DataFrame({"id": ["a", "b", "c"], "platform": ["CentOS", "Ubuntu", "Ubuntu"]})
    >>> ax = imgkit.plot_trend({"2026-01-01": s1, "2026-02-01": s2})
    >>> [t.get_text() for t in ax.get_legend().get_texts()], ax.get_title()
    (['CentOS', 'Ubuntu'], 'Images per platform over time')
    """
    from ._checks import check_argument
    from ._common import _check_positive
    from .plotting import _empty, _new_ax, _short, group_colors

    check_argument("kind", ["area", "line"], kind)
    top = _check_positive("top", top)
    if _is_trend(data):
        table, by = data, data.columns.name
    else:
        table = trend(data, by=by, top=top)
    title = "Images over time" if by is None else f"Images per {by} over time"
    ax = _new_ax(ax, width=9.0)
    if table.empty or table.to_numpy().sum() == 0:
        return _empty(ax, title, "snapshot time (UTC)", "images", note="no images")
    colors = list(group_colors(table.columns, by=by).values())
    names = [_short(c) for c in table.columns]
    x = table.index.tz_convert(None)
    values = table.to_numpy(dtype=float)
    if kind == "area" and len(table) > 1:
        ax.stackplot(x, values.T, labels=names, colors=colors, **kwargs)
    else:
        kwargs.setdefault("marker", "o")
        for k, name in enumerate(names):
            ax.plot(x, values[:, k], label=name, color=colors[k], **kwargs)
    ax.set_title(title)
    ax.set_xlabel("snapshot time (UTC)")
    ax.set_ylabel("images")
    ax.set_ylim(bottom=0)
    ax.legend(title=by, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small", frameon=False)
    return ax


def plot_diff_summary(diff: ListingDiff, *, top: int = 15, ax: Axes | None = None, **kwargs: Any) -> Axes:
    """Images added (right, green) and removed (left, red) per tenant, the busiest tenants first.

    Parameters
    ----------
    diff : ListingDiff
        From :func:`diff_listings`.
    top : int, default 15
        The `top` busiest tenants (added + removed + changed) get a row; the rest are one
        ``"Other (N tenants)"`` row.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.barh`.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ConfigError
        When `diff` is not a ListingDiff, or a bad `top`.

    Examples
    --------
    >>> old = pd.DataFrame({"id": ["a", "b", "c"], "owner": ["t1", "t1", "t2"]})
    >>> new = pd.DataFrame({"id": ["b", "c", "d", "e"], "owner": ["t1", "t2", "t2", "t2"]})
    >>> ax = imgkit.plot_diff_summary(imgkit.diff_listings(old, new))
    >>> [t.get_text() for t in ax.get_yticklabels()], [int(p.get_width()) for p in ax.patches]
    (['t2', 't1'], [2, 0, 0, -1])
    """
    from ._common import _check_positive
    from .plotting import _empty, _fold_rows, _new_ax, _short

    if not isinstance(diff, ListingDiff):
        raise ConfigError(f"`diff` must be a ListingDiff (from imgkit.diff_listings), got {type(diff).__name__}")
    top = _check_positive("top", top)
    title = f"Images added and removed per tenant, {_fmt_time(diff.old_as_of)} to {_fmt_time(diff.new_as_of)}"
    table = diff.summary.drop(index=ALL_TENANTS)
    table = table[(table[["added", "removed", "changed"]].sum(axis=1) > 0)]
    ax = _new_ax(ax, height=max(2.5, 0.35 * min(len(table), top + 1) + 1.2))
    if table.empty or not (table["added"].sum() or table["removed"].sum()):
        return _empty(ax, title, "images", "", note="no images added or removed")
    activity = table[["added", "removed", "changed"]].sum(axis=1)
    folded = _fold_rows(table[["added", "removed"]], top, "owner", weights=activity)
    labels = [_short(o) for o in folded.index]
    y = np.arange(len(folded))[::-1]  # the busiest tenant on top
    ax.barh(y, folded["added"].to_numpy(dtype=float), color=_ADDED_COLOR, label="added", **kwargs)
    ax.barh(y, -folded["removed"].to_numpy(dtype=float), color=_REMOVED_COLOR, label="removed", **kwargs)
    ax.axvline(0, color="0.3", linewidth=0.8)
    ax.set_yticks(y, labels)
    ax.set_title(title)
    ax.set_xlabel("images removed (left) / added (right)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small", frameon=False)
    return ax
