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
without an id cannot be matched and are left out with a warning."""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from imgkit._typing import Listing
from imgkit.analysis._core import (
    ALL_TENANTS,
    MISSING,
    resolve_as_of,
)
from imgkit.errors import ConfigError, ImgkitWarning
from imgkit.io import StringListDtype

if TYPE_CHECKING:  # pragma: no cover
    pass


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
    if isinstance(s.dtype, StringListDtype):
        return s.array.to_arrow()
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
        if (
            isinstance(da, pd.DatetimeTZDtype)
            or isinstance(db, pd.DatetimeTZDtype)
            or (da.kind == "M" and db.kind == "M")
        ):
            ia = pd.to_datetime(a, utc=True).dt.as_unit("ns").array.asi8
            ib = pd.to_datetime(b, utc=True).dt.as_unit("ns").array.asi8
            return ia != ib  # NaT is one value on both sides
        ma, mb = a.array, b.array
        if (
            isinstance(ma, pd.arrays.BooleanArray) == isinstance(mb, pd.arrays.BooleanArray)
            and isinstance(ma, pd.core.arrays.masked.BaseMaskedArray)
            and isinstance(mb, pd.core.arrays.masked.BaseMaskedArray)
        ):
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
        return s.iloc[int(pos[0]) : int(pos[-1]) + 1].reset_index(drop=True)  # a contiguous run: a view, no copy
    return s.take(pos).reset_index(drop=True)


def changed_cells(
    old: pd.DataFrame, old_pos: np.ndarray, new: pd.DataFrame, new_pos: np.ndarray, columns: Sequence[str]
) -> dict[str, np.ndarray]:
    """For each column, a mask over the matched pairs (old_pos[i], new_pos[i]): does the value differ?"""
    same_order = (
        len(old_pos) == len(old) == len(new)
        and np.array_equal(old_pos, np.arange(len(old)))
        and np.array_equal(new_pos, np.arange(len(new)))
    )
    out = {}
    for col in columns:
        a = _column_at(old, col, None if same_order else old_pos)
        b = _column_at(new, col, None if same_order else new_pos)
        out[col] = _differs(a, b)
    return out


# ---------------------------------------------------------------------------------------
# snapshots: loading, times, duplicate ids
# ---------------------------------------------------------------------------------------
def load_listing(source: Any) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        if "id" not in source.columns:
            raise ConfigError(
                "a listing frame needs an 'id' column; pass a frame returned by imgkit.read_images, "
                "fetch_images or load_demo"
            )
        return source
    from imgkit.io import read_images

    return read_images(source)


def _describe(source: Any, df: pd.DataFrame) -> str:
    meta = df.attrs.get("imgkit")
    if isinstance(meta, dict) and meta.get("source"):
        return str(meta["source"])
    return os.fspath(source) if isinstance(source, (str, os.PathLike)) else type(source).__name__


def unique_ids(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """`df` with one row per id, the loader's way (the last record wins); rows without an id left out, with warnings."""
    ids = df["id"]
    missing = _na(ids)
    dup = np.asarray(ids.duplicated(keep="last"), dtype=bool) & ~missing
    if dup.any():
        shown = ", ".join(map(repr, pd.unique(ids[dup])[:3].tolist()))
        warnings.warn(
            f"{name}: {int(dup.sum())} record(s) share an id with a later record ({shown}); the last record "
            "of each id is kept, as imgkit.read_images does",
            ImgkitWarning,
            stacklevel=3,
        )
    if missing.any():
        warnings.warn(
            f"{name}: {int(missing.sum())} image(s) without an id cannot be matched and are left out",
            ImgkitWarning,
            stacklevel=3,
        )
    if dup.any() or missing.any():
        df = df.loc[~(dup | missing)]
    df = (
        df.reset_index(drop=True)
        if (dup.any() or missing.any() or not isinstance(df.index, pd.RangeIndex) or df.index.start != 0)
        else df.copy(deep=False)
    )
    df.attrs = {}  # a working copy: pandas would deep-copy the metadata on every column access
    return df


# ---------------------------------------------------------------------------------------
# diff_listings
# ---------------------------------------------------------------------------------------
def fmt_time(ts: pd.Timestamp) -> str:
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

    Examples
    --------
    >>> old = pd.DataFrame({"id": ["a", "b"], "owner": ["t", "t"], "name": ["x", "y"]})
    >>> new = pd.DataFrame({"id": ["b", "c"], "owner": ["t", "t"], "name": ["y2", "z"]})
    >>> d = imgkit.diff_listings(old, new)
    >>> d.added["id"].tolist(), d.removed["id"].tolist(), d.changed[["id", "column", "old", "new"]].values.tolist()
    (['c'], ['a'], [['b', 'name', 'y', 'y2']])
    >>> d.empty, d.changed_images
    (False, 1)
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
        tenants = int(
            (
                self.summary.drop(index=ALL_TENANTS, errors="ignore")[["added", "removed", "changed"]].sum(axis=1) > 0
            ).sum()
        )
        return (
            f"<ListingDiff {fmt_time(self.old_as_of)} -> {fmt_time(self.new_as_of)}: "
            f"{len(self.added):,} added, {len(self.removed):,} removed, {self.changed_images:,} changed "
            f"({len(self.changed):,} cells) in {tenants:,} tenant(s)>"
        )

    def _repr_html_(self) -> str:
        """The one-line summary and the per-tenant table (the ten busiest tenants), for Jupyter."""
        import html

        table = self.summary
        shown = table.head(10) if len(table) <= 11 else pd.concat([table.head(10), table.tail(1)])
        more = (
            f"<p>... {len(table) - len(shown)} more tenant(s); see <code>.summary</code></p>"
            if len(shown) < len(table)
            else ""
        )
        return f"<div><p><b>{html.escape(repr(self))}</b></p>{shown.to_html(escape=True, max_cols=10)}{more}</div>"

    def to_frame(self) -> pd.DataFrame:
        """All changes as one long table of text: ``change``, ``id``, ``owner``, ``name``, ``column``, ``old``, ``new``.

        ``change`` is ``"added"``, ``"removed"`` or ``"changed"``; added/removed images have one
        row each (no column); values are text (lists and dicts as JSON, times in ISO 8601), so
        the table writes to CSV and Parquet as is.

        Returns
        -------
        pandas.DataFrame
            One row per added or removed image and per changed value, added first.

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
            return pd.DataFrame(
                {
                    "change": kind,
                    "id": frame["id"].astype(object).to_numpy(),
                    "owner": _column_at(frame, "owner", None).astype(object).to_numpy(),
                    "name": _column_at(frame, "name", None).astype(object).to_numpy(),
                    "column": None,
                    "old": None,
                    "new": None,
                }
            )

        names = self.changed_names
        changed = pd.DataFrame(
            {
                "change": "changed",
                "id": self.changed["id"].to_numpy(dtype=object),
                "owner": self.changed["owner"].to_numpy(dtype=object),
                "name": [names.get(i) for i in self.changed["id"]],
                "column": self.changed["column"].to_numpy(dtype=object),
                "old": [value_text(v) for v in self.changed["old"]],
                "new": [value_text(v) for v in self.changed["new"]],
            }
        )
        out = pd.concat([rows(self.added, "added"), rows(self.removed, "removed"), changed], ignore_index=True)
        out = out.astype(object).where(out.notna(), None)
        return out.astype({c: "string" for c in out.columns})


def value_text(v: Any) -> str | None:
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


def _summary(
    old: pd.DataFrame, new: pd.DataFrame, added: np.ndarray, removed: np.ndarray, changed_new_pos: np.ndarray
) -> pd.DataFrame:
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
    table["storage_bytes_delta"] = size_n.reindex(table.index, fill_value=0) - size_o.reindex(table.index, fill_value=0)
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


def union_columns(frames: Iterable[pd.DataFrame]) -> list[str]:
    return list(dict.fromkeys(c for f in frames for c in f.columns))


def diff_listings(old: Listing, new: Listing, *, ignore: Iterable[str] = ()) -> ListingDiff:
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
    o_raw, n_raw = load_listing(old), load_listing(new)
    o_time, o_time_src = resolve_as_of(o_raw)
    n_time, n_time_src = resolve_as_of(n_raw)
    o, n = unique_ids(o_raw, "old"), unique_ids(n_raw, "new")
    columns = [c for c in union_columns([n, o]) if c != "id"]
    ignore = _check_ignore(ignore, columns)
    compare = [c for c in columns if c not in ignore]

    o_ids = pd.Index(o["id"].to_numpy(dtype=object))
    pos_in_old = o_ids.get_indexer(pd.Index(n["id"].to_numpy(dtype=object)))
    added = pos_in_old < 0
    new_pos = np.flatnonzero(~added)
    old_pos = pos_in_old[new_pos]
    removed = np.ones(len(o), dtype=bool)
    removed[old_pos] = False

    masks = changed_cells(o, old_pos, n, new_pos, compare)
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
    changed = pd.DataFrame(
        {
            "id": pd.array(n["id"].to_numpy(dtype=object)[rows_new], dtype="string"),
            "owner": pd.array(_column_at(n, "owner", rows_new).to_numpy(dtype=object), dtype="string"),
            "column": pd.array([compare[k] for k in cols.tolist()], dtype="string"),
            "old": pd.Series(olds, dtype=object),
            "new": pd.Series(news, dtype=object),
        }
    )
    changed_new_pos = np.unique(rows_new)
    names = dict(
        zip(
            n["id"].to_numpy(dtype=object)[changed_new_pos].tolist(),
            [_plain(v) for v in _column_at(n, "name", changed_new_pos).tolist()],
        )
    )
    return ListingDiff(
        added=n.loc[added].reset_index(drop=True),
        removed=o.loc[removed].reset_index(drop=True),
        changed=changed,
        summary=_summary(o, n, added, removed, changed_new_pos),
        old_as_of=o_time,
        new_as_of=n_time,
        old_as_of_source=o_time_src,
        new_as_of_source=n_time_src,
        old_source=_describe(old, o_raw),
        new_source=_describe(new, n_raw),
        ignore=ignore,
        changed_names=names,
    )
