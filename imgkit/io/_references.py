"""Read saved listings of what else references an image: Auto Scaling configurations and image members.

:func:`read_scaling_configs` types Huawei / OTC Auto Scaling ``GET
/autoscaling-api/v1/{project_id}/scaling_configuration`` pages; :func:`read_members` types
Glance / IMS ``GET /v2/images/{image_id}/members`` answers. Both take every source form
:func:`imgkit.read_servers` takes (a file, a snapshot folder of ``page-*.json`` pages, JSON
text, a page, a list of pages or of records), type the values with the loader's rules and
record findings (``df.attrs["imgkit"]["findings"]``, ``imgkit.validate(df)``); both are
what :func:`imgkit.image_usage` takes as ``scaling_configs=`` and ``members=``.

Snapshot pages
--------------
A scaling-configuration page is the raw response ``{"total_number", "start_number",
"limit", "scaling_configurations": [...]}``. A members page is the raw response
``{"members": [...], "schema": ...}`` of one image; a top-level ``"image_id"`` key (which
imgkit's fetcher adds), or the snapshot metadata's ``"image_ids"``, says which image was
asked about -- so an image whose member list is empty is known to have no member.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from typing import Any

import pandas as pd

from imgkit._validators import check_argument
from imgkit.errors import ImgkitWarning, SchemaError, SourceError
from imgkit.io._coerce import ABSENT, TypingContext, type_values
from imgkit.io._frame import drop_duplicates, imgkit_version, summarise_findings
from imgkit.io._servers import field_getter, listing_documents, listing_records
from imgkit.io._snapshot import read_several
from imgkit.schema import Field
from imgkit.validate import findings_frame, findings_text

__all__ = ["MEMBER_FIELDS", "SCALING_CONFIG_FIELDS", "read_members", "read_scaling_configs"]


def _field(
    column: str,
    api: str,
    kind: str,
    description: str,
    *,
    values: str = "",
    mandatory: bool = False,
    json_type: str = "string",
) -> Field:
    return Field(
        api=api,
        column=column,
        kind=kind,
        values=tuple(values.split("|")) if values else (),
        mandatory_in=("as",) if mandatory else (),
        description=description,
        json_type=json_type,
    )


#: The columns of :func:`read_scaling_configs`, in order.
SCALING_CONFIG_FIELDS: tuple[Field, ...] = (
    _field("id", "scaling_configuration_id", "text", "AS configuration ID.", mandatory=True),
    _field("name", "scaling_configuration_name", "text", "AS configuration name."),
    _field("tenant_id", "tenant", "text", "Project (tenant) ID that owns the configuration."),
    _field("scaling_group_id", "scaling_group_id", "text", "The AS group using it (NA: none yet)."),
    _field("image_id", "instance_config.imageRef", "text", "The image new instances boot from."),
    _field(
        "disk_image_ids",
        "instance_config.disk[].data_disk_image_id",
        "list",
        "Images of the configuration's disks (data-disk images; image_id of a disk also counts).",
        json_type="array<object>",
    ),
    _field(
        "instance_id",
        "instance_config.instance_id",
        "text",
        "The ECS the configuration was made from (then imageRef may be absent).",
    ),
    _field(
        "created", "create_time", "datetime", "When the configuration was created (UTC).", json_type="string (ISO 8601)"
    ),
)

#: The columns of :func:`read_members`, in order.
MEMBER_FIELDS: tuple[Field, ...] = (
    _field("image_id", "image_id", "text", "The shared image.", mandatory=True),
    _field("member_id", "member_id", "text", "The project the image is shared with.", mandatory=True),
    _field(
        "status",
        "status",
        "enum",
        "Whether the member accepted the share.",
        values="pending|accepted|rejected",
        mandatory=True,
    ),
    _field(
        "created_at",
        "created_at",
        "datetime",
        "When the image was shared with the member (UTC).",
        json_type="string (ISO 8601)",
    ),
    _field(
        "updated_at",
        "updated_at",
        "datetime",
        "When the member last changed its status (UTC).",
        json_type="string (ISO 8601)",
    ),
)


def _pages(source: Any, key: str) -> tuple[list[tuple[str, int, Mapping, Any]], dict[str, Any], str]:
    """(source description, position, record, the page document) of every record; snapshot metadata; description."""
    docs, meta, description = listing_documents(source)
    rows: list[tuple[str, int, Mapping, Any]] = []
    for desc, doc in docs:
        pages = (
            doc if isinstance(doc, list) and doc and all(isinstance(x, Mapping) and key in x for x in doc) else [doc]
        )
        for k, page in enumerate(pages):
            pdesc = f"{desc} page {k + 1}" if len(pages) > 1 else desc
            for j, rec in enumerate(listing_records(page, pdesc, key)):
                if not isinstance(rec, Mapping):
                    raise SourceError(f"record #{j + 1} is a JSON {type(rec).__name__}, not an object", source=pdesc)
                rows.append((pdesc, j, rec, page))
    return rows, meta, description


def _typed(
    rows: list[tuple[str, int, Mapping, Any]], fields: tuple[Field, ...], ids: list[Any], extra: dict[str, list[Any]]
) -> tuple[pd.DataFrame, TypingContext]:
    records = [r for _, _, r, _ in rows]
    ctx = TypingContext(ids, [s for s, _, _, _ in rows], [j for _, j, _, _ in rows])
    columns: dict[str, Any] = {}
    for f in fields:
        values = extra[f.column] if f.column in extra else [field_getter(f.api)(r) for r in records]
        if f.mandatory_in:
            for i, v in enumerate(values):
                if v is ABSENT or v is None:
                    ctx.add(i, f.column, f.api, None, "mandatory", "missing (NA)")
        columns[f.column] = type_values(f, [None if v is ABSENT else v for v in values], ctx)
    return pd.DataFrame(columns, index=pd.RangeIndex(len(records)), copy=False), ctx


def _finish(
    df: pd.DataFrame,
    ctx: TypingContext,
    *,
    kind: str,
    meta: dict[str, Any],
    description: str,
    errors: str,
    noun: str,
    frame: str,
    **more: Any,
) -> pd.DataFrame:
    findings = findings_frame(ctx.rows)
    fetched_at = meta.get("fetched_at")
    df.attrs["imgkit"] = {
        "kind": kind,
        "source": meta.get("endpoint") or description,
        "fetched_at": pd.Timestamp(fetched_at).tz_convert("UTC").isoformat() if fetched_at else None,
        "findings": findings_text(findings),
        "imgkit_version": imgkit_version(),
        **more,
    }
    if len(findings) and errors != "ignore":
        summary = summarise_findings(findings, df.attrs["imgkit"]["source"], noun=noun, frame=frame)
        if errors == "raise":
            raise SchemaError(summary, findings=findings)
        warnings.warn(summary, ImgkitWarning, stacklevel=3)
    return df


def _several(source: Any, reader: Any, errors: str) -> pd.DataFrame | None:
    """The stacked frame of a several-cloud/region snapshot folder (one folder each), else None."""
    if isinstance(source, (str, os.PathLike)):
        return read_several(source, reader, errors=errors)
    return None


def _disk_images(rec: Mapping) -> Any:
    config = rec.get("instance_config")
    disks = config.get("disk") if isinstance(config, Mapping) else None
    if disks is None:
        return ABSENT
    if not isinstance(disks, list):
        return disks  # typed (and recorded) by the list rule
    out = []
    for d in disks:
        if isinstance(d, Mapping):
            for k in ("data_disk_image_id", "image_id", "dataDiskImageId"):
                if isinstance(d.get(k), str) and d[k]:
                    out.append(d[k])
                    break
    return out


def read_scaling_configs(source: Any, *, errors: str = "warn") -> pd.DataFrame:
    """Read saved Auto Scaling configurations (Huawei / OTC AS) into a typed DataFrame.

    Parameters
    ----------
    source : path, str, bytes, file, dict, list or iterable
        Pages of ``GET /autoscaling-api/v1/{project_id}/scaling_configuration``
        (``{"scaling_configurations": [...], "total_number", "start_number", "limit"}``),
        in any form :func:`imgkit.read_servers` takes; a snapshot folder written by
        ``fetch_scaling_configs(save_to=...)`` too.
    errors : {"warn", "raise", "ignore"}, default "warn"
        As for :func:`imgkit.read_images`.

    Returns
    -------
    pandas.DataFrame
        One row per configuration: the columns of :data:`SCALING_CONFIG_FIELDS`
        (``id``, ``name``, ``tenant_id``, ``scaling_group_id``, ``image_id``,
        ``disk_image_ids``, ``instance_id``, ``created``). ``tenant_id`` is the snapshot's
        ``project_id`` where a record has no ``tenant``. ``attrs["imgkit"]["total_number"]``
        is what the API said it holds; fewer records read than that is a warning.

    Examples
    --------
    >>> c = imgkit.read_scaling_configs({"total_number": 1, "scaling_configurations": [
    ...     {"scaling_configuration_id": "cfg-1", "scaling_configuration_name": "web", "tenant": "t1",
    ...      "instance_config": {"imageRef": "img-1", "disk": [{"disk_type": "SYS", "size": 40},
    ...                          {"disk_type": "DATA", "size": 100, "data_disk_image_id": "img-9"}]},
    ...      "create_time": "2026-01-05T10:00:00Z"}]})
    >>> c[["id", "tenant_id", "image_id", "scaling_group_id"]]
          id tenant_id image_id scaling_group_id
    0  cfg-1        t1    img-1             <NA>
    >>> c["disk_image_ids"].tolist(), str(c["created"].dtype)
    ([['img-9']], 'datetime64[ns, UTC]')
    """
    check_argument("errors", ["warn", "raise", "ignore"], errors)
    several = _several(source, read_scaling_configs, errors)
    if several is not None:
        return several
    rows, meta, description = _pages(source, "scaling_configurations")
    project = meta.get("project_id")
    tenants = [r.get("tenant") if isinstance(r.get("tenant"), str) else (project or ABSENT) for _, _, r, _ in rows]
    extra = {"disk_image_ids": [_disk_images(r) for _, _, r, _ in rows], "tenant_id": tenants}
    ids = [r.get("scaling_configuration_id") for _, _, r, _ in rows]
    df, ctx = _typed(rows, SCALING_CONFIG_FIELDS, ids, extra)
    df = drop_duplicates(df, ctx)
    totals = {id(p): p.get("total_number") for _, _, _, p in rows if isinstance(p, Mapping)}
    total = max((t for t in totals.values() if isinstance(t, int) and not isinstance(t, bool)), default=None)
    out = _finish(
        df,
        ctx,
        kind="scaling_configs",
        meta=meta,
        description=description,
        errors=errors,
        noun="scaling configuration",
        frame="scaling_configs",
        total_number=total,
    )
    if total is not None and total > len(out) and errors != "ignore":
        warnings.warn(
            f"{out.attrs['imgkit']['source']}: the API reported {total} scaling configurations, "
            f"{len(out)} were read: a page is missing, and an image used only by a missing "
            "configuration would count as unused",
            ImgkitWarning,
            stacklevel=2,
        )
    return out


def read_members(source: Any, *, errors: str = "warn") -> pd.DataFrame:
    """Read saved image member listings (``GET /v2/images/{image_id}/members``) into a typed DataFrame.

    Parameters
    ----------
    source : path, str, bytes, file, dict, list or iterable
        One answer per image (``{"members": [...], "schema": ...}``; each member has
        ``image_id``, ``member_id``, ``status``), in any form :func:`imgkit.read_servers`
        takes. A page's top-level ``"image_id"`` (or the snapshot metadata's
        ``"image_ids"``) names the image asked about, also when it has no member.
    errors : {"warn", "raise", "ignore"}, default "warn"
        As for :func:`imgkit.read_images`.

    Returns
    -------
    pandas.DataFrame
        One row per (image, member): the columns of :data:`MEMBER_FIELDS` (``image_id``,
        ``member_id``, ``status`` -- a category ``pending``/``accepted``/``rejected`` --,
        ``created_at``, ``updated_at``). ``attrs["imgkit"]["images_checked"]``: every
        image whose member list was read (those with none included), sorted.

    Examples
    --------
    >>> m = imgkit.read_members([
    ...     {"image_id": "img-1", "members": [
    ...         {"image_id": "img-1", "member_id": "p2", "status": "accepted", "created_at": "2026-01-01T00:00:00Z"},
    ...         {"image_id": "img-1", "member_id": "p3", "status": "pending"}]},
    ...     {"image_id": "img-2", "members": []}])
    >>> m[["image_id", "member_id", "status"]]
      image_id member_id    status
    0    img-1        p2  accepted
    1    img-1        p3   pending
    >>> m.attrs["imgkit"]["images_checked"]
    ['img-1', 'img-2']
    """
    check_argument("errors", ["warn", "raise", "ignore"], errors)
    several = _several(source, read_members, errors)
    if several is not None:
        return several
    rows, meta, description = _pages(source, "members")
    if isinstance(source, Mapping) or (isinstance(source, list) and source and isinstance(source[0], Mapping)):
        docs = [source] if isinstance(source, Mapping) else list(source)
    else:
        docs = [d for _, d in listing_documents(source)[0]]
    checked: set[str] = {x for x in (meta.get("image_ids") or []) if isinstance(x, str)}
    for doc in docs:
        for page in doc if isinstance(doc, list) else [doc]:
            if isinstance(page, Mapping) and isinstance(page.get("image_id"), str) and "members" in page:
                checked.add(page["image_id"])
    image_ids = []
    for _, _, r, page in rows:
        own = r.get("image_id", ABSENT)
        asked = page.get("image_id") if isinstance(page, Mapping) else None
        image_ids.append(own if own not in (ABSENT, None) else (asked if isinstance(asked, str) else own))
    ids = [
        f"{i}/{r.get('member_id')}" if isinstance(i, str) else r.get("member_id")
        for i, (_, _, r, _) in zip(image_ids, rows)
    ]
    df, ctx = _typed(rows, MEMBER_FIELDS, ids, {"image_id": image_ids})
    key = df["image_id"].astype("string") + "/" + df["member_id"].astype("string")
    df.insert(0, "id", key)
    df = drop_duplicates(df, ctx).drop(columns="id")
    checked.update(x for x in df["image_id"].dropna().tolist())
    return _finish(
        df,
        ctx,
        kind="members",
        meta=meta,
        description=description,
        errors=errors,
        noun="member",
        frame="members",
        images_checked=sorted(checked),
    )
