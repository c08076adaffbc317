"""History of snapshots: stacking listings over time (SCD2) and the trend of a column."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

import numpy as np
import pandas as pd
import pyarrow as pa

from imgkit._typing import AsOf, Snapshots
from imgkit.analysis._core import (
    ALL_IMAGES,
    MISSING,
    as_documented,
    fold_top,
    group_codes,
    to_utc,
)
from imgkit.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    pass
from imgkit.analysis._changes import changed_cells, load_listing, union_columns, unique_ids

#: The columns :func:`history` adds to the listing's.
HISTORY_COLUMNS = ("valid_from", "valid_to", "is_current")


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
            from imgkit.io import snapshot_meta

            return snapshot_meta(path).get("fetched_at")
        if path.is_file() and path.name.lower().endswith(".parquet"):
            import orjson
            import pyarrow.parquet as pq

            from imgkit.io import PARQUET_KEY

            try:
                raw = (pq.read_schema(path).metadata or {}).get(PARQUET_KEY)
            except (OSError, pa.ArrowInvalid):
                return None
            return orjson.loads(raw).get("fetched_at") if raw else None
    return None


def _is_snapshot_folder_of_folders(path: Path) -> bool:
    from imgkit.io import SNAPSHOT_META, page_files

    if not path.is_dir() or (path / SNAPSHOT_META).exists() or page_files(path):
        return False
    return any(
        p.is_dir() or p.name.lower().endswith(".parquet") for p in path.iterdir() if not p.name.startswith((".", "_"))
    )


def _snapshot_items(sources: Any) -> list[tuple[Any, Any]]:
    """(explicit time or None, source) for each snapshot."""
    if isinstance(sources, (str, os.PathLike)):
        path = Path(sources)
        if _is_snapshot_folder_of_folders(path):
            return [
                (None, p)
                for p in sorted(path.iterdir())
                if not p.name.startswith((".", "_")) and (p.is_dir() or p.name.lower().endswith(".parquet"))
            ]
        return [(None, sources)]
    if isinstance(sources, pd.DataFrame):
        return [(None, sources)]
    if isinstance(sources, Mapping):
        return [(t, s) for t, s in sources.items()]
    if not isinstance(sources, Iterable):
        raise ConfigError(
            f"`sources` must be a list of snapshots, a {{time: snapshot}} mapping or a folder of "
            f"snapshot folders, got {type(sources).__name__}"
        )
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
            raise ConfigError(
                f"{name} has no fetched_at; give its time explicitly: a (time, snapshot) pair or a "
                "{time: snapshot} mapping"
            )
        timed.append((to_utc(when, "snapshot time"), source))
    timed.sort(key=lambda ts: ts[0])
    times = [t for t, _ in timed]
    dup = next((t for a, t in zip(times, times[1:]) if a == t), None)
    if dup is not None:
        raise ConfigError(f"two snapshots have the same time {dup.isoformat()}; each snapshot needs its own time")
    if as_of is not None:
        limit = to_utc(as_of)
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
        change = {
            c: pd.CategoricalDtype(v)
            for c, v in cats.items()
            if c in f.columns and (not isinstance(f[c].dtype, pd.CategoricalDtype) or list(f[c].cat.categories) != v)
        }
        out.append(f.astype(change) if change else f)
    return out


def history(sources: Snapshots, *, as_of: AsOf = None) -> pd.DataFrame:
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
    for when, source in timed:
        frame = unique_ids(load_listing(source), f"snapshot {when.isoformat()}")
        t = when.as_unit("ns").value
        if cur is None:
            cur, cur_from = frame, np.full(len(frame), t, dtype="int64")
            continue
        pos = pd.Index(cur["id"].astype(object)).get_indexer(pd.Index(frame["id"].astype(object)))
        new_pos = np.flatnonzero(pos >= 0)
        old_pos = pos[new_pos]
        columns = [c for c in union_columns([frame, cur]) if c not in ("id", "updated_at")]
        masks = changed_cells(cur, old_pos, frame, new_pos, columns)
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
    from imgkit._version import __version__

    out.attrs = {
        "imgkit": {
            "source": f"imgkit.history of {len(timed)} snapshot(s)",
            "snapshots": [t.isoformat() for t, _ in timed],
            "imgkit_version": __version__,
        }
    }
    return out


# ---------------------------------------------------------------------------------------
# trend
# ---------------------------------------------------------------------------------------
def is_history(obj: Any) -> TypeGuard[pd.DataFrame]:
    return isinstance(obj, pd.DataFrame) and all(c in obj.columns for c in ("valid_from", "valid_to"))


def _snapshot_times(h: pd.DataFrame) -> pd.DatetimeIndex:
    meta = h.attrs.get("imgkit")
    listed = meta.get("snapshots") if isinstance(meta, dict) else None
    if listed:
        times = pd.DatetimeIndex([to_utc(t) for t in listed])
    else:  # a history frame from elsewhere: the times versions start or end
        both = pd.concat([pd.to_datetime(h["valid_from"], utc=True), pd.to_datetime(h["valid_to"], utc=True)])
        times = pd.DatetimeIndex(both.dropna().unique())
    return times.as_unit("ns").sort_values().unique()


def trend(
    history_or_sources: pd.DataFrame | Snapshots, *, by: str | None = "platform", top: int | None = None
) -> pd.DataFrame:
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
    h = history_or_sources if is_history(history_or_sources) else history(history_or_sources)
    if by is not None and by not in h.columns:
        raise ConfigError(f"`by` must be None or a column of the listings, got {by!r}")
    times = _snapshot_times(h)
    if by is None:
        codes, labels = np.zeros(len(h), dtype=np.intp), [ALL_IMAGES]
    else:
        codes, labels, _ = group_codes(as_documented(h[by]))
    tv = times.asi8
    start = np.searchsorted(tv, pd.to_datetime(h["valid_from"], utc=True).dt.as_unit("ns").array.asi8, side="left")
    end_col = pd.to_datetime(h["valid_to"], utc=True).dt.as_unit("ns")
    end = np.where(end_col.isna().to_numpy(), len(tv), np.searchsorted(tv, end_col.array.asi8, side="left"))
    n, g = len(tv), len(labels)
    events = np.zeros((n + 1) * g, dtype=np.int64)
    np.add.at(events, start * g + codes, 1)
    np.add.at(events, end * g + codes, -1)
    counts = np.cumsum(events.reshape(n + 1, g), axis=0)[:n]
    categorical = by is not None and isinstance(as_documented(h[by]).dtype, pd.CategoricalDtype)
    return trend_table(counts, times, labels, by=by, categorical=categorical, top=top)


def trend_table(
    counts: np.ndarray, times: Any, labels: Sequence[str], *, by: str | None, categorical: bool, top: int | None
) -> pd.DataFrame:
    """The trend frame from its counts (snapshot times x group labels); shared with :meth:`imgkit.Archive.trend`.

    Groups that never occur are left out; `categorical` groups keep their label order, others go most images
    first (``"(missing)"`` last); `top` folds the rest into ``"Other"``.
    """
    table = pd.DataFrame(counts, index=pd.DatetimeIndex(times, name="as_of"), columns=pd.Index(labels, dtype=object))
    if by is not None and len(table):
        present = [c for c in table.columns if table[c].any()]
        if not categorical:  # no documented order: most first
            totals = table.sum()
            present.sort(key=lambda c: (c == MISSING, -totals[c], str(c)))
        table = table[present]
    table = fold_top(table, top)
    table.columns.name = by
    return table.astype("int64")
