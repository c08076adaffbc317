"""Read a saved Nova / Huawei ECS server listing into a typed DataFrame.

``GET /v2.1/servers/detail`` (Nova; Huawei ECS's native OpenStack API answers the same
shape) is what tells which images are in use. :func:`read_servers` types it with the
loader's typing rules and findings, driven by :data:`imgkit.schema.SERVER_FIELDS`, and
resolves the image of servers booted from a volume when a volume listing is given.

The boot image of a server
--------------------------
1. ``image.id`` -- a server booted from an image (``image_source = "image"``);
2. else the ECS metadata key ``metering.image_id`` (Huawei ECS records the image there,
   also for ECSs whose system disk is an EVS volume; ``"metadata"``);
3. else, for a server booted from a volume (Nova sends ``"image": ""``), the boot
   volume's ``volume_image_metadata.image_id`` from a Cinder / EVS
   ``GET /v3/volumes/detail`` listing passed as ``volumes=`` (``"volume"``). The boot
   volume is the one attached to the server as a root device (``/dev/vda``,
   ``/dev/sda``, ``/dev/xvda``, ``/dev/hda``), else the first of the server's attached
   volumes (Nova's order) that has image metadata;
4. else ``image_id`` is NA and a ``boot_from_volume`` finding names the server and
   says what would resolve it.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from imgkit._typing import Errors, Source
from imgkit._validators import check_argument
from imgkit.errors import ImgkitWarning, SchemaError, SourceError
from imgkit.io._coerce import ABSENT, TypingContext, type_values
from imgkit.io._frame import drop_duplicates, imgkit_version, summarise_findings
from imgkit.io._parse import decompress, is_ndjson_name, loads_json, looks_like_json_text, unsupported_name
from imgkit.io._snapshot import page_files, snapshot_meta
from imgkit.io._sources import (
    describe_source,
    error_body_text,
)
from imgkit.schema import SERVER_FIELDS
from imgkit.validate import findings_frame, findings_text

__all__ = ["read_servers", "read_volumes"]

#: Device names a boot volume is attached as.
ROOT_DEVICES: tuple[str, ...] = ("/dev/vda", "/dev/sda", "/dev/xvda", "/dev/hda")

_NOUNS = {"servers": "server", "volumes": "volume"}


# --------------------------------------------------------------------------------------------
# Sources -> raw records (the same sources read_images takes)
# --------------------------------------------------------------------------------------------
def _documents(source: Any) -> tuple[list[tuple[str, Any]], dict[str, Any], str]:
    """Every parsed JSON document of a source, with its description; snapshot metadata; a description."""
    if isinstance(source, (str, os.PathLike)):
        if isinstance(source, str) and looks_like_json_text(source):
            return [("<str>", loads_json(source, "<str>"))], {}, "<str>"
        path = Path(source)
        if path.is_dir():
            files = page_files(path)
            if not files:
                raise SourceError("directory holds no .json/.jsonl/.ndjson page files", source=str(path))
            found = [d for p in files for d in _file_documents(p)]
            return found, {**snapshot_meta(path), "files": [p.name for p in files]}, str(path)
        if not path.exists():
            raise SourceError("no such file or directory", source=str(path))
        return _file_documents(path), {}, str(path)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return _bytes_documents(bytes(source), "<bytes>", ndjson=False), {}, "<bytes>"
    if hasattr(source, "read"):
        desc = describe_source(source)
        data = source.read()
        return (
            _bytes_documents(data.encode() if isinstance(data, str) else data, desc, ndjson=is_ndjson_name(desc)),
            {},
            desc,
        )
    if isinstance(source, Mapping):
        return [("<dict>", source)], {}, "<dict>"
    if isinstance(source, pd.DataFrame):
        raise SourceError("already a DataFrame; pass the raw listing (file, pages, records)", source="<DataFrame>")
    if isinstance(source, Iterable):
        items = list(source)
        if items and all(isinstance(x, (str, os.PathLike)) and not looks_like_json_text(str(x)) for x in items):
            docs: list[tuple[str, Any]] = []
            for x in items:
                docs.extend(_documents(x)[0])
            return docs, {}, f"{len(items)} file(s)"
        if items and all(isinstance(x, Mapping) and not _is_record(x) for x in items):
            return [(f"page {i}", x) for i, x in enumerate(items, 1)], {}, f"{len(items)} page(s)"
        return [("<list>", items)], {}, "<list>"
    raise SourceError(f"unsupported source type {type(source).__name__}", source=describe_source(source))


def _is_record(x: Mapping) -> bool:
    return "id" in x


def _file_documents(path: Path) -> list[tuple[str, Any]]:
    desc = str(path)
    if unsupported_name(path.name):
        raise SourceError(
            "unsupported file type: imgkit reads .json, .jsonl and .ndjson files (optionally .gz) "
            "and directories of them",
            source=desc,
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read file: {exc.strerror or exc}", source=desc) from None
    return _bytes_documents(data, desc, ndjson=is_ndjson_name(path.name))


def _bytes_documents(data: bytes, desc: str, *, ndjson: bool) -> list[tuple[str, Any]]:
    data = decompress(data, desc)
    if not data.strip():
        raise SourceError("empty input: no JSON document", source=desc)
    if ndjson:
        return [(desc, loads_json(line, desc, line=i)) for i, line in enumerate(data.splitlines(), 1) if line.strip()]
    return [(desc, loads_json(data, desc))]


def _records(doc: Any, desc: str, key: str, *, depth: int = 0) -> list[Any]:
    """The records (servers or volumes) of one parsed document."""
    noun = _NOUNS[key]
    if isinstance(doc, list):
        if doc and all(isinstance(x, Mapping) and key in x for x in doc):
            return [r for i, page in enumerate(doc, 1) for r in _records(page, f"{desc} page {i}", key)]
        return doc
    if not isinstance(doc, Mapping):
        raise SourceError(f"expected a JSON object or array, got {type(doc).__name__}", source=desc)
    if key in doc:
        items = doc[key]
        if not isinstance(items, list):
            raise SourceError(f"'{key}' must be a JSON array, got {type(items).__name__}", source=desc)
        return items
    if isinstance(doc.get(noun), Mapping):
        return [doc[noun]]
    err = error_body_text(doc) or _nova_fault(doc)
    if err is not None:
        raise SourceError(f"this is an API error response, not a {noun} listing: {err}", source=desc)
    for other in ("images", "servers", "volumes"):
        if other != key and isinstance(doc.get(other), list):
            hint = {
                "images": "read it with imgkit.read_images",
                "volumes": "pass it as volumes=",
                "servers": "read it with imgkit.read_servers",
            }[other]
            raise SourceError(f"this is a listing of {other}, not of {key}: {hint}", source=desc)
    if "id" in doc and any(k in doc for k in ("status", "name", "tenant_id", "flavor", "image", "attachments")):
        return [doc]
    if depth < 2:
        for value in doc.values():
            if isinstance(value, Mapping):
                try:
                    return _records(value, desc, key, depth=depth + 1)
                except SourceError:
                    continue
    keys = ", ".join(sorted(map(str, doc))[:8])
    raise SourceError(f"no {key} found (a page has a '{key}' array; top-level keys: {keys})", source=desc)


def _nova_fault(doc: Mapping) -> str | None:
    """Nova's error bodies: ``{"itemNotFound": {"code": 404, "message": "..."}}``."""
    if len(doc) == 1:
        ((name, inner),) = doc.items()
        if isinstance(inner, Mapping) and "message" in inner and "code" in inner:
            return f"{inner.get('code')} {name}: {inner.get('message')}"
    return None


def _collect(source: Any, key: str) -> tuple[list[tuple[str, int, Mapping]], dict[str, Any], str]:
    docs, meta, description = _documents(source)
    rows: list[tuple[str, int, Mapping]] = []
    for desc, doc in docs:
        for j, rec in enumerate(_records(doc, desc, key)):
            if not isinstance(rec, Mapping):
                raise SourceError(f"{_NOUNS[key]} #{j + 1} is a JSON {type(rec).__name__}, not an object", source=desc)
            rows.append((desc, j, rec))
    return rows, meta, description


# --------------------------------------------------------------------------------------------
# Raw records -> values of the schema's paths
# --------------------------------------------------------------------------------------------
def _getter(path: str) -> Callable[[Mapping], Any]:
    """A function giving the value at one schema path of a record (see :data:`imgkit.schema.SERVER_FIELDS`).

    Alternatives (``"a or b"``): the first present. ``"x[].id"``: the ids of an array of
    objects. ``"a.b"``: a key ``"a.b"`` if the record has one, else ``b`` inside the object
    ``a``. A value that is absent gives ``ABSENT``.
    """
    alts = [_compile(alt) for alt in path.split(" or ")]
    if len(alts) == 1:
        return alts[0]

    def first(rec: Mapping) -> Any:
        for get in alts:
            value = get(rec)
            if value is not ABSENT:
                return value
        return ABSENT

    return first


def _is_map(x: Any) -> bool:
    return type(x) is dict or isinstance(x, Mapping)  # the common case without the ABC check


def _compile(path: str) -> Callable[[Mapping], Any]:
    """A getter of one path of a record (a Mapping, as :func:`_collect` guarantees)."""
    if path.endswith("[].id"):
        items_of = _compile(path[: -len("[].id")])

        def ids(rec: Mapping) -> Any:
            items = items_of(rec)
            if items is ABSENT or items is None:
                return ABSENT
            if not isinstance(items, list):
                return items  # typed (and recorded) by the list rule
            return [x.get("id") if _is_map(x) else x for x in items]

        return ids
    if "." not in path:
        return lambda rec: rec.get(path, ABSENT)
    head, rest = path.split(".", 1)
    inner_of = _compile(rest)

    def nested(rec: Mapping) -> Any:
        if path in rec:
            return rec[path]
        inner = rec.get(head, ABSENT)
        return inner_of(inner) if _is_map(inner) else ABSENT

    return nested


def _boot_volume(
    server_id: str, attached: list[Any], volumes: dict[str, Mapping], by_server: dict[str, list[tuple[str, str]]]
) -> Mapping | None:
    """The boot volume of a server among the volume listing (root device first, then Nova's order)."""
    candidates = by_server.get(server_id, [])
    for vid, device in candidates:
        if device in ROOT_DEVICES and vid in volumes:
            return volumes[vid]
    order = [v for v in attached if isinstance(v, str)] + [vid for vid, _ in candidates]
    for vid in order:
        vol = volumes.get(vid)
        if vol is not None and _volume_image(vol) is not None:
            return vol
    return None


def _volume_image(vol: Mapping) -> str | None:
    meta = vol.get("volume_image_metadata")
    if isinstance(meta, Mapping) and isinstance(meta.get("image_id"), str) and meta["image_id"]:
        return meta["image_id"]
    return None


def read_volumes(source: Source) -> pd.DataFrame:
    """Read a saved Cinder / EVS volume listing (``GET /v3/volumes/detail``) into a small frame.

    Only what :func:`read_servers` needs to find the image of a server booted from a
    volume: ``id``, ``image_id`` (``volume_image_metadata.image_id``), ``bootable``,
    ``server_id`` and ``device`` of each attachment (one row per attachment; a volume
    without attachments has one row with NA there).

    Examples
    --------
    >>> v = imgkit.io.read_volumes({"volumes": [{"id": "v1", "bootable": "true",
    ...     "volume_image_metadata": {"image_id": "img-1"},
    ...     "attachments": [{"server_id": "s1", "device": "/dev/vda"}]}]})
    >>> v.astype(object).iloc[0].tolist()
    ['v1', 'img-1', True, 's1', '/dev/vda']
    """
    rows, _, _ = _collect(source, "volumes")
    out = []
    for _, _, vol in rows:
        bootable = str(vol.get("bootable", "")).lower()
        atts = [a for a in (vol.get("attachments") or []) if isinstance(a, Mapping)] or [{}]
        for a in atts:
            out.append(
                (
                    vol.get("id"),
                    _volume_image(vol),
                    {"true": True, "false": False}.get(bootable),
                    a.get("server_id"),
                    a.get("device"),
                )
            )
    df = pd.DataFrame(out, columns=["id", "image_id", "bootable", "server_id", "device"])
    for c in ("id", "image_id", "server_id", "device"):
        df[c] = df[c].astype("string")
    df["bootable"] = df["bootable"].astype("boolean")
    return df


# --------------------------------------------------------------------------------------------
# read_servers
# --------------------------------------------------------------------------------------------
def read_servers(source: Source, *, volumes: Source | None = None, errors: Errors = "warn") -> pd.DataFrame:
    """Read a saved server listing (Nova / Huawei ECS ``GET /v2.1/servers/detail``) into a typed DataFrame.

    Parameters
    ----------
    source : path, str, bytes, file, dict, list or iterable
        What :func:`imgkit.read_images` takes, for servers: a ``.json`` / ``.json.gz`` /
        ``.jsonl`` file, a directory of page files (a snapshot; its ``fetched_at`` is
        restored), an open file, JSON text, a page ``{"servers": [...], "servers_links":
        [...]}``, a ``{"server": {...}}`` answer or a bare server object, a list of servers,
        a list of pages.
    volumes : path, dict, list, optional
        A Cinder / EVS ``GET /v3/volumes/detail`` listing (any source form): resolves the
        image of servers booted from a volume (see the module docstring). Without it, such
        servers have ``image_id`` NA and one ``boot_from_volume`` finding each.
    errors : {"warn", "raise", "ignore"}, default "warn"
        As for :func:`imgkit.read_images`: findings are always recorded in
        ``df.attrs["imgkit"]["findings"]``; "warn" emits one :class:`~imgkit.ImgkitWarning`,
        "raise" raises :class:`~imgkit.SchemaError`.

    Returns
    -------
    pandas.DataFrame
        One row per server, the columns of :data:`imgkit.schema.SERVER_FIELDS` in order
        (``imgkit.describe_columns("servers")``): ``id``, ``name``, ``status``,
        ``tenant_id``, ``image_id``, ``flavor``, ``created``, ``updated``,
        ``availability_zone``, ``user_id``, ``host_id``, ``volumes_attached``,
        ``metering_image_id``, ``boot_from_volume``, ``image_source``. Other keys of the
        server objects (addresses, links, security groups...) are not kept.
        ``imgkit.validate(df)`` returns the findings (their ``image_id`` column holds the
        *server* id, as for every finding it names the record).

    Raises
    ------
    SourceError
        Not a server listing (an image or volume listing, an API error body, malformed JSON...).
    SchemaError
        With ``errors="raise"``, when there is any finding.

    Examples
    --------
    >>> servers = imgkit.read_servers({"servers": [
    ...     {"id": "s1", "name": "web", "status": "ACTIVE", "tenant_id": "t1", "image": {"id": "img-1"},
    ...      "flavor": {"original_name": "m1.small"}, "created": "2026-01-05T10:00:00Z",
    ...      "updated": "2026-01-05T10:01:00Z", "OS-EXT-AZ:availability_zone": "az1"},
    ...     {"id": "s2", "name": "db", "status": "SHUTOFF", "tenant_id": "t1", "image": "",
    ...      "flavor": {"id": "s3.large.2"}, "created": "2026-02-01T08:00:00Z",
    ...      "updated": "2026-02-02T08:00:00Z", "os-extended-volumes:volumes_attached": [{"id": "v9"}]}]},
    ...     volumes={"volumes": [{"id": "v9", "volume_image_metadata": {"image_id": "img-2"},
    ...                           "attachments": [{"server_id": "s2", "device": "/dev/vda"}]}]})
    >>> servers[["id", "status", "image_id", "flavor", "image_source"]]
       id   status image_id      flavor image_source
    0  s1   ACTIVE    img-1    m1.small        image
    1  s2  SHUTOFF    img-2  s3.large.2       volume
    >>> servers["created"].dtype
    datetime64[ns, UTC]
    """
    check_argument("errors", ["warn", "raise", "ignore"], errors)
    if isinstance(source, (str, os.PathLike)):
        from imgkit.io._snapshot import read_several

        several = read_several(source, read_servers, volumes=volumes, errors=errors)
        if several is not None:
            return several
    rows, meta, description = _collect(source, "servers")
    records = [r for _, _, r in rows]
    ctx = TypingContext([r.get("id") for r in records], [s for s, _, _ in rows], [j for _, j, _ in rows])
    n = len(records)
    columns: dict[str, Any] = {}
    image_raw = [r.get("image", ABSENT) for r in records]
    for f in SERVER_FIELDS:
        if f.api == "(derived)":
            continue
        get = _getter(f.api)
        values = [get(r) for r in records]
        if f.mandatory:
            for i, v in enumerate(values):
                if v is ABSENT:
                    ctx.add(i, f.column, f.api, None, "mandatory", "missing (NA)")
        columns[f.column] = type_values(f, values, ctx)
    df = pd.DataFrame(columns, index=pd.RangeIndex(n), copy=False)
    # Nova sends "image": "" for a server booted from a volume; no "image" at all (a server in a cell that is
    # down) says nothing either way.
    bfv = pd.array([None if raw is ABSENT else bool(raw is None or raw == "") for raw in image_raw], dtype="boolean")
    bfv_mask = bfv.to_numpy(dtype=bool, na_value=False)
    image_ids = df["image_id"].astype(object).where(df["image_id"].notna(), None).tolist()
    metering = df["metering_image_id"].astype(object).where(df["metering_image_id"].notna(), None).tolist()
    source_col: list[str | None] = ["image" if x is not None else None for x in image_ids]
    for i, m in enumerate(metering):
        if image_ids[i] is None and m is not None:
            image_ids[i], source_col[i] = m, "metadata"
    if volumes is not None:
        need = [i for i in range(n) if image_ids[i] is None and bfv_mask[i]]
        for i, image in _resolve_volumes(df, volumes, need).items():
            image_ids[i], source_col[i] = image, "volume"
    df["image_id"] = pd.array(image_ids, dtype=df["image_id"].dtype)
    for i in range(n):
        if image_ids[i] is None and bfv_mask[i]:
            action = (
                "image_id NA: no attached volume with volume_image_metadata in the volume listing"
                if volumes is not None
                else "image_id NA: booted from a volume; pass volumes= (a GET /v3/volumes/detail listing) to resolve"
            )
            ctx.add(
                i, "image_id", "image", image_raw[i] if image_raw[i] is not ABSENT else None, "boot_from_volume", action
            )
    for f in SERVER_FIELDS:
        if f.api != "(derived)":
            continue
        values = {"boot_from_volume": bfv.tolist(), "image_source": source_col}[f.column]
        df[f.column] = type_values(f, [None if v is pd.NA else v for v in values], ctx)
    df = drop_duplicates(df, ctx)
    findings = findings_frame(ctx.rows)
    fetched_at = meta.get("fetched_at")
    df.attrs["imgkit"] = {  # JSON values only, as for images
        "kind": "servers",
        "source": meta.get("endpoint") or description,
        "fetched_at": pd.Timestamp(fetched_at).tz_convert("UTC").isoformat() if fetched_at else None,
        "findings": findings_text(findings),
        "imgkit_version": imgkit_version(),
        "volumes_given": volumes is not None,
        **({"files": meta["files"]} if "files" in meta else {}),
    }
    if len(findings) and errors != "ignore":
        summary = summarise_findings(findings, df.attrs["imgkit"]["source"], noun="server", frame="servers")
        if errors == "raise":
            raise SchemaError(summary, findings=findings)
        warnings.warn(summary, ImgkitWarning, stacklevel=2)
    return df


def _resolve_volumes(df: pd.DataFrame, volumes: Any, rows: list[int]) -> dict[int, str]:
    """Row -> image id of the boot volume, for the given rows (servers booted from a volume without an image id)."""
    vrows, _, _ = _collect(volumes, "volumes")
    by_id: dict[str, Mapping] = {}
    by_server: dict[str, list[tuple[str, str]]] = {}
    for _, _, vol in vrows:
        vid = vol.get("id")
        if not isinstance(vid, str):
            continue
        by_id[vid] = vol
        for a in vol.get("attachments") or []:
            if isinstance(a, Mapping) and isinstance(a.get("server_id"), str):
                by_server.setdefault(a["server_id"], []).append((vid, str(a.get("device") or "")))
    ids = df["id"].take(rows).astype(object).tolist() if rows else []
    attached = df["volumes_attached"].take(rows).tolist() if rows else []
    out: dict[int, str] = {}
    for i, sid, vols in zip(rows, ids, attached):
        if not isinstance(sid, str):
            continue
        boot = _boot_volume(sid, list(vols), by_id, by_server)
        image = _volume_image(boot) if boot is not None else None
        if image is not None:
            out[i] = image
    return out
