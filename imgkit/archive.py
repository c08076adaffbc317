"""A snapshot archive: many listings on a hive-partitioned Parquet dataset, read with pandas or Dask.

Layout (one Parquet file per snapshot, readable by any Parquet engine)::

    ROOT/snapshot_date=2026-11-29/part-0.parquet                          # Archive.add(df)
    ROOT/snapshot_date=2026-11-29/cloud=otc/region=eu-de/part-0.parquet   # Archive.add(df, cloud=..., region=...)

The partition levels of an archive are fixed by its first snapshot (``cloud=`` and ``region=`` only when
given). Each file holds the listing's columns (no partition columns) with the typing of
:data:`imgkit.schema.FIELDS` -- categories as Parquet dictionaries, timestamps in UTC, lists as Parquet lists, dicts
as JSON text -- and, in its key-value metadata, the snapshot time and each categorical column's categories. Reading
takes the dtypes from the schema and the categories from those footers, never from what a Parquet reader infers,
so the usual pitfalls (hive partition columns read back as categories, categories that differ per file, lists read
as strings, nested Arrow dtype names in pandas metadata) cannot occur.

``add`` is atomic: the file is written under ``ROOT/_staging/`` (ignored by readers: names starting with ``_``)
and then renamed into place, which replaces an earlier file of the same snapshot in one step (POSIX rename; on
S3 / OBS a copy of one object, which readers see whole or not at all).
"""

from __future__ import annotations

import posixpath
import re
import uuid
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote, unquote

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from imgkit._typing import Backend
from imgkit._validators import check_argument
from imgkit.analysis import to_utc
from imgkit.errors import ConfigError, SourceError
from imgkit.io import StringListDtype
from imgkit.schema import FIELDS

__all__ = ["Archive"]

_META_KEY = b"imgkit.archive"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_FILE = "part-0.parquet"
_STAGING = "_staging"
_LEVELS = ("cloud", "region")
#: Columns the archive adds to every loaded frame, after the listing's columns.
SNAPSHOT_COLUMNS = ("snapshot_at", "cloud", "region")
#: Rows of one Dask partition at most (a snapshot file is split by row group beyond this).
_PARTITION_ROWS = 250_000
_ROW_GROUP = 100_000

_STRING = pd.StringDtype("pyarrow")
_LIST = pa.list_(pa.string())
_DICT = pa.dictionary(pa.int32(), pa.string())
_TS = pa.timestamp("ns", tz="UTC")
#: The Arrow type each schema kind is stored as (json / object: JSON text).
_KIND_TYPES = {
    "text": pa.string(),
    "enum": _DICT,
    "bool": pa.bool_(),
    "flag": pa.bool_(),
    "int": pa.int64(),
    "datetime": _TS,
    "list": _LIST,
    "json": pa.string(),
    "object": pa.string(),
}
_KNOWN = {f.column: _KIND_TYPES[f.kind] for f in FIELDS}
_TO_PANDAS = {
    pa.string(): _STRING,
    pa.large_string(): _STRING,
    pa.bool_(): pd.BooleanDtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.float64(): pd.Float64Dtype(),
    _LIST: StringListDtype(),
}


def _storage_type(t: pa.DataType) -> pa.DataType:
    """The type an unknown column is stored as: one string, dictionary and list flavour."""
    if pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return pa.string()
    if pa.types.is_dictionary(t):
        return _DICT
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return _LIST
    if pa.types.is_timestamp(t):
        return _TS
    if pa.types.is_null(t):
        return pa.string()
    return t


def _json_text(value: Any) -> str:
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return orjson.dumps(repr(value)).decode()


def _json_value(text: str | None) -> Any:
    return None if text is None else orjson.loads(text)


# --------------------------------------------------------------------------------------------
# frame <-> Arrow table of one snapshot
# --------------------------------------------------------------------------------------------
def _to_table(df: pd.DataFrame, info: dict[str, Any]) -> pa.Table:
    """The Arrow table stored for a typed frame, with the archive metadata in its schema."""
    reserved = [c for c in df.columns if c in SNAPSHOT_COLUMNS or c == "snapshot_date"]
    if reserved:
        raise ConfigError(
            f"the frame has the column(s) {', '.join(map(repr, reserved))}, which the archive adds itself; "
            "pass one snapshot's listing (drop them, or add each snapshot separately)"
        )
    if not df.columns.is_unique or not all(isinstance(c, str) for c in df.columns):
        raise ConfigError("the frame's column names must be unique strings, as read_images gives them")
    out = pd.DataFrame(index=pd.RangeIndex(len(df)))
    json_columns, categories = [], {}
    for c in df.columns:
        s = df[c].reset_index(drop=True)
        if s.dtype == object:  # os_feature_list and locations are JSON text already
            json_columns.append(c)
            s = pd.Series(pd.array([None if _isna(v) else _json_text(v) for v in s], dtype=_STRING))
        elif isinstance(s.dtype, pd.CategoricalDtype):
            categories[c] = [str(v) for v in s.cat.categories]
        elif c in _KNOWN and _KNOWN[c] == _DICT:  # an enum column whose dtype the user changed
            values = next(f.values for f in FIELDS if f.column == c)
            categories[c] = [*values, *(v for v in pd.unique(s.dropna().astype(str)) if v not in values)]
        out[c] = s
    table = pa.Table.from_pandas(out, preserve_index=False)
    fields = []
    for field in table.schema:
        target = _KNOWN.get(field.name) or _storage_type(field.type)
        fields.append(pa.field(field.name, target))
    try:
        table = table.cast(pa.schema(fields))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
        raise ConfigError(f"the frame cannot be stored with the schema's types: {exc}") from None
    meta = {**info, "categories": categories, "json_columns": json_columns}
    return table.replace_schema_metadata({_META_KEY: orjson.dumps(meta)})


def _isna(v: Any) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT


#: What a snapshot file's footer may say, with the type each value must have; the catalogue's own keys (path,
#: size, version and the partition values snapshot_date, cloud, region) come from the file's path only.
_FOOTER_KEYS: dict[str, tuple[type, ...]] = {
    "snapshot_at": (str,),
    "source": (str, type(None)),
    "imgkit_version": (str,),
    "findings": (str,),
    "unknown_keys": (dict,),
    "categories": (dict,),
    "json_columns": (list,),
}


def _footer(raw: bytes, path: str, snapshot_date: str, columns: list[str] | None = None) -> dict[str, Any]:
    """The whitelisted, type-checked keys of a snapshot file's footer; a hostile footer is a SourceError."""
    try:
        info = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise SourceError("the archive metadata of a snapshot file is not JSON", source=path) from None
    if not isinstance(info, dict):
        raise SourceError("the archive metadata of a snapshot file is not a JSON object", source=path)
    out: dict[str, Any] = {}
    for key, kinds in _FOOTER_KEYS.items():
        if key not in info:
            continue
        if not isinstance(info[key], kinds):
            raise SourceError(
                f"the archive metadata key {key!r} of a snapshot file has the wrong type ({type(info[key]).__name__})",
                source=path,
            )
        out[key] = info[key]
    if "snapshot_at" not in out:
        raise SourceError("a snapshot file's archive metadata has no snapshot_at", source=path)
    try:
        when = pd.Timestamp(out["snapshot_at"])
        when = when.tz_localize("UTC") if when.tzinfo is None else when.tz_convert("UTC")
    except (ValueError, TypeError, OverflowError):
        raise SourceError("a snapshot file's snapshot_at is not a time", source=path) from None
    if f"{when:%Y-%m-%d}" != snapshot_date:
        raise SourceError(
            f"a snapshot file's snapshot_at ({when:%Y-%m-%d}) is not the day its path says "
            f"(snapshot_date={snapshot_date})",
            source=path,
        )
    out["snapshot_at"] = when.isoformat()
    cats = out.get("categories", {})
    if not all(
        isinstance(k, str) and isinstance(v, list) and all(isinstance(x, str) for x in v) for k, v in cats.items()
    ):
        raise SourceError("a snapshot file's categories are not lists of text per column", source=path)
    if not all(isinstance(c, str) for c in out.get("json_columns", [])):
        raise SourceError("a snapshot file's json_columns are not column names", source=path)
    if columns is not None and not set(out.get("json_columns", [])) <= set(columns):
        raise SourceError("a snapshot file's json_columns name columns the file does not have", source=path)
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in out.get("unknown_keys", {}).items()):
        raise SourceError("a snapshot file's unknown_keys are not text", source=path)
    return out


@dataclass(frozen=True)
class _Plan:
    """How to turn any stored file of a selection into the same typed frame (picklable, for Dask workers)."""

    columns: tuple[str, ...]  # listing columns, in frame order
    types: dict[str, pa.DataType]
    categories: dict[str, list[str]]
    json_columns: frozenset[str]
    levels: tuple[str, ...]

    def frame(self, table: pa.Table, columns: Sequence[str], piece: dict[str, Any]) -> pd.DataFrame:
        n = table.num_rows
        out: dict[str, Any] = {}
        plain = []  # columns pyarrow converts in one go
        for c in columns:
            if c == "snapshot_at":
                out[c] = pd.Series(
                    pd.Timestamp(piece["snapshot_at"]), index=pd.RangeIndex(n), dtype="datetime64[ns, UTC]"
                ).array
                continue
            if c in _LEVELS:
                out[c] = pd.array([piece.get(c)] * n, dtype=_STRING)
                continue
            typ = self.types[c]
            if c in table.column_names:
                arr = table.column(c)
                if arr.type != typ or str(arr.type) != str(typ):  # Parquet may name a list's item "element"
                    arr = arr.cast(typ)
            else:
                arr = pa.chunked_array([pa.nulls(n, typ)], typ)
            if c in self.categories:
                out[c] = _categorical(arr, pd.CategoricalDtype(self.categories[c]))
            elif c in self.json_columns:
                values = np.empty(n, dtype=object)
                values[:] = [_json_value(v) for v in arr.to_pylist()]
                out[c] = values
            else:
                out[c] = None
                plain.append((c, arr))
        if plain:
            converted = pa.table([a for _, a in plain], names=[c for c, _ in plain]).to_pandas(
                types_mapper=_TO_PANDAS.get, ignore_metadata=True
            )
            for c, _ in plain:
                out[c] = converted[c].array
        return pd.DataFrame(out, index=pd.RangeIndex(n), columns=list(columns))

    def empty(self, columns: Sequence[str]) -> pd.DataFrame:
        table = pa.table(
            [pa.array([], self.types[c]) for c in columns if c not in SNAPSHOT_COLUMNS],
            names=[c for c in columns if c not in SNAPSHOT_COLUMNS],
        )
        return self.frame(table, columns, {"snapshot_at": "1970-01-01T00:00:00+00:00"})

    @property
    def all_columns(self) -> list[str]:
        return [*self.columns, "snapshot_at", *self.levels]


def _categorical(arr: pa.ChunkedArray, dtype: pd.CategoricalDtype) -> pd.Categorical:
    """A dictionary column as a Categorical of `dtype` (whose categories hold every value of the column)."""
    parts = []
    for chunk in arr.chunks:
        lookup = np.append(dtype.categories.get_indexer(pd.Index(chunk.dictionary.to_pylist(), dtype=object)), -1)
        idx = chunk.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.intp)
        parts.append(lookup[idx])  # a null index (-1) picks the trailing -1
    codes = np.concatenate(parts) if parts else np.zeros(0, dtype=np.intp)
    return pd.Categorical.from_codes(codes, dtype=dtype)


class _ReadPiece:
    """One Dask partition: some row groups of one snapshot file (a picklable callable with column projection)."""

    def __init__(self, fs: Any, plan: _Plan, filters: dict[str, Any], selected: list[str]) -> None:
        self.fs, self.plan, self.filters, self.selected = fs, plan, filters, selected

    def __call__(self, piece: dict[str, Any], columns: Sequence[str] | None = None) -> pd.DataFrame:
        columns = list(columns) if columns is not None else self.selected
        return _read_piece(self.fs, self.plan, piece, columns, self.filters.get(piece["path"]))


def _read_piece(
    fs: Any, plan: _Plan, piece: dict[str, Any], columns: Sequence[str], where: tuple[Any, list[str]] | None
) -> pd.DataFrame:
    """Rows of one piece as a typed frame; `where` = (pyarrow expression, the listing columns it reads)."""
    read = [c for c in columns if c not in SNAPSHOT_COLUMNS]
    if where is not None:  # the filter's columns are read too
        read = list(dict.fromkeys([*read, *where[1]]))
    with fs.open(piece["path"], "rb") as fh:
        pf = pq.ParquetFile(fh)
        names = pf.schema_arrow.names
        table = pf.read_row_groups(piece["row_groups"], columns=[c for c in read if c in names])
    if where is not None:
        for c in where[1]:  # a column this snapshot lacks is all null here
            if c not in names:
                table = table.append_column(pa.field(c, plan.types[c]), pa.nulls(table.num_rows, plan.types[c]))
        table = table.filter(where[0])
    return plan.frame(table, columns, piece)


# --------------------------------------------------------------------------------------------
# filters: partition columns prune files, listing columns go to pyarrow
# --------------------------------------------------------------------------------------------
_OPS = ("==", "=", "!=", "<", "<=", ">", ">=", "in", "not in")


def _normalise_filters(filters: Any) -> list[list[tuple[str, str, Any]]]:
    """pyarrow-style filters (a list of (column, op, value) tuples, or a list of such lists = OR) as DNF."""
    if filters is None:
        return []
    if not isinstance(filters, list) or not filters:
        raise ConfigError(f"`filters` must be a non-empty list of (column, op, value) tuples, got {filters!r}")
    dnf = filters if isinstance(filters[0], list) else [filters]
    out = []
    for conj in dnf:
        terms = []
        for term in conj:
            if not isinstance(term, (tuple, list)) or len(term) != 3 or not isinstance(term[0], str):
                raise ConfigError(f"`filters` must hold (column, op, value) tuples, got {term!r}")
            check_argument("filters` op `", _OPS, term[1])
            terms.append(tuple(term))
        out.append(terms)
    return out


def _compare(left: Any, op: str, right: Any) -> bool:
    if op in ("in", "not in"):
        hit = left in list(right)
        return hit if op == "in" else not hit
    if left is None or (isinstance(left, float) and np.isnan(left)) or left is pd.NaT:
        return op == "!="
    return {
        "==": left == right,
        "=": left == right,
        "!=": left != right,
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
    }[op]


def _partition_value(column: str, value: Any) -> Any:
    if column == "snapshot_at":
        if isinstance(value, (list, tuple, set)):
            return [to_utc(v, "filters") for v in value]
        return to_utc(value, "filters")
    return value


# --------------------------------------------------------------------------------------------
# The archive
# --------------------------------------------------------------------------------------------
class Archive:
    """Snapshots of image listings in a hive-partitioned Parquet dataset, read back with pandas or Dask.

    Parameters
    ----------
    root : str or os.PathLike
        A local directory (created on the first :meth:`add`) or any fsspec URL:
        ``s3://bucket/images`` (install ``s3fs``), ``gcs://...``, ``memory://...``. Huawei Cloud OBS speaks the
        S3 protocol: ``Archive("s3://bucket/images", storage_options={"endpoint_url":
        "https://obs.eu-de.otc.t-systems.com", "key": ..., "secret": ...})`` or the ``AWS_*`` variables.
    storage_options : dict, optional
        Passed to fsspec (credentials, endpoint); never stored in the archive or shown in its repr.

    Notes
    -----
    One snapshot per day (and per cloud and region when given): adding a snapshot of the same day again
    replaces it. Every loaded frame has the listing's columns with exactly the dtypes of
    :func:`imgkit.read_images`, then ``snapshot_at`` (``datetime64[ns, UTC]``) and, when the archive has those
    levels, ``cloud`` and ``region`` (``string``).

    Examples
    --------
    >>> import tempfile
    >>> root = tempfile.mkdtemp()
    >>> archive = imgkit.Archive(root)
    >>> df = imgkit.read_images("data/seed_example_response.json")
    >>> archive.add(df, snapshot_at="2026-11-29T06:00:00Z")
    >>> archive.add(df, snapshot_at="2026-11-30T06:00:00Z")
    >>> snaps = archive.snapshots()
    >>> snaps["snapshot_at"].dt.strftime("%Y-%m-%d %H:%M").tolist(), snaps["images"].tolist()
    (['2026-11-29 06:00', '2026-11-30 06:00'], [2, 2])
    >>> back = archive.load(snapshot_at="2026-11-30")
    >>> back.drop(columns="snapshot_at").dtypes.equals(df.dtypes), len(back)
    (True, 2)
    """

    def __init__(self, root: Any, *, storage_options: dict[str, Any] | None = None) -> None:
        import fsspec

        self.root = str(root)
        self._fs, self._path = fsspec.core.url_to_fs(self.root, **(storage_options or {}))
        self._path = self._path.rstrip("/") or "/"
        self._cached: tuple[Any, list[dict[str, Any]]] | None = None  # the footers, while the files are unchanged

    def __repr__(self) -> str:
        return f"Archive({self.root!r})"

    def _repr_html_(self) -> str:
        """The root and the stored snapshots (the latest 20), for Jupyter."""
        import html

        snaps = self.snapshots()
        head = f"<p><b>{html.escape(repr(self))}</b>: {len(snaps):,} snapshot(s)"
        if not len(snaps):
            return f"<div>{head}</p></div>"
        head += f", {int(snaps['images'].sum()):,} image rows, {int(snaps['bytes_on_disk'].sum()):,} bytes</p>"
        shown = snaps.tail(20).assign(snapshot_at=snaps["snapshot_at"].dt.strftime("%Y-%m-%d %H:%M:%S UTC"))
        return f"<div>{head}{shown.to_html(index=False, escape=True)}</div>"

    # ---------------------------------------------------------------------------------- writing
    def add(
        self,
        source_or_frame: Any,
        *,
        snapshot_at: Any = None,
        cloud: str | None = None,
        region: str | None = None,
    ) -> None:
        """Store one snapshot (replacing the same day's snapshot of the same cloud and region, if any).

        Parameters
        ----------
        source_or_frame : DataFrame or source
            A typed frame (from :func:`imgkit.read_images`, :func:`imgkit.fetch_images`, ...) or anything
            :func:`imgkit.read_images` reads (a snapshot folder, a listing file...).
        snapshot_at : str, datetime or Timestamp, optional
            When the listing was taken; default its ``fetched_at``. A time without zone is UTC.
        cloud, region : str, optional
            Extra partition levels, for an archive of several clouds or regions. Every snapshot of an archive
            must give the same levels.

        Raises
        ------
        ConfigError
            When the listing has no ``fetched_at`` and no `snapshot_at` is given, when the levels differ from
            the archive's, or when the frame cannot be stored with the schema's types.

        Examples
        --------
        >>> import tempfile
        >>> archive = imgkit.Archive(tempfile.mkdtemp())
        >>> df = imgkit.read_images("data/seed_example_response.json")
        >>> archive.add(df, snapshot_at="2026-11-29T06:00:00Z", cloud="otc", region="eu-de")
        >>> archive.add(df, snapshot_at="2026-11-29T18:00:00Z", cloud="otc", region="eu-de")  # the same day
        >>> archive.snapshots()[["snapshot_at", "cloud", "region", "images"]].astype(str).values.tolist()
        [['2026-11-29 18:00:00+00:00', 'otc', 'eu-de', '2']]
        >>> archive.add(df)  # a frame read from a file has no fetched_at
        Traceback (most recent call last):
        ...
        imgkit.errors.ConfigError: the listing has no fetched_at ...
        """
        from imgkit.io import read_images

        df = source_or_frame if isinstance(source_or_frame, pd.DataFrame) else read_images(source_or_frame)
        meta = df.attrs.get("imgkit")
        meta = meta if isinstance(meta, dict) else {}
        if snapshot_at is None:
            snapshot_at = meta.get("fetched_at")
            if snapshot_at is None or (not isinstance(snapshot_at, str) and pd.isna(snapshot_at)):
                raise ConfigError(
                    "the listing has no fetched_at (it is not a fetch_images snapshot); "
                    "pass snapshot_at= (--snapshot-at), e.g. Archive.add(df, snapshot_at='2026-11-29T06:00:00Z')"
                )
        when = to_utc(snapshot_at, "snapshot_at")
        levels = {}
        for name, value in (("cloud", cloud), ("region", region)):
            if value is not None:
                if not isinstance(value, str) or not value:
                    raise ConfigError(f"`{name}` must be a non-empty string, got {value!r}")
                levels[name] = value
        existing = self._levels()
        if existing is not None and existing != tuple(levels):
            raise ConfigError(
                f"this archive's snapshots are partitioned by {_describe_levels(existing)}; "
                f"this add gives {_describe_levels(tuple(levels))}: pass the same levels to every add"
            )
        from imgkit._version import __version__

        info = {
            "snapshot_at": when.isoformat(),
            "source": str(meta.get("source")) if meta.get("source") else None,
            "imgkit_version": __version__,
            # the load findings (JSON text) and the unknown keys' API names travel with the snapshot
            "findings": meta.get("findings") if isinstance(meta.get("findings"), str) else "[]",
            "unknown_keys": meta.get("unknown_keys") or {},
        }
        table = _to_table(df, info)
        leaf = posixpath.join(
            self._path,
            f"snapshot_date={when:%Y-%m-%d}",
            *(f"{k}={quote(v, safe='')}" for k, v in levels.items()),
        )
        staging = posixpath.join(self._path, _STAGING)
        self._fs.makedirs(staging, exist_ok=True)
        tmp = posixpath.join(staging, f"{uuid.uuid4().hex}.parquet")
        try:
            with self._fs.open(tmp, "wb") as fh:
                pq.write_table(table, fh, row_group_size=_ROW_GROUP, compression="zstd")
            self._fs.makedirs(leaf, exist_ok=True)
            self._fs.mv(tmp, posixpath.join(leaf, _FILE))
        except BaseException:
            try:
                if self._fs.exists(tmp):
                    self._fs.rm(tmp)
            except Exception:  # noqa: BLE001 (the original error matters more)
                pass
            raise

    # ---------------------------------------------------------------------------------- catalogue
    def _files(self) -> list[dict[str, Any]]:
        """Every snapshot file: path, size and partition values (listing only, no file is opened)."""
        if not self._fs.exists(self._path):
            return []
        found = self._fs.find(self._path, detail=True)
        out = []
        for path, info in found.items():
            rel = posixpath.relpath(path, self._path)
            parts = rel.split("/")
            if any(p.startswith(("_", ".")) for p in parts) or not parts[-1].endswith(".parquet"):
                continue
            keys = {}
            for p in parts[:-1]:
                k, sep, v = p.partition("=")
                if not sep:
                    break
                keys[k] = unquote(v)
            else:
                if "snapshot_date" in keys:
                    self._check_piece(path, keys)
                    version = [info.get(k) for k in ("ino", "mtime", "LastModified", "ETag", "etag") if info.get(k)]
                    out.append({"path": path, "size": int(info.get("size") or 0), "version": str(version), **keys})
        return out

    def _check_piece(self, path: str, keys: dict[str, str]) -> None:
        """A snapshot file lies under the root (symlinks resolved on a local disk) and its date is a date."""
        import os

        rel = posixpath.relpath(posixpath.normpath(path), self._path)
        outside = rel == ".." or rel.startswith("../")
        if not outside and "file" in (
            self._fs.protocol if isinstance(self._fs.protocol, tuple) else (self._fs.protocol,)
        ):
            root = os.path.realpath(self._path)
            outside = os.path.commonpath([root, os.path.realpath(path)]) != root
        if outside:
            raise SourceError("a snapshot file lies outside the archive's root (a symlink?)", source=path)
        if not _DATE.fullmatch(keys["snapshot_date"]):
            raise SourceError(f"snapshot_date={keys['snapshot_date']!r} is not a date (YYYY-MM-DD)", source=path)

    def _levels(self) -> tuple[str, ...] | None:
        files = self._files()
        if not files:
            return None
        return tuple(k for k in _LEVELS if k in files[0])

    def _catalogue(self) -> list[dict[str, Any]]:
        """The files with their footers' snapshot time, row count, schema, categories; oldest first.

        Kept while the listing shows the same files (path, size and modification time or ETag).
        """
        files = self._files()
        key = tuple((f["path"], f["size"], f["version"]) for f in files)
        if self._cached is not None and self._cached[0] == key:  # nothing changed since the last look
            return self._cached[1]
        out = []
        for f in files:
            with self._fs.open(f["path"], "rb") as fh:
                md = pq.ParquetFile(fh).metadata
            raw = (md.metadata or {}).get(_META_KEY)
            if raw is None:
                raise SourceError("a Parquet file of the archive was not written by Archive.add", source=f["path"])
            schema = md.schema.to_arrow_schema()
            info = _footer(raw, f["path"], f["snapshot_date"], schema.names)
            groups = [md.row_group(i).num_rows for i in range(md.num_row_groups)]
            # the footer adds its whitelisted keys; the path's keys (path, size, partition values) and the
            # file's own row count and schema always win
            out.append({**info, **f, "images": md.num_rows, "row_group_rows": groups, "schema": schema})
        out.sort(key=lambda r: (pd.Timestamp(r["snapshot_at"]), *(r.get(k) or "" for k in _LEVELS)))
        self._cached = (key, out)
        return out

    def snapshots(self) -> pd.DataFrame:
        """The stored snapshots, oldest first.

        Returns
        -------
        pandas.DataFrame
            ``snapshot_at`` (``datetime64[ns, UTC]``), ``cloud``, ``region`` (``string``, NA when the archive
            has no such level), ``images`` and ``bytes_on_disk`` (``int64``).

        Examples
        --------
        >>> import tempfile
        >>> archive = imgkit.Archive(tempfile.mkdtemp())
        >>> archive.snapshots().columns.tolist(), len(archive.snapshots())
        (['snapshot_at', 'cloud', 'region', 'images', 'bytes_on_disk'], 0)
        >>> archive.add(imgkit.read_images("data/seed_example_response.json"), snapshot_at="2026-11-29")
        >>> archive.snapshots()["images"].tolist()
        [2]
        """
        cat = self._catalogue()
        return pd.DataFrame(
            {
                "snapshot_at": pd.Series([pd.Timestamp(r["snapshot_at"]) for r in cat], dtype="datetime64[ns, UTC]"),
                "cloud": pd.array([r.get("cloud") for r in cat], dtype=_STRING),
                "region": pd.array([r.get("region") for r in cat], dtype=_STRING),
                "images": np.array([r["images"] for r in cat], dtype=np.int64),
                "bytes_on_disk": np.array([r["size"] for r in cat], dtype=np.int64),
            }
        )

    # ---------------------------------------------------------------------------------- reading
    def _select(self, snapshot_at: Any, filters: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """The catalogue rows to read, and per file the pyarrow expression of the listing-column filters."""
        cat = self._catalogue()
        if snapshot_at is not None and len(cat):
            if isinstance(snapshot_at, str) and snapshot_at == "latest":
                days = {max(r["snapshot_date"] for r in cat)}
            else:
                wanted = snapshot_at if isinstance(snapshot_at, (list, tuple)) else [snapshot_at]
                days = {f"{to_utc(v, 'snapshot_at'):%Y-%m-%d}" for v in wanted}
            cat = [r for r in cat if r["snapshot_date"] in days]
        dnf = _normalise_filters(filters)
        exprs: dict[str, Any] = {}
        if dnf:
            kept = []
            for r in cat:
                values = {
                    "snapshot_at": pd.Timestamp(r["snapshot_at"]),
                    "cloud": r.get("cloud"),
                    "region": r.get("region"),
                }
                data_parts: list[Any] = []
                data_columns: list[Any] = []
                whole = False
                for conj in dnf:
                    if all(_compare(values[c], op, _partition_value(c, v)) for c, op, v in conj if c in values):
                        rest = [t for t in conj if t[0] not in values]
                        if not rest:
                            whole = True
                        else:
                            data_parts.append(pq.filters_to_expression([rest]))
                            data_columns.extend(t[0] for t in rest)
                if whole:
                    kept.append(r)
                elif data_parts:
                    expr = data_parts[0]
                    for e in data_parts[1:]:
                        expr = expr | e
                    exprs[r["path"]] = (expr, list(dict.fromkeys(data_columns)))
                    kept.append(r)
            cat = kept
        return cat, exprs

    def _plan(self, cat: list[dict[str, Any]], columns: Iterable[str] | None) -> tuple[_Plan, list[str]]:
        levels = self._levels() or ()
        types: dict[str, pa.DataType] = dict(_KNOWN)
        order = [f.column for f in FIELDS]
        categories: dict[str, list[str]] = {f.column: list(f.values) for f in FIELDS if f.kind == "enum"}
        json_columns: set[str] = set()
        for r in cat:
            for field in r["schema"]:
                if field.name not in types:
                    types[field.name] = _storage_type(field.type)
                    order.append(field.name)
                elif field.name not in _KNOWN and _storage_type(field.type) != types[field.name]:
                    raise SourceError(
                        f"column {field.name!r} is {types[field.name]} in one snapshot and {field.type} in another",
                        source=r["path"],
                    )
            for c, cats in r.get("categories", {}).items():
                have = categories.setdefault(c, [])
                seen = set(have)
                have.extend(v for v in cats if v not in seen)
            json_columns.update(r.get("json_columns", []))
        plan = _Plan(tuple(order), types, categories, frozenset(json_columns), levels)
        available = plan.all_columns
        if columns is None:
            selected = available
        else:
            if isinstance(columns, str):
                columns = [columns]
            selected = list(dict.fromkeys(columns))
            for c in selected:
                check_argument("columns` entry `", available, c)
            selected += [c for c in ("snapshot_at", *levels) if c not in selected]
        return plan, selected

    def load(
        self,
        *,
        snapshot_at: Any = None,
        columns: Iterable[str] | None = None,
        filters: Any = None,
        backend: Literal["pandas", "dask"] = "pandas",
        engine: Literal["pandas", "dask"] | None = None,
    ) -> Any:
        """Read snapshots back as one typed frame.

        Parameters
        ----------
        snapshot_at : date/time, list of them, or "latest", optional
            The snapshot(s) of these days (of every cloud and region); default every snapshot.
        columns : list of str, optional
            Listing columns to read (only these are read from storage); ``snapshot_at`` and the partition levels
            are always added.
        filters : list, optional
            pyarrow-style filters: ``[("platform", "==", "Ubuntu"), ("snapshot_at", ">=", "2026-06-01")]``
            (AND), or a list of such lists (OR). Conditions on ``snapshot_at``, ``cloud`` and ``region`` skip
            whole files; the others are applied while reading.
        backend : {"pandas", "dask"}
            ``"dask"`` gives a lazy ``dask.dataframe.DataFrame`` with one partition per snapshot (per 250,000
            rows of a larger one), the same dtypes and known categories; it reads only the selected files and
            the columns a computation needs. Install with ``pip install "imgkit[dask]"``.
        engine : {"pandas", "dask"}, optional
            Deprecated spelling of `backend` (`engine` is the loader's parser, as in :func:`imgkit.read_images`);
            warns, removed in the next release.

        Returns
        -------
        pandas.DataFrame or dask.dataframe.DataFrame
            The listing columns with exactly the dtypes of :func:`imgkit.read_images` (categories: documented
            values first, then the others in the order the snapshots first had them), then ``snapshot_at``,
            ``cloud``, ``region``. A pandas frame of one snapshot carries its time as
            ``attrs["imgkit"]["fetched_at"]``, so the analyses measure ages at the snapshot; the load findings of
            the snapshots read (``imgkit.validate``) are kept.

        Raises
        ------
        ConfigError
            For an `engine` other than "pandas" or "dask", or a filter on a column the archive does not have.
        ImportError
            For ``engine="dask"`` without Dask installed (``pip install "imgkit[dask]"``).

        Examples
        --------
        >>> import tempfile
        >>> archive = imgkit.Archive(tempfile.mkdtemp())
        >>> df = imgkit.load_demo()
        >>> archive.add(df, snapshot_at="2026-06-01")
        >>> archive.add(df[df["platform"] != "Windows"], snapshot_at="2026-07-01")
        >>> latest = archive.load(snapshot_at="latest", columns=["id", "platform"])
        >>> latest.columns.tolist(), len(latest), latest.attrs["imgkit"]["fetched_at"][:10]
        (['id', 'platform', 'snapshot_at'], 4080, '2026-07-01')
        >>> ubuntu = archive.load(filters=[("platform", "==", "Ubuntu")], columns=["id"])
        >>> ubuntu.groupby("snapshot_at").size().tolist()
        [1701, 1701]
        """
        backend = _backend(backend, engine, "load")
        cat, exprs = self._select(snapshot_at, filters)
        plan, selected = self._plan(cat, columns)
        for conj in _normalise_filters(filters):
            for c, _op, _value in conj:
                check_argument("filters` column `", plan.all_columns, c)
        pieces = _pieces(cat)
        if backend == "dask":
            from imgkit.analysis import require_dask

            require_dask("Archive.load(backend='dask')")
            import dask
            import dask.dataframe as dd

            # dataframe.convert-string would turn object columns (dicts of unknown keys) into their repr
            with dask.config.set({"dataframe.convert-string": False}):
                meta = plan.empty(selected)
                if not pieces:
                    return dd.from_pandas(meta, npartitions=1)
                return dd.from_map(
                    _ReadPiece(self._fs, plan, exprs, selected),
                    pieces,
                    meta=meta,
                    enforce_metadata=False,
                    label="imgkit-archive",
                )[selected]
        frames = [_read_piece(self._fs, plan, p, selected, exprs.get(p["path"])) for p in pieces]
        df = pd.concat(frames, ignore_index=True) if frames else plan.empty(selected)
        for c in selected:  # concat of frames that are all empty may lose nothing, but keep dtypes certain
            if c in plan.categories and not isinstance(df[c].dtype, pd.CategoricalDtype):
                df[c] = pd.Categorical(df[c], categories=plan.categories[c])
        times = sorted({r["snapshot_at"] for r in cat})
        from imgkit._version import __version__

        findings = [f for r in cat for f in orjson.loads(r.get("findings") or "[]")]
        df.attrs["imgkit"] = {
            "source": self.root,
            "fetched_at": times[0] if len(times) == 1 else None,
            "imgkit_version": __version__,
            "findings": orjson.dumps(findings).decode(),
            "unknown_keys": {k: v for r in cat for k, v in (r.get("unknown_keys") or {}).items()},
        }
        return df

    def trend(
        self,
        *,
        by: str | None = "platform",
        backend: Literal["pandas", "dask"] = "dask",
        top: int | None = None,
        filters: Any = None,
        engine: Literal["pandas", "dask"] | None = None,
    ) -> pd.DataFrame:
        """Images per snapshot and group: the frame :func:`imgkit.trend` gives for these snapshots.

        Parameters
        ----------
        by : str or None, default "platform"
            The column to count by (``"os_type"``, ``"owner"``, ``"status"``...); ``None`` counts all images.
        backend : {"dask", "pandas"}
            ``"dask"`` counts on the active ``dask.distributed`` client (or Dask's local scheduler), one task
            per snapshot, reading only `by`; ``"pandas"`` reads `by` of every snapshot into this process.
        top : int, optional
            Keep the `top` groups with the most images and fold the rest into ``"Other"``.
        filters : list, optional
            Count only these rows, as in :meth:`load` (``[("owner", "in", ["t1", "t2"])]``).
        engine : {"dask", "pandas"}, optional
            Deprecated spelling of `backend`; warns, removed in the next release.

        Returns
        -------
        pandas.DataFrame
            Indexed by snapshot time (``as_of``, UTC), one ``int64`` column per group, ordered as
            :func:`imgkit.trend` orders them. In an archive of several clouds or regions, snapshots taken at the
            same time are counted together.

        Raises
        ------
        ConfigError
            When `by` is not a column of the listings, or for a bad `engine` or filter.
        ImportError
            For ``engine="dask"`` without Dask installed.

        Examples
        --------
        >>> import tempfile
        >>> archive = imgkit.Archive(tempfile.mkdtemp())
        >>> df = imgkit.load_demo()
        >>> archive.add(df, snapshot_at="2026-06-01")
        >>> archive.add(df[df["platform"] != "Windows"], snapshot_at="2026-07-01")
        >>> archive.trend(backend="pandas")[["Ubuntu", "Windows"]]  # doctest: +NORMALIZE_WHITESPACE
        platform                   Ubuntu  Windows
        as_of
        2026-06-01 00:00:00+00:00    1701      920
        2026-07-01 00:00:00+00:00    1701        0
        """
        backend = _backend(backend, engine, "trend")
        cat, _ = self._select(None, None)
        plan, _ = self._plan(cat, None)
        if by is not None and by not in plan.columns:
            raise ConfigError(f"`by` must be None or a column of the listings, got {by!r}")
        times = pd.DatetimeIndex(sorted({pd.Timestamp(r["snapshot_at"]) for r in cat}), tz="UTC").as_unit("ns")
        columns = [] if by is None else [by]
        options = {"by": by, "times": times, "top": top}
        if backend == "dask":
            from imgkit.analysis import aggregate

            ddf = self.load(columns=columns, filters=filters, backend="dask")
            return aggregate(_trend_core, ddf, ["snapshot_at", by], **options)
        return _trend_core(self.load(columns=columns, filters=filters), None, **options)


def _backend(backend: Backend, engine: Backend | None, method: str) -> Backend:
    """The compute backend, from `backend` or its deprecated spelling `engine` (which warns)."""
    if engine is not None:
        warnings.warn(
            f"Archive.{method}(engine=...) is now Archive.{method}(backend=...): `engine` is the loader's parser",
            DeprecationWarning,
            stacklevel=3,
        )
        backend = engine
    check_argument("backend", ("pandas", "dask"), backend)
    return backend


def _trend_core(
    df: pd.DataFrame, w: np.ndarray | None, *, by: str | None, times: pd.DatetimeIndex, top: int | None
) -> pd.DataFrame:
    """imgkit.trend's table from the (snapshot_at, by) rows of the archive, optionally weighted."""
    from imgkit.analysis import ALL_IMAGES, as_documented, crosstab_counts, group_codes, trend_table

    t = times.get_indexer(pd.DatetimeIndex(df["snapshot_at"]))
    if by is None:
        codes, labels, categorical = np.zeros(len(df), dtype=np.intp), [ALL_IMAGES], False
    else:
        s = as_documented(df[by])
        codes, labels, _ = group_codes(s, w)
        categorical = isinstance(s.dtype, pd.CategoricalDtype)
    counts = crosstab_counts(t, len(times), codes, len(labels), w)
    return trend_table(counts, times, labels, by=by, categorical=categorical, top=top)


def _describe_levels(levels: tuple[str, ...]) -> str:
    return "snapshot_date only" if not levels else "snapshot_date/" + "/".join(levels)


def _pieces(cat: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Dask partitions: each file whole, or runs of its row groups of at most _PARTITION_ROWS rows."""
    out = []
    for r in cat:
        base = {"path": r["path"], "snapshot_at": r["snapshot_at"], **{k: r.get(k) for k in _LEVELS}}
        run: list[int] = []
        rows = 0
        for i, n in enumerate(r["row_group_rows"]):
            if run and rows + n > _PARTITION_ROWS:
                out.append({**base, "row_groups": run})
                run, rows = [], 0
            run.append(i)
            rows += n
        out.append({**base, "row_groups": run})
    return out
