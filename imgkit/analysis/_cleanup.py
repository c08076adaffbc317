"""Which images are in use, which are cleanup candidates, and what the images cost to store.

Pure analysis: imgkit never deletes, deregisters or changes anything.

Usage and references
--------------------
:func:`image_usage` finds every reference to an image it is given:

* **server** -- a server whose ``image_id`` (see :func:`imgkit.read_servers`) is the image,
  whatever its status (``SHUTOFF``, ``SHELVED``, ``ERROR`` servers still need it) except
  ``DELETED``. With ``cloud`` / ``region`` columns in both frames, within its cloud and region;
* **volume** -- a volume (``volumes=``, :func:`imgkit.io.read_volumes`) whose
  ``volume_image_metadata.image_id`` is the image, attached or not, in any status but
  ``deleted`` (on Ceph, Glance refuses to delete the parent of a cloned volume);
* **scaling config** -- an Auto Scaling configuration (``scaling_configs=``,
  :func:`imgkit.read_scaling_configs`) whose ``imageRef`` or disk image is the image: an AS
  group boots from it the next time it scales out, also with no instance today;
* **shelved server** -- an image whose ``instance_uuid`` (Nova's shelve and snapshot images
  carry it) is a listed server that is not deleted; a ``SHELVED_OFFLOADED`` server needs its
  ``<name>-shelved`` image to come back. The snapshot of a server that is running is
  counted as well (``"snapshot of a live server"``);
* **share** -- an accepted member (``members=``, :func:`imgkit.read_members`): another
  project may boot from the image;
* **your list** -- ids you know are used elsewhere (IaC, CCE node pools, BMS...), given as
  ``in_use=``, and an ``in_use`` column already in the frame (OR'ed, never overwritten).

Coverage
--------
An image counts as unused only where the servers listing *covers* it (``usage_known``):

* a servers listing covers the tenants (``tenant_id``) it holds, in the clouds/regions it
  holds (its ``cloud`` / ``region`` columns, and the parts of a several-region snapshot,
  empty ones included);
* a listing fetched for every project (``fetch_servers(all_tenants=True)``, the default,
  or a snapshot whose filters say ``all_tenants=1``: ``servers.attrs["imgkit"]["all_tenants"]``)
  covers every tenant of its clouds/regions; set that attribute yourself for an admin
  listing saved by another tool;
* a servers listing without ``cloud`` / ``region`` columns covers images that have none, or
  whose ``cloud`` / ``region`` has a single value; with several regions of images it covers
  none of them (add the columns, e.g. ``servers.assign(region="eu-de")``);
* the other references (volumes, scaling configurations, members, your ids) add uses but do
  not cover: a tenant whose servers were not listed may boot any image.

So a non-admin listing, or one region's servers against every region's images, leaves
the other tenants' and regions' images ``usage_known == False``; one
:class:`~imgkit.ImgkitWarning` says how many images, tenants and regions that is, and
:func:`cleanup_candidates` never proposes them.

Cleanup candidates
------------------
An image is a candidate when **all** of these hold:

* it is not *exempt*: never protected images, public / community images
  (``visibility``), gold (public) or market images (``imagetype``, or a marketplace
  ``productcode``), images already ``deleted`` / ``pending_delete``, and shared images
  (``visibility == "shared"`` or ``imagetype == "shared"``) unless their members were read
  and none accepted remains;
* its usage is known and nothing references it (see above);
* it is older than ``older_than`` (by ``created_at``, at ``as_of``);
* it is not among the ``keep_newest`` newest **active, unused** images (by ``created_at``)
  of its **family**: the rollback images (images that are in use, exempt, of unknown usage or
  not active -- a killed or queued build -- do not count). An image that is not active is
  never a rollback image.

Family
    ``owner`` + the family name of the image (:func:`image_family`): the name with date,
    timestamp and build suffixes stripped -- trailing tokens after a separator (``-``, ``_``,
    ``.``, space) that are dates (``20240131``, ``2024-01-31``, ``2024.01``), date-times, bare
    numbers (``01``, ``42``), ``v3``, ``r12``, ``rc1``, ``build42`` or ``latest`` / ``old`` /
    ``bak`` / ``backup`` / ``copy`` -- while a dotted version (``20.04``, ``1.27``, ``5.7``)
    ends the stripping and is kept to its major.minor (``1.4.0`` -> ``1.4``). So
    ``web-20240101`` and ``web_v2`` are family ``web``, ``ubuntu-20.04-20240101`` is
    ``ubuntu-20.04`` (not ``ubuntu-22.04``), ``k8s-node-1.27.3`` is ``k8s-node-1.27``.
    ``family=`` also takes a column name (a tag you derived) or a function of the row.

Every candidate has ``reclaimable_bytes`` (``image_size``, else ``size``) and the list is
sorted by it, largest first. The ``reason`` says what an operator must know before
deleting: ``"parent of N listed images"``, ``"full-ECS image: delete backup <id> too to
stop its charge"``, ``"encrypted with key <id>"``.

Image kinds and prices
----------------------
:func:`image_kind`: ``whole`` (a full-ECS image: ``__whole_image`` true), else ``data``
(``virtual_env_type == "DataImage"``), else ``iso`` (``virtual_env_type == "IsoImage"`` or
``disk_format == "iso"``), else ``system``. :func:`storage_cost` prices each image's GiB
(2**30 bytes) by one number, a mapping ``{image_kind: price}`` or a table of
``cloud`` / ``region`` / ``image_kind`` and ``price_per_gib_month``;
:func:`huawei_cloud_prices` is Huawei Cloud's rule.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from imgkit._typing import AsOf
from imgkit._validators import check_by, require_columns
from imgkit.analysis._core import ALL_IMAGES, ALL_TENANTS, MISSING, age_days, group_rows, resolve_as_of, to_ns
from imgkit.analysis._tenants import names_for
from imgkit.errors import ConfigError, ImgkitWarning
from imgkit.io import all_tenants_fetched, read_members, read_scaling_configs, read_volumes

__all__ = [
    "GIB",
    "IMAGE_KINDS",
    "cleanup_candidates",
    "huawei_cloud_prices",
    "image_bytes",
    "image_family",
    "image_kind",
    "image_usage",
    "storage_cost",
]

#: Bytes in one GiB (2**30): every size and price of this module is per GiB.
GIB = 2**30
#: Deprecated name of :data:`GIB` (the value was always 2**30 bytes).
GB = GIB

#: The image kinds of :func:`image_kind`, as IMS bills them.
IMAGE_KINDS: tuple[str, ...] = ("system", "data", "iso", "whole")

#: Server statuses whose shelve image brings them back.
SHELVED = ("SHELVED", "SHELVED_OFFLOADED")

# ---------------------------------------------------------------------------------------------
# Family
# ---------------------------------------------------------------------------------------------
_DATE = r"\d{4}[-_.]?\d{2}(?:[-_.]?\d{2})?(?:[t_-]?\d{4,6}z?)?"
_DROP = rf"(?:{_DATE}|v?\d+|r\d+|rc\d*|build\d*|latest|old|bak|backup|copy)"
_VERSION = r"v?\d+(?:\.\d+)+"
_SUFFIX = re.compile(rf"[-_. ]+(?:(?P<drop>{_DROP})|(?P<version>{_VERSION}))$", re.IGNORECASE)
_ALL_DROP = re.compile(rf"[-_. ]*(?:{_DROP}|{_VERSION})(?:[-_. ]+(?:{_DROP}|{_VERSION}))*[-_. ]*", re.IGNORECASE)


def image_family(name: Any) -> str:
    """The family of an image name (or of a row with a ``name``): date and build suffixes stripped.

    See the module notes for the rule. NA gives ``"(missing)"``.

    Examples
    --------
    >>> [image_family(n) for n in ["web-20240101", "web_v2", "web-1.4.0-20231201", "Web服务器-20180317",
    ...                            "应用服务器镜像v18", "CentOS 7.9 k8s-node image", "mysql_20251225", "2024-01-01"]]
    ['web', 'web', 'web-1.4', 'Web服务器', '应用服务器镜像v18', 'CentOS 7.9 k8s-node image', 'mysql', '2024-01-01']
    >>> [image_family(n) for n in ["ubuntu-20.04-20240101", "ubuntu-22.04-20250101", "k8s-node-1.27.3",
    ...                            "k8s-node-1.28", "mysql-5.7", "mysql-8.0-build12"]]
    ['ubuntu-20.04', 'ubuntu-22.04', 'k8s-node-1.27', 'k8s-node-1.28', 'mysql-5.7', 'mysql-8.0']
    """
    if isinstance(name, (Mapping, pd.Series)):
        name = name.get("name")
    if name is None or name is pd.NA or (isinstance(name, float) and np.isnan(name)):
        return MISSING
    out = str(name).strip()
    if _ALL_DROP.fullmatch(out):
        return out  # a name made only of such tokens is its own family
    while True:
        m = _SUFFIX.search(out)
        if m is None:
            return out
        if m.group("version") is not None:
            version = m.group("version")
            return out[: m.start("version")] + ".".join(version.split(".")[:2])
        stripped = out[: m.start()]
        if not stripped.strip(" -_.") or _ALL_DROP.fullmatch(stripped):
            return out
        out = stripped


def _families(frame: pd.DataFrame, family: Any) -> np.ndarray:
    """The family name of every row (object array)."""
    n = len(frame)
    if family is None or family is image_family:
        names = frame["name"] if "name" in frame.columns else pd.Series(pd.NA, index=frame.index)
        codes, uniques = pd.factorize(names.astype(object), use_na_sentinel=False)  # each distinct name once
        fam = [image_family(x) if family is not None else (MISSING if pd.isna(x) else str(x)) for x in uniques]
        return np.asarray(fam, dtype=object)[codes] if n else np.array([], dtype=object)
    if isinstance(family, str):
        if family not in frame.columns:
            raise ConfigError(f"`family` names a column that is not in the frame: {family!r}")
        col = frame[family].astype(object)
        return np.asarray([MISSING if pd.isna(x) else str(x) for x in col], dtype=object)
    if callable(family):
        return np.asarray(
            [MISSING if (v := family(row)) is None or v is pd.NA else str(v) for _, row in frame.iterrows()],
            dtype=object,
        )
    raise ConfigError(f"`family` must be a column name, a function of the row or None, got {family!r}")


# ---------------------------------------------------------------------------------------------
# Usage
# ---------------------------------------------------------------------------------------------
def _match_keys(images: pd.DataFrame, other: pd.DataFrame) -> list[str]:
    return [c for c in ("cloud", "region") if c in images.columns and c in other.columns]


def _text(df: pd.DataFrame, col: str) -> pd.Series:
    if col not in df.columns:
        return pd.Series(pd.NA, index=df.index, dtype="string")
    return df[col].astype("string")


def _frame(value: Any, name: str, reader: Callable[..., pd.DataFrame]) -> pd.DataFrame | None:
    if value is None:
        return None
    if isinstance(value, pd.DataFrame):
        return value
    return reader(value)


def _counts(images: pd.DataFrame, refs: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """How many rows of `refs` (columns `keys` + ``image_id``) name each image (int64 array)."""
    refs = refs[refs["image_id"].notna()]
    if not len(refs) or not len(images):
        return np.zeros(len(images), dtype=np.int64)
    agg = refs.groupby(keys + ["image_id"], dropna=False, observed=True).size().rename("n")
    left = pd.DataFrame({**{k: images[k].astype("string") for k in keys}, "image_id": images["id"].astype("string")})
    return left.join(agg, on=keys + ["image_id"])["n"].fillna(0).to_numpy(dtype=np.int64)


def _ids(in_use: Any) -> set[str]:
    if in_use is None:
        return set()
    if isinstance(in_use, (str, bytes)) or not isinstance(in_use, Iterable):
        raise ConfigError(f"`in_use` must be an iterable of image ids (a list, a set, a Series), got {in_use!r:.60}")
    return {str(x).strip() for x in in_use if x is not None and x is not pd.NA and str(x).strip()}


def _coverage(images: pd.DataFrame, servers: pd.DataFrame | None) -> tuple[np.ndarray, str]:
    """Whether the servers listing covers each image's tenant and cloud/region (see the module notes)."""
    n = len(images)
    if servers is None:
        return np.zeros(n, dtype=bool), "no servers listing"
    info = servers.attrs.get("imgkit") or {}
    all_tenants = bool(info.get("all_tenants")) or all_tenants_fetched(info)  # fetch_servers keeps its filters
    place = [c for c in ("cloud", "region") if c in images.columns]
    server_place = [c for c in place if c in servers.columns]
    if place and not server_place:
        distinct = images[place].astype("string").drop_duplicates()
        if len(distinct) > 1:
            return np.zeros(n, dtype=bool), "the servers listing does not say its cloud/region"
        place = []
    keys = server_place
    img_keys = pd.DataFrame({k: images[k].astype("string") for k in keys}, index=images.index)
    srv_keys = pd.DataFrame({k: servers[k].astype("string") for k in keys}, index=servers.index)
    if keys:
        regions = set(map(tuple, srv_keys.drop_duplicates().itertuples(index=False, name=None)))
        for part in info.get("parts") or []:  # a several-region snapshot: empty parts are covered too
            if isinstance(part, Mapping):
                regions.add(tuple(None if part.get(k) is None else str(part.get(k)) for k in keys))
        regions = {tuple(None if x is pd.NA else x for x in r) for r in regions}
        img_tuples = [tuple(None if x is pd.NA else x for x in r) for r in img_keys.itertuples(index=False, name=None)]
        region_ok = np.fromiter((r in regions for r in img_tuples), dtype=bool, count=n)
    else:
        region_ok = np.ones(n, dtype=bool)
    if "owner" not in images.columns or all_tenants:
        return region_ok, "all tenants" if all_tenants else "no owner column"
    tenants = (
        pd.DataFrame({**{k: srv_keys[k] for k in keys}, "tenant": _text(servers, "tenant_id")})
        .dropna(subset=["tenant"])
        .drop_duplicates()
    )
    covered = (
        pd.MultiIndex.from_frame(tenants.astype(object)) if keys else pd.Index(tenants["tenant"].to_numpy(dtype=object))
    )
    mine = pd.DataFrame({**{k: img_keys[k] for k in keys}, "tenant": _text(images, "owner")})
    probe = pd.MultiIndex.from_frame(mine.astype(object)) if keys else pd.Index(mine["tenant"].to_numpy(dtype=object))
    tenant_ok = np.asarray(probe.isin(covered), dtype=bool) & mine["tenant"].notna().to_numpy()
    return region_ok & tenant_ok, "the tenants listed"


def image_usage(
    images: pd.DataFrame,
    servers: pd.DataFrame | None = None,
    *,
    volumes: Any = None,
    scaling_configs: Any = None,
    members: Any = None,
    in_use: Iterable[Any] | None = None,
) -> pd.DataFrame:
    """The images frame plus every reference to each image, and whether its usage is known.

    Parameters
    ----------
    images : pandas.DataFrame
        A typed image frame (:func:`imgkit.read_images`, ``fetch_images``, ``load_demo``).
    servers : pandas.DataFrame, optional
        A typed servers frame (:func:`imgkit.read_servers`, ``fetch_servers``). It also
        decides coverage (module notes): without it no image's usage is known.
    volumes : DataFrame or source, optional
        Volumes (:func:`imgkit.io.read_volumes`, or what it reads): every volume made from an
        image, attached or not, unless deleted.
    scaling_configs : DataFrame or source, optional
        Auto Scaling configurations (:func:`imgkit.read_scaling_configs` or its source).
    members : DataFrame or source, optional
        Image members (:func:`imgkit.read_members` or its source): an accepted member uses
        the image; ``accepted_members`` is NA for an image whose members were not read.
    in_use : iterable of str, optional
        Image ids you know are in use elsewhere; OR'ed with the references (and with an
        ``in_use`` column already in `images`).

    Returns
    -------
    pandas.DataFrame
        A copy of `images` with ``in_use`` (``boolean``), ``used_by`` (``string``: every
        kind of reference found with its count, e.g. ``"server (2), volume (1)"``; ``""``
        when none), ``servers_using``, ``volumes_using``, ``configs_using`` (``Int64``),
        ``accepted_members`` (``Int64``), ``last_server_created`` (``datetime64[ns, UTC]``)
        and ``usage_known`` (``boolean``, see Coverage). ``attrs["usage"]`` (also
        ``attrs["imgkit"]["usage"]``) counts the references, the servers using an image not
        in the listing, servers booted from a volume of unknown image, and the images,
        tenants and regions of unknown usage (``usage_unknown``: those not exempt from
        cleanup anyway, see :func:`cleanup_candidates`).

    Warns
    -----
    ImgkitWarning
        When some images' usage is unknown (how many images, tenants and regions), and
        when servers booted from a volume whose image is unknown.

    Raises
    ------
    ConfigError
        When `servers` is not a servers frame (no ``image_id`` column).

    Examples
    --------
    >>> import warnings
    >>> images = pd.DataFrame({"id": ["a", "b", "c"], "owner": ["t1", "t1", "t2"]})
    >>> servers = pd.DataFrame({"id": ["s1", "s2"], "tenant_id": ["t1", "t1"], "image_id": ["a", "a"],
    ...     "status": ["ACTIVE", "SHUTOFF"], "created": pd.to_datetime(["2026-01-01", "2026-03-01"], utc=True)})
    >>> with warnings.catch_warnings(record=True) as seen:
    ...     warnings.simplefilter("always")
    ...     u = imgkit.image_usage(images, servers, in_use=["b"])
    >>> u[["id", "in_use", "used_by", "servers_using", "usage_known"]]
      id  in_use     used_by  servers_using  usage_known
    0  a    True  server (2)              2         True
    1  b    True   your list              0         True
    2  c   False                          0        False
    >>> print(seen[0].message)  # doctest: +ELLIPSIS
    usage unknown for 1 image(s) of 1 tenant(s) in 1 region(s) that could otherwise be cleanup candidates: ...
    """
    require_columns(images, ["id"])
    if servers is not None and (not isinstance(servers, pd.DataFrame) or "image_id" not in servers.columns):
        raise ConfigError("`servers` must be a servers frame (imgkit.read_servers), with an 'image_id' column")
    vols = _frame(volumes, "volumes", read_volumes)
    configs = _frame(scaling_configs, "scaling_configs", read_scaling_configs)
    mems = _frame(members, "members", read_members)
    ids = _ids(in_use)
    n = len(images)
    out = images.drop(columns=[c for c in _USAGE_COLUMNS if c in images.columns and c != "in_use"]).copy()
    image_ids = out["id"].astype("string")

    # servers
    keys: list[str] = []
    live = pd.DataFrame({"id": pd.Series([], dtype="string"), "image_id": pd.Series([], dtype="string")})
    n_servers = unknown_image = unresolved = 0
    last = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns, UTC]")
    servers_using = np.zeros(n, dtype=np.int64)
    if servers is not None:
        keys = _match_keys(images, servers)
        live = servers
        if "status" in servers.columns:
            live = servers[servers["status"].astype("string").fillna("") != "DELETED"]
        created = (
            live["created"]
            if "created" in live.columns
            else pd.Series(pd.NaT, index=live.index, dtype="datetime64[ns, UTC]")
        )
        used = pd.DataFrame(
            {
                **{k: live[k].astype("string") for k in keys},
                "image_id": live["image_id"].astype("string"),
                "created": pd.to_datetime(created, utc=True),
            }
        )
        known = used["image_id"].notna()
        agg = (
            used[known]
            .groupby(keys + ["image_id"], dropna=False, observed=True)
            .agg(servers_using=("image_id", "size"), last_server_created=("created", "max"))
        )
        left = pd.DataFrame({**{k: images[k].astype("string") for k in keys}, "image_id": image_ids})
        joined = left.join(agg, on=keys + ["image_id"])
        servers_using = joined["servers_using"].fillna(0).to_numpy(dtype=np.int64)
        last = pd.Series(
            pd.DatetimeIndex(joined["last_server_created"]).tz_convert("UTC").as_unit("ns"), index=out.index
        )
        listed = (
            pd.MultiIndex.from_frame(left.astype(object)) if keys else pd.Index(left["image_id"].to_numpy(dtype=object))
        )
        used_keys = agg.index if keys else pd.Index(agg.index.to_numpy(dtype=object))
        missing = ~np.asarray(used_keys.isin(listed), dtype=bool)
        unknown_image = int(agg["servers_using"].to_numpy()[missing].sum())
        unresolved = int(((~known) & _bfv(live)).sum())
        n_servers = len(live)

    # volumes (any status but deleted), scaling configurations, shelve images, members, your ids
    volumes_using = np.zeros(n, dtype=np.int64)
    if vols is not None:
        require_columns(vols, ["id", "image_id"])
        v = vols.drop_duplicates(subset=["id"])
        if "status" in v.columns:
            v = v[~v["status"].astype("string").str.lower().fillna("").isin(["deleted", "deleting"])]
        vkeys = _match_keys(images, v)
        volumes_using = _counts(
            out,
            pd.DataFrame({**{k: v[k].astype("string") for k in vkeys}, "image_id": v["image_id"].astype("string")}),
            vkeys,
        )
    configs_using = np.zeros(n, dtype=np.int64)
    if configs is not None:
        require_columns(configs, ["id", "image_id"])
        ckeys = _match_keys(images, configs)
        disks = (
            configs["disk_image_ids"]
            if "disk_image_ids" in configs.columns
            else pd.Series([[]] * len(configs), index=configs.index)
        )
        pairs = [
            (*(row[:-1]), img)
            for row in zip(*(configs[k].astype("string") for k in ckeys), configs["image_id"].astype("string"), disks)
            for img in dict.fromkeys(
                [row[len(ckeys)]] + [x for x in (list(row[-1]) if _is_list(row[-1]) else []) if isinstance(x, str)]
            )
            if isinstance(img, str)
        ]
        refs = pd.DataFrame([p[: len(ckeys)] + (p[-1],) for p in pairs], columns=ckeys + ["image_id"]).astype("string")
        configs_using = _counts(out, refs, ckeys)
    shelved = np.zeros(n, dtype=bool)
    snapshot_of_live = np.zeros(n, dtype=bool)
    if servers is not None and "instance_uuid" in out.columns and len(live):
        status = (
            live["status"].astype("string").fillna("")
            if "status" in live.columns
            else pd.Series("", index=live.index, dtype="string")
        )
        state = (
            pd.Series(status.to_numpy(), index=pd.Index(live["id"].astype("string").to_numpy()))
            .groupby(level=0)
            .first()
        )
        owner_of = out["instance_uuid"].astype("string").map(state)
        shelved = owner_of.isin(list(SHELVED)).to_numpy(dtype=bool)
        snapshot_of_live = owner_of.notna().to_numpy(dtype=bool) & ~shelved
    accepted = pd.array([pd.NA] * n, dtype="Int64")
    if mems is not None:
        require_columns(mems, ["image_id", "member_id", "status"])
        meta = mems.attrs.get("imgkit") or {}
        checked = set(meta.get("images_checked") or []) | set(mems["image_id"].dropna().astype(str))
        failed = meta.get("not_checked") or []  # asked, but the answer was an error: [{"image_id", "status"}, ...]
        checked -= {str(x.get("image_id")) if isinstance(x, Mapping) else str(x) for x in failed}
        ok = mems[mems["status"].astype("string").str.lower() == "accepted"]
        n_acc = (
            ok.drop_duplicates(subset=["image_id", "member_id"])
            .groupby(ok["image_id"].astype("string"), observed=True)
            .size()
        )
        acc = image_ids.map(n_acc).fillna(0).astype("Int64")
        accepted = acc.where(image_ids.isin(list(checked)), pd.NA).array
    shares = np.asarray(pd.array(accepted, dtype="Int64").fillna(0), dtype=np.int64)
    prior = (
        out["in_use"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        if "in_use" in out.columns
        else np.zeros(n, dtype=bool)
    )
    listed_by_you = prior | image_ids.isin(list(ids)).to_numpy(dtype=bool)

    kinds = (
        ("server", servers_using),
        ("volume", volumes_using),
        ("scaling config", configs_using),
        ("shelved server", shelved.astype(np.int64)),
        ("snapshot of a live server", snapshot_of_live.astype(np.int64)),
        ("share", shares),
    )
    any_use = listed_by_you.copy()
    for _, counts in kinds:
        any_use |= counts > 0
    used_by = np.full(n, "", dtype=object)
    for i in np.flatnonzero(any_use):
        parts = [f"{name} ({int(c[i])})" for name, c in kinds if c[i] > 0]
        if listed_by_you[i]:
            parts.append("your list")
        used_by[i] = ", ".join(parts)
    known_mask, covered_by = _coverage(images, servers)

    out["in_use"] = pd.array(any_use, dtype="boolean")
    out["used_by"] = pd.array(used_by, dtype="string")
    out["servers_using"] = pd.array(servers_using, dtype="Int64")
    out["volumes_using"] = pd.array(volumes_using, dtype="Int64")
    out["configs_using"] = pd.array(configs_using, dtype="Int64")
    out["accepted_members"] = pd.array(accepted, dtype="Int64")
    out["last_server_created"] = last.dt.tz_convert("UTC").dt.as_unit("ns").array
    out["usage_known"] = pd.array(known_mask, dtype="boolean")

    unknown = ~known_mask & ~_exempt(out).to_numpy(dtype=bool)  # exempt images are never candidates anyway
    tenants = int(_text(images, "owner")[unknown].nunique()) if "owner" in images.columns else 0
    place = [c for c in ("cloud", "region") if c in images.columns]
    regions = (
        int(images.loc[unknown, place].astype("string").drop_duplicates().shape[0])
        if place and unknown.any()
        else int(bool(unknown.any()))
    )
    info = {
        "servers": n_servers,
        "servers_with_unknown_image": unknown_image,
        "boot_from_volume_unresolved": unresolved,
        "matched_on": keys + ["image_id"],
        "volumes": None if vols is None else int(vols["id"].nunique()),
        "scaling_configs": None if configs is None else len(configs),
        "members_read": mems is not None,
        "in_use_ids": len(ids),
        "coverage": covered_by,
        "usage_unknown": int(unknown.sum()),
        "unknown_tenants": tenants,
        "unknown_regions": regions,
    }
    out.attrs["usage"] = info
    out.attrs["imgkit"] = {**(out.attrs.get("imgkit") or {}), "usage": info}
    if unknown.any():
        warnings.warn(
            f"usage unknown for {int(unknown.sum()):,} image(s) of {tenants:,} tenant(s) in {regions:,} "
            f"region(s) that could otherwise be cleanup candidates: "
            + (
                f"the servers listing ({covered_by}) does not cover them"
                if servers is not None
                else "no servers listing was given"
            )
            + "; list every tenant's servers (fetch_servers(all_tenants=True)) and every region's",
            ImgkitWarning,
            stacklevel=2,
        )
    if unresolved:
        warnings.warn(
            f"{unresolved} server(s) booted from a volume whose image is unknown: an image counted as "
            "unused may be in use. Read the servers with volumes= (a GET /v3/volumes/detail listing).",
            ImgkitWarning,
            stacklevel=2,
        )
    return out


_USAGE_COLUMNS = (
    "in_use",
    "used_by",
    "servers_using",
    "volumes_using",
    "configs_using",
    "accepted_members",
    "last_server_created",
    "usage_known",
)


def _is_list(x: Any) -> bool:
    return isinstance(x, (list, tuple, np.ndarray))


def _bfv(servers: pd.DataFrame) -> pd.Series:
    if "boot_from_volume" in servers.columns:
        return servers["boot_from_volume"].fillna(False).astype(bool)
    return pd.Series(False, index=servers.index)


# ---------------------------------------------------------------------------------------------
# Cleanup candidates
# ---------------------------------------------------------------------------------------------
def _lower(df: pd.DataFrame, col: str) -> pd.Series:
    """A column as lower-case text ("" for NA); a categorical one through its categories (fast)."""
    if col not in df.columns:
        return pd.Series("", index=df.index)
    s = df[col]
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = np.asarray([str(c).lower() for c in s.cat.categories] + [""], dtype=object)
        return pd.Series(cats[s.cat.codes.to_numpy()], index=df.index)  # code -1 (NA) takes the last: ""
    return s.astype("string").str.lower().fillna("")


def _shared(df: pd.DataFrame) -> pd.Series:
    return _lower(df, "visibility").eq("shared") | _lower(df, "imagetype").eq("shared")


def _exempt(df: pd.DataFrame) -> pd.Series:
    """Images that are never candidates (see the module notes); shared ones unless no accepted member is left."""
    ex = pd.Series(False, index=df.index)
    if "protected" in df.columns:
        ex |= df["protected"].astype("boolean").fillna(False).astype(bool)
    ex |= _lower(df, "visibility").isin(["public", "community"])
    ex |= _lower(df, "imagetype").isin(["gold", "market"])
    ex |= _lower(df, "productcode").str.strip() != ""
    ex |= _lower(df, "status").isin(["deleted", "pending_delete"])
    checked = df["accepted_members"].notna() if "accepted_members" in df.columns else pd.Series(False, index=df.index)
    ex |= _shared(df) & ~checked
    return ex


def _duration(name: str, value: Any) -> pd.Timedelta | None:
    if value is None:
        return None
    if isinstance(value, (bool, int, float, np.number)):
        raise ConfigError(f"`{name}` must be a duration such as '365D' or None, got the number {value!r}")
    try:
        delta = pd.Timedelta(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"`{name}` must be a duration such as '365D' or None, got {value!r}") from exc
    if pd.isna(delta) or delta < pd.Timedelta(0):
        raise ConfigError(f"`{name}` must be a duration such as '365D' or None, got {value!r}")
    return delta


def _rank(key: np.ndarray, created: pd.Series, pool: np.ndarray) -> np.ndarray:
    """1-based rank, newest first (undated last, ties in frame order), within `key` among the `pool` rows."""
    n = len(key)
    rank = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    rows = np.flatnonzero(pool)
    if not len(rows):
        return rank
    i8, na = to_ns(created)
    newest_first = np.where(na, np.iinfo(np.int64).max, -np.where(na, 0, i8))[rows]
    k = key[rows]
    order = np.lexsort((rows, newest_first, k))
    sk = k[order]
    starts = np.flatnonzero(np.r_[True, sk[1:] != sk[:-1]])
    first = np.repeat(starts, np.diff(np.r_[starts, len(rows)]))
    rank[rows[order]] = np.arange(len(rows)) - first + 1
    return rank


def _parents(df: pd.DataFrame) -> np.ndarray:
    """How many listed images name each image as their origin (``originalimagename`` / ``root_origin``)."""
    n = len(df)
    cols = [c for c in ("originalimagename", "root_origin") if c in df.columns]
    if not cols or not n:
        return np.zeros(n, dtype=np.int64)
    values = df["id"].to_numpy(dtype=object, na_value=None)
    ids = pd.Index(pd.unique(values[pd.notna(values)]), dtype=object)  # an id listed in several regions: one parent
    m = len(ids)
    own = np.where(pd.notna(values), ids.get_indexer(values), -1)
    child = np.arange(n, dtype=np.int64)
    pairs = []
    for c in cols:
        named = df[c].to_numpy(dtype=object, na_value=None)
        pos = np.where(pd.notna(named), ids.get_indexer(named), -1)
        ok = (pos >= 0) & (pos != own)
        pairs.append(child[ok] * m + pos[ok])
    unique = np.unique(np.concatenate(pairs))  # a child naming its parent in both keys counts once
    counts = np.bincount(unique % m, minlength=m) if m else np.zeros(0, dtype=np.int64)
    return np.where(own >= 0, counts[np.maximum(own, 0)] if m else 0, 0).astype(np.int64)


def _is_true(df: pd.DataFrame, col: str) -> np.ndarray:
    if col not in df.columns:
        return np.zeros(len(df), dtype=bool)
    s = df[col]
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype("boolean").fillna(False).to_numpy(dtype=bool)
    return s.astype("string").str.strip().str.lower().isin(["true", "1", "yes"]).fillna(False).to_numpy(dtype=bool)


def image_kind(df: pd.DataFrame) -> pd.Series:
    """The kind of each image as IMS bills it: ``system``, ``data``, ``iso`` or ``whole``.

    ``whole`` where ``whole_image`` (``__whole_image``) is true (a full-ECS image, made from a
    CSBS/CBR backup); else ``data`` where ``virtual_env_type`` is ``DataImage``; else ``iso``
    where ``virtual_env_type`` is ``IsoImage`` or ``disk_format`` is ``iso``; else ``system``
    (ECS ``FusionCompute``, BMS ``Ironic``, upstream Glance images).

    Examples
    --------
    >>> df = pd.DataFrame({"virtual_env_type": ["FusionCompute", "DataImage", "IsoImage", "FusionCompute", None],
    ...                    "disk_format": ["zvhd2", "zvhd2", "iso", "zvhd2", "iso"],
    ...                    "whole_image": pd.array([None, None, None, True, None], dtype="boolean")})
    >>> image_kind(df).tolist()
    ['system', 'data', 'iso', 'whole', 'iso']
    """
    env = _lower(df, "virtual_env_type")
    kind = np.where(
        _is_true(df, "whole_image"),
        "whole",
        np.where(
            env.eq("dataimage"),
            "data",
            np.where(env.eq("isoimage") | _lower(df, "disk_format").eq("iso"), "iso", "system"),
        ),
    )
    return pd.Series(pd.Categorical(kind, categories=list(IMAGE_KINDS)), index=df.index, name="image_kind")


def cleanup_candidates(
    df: pd.DataFrame,
    *,
    servers: pd.DataFrame | None = None,
    older_than: str | pd.Timedelta | None = "365D",
    keep_newest: int = 2,
    as_of: AsOf = None,
    family: str | Callable[[Any], Any] | None = image_family,
) -> pd.DataFrame:
    """The images that are candidates for deletion, each with the reason, largest first.

    Pure analysis: nothing is deleted. A :term:`cleanup candidate` is unused (with its usage known), old, not
    among the newest active unused images of its :term:`family`, and not exempt (protected, public or community,
    :term:`gold`, shared with an accepted member or :term:`market` images, images being deleted); the rules
    (coverage, references, exemptions, age, family) are in the module notes of :mod:`imgkit.cleanup`.

    Parameters
    ----------
    df : pandas.DataFrame
        A typed image frame, or the result of :func:`image_usage` (then its references
        and ``usage_known`` are used).
    servers : pandas.DataFrame, optional
        A servers frame: usage is computed with :func:`image_usage` (servers only; call
        ``image_usage`` yourself for volumes, AS configurations, members and your ids).
        Without it and without usage columns, no image's usage is known and there is no
        candidate; an ``in_use`` column of your own (without ``usage_known``) is taken as
        known usage.
    older_than : str or pandas.Timedelta or None, default "365D"
        Only images created more than this before `as_of` (None: any age).
    keep_newest : int, default 2
        Keep the newest `keep_newest` active, unused images of each family (0: no
        family rule).
    as_of : str, datetime or Timestamp, optional
        Reference time for ages; default as :func:`imgkit.resolve_as_of`.
    family : callable, str or None, default :func:`image_family`
        The family of each image (with its ``owner``): a function of the row (a
        ``Series``; :func:`image_family` reads its ``name``), a column name (a tag you
        derived), or None for the exact name.

    Returns
    -------
    pandas.DataFrame
        The candidate rows of `df` (all its columns, the usage columns, ``family``,
        ``age_days`` (``Int64``), ``image_kind``, ``reclaimable_bytes`` (``Int64``) and
        ``reason``), sorted by ``reclaimable_bytes``, largest first (unknown sizes last),
        then oldest first. ``attrs["as_of"]``, ``attrs["as_of_source"]`` and
        ``attrs["imgkit"]["cleanup"]`` (also ``attrs["cleanup"]``: the options and how
        many images each rule kept, ``usage_unknown`` included) record how it was computed.

    Raises
    ------
    ConfigError
        For a bad option: `keep_newest` not a non-negative integer, `family` not a function or None,
        `older_than` not a duration.

    Examples
    --------
    >>> images = pd.DataFrame({
    ...     "id": ["a", "b", "c", "d", "e"], "owner": ["t1"] * 5,
    ...     "name": ["web-20230101", "web-20240101", "web-20250101", "web-20260101", "db-v1"],
    ...     "visibility": ["private"] * 4 + ["public"], "imagetype": ["private"] * 4 + ["gold"],
    ...     "protected": [False] * 5, "status": ["active"] * 5,
    ...     "image_size": pd.array([2 * 2**30] * 5, dtype="Int64"),
    ...     "created_at": pd.to_datetime(["2023-01-01", "2024-01-01", "2025-01-01", "2026-01-01", "2020-01-01"],
    ...                                  utc=True)})
    >>> servers = pd.DataFrame({"id": ["s1"], "tenant_id": ["t1"], "image_id": ["c"], "status": ["ACTIVE"],
    ...                         "created": pd.to_datetime(["2025-02-01"], utc=True)})
    >>> c = imgkit.cleanup_candidates(images, servers=servers, as_of="2026-06-01")
    >>> c["id"].tolist(), c["reclaimable_bytes"].tolist(), c["reason"].tolist()
    (['a'], [2147483648], ["unused, 1247 days old, not among the newest 2 active unused images of its family 'web'"])
    """
    require_columns(df, ["id", "created_at"])
    keep = int(keep_newest) if isinstance(keep_newest, (int, np.integer)) and not isinstance(keep_newest, bool) else -1
    if keep < 0:
        raise ConfigError(f"`keep_newest` must be a non-negative integer, got {keep_newest!r}")
    delta = _duration("older_than", older_than)
    if family is not None and not callable(family) and not isinstance(family, str):
        raise ConfigError(f"`family` must be a column name, a function of the row or None, got {family!r}")
    when, source = resolve_as_of(df, as_of)
    frame = image_usage(df, servers) if servers is not None else df
    n = len(frame)
    fam = _families(frame, family)
    fam_codes = pd.factorize(fam)[0] if n else np.array([], dtype=np.int64)
    owner_codes = (
        pd.factorize(frame["owner"].astype(object), use_na_sentinel=False)[0]
        if "owner" in frame.columns
        else np.zeros(n, dtype=np.int64)
    )
    key = owner_codes.astype(np.int64) * (int(fam_codes.max(initial=0)) + 2) + fam_codes
    days = age_days(frame["created_at"], when)

    exempt = _exempt(frame).to_numpy(dtype=bool)
    if "usage_known" in frame.columns:
        known = frame["usage_known"].astype("boolean").fillna(False).to_numpy(dtype=bool)
        usage_from = "image_usage"
    elif "in_use" in frame.columns:
        known = np.ones(n, dtype=bool)
        usage_from = "in_use column"
    else:
        known = np.zeros(n, dtype=bool)
        usage_from = "unknown"
    in_use = (
        frame["in_use"].astype("boolean").fillna(True).to_numpy(dtype=bool)
        if "in_use" in frame.columns
        else np.zeros(n, dtype=bool)
    )
    status = _lower(frame, "status")
    active = (status.eq("active") | status.eq("")).to_numpy(dtype=bool)
    with np.errstate(invalid="ignore"):
        old_enough = days > delta / pd.Timedelta(days=1) if delta is not None else np.ones(n, dtype=bool)
    pool = ~exempt & known & ~in_use & active
    rank = _rank(key, frame["created_at"], pool)
    beyond_newest = ~active | (rank > keep)
    considered = ~exempt & known & ~in_use
    mask = considered & old_enough & beyond_newest
    rows = np.flatnonzero(mask)

    sizes = image_bytes(frame).to_numpy(dtype=float, na_value=np.nan)
    size_rows = sizes[rows]
    age_rows = days[rows]
    order = np.lexsort(
        (np.where(np.isnan(age_rows), np.inf, -age_rows), np.where(np.isnan(size_rows), np.inf, -size_rows))
    )
    rows = rows[order]
    out = frame.take(rows).copy()
    age = days[rows]
    dated = ~np.isnan(age)
    out["family"] = pd.array(fam[rows], dtype="string")
    out["age_days"] = pd.array(np.floor(np.where(dated, age, 0)).astype(np.int64), dtype="Int64")
    out.loc[~dated, "age_days"] = pd.NA
    kinds = image_kind(frame)
    out["image_kind"] = kinds.take(rows).to_numpy()
    out["image_kind"] = out["image_kind"].astype(kinds.dtype)
    out["reclaimable_bytes"] = pd.array(image_bytes(frame).take(rows).to_numpy(), dtype="Int64")
    out["reason"] = pd.array(_reasons(frame, out, rows, age, dated, fam, keep, active), dtype="string")
    info = {
        "older_than": None if delta is None else str(older_than),
        "keep_newest": keep,
        "usage": "servers" if servers is not None else usage_from,
        "images": int(n),
        "exempt": int(exempt.sum()),
        "usage_unknown": int((~exempt & ~known).sum()),
        "in_use": int((~exempt & known & in_use).sum()),
        "too_young": int((considered & ~old_enough).sum()),
        "newest_of_family": int((considered & old_enough & ~beyond_newest).sum()),
        "candidates": int(mask.sum()),
        "reclaimable_bytes": int(np.nansum(sizes[mask])) if mask.any() else 0,
    }
    out.attrs["as_of"] = when
    out.attrs["as_of_source"] = source
    out.attrs["cleanup"] = info
    out.attrs["imgkit"] = {**(frame.attrs.get("imgkit") or {}), "cleanup": info}
    if "usage" in frame.attrs:
        out.attrs["usage"] = frame.attrs["usage"]
    return out


def _reasons(
    frame: pd.DataFrame,
    sub: pd.DataFrame,
    rows: np.ndarray,
    age: np.ndarray,
    dated: np.ndarray,
    fam: np.ndarray,
    keep: int,
    active: np.ndarray,
) -> list[str]:
    """The reason of each candidate row: why, and what to know before deleting it."""
    parents = _parents(frame)[rows]
    shared = _shared(sub).to_numpy(dtype=bool)
    whole = _is_true(sub, "whole_image")
    backup = _text(sub, "backup_id").tolist()
    cmk_col = next((c for c in ("system__cmkid", "system_cmkid", "cmkid") if c in sub.columns), None)
    cmk = _text(sub, cmk_col).tolist() if cmk_col else [pd.NA] * len(rows)
    status = _text(sub, "status").tolist()
    members = (
        frame["accepted_members"].take(rows).tolist() if "accepted_members" in frame.columns else [pd.NA] * len(rows)
    )
    out = []
    for j in range(len(rows)):
        parts = ["shared, but no accepted member remains" if shared[j] and members[j] is not pd.NA else "unused"]
        parts.append(f"{int(np.floor(age[j]))} days old" if dated[j] else "age unknown")
        if not active[rows[j]]:
            parts.append(f"status {status[j]} (never a rollback image)")
        elif keep:
            parts.append(f"not among the newest {keep} active unused images of its family {fam[rows[j]]!r}")
        if parents[j]:
            parts.append(f"parent of {int(parents[j])} listed image{'s' if parents[j] > 1 else ''}")
        if whole[j]:
            b = backup[j]
            parts.append(
                f"full-ECS image: delete backup {b} too to stop its charge"
                if isinstance(b, str) and b.strip()
                else "full-ECS image: its CSBS/CBR backup is billed until deleted too"
            )
        if isinstance(cmk[j], str) and cmk[j].strip():
            parts.append(f"encrypted with key {cmk[j]}")
        out.append(", ".join(parts))
    return out


# ---------------------------------------------------------------------------------------------
# Storage cost
# ---------------------------------------------------------------------------------------------
def image_bytes(df: pd.DataFrame) -> pd.Series:
    """Bytes per image: ``image_size``, else ``size``; NA when neither is known."""
    out = pd.Series(pd.NA, index=df.index, dtype="Int64")
    for col in ("size", "image_size"):  # image_size wins
        if col in df.columns:
            s = pd.to_numeric(df[col], errors="coerce").astype("Int64")
            out = s.where(s.notna() & (s > 0) if col == "image_size" else s.notna(), out)
    return out


def huawei_cloud_prices(backup_price_per_gib_month: float) -> dict[str, float]:
    """Huawei Cloud's IMS billing rule as a ``prices`` mapping for :func:`storage_cost`.

    Private system-disk, data-disk and ISO images are stored free; a full-ECS image is
    billed as the CSBS/CBR backup it is made from, at the backup price you pay per
    GiB-month (IMS FAQ "What Are the Billing Standards for IMS?"). The backup's size is
    not in the image listing: ``image_size`` stands for it. Public images are free and
    KooGallery (market) images are priced by their provider -- neither is billed as storage.

    Examples
    --------
    >>> from imgkit.cleanup import huawei_cloud_prices
    >>> huawei_cloud_prices(0.035)
    {'system': 0.0, 'data': 0.0, 'iso': 0.0, 'whole': 0.035}
    """
    price = _price_value("backup_price_per_gib_month", backup_price_per_gib_month)
    return {"system": 0.0, "data": 0.0, "iso": 0.0, "whole": price}


def _price_value(name: str, value: Any) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.number))
        or not (np.isfinite(value) and value >= 0)
    ):
        raise ConfigError(f"`{name}` must be a non-negative number, got {value!r}")
    return float(value)


_PRICE_KEYS = ("cloud", "region", "image_kind")


def _row_prices(df: pd.DataFrame, kinds: pd.Series, prices: Any) -> np.ndarray:
    """The price per GiB-month of every image; ConfigError naming a combination without a price."""
    n = len(df)
    if isinstance(prices, (bool, int, float, np.number)) and not isinstance(prices, bool):
        return np.full(n, _price_value("prices", prices))
    if isinstance(prices, Mapping):
        unknown = [k for k in prices if k not in IMAGE_KINDS]
        if unknown:
            raise ConfigError(f"`prices` keys must be image kinds {list(IMAGE_KINDS)}, got {unknown[:3]!r}")
        table = {k: _price_value(f"prices[{k!r}]", v) for k, v in prices.items()}
        present = pd.Series(kinds.astype(str)).value_counts()
        missing = [k for k in present.index if k not in table]
        if missing:
            raise ConfigError(
                f"no price for image_kind={missing[0]!r} ({int(present[missing[0]])} image(s)); "
                f"`prices` gives {sorted(table)}"
            )
        return kinds.astype(str).map(table).to_numpy(dtype=float)
    if isinstance(prices, pd.DataFrame):
        cols = [c for c in _PRICE_KEYS if c in prices.columns]
        if "price_per_gib_month" not in prices.columns or not cols:
            raise ConfigError(
                "a `prices` table needs a 'price_per_gib_month' column and at least one of "
                f"{list(_PRICE_KEYS)}; got columns {list(map(str, prices.columns))}"
            )
        for c in cols:
            if c != "image_kind" and c not in df.columns:
                raise ConfigError(f"the `prices` table has a {c!r} column but the images have none")
        p = pd.to_numeric(prices["price_per_gib_month"], errors="coerce")
        bad = p.isna() | (p < 0) | ~np.isfinite(p.fillna(0))
        if bad.any():
            raise ConfigError(
                f"`prices` row {int(np.flatnonzero(bad.to_numpy())[0])}: price_per_gib_month must be a "
                f"non-negative number, got {prices['price_per_gib_month'][bad].iloc[0]!r}"
            )
        table = prices[cols].astype("string").assign(price=p.to_numpy())
        dup = table.duplicated(subset=cols)
        if dup.any():
            combo = ", ".join(f"{c}={table.loc[dup, c].iloc[0]!r}" for c in cols)
            raise ConfigError(f"`prices` gives several prices for {combo}")
        left = pd.DataFrame(
            {c: (kinds.astype("string") if c == "image_kind" else df[c].astype("string")) for c in cols}
        ).reset_index(drop=True)
        merged = left.merge(table, on=cols, how="left")
        missing = merged["price"].isna().to_numpy()
        if missing.any():
            first = left[missing].value_counts(dropna=False)
            combo = ", ".join(f"{c}={v!r}" for c, v in zip(cols, first.index[0]))
            raise ConfigError(f"no price for {combo} ({int(first.iloc[0])} image(s)); add a row to the `prices` table")
        return merged["price"].to_numpy(dtype=float)
    raise ConfigError(
        "`prices` must be a number (per GiB-month), a mapping {image_kind: price} or a table with "
        f"price_per_gib_month; got {type(prices).__name__}"
    )


def storage_cost(
    df: pd.DataFrame,
    *,
    prices: Any = None,
    currency: str | None = None,
    by: str | None = "owner",
    candidates: pd.DataFrame | None = None,
    price_per_gb_month: float | None = None,
) -> pd.DataFrame:
    """Stored GiB and monthly cost per group, and what the cleanup candidates cost.

    Parameters
    ----------
    df : pandas.DataFrame
        A typed image frame (or any subset, such as a :func:`cleanup_candidates` result).
    prices : float, mapping or DataFrame
        The price of one GiB (2**30 bytes) for one month: one number for every image; a
        mapping ``{image_kind: price}`` (:func:`image_kind`; :func:`huawei_cloud_prices`
        is Huawei Cloud's); or a table with any of ``cloud``, ``region``, ``image_kind``
        and ``price_per_gib_month``. An image without a price is a ``ConfigError`` naming
        the combination, never a silent 0.
    currency : str, optional
        The currency of the prices (``"EUR"``, ``"CNY"``...): ``attrs["imgkit"]["currency"]``,
        and the header of the report's and the CLI's money columns.
    by : str or None, default "owner"
        One row per tenant, per value of another column (``"image_kind"`` too), or None for one row.
    candidates : pandas.DataFrame, optional
        The result of :func:`cleanup_candidates` on `df`: adds ``candidates``,
        ``candidate_gib`` and ``candidate_cost`` (what deleting them would save).
    price_per_gb_month : float, optional
        Deprecated: the same as ``prices=`` with one number.

    Returns
    -------
    pandas.DataFrame
        Indexed by `by` (largest cost first), then a totals row (``"All tenants"`` /
        ``"All images"``): ``images``, ``gib`` (from ``image_size``, else ``size``),
        ``cost`` (per month), ``unsized`` (images of unknown size, not counted), the
        candidate columns when given, and ``owner_name`` first when `df` has it.
        ``attrs["imgkit"]`` holds ``currency`` and ``prices`` (the rule, as text).

    Raises
    ------
    ConfigError
        When `price_per_gb_month` is not a non-negative number, or `by` is not a column.

    Examples
    --------
    >>> df = pd.DataFrame({"id": ["a", "b", "c"], "owner": ["t1", "t1", "t2"],
    ...                    "virtual_env_type": ["FusionCompute", "DataImage", "FusionCompute"],
    ...                    "whole_image": pd.array([None, None, True], dtype="boolean"),
    ...                    "image_size": pd.array([2 * 2**30, 2**30, None], dtype="Int64"),
    ...                    "size": pd.array([0, 0, 3 * 2**30], dtype="Int64")})
    >>> imgkit.storage_cost(df, prices=0.5, currency="EUR")  # doctest: +NORMALIZE_WHITESPACE
                 images  gib  cost  unsized
    owner
    t1                2  3.0   1.5        0
    t2                1  3.0   1.5        0
    All tenants       3  6.0   3.0        0
    >>> cost = imgkit.storage_cost(df, prices=imgkit.cleanup.huawei_cloud_prices(0.1), by="image_kind")
    >>> cost["cost"].round(2).to_dict()
    {'whole': 0.3, 'system': 0.0, 'data': 0.0, 'All images': 0.3}
    """
    if price_per_gb_month is not None:
        if prices is not None:
            raise ConfigError("give `prices` or the deprecated `price_per_gb_month`, not both")
        warnings.warn(
            "storage_cost(price_per_gb_month=X) is deprecated: use prices=X (per GiB-month, 2**30 bytes, "
            "as it always was), currency=...",
            DeprecationWarning,
            stacklevel=2,
        )
        prices = _price_value("price_per_gb_month", price_per_gb_month)
    if prices is None:
        raise ConfigError(
            "`prices` is required: a number per GiB-month, {image_kind: price} "
            "(e.g. imgkit.cleanup.huawei_cloud_prices(...)) or a price table"
        )
    if currency is not None and (not isinstance(currency, str) or not currency.strip()):
        raise ConfigError(f"`currency` must be a non-empty text such as 'EUR', got {currency!r}")
    kinds = image_kind(df)
    work = df.assign(image_kind=kinds) if by == "image_kind" and "image_kind" not in df.columns else df
    check_by(work, by)
    price = _row_prices(df, kinds, prices)

    sizes = image_bytes(df)
    known = sizes.notna().to_numpy()
    nbytes = sizes.fillna(0).to_numpy(dtype=float)

    def table(rows: np.ndarray, codes: np.ndarray, n: int) -> pd.DataFrame:
        gib = np.bincount(codes, weights=nbytes[rows], minlength=n) / GIB
        cost = np.bincount(codes, weights=nbytes[rows] * price[rows], minlength=n) / GIB
        return pd.DataFrame(
            {
                "images": np.bincount(codes, minlength=n).astype(np.int64),
                "gib": gib,
                "cost": cost,
                "unsized": np.bincount(codes, weights=~known[rows], minlength=n).astype(np.int64),
            }
        )

    g, labels, _ = group_rows(work, by)
    everything = np.ones(len(df), dtype=bool)
    out = table(everything, g, len(labels))
    out.index = pd.Index(labels, name=by)
    if candidates is not None:
        require_columns(candidates, ["id"])
        mask = np.asarray(
            pd.Index(df["id"].to_numpy(dtype=object)).isin(candidates["id"].to_numpy(dtype=object)), dtype=bool
        )
        c = table(mask, g[mask], len(labels))
        out["candidates"] = c["images"].to_numpy()
        out["candidate_gib"] = c["gib"].to_numpy()
        out["candidate_cost"] = c["cost"].to_numpy()
    out = out.sort_values("cost", ascending=False, kind="stable")
    if by is not None:
        total = out.sum(axis=0).to_frame().T.astype(out.dtypes.to_dict())
        total.index = pd.Index([ALL_TENANTS if by == "owner" else ALL_IMAGES], name=by)
        out = pd.concat([out, total])
    if by == "owner" and "owner_name" in df.columns:
        out.insert(0, "owner_name", pd.array(names_for(df, out.index), dtype="string"))
    rule = (
        prices
        if isinstance(prices, (int, float, np.number))
        else (dict(prices) if isinstance(prices, Mapping) else f"table of {len(prices)} price(s)")
    )
    out.attrs["imgkit"] = {"currency": currency, "prices": rule, "unit": "GiB-month (2**30 bytes)"}
    if isinstance(prices, (int, float, np.number)):
        out.attrs["price_per_gb_month"] = float(prices)
    return out
