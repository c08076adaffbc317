"""Which images are in use, which are cleanup candidates, and what the images cost to store.

Pure analysis: imgkit never deletes, deregisters or changes anything.

Usage
-----
:func:`image_usage` counts, for every image, the servers whose ``image_id`` (see
:func:`imgkit.read_servers`) is that image. Every server counts, whatever its status
(a ``SHUTOFF``, ``SHELVED`` or ``ERROR`` server still references its image), except
``DELETED`` ones. When both frames have ``cloud`` and/or ``region`` columns (listings
of several regions), an image is matched within its own cloud and region.

Cleanup candidates
------------------
An image is a candidate when **all** of these hold:

* it is not *exempt*: never protected images, public / community images
  (``visibility``), gold (public), shared or market images (``imagetype``, or
  ``visibility == "shared"``, or a marketplace ``productcode``), nor images already
  ``deleted`` / ``pending_delete``;
* no server uses it (with ``servers=`` or an ``in_use`` column from
  :func:`image_usage`; without either, usage is unknown and the reason says so);
* it is older than ``older_than`` (by ``created_at``, at ``as_of``);
* it is not among the ``keep_newest`` newest images (by ``created_at``) of its
  **family**.

Family
    ``owner`` + the image name with version and date suffixes stripped
    (:func:`image_family`): trailing tokens after a separator (``-``, ``_``, ``.``,
    space) that are dates (``20240131``, ``2024-01-31``, ``2024.01``), timestamps,
    versions (``v3``, ``1.2.3``, ``r12``, ``rc1``, ``build42``, a bare number) or
    ``latest`` / ``old`` / ``bak`` / ``backup`` / ``copy``, repeatedly, case-insensitive;
    a name made only of such tokens is its own family. So ``web-20240101``,
    ``web_v2`` and ``web-1.4.0-20231201`` are one family ``web``; ``CentOS 7.9 k8s-node``
    keeps its name. Pass ``family=`` any function name -> family (or ``None`` to use the
    exact name).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from imgkit._typing import AsOf
from imgkit._validators import check_by, require_columns
from imgkit.analysis._core import ALL_IMAGES, ALL_TENANTS, MISSING, age_days, group_rows, resolve_as_of, to_ns
from imgkit.analysis._tenants import names_for
from imgkit.errors import ConfigError, ImgkitWarning

__all__ = ["cleanup_candidates", "image_family", "image_usage", "storage_cost"]

#: Bytes in one GB as cloud storage is billed (GiB, 2**30).
GB = 2**30

_TOKEN = (
    r"(?:\d{4}[-_.]?\d{2}(?:[-_.]?\d{2})?(?:t?\d{4,6}z?)?"  # dates, date-times
    r"|v?\d+(?:[._]\d+)*[a-z]?"  # versions, numbers
    r"|r\d+|rc\d*|build\d*|latest|old|bak|backup|copy)"
)
_SUFFIX = re.compile(rf"(?:[-_. ]+){_TOKEN}$", re.IGNORECASE)
_WHOLE = re.compile(rf"(?:{_TOKEN})?", re.IGNORECASE)


def image_family(name: Any) -> str:
    """The family of an image name: the name with version and date suffixes stripped.

    See the module notes for the rule. NA gives ``"(missing)"``.

    Examples
    --------
    >>> [image_family(n) for n in ["web-20240101", "web_v2", "web-1.4.0-20231201", "Web服务器-20180317",
    ...                            "应用服务器镜像v18", "CentOS 7.9 k8s-node image", "mysql_20251225", "2024-01-01"]]
    ['web', 'web', 'web', 'Web服务器', '应用服务器镜像v18', 'CentOS 7.9 k8s-node image', 'mysql', '2024-01-01']
    """
    if name is None or name is pd.NA or (isinstance(name, float) and np.isnan(name)):
        return MISSING
    out = str(name).strip()
    while True:
        stripped = _SUFFIX.sub("", out)
        if stripped == out or _WHOLE.fullmatch(stripped.strip(" -_.")):
            return out
        out = stripped


# --------------------------------------------------------------------------------------------
# Usage
# --------------------------------------------------------------------------------------------
def _match_keys(images: pd.DataFrame, servers: pd.DataFrame) -> list[str]:
    return [c for c in ("cloud", "region") if c in images.columns and c in servers.columns]


def image_usage(images: pd.DataFrame, servers: pd.DataFrame) -> pd.DataFrame:
    """The images frame plus how many servers use each image.

    Parameters
    ----------
    images : pandas.DataFrame
        A typed image frame (:func:`imgkit.read_images`, ``fetch_images``, ``load_demo``).
    servers : pandas.DataFrame
        A typed servers frame (:func:`imgkit.read_servers`, ``fetch_servers``,
        ``load_demo_servers``).

    Returns
    -------
    pandas.DataFrame
        A copy of `images` with ``servers_using`` (``Int64``), ``in_use`` (``boolean``)
        and ``last_server_created`` (``datetime64[ns, UTC]``, NaT when unused).
        ``result.attrs["usage"]`` says how many servers were counted, how many use an
        image that is not in the listing (deleted, or another cloud's), and how many
        booted from a volume whose image is unknown -- with any of the latter, an
        image counted as unused may be in use, and one warning says so.

    Raises
    ------
    ConfigError
        When `servers` is not a servers frame (no ``image_id`` column).

    Examples
    --------
    >>> images = pd.DataFrame({"id": ["a", "b", "c"]})
    >>> servers = pd.DataFrame({"id": ["s1", "s2", "s3"], "image_id": ["a", "a", "zzz"],
    ...     "status": ["ACTIVE", "SHUTOFF", "ACTIVE"],
    ...     "created": pd.to_datetime(["2026-01-01", "2026-03-01", "2026-02-01"], utc=True)})
    >>> u = imgkit.image_usage(images, servers)
    >>> u[["id", "servers_using", "in_use"]]
      id  servers_using  in_use
    0  a              2    True
    1  b              0   False
    2  c              0   False
    >>> u["last_server_created"].iloc[0], u.attrs["usage"]["servers_with_unknown_image"]
    (Timestamp('2026-03-01 00:00:00+0000', tz='UTC'), 1)
    """
    require_columns(images, ["id"])
    if not isinstance(servers, pd.DataFrame) or "image_id" not in servers.columns:
        raise ConfigError("`servers` must be a servers frame (imgkit.read_servers), with an 'image_id' column")
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
            "created": created,
        }
    )
    known = used["image_id"].notna()
    agg = (
        used[known]
        .groupby(keys + ["image_id"], dropna=False, observed=True)
        .agg(servers_using=("image_id", "size"), last_server_created=("created", "max"))
    )
    left = pd.DataFrame({**{k: images[k].astype("string") for k in keys}, "image_id": images["id"].astype("string")})
    joined = left.join(agg, on=keys + ["image_id"])
    out = images.copy()
    out["servers_using"] = pd.array(joined["servers_using"].fillna(0).to_numpy(dtype=np.int64), dtype="Int64")
    out["in_use"] = pd.array(out["servers_using"].to_numpy(dtype=np.int64) > 0, dtype="boolean")
    out["last_server_created"] = pd.to_datetime(joined["last_server_created"].to_numpy(), utc=True).as_unit("ns")
    # servers whose image is not in the listing: the used keys (few) looked up among the listed ones
    listed = pd.MultiIndex.from_frame(left.astype(object)) if keys else pd.Index(left["image_id"].astype(object))
    used_keys = agg.index if keys else pd.Index(agg.index.astype(object))
    missing = ~np.asarray(used_keys.isin(listed), dtype=bool)
    unknown_image = int(agg["servers_using"].to_numpy()[missing].sum())
    unresolved = int(((~known) & _bfv(live)).sum())
    out.attrs["usage"] = {
        "servers": int(len(live)),
        "servers_with_unknown_image": unknown_image,
        "boot_from_volume_unresolved": unresolved,
        "matched_on": keys + ["image_id"],
    }
    if unresolved:
        warnings.warn(
            f"{unresolved} server(s) booted from a volume whose image is unknown: an image counted as "
            "unused may be in use. Read the servers with volumes= (a GET /v3/volumes/detail listing).",
            ImgkitWarning,
            stacklevel=2,
        )
    return out


def _bfv(servers: pd.DataFrame) -> pd.Series:
    if "boot_from_volume" in servers.columns:
        return servers["boot_from_volume"].fillna(False).astype(bool)
    return pd.Series(False, index=servers.index)


# --------------------------------------------------------------------------------------------
# Cleanup candidates
# --------------------------------------------------------------------------------------------
def _exempt(df: pd.DataFrame) -> pd.Series:
    """Images that are never candidates (see the module notes)."""
    ex = pd.Series(False, index=df.index)

    def text(col: str) -> pd.Series:
        return df[col].astype("string").str.lower().fillna("") if col in df.columns else pd.Series("", index=df.index)

    if "protected" in df.columns:
        ex |= df["protected"].fillna(False).astype(bool)
    ex |= text("visibility").isin(["public", "community", "shared"])
    ex |= text("imagetype").isin(["gold", "shared", "market"])
    ex |= text("productcode").str.strip() != ""
    ex |= text("status").isin(["deleted", "pending_delete"])
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


def cleanup_candidates(
    df: pd.DataFrame,
    *,
    servers: pd.DataFrame | None = None,
    older_than: str | pd.Timedelta | None = "365D",
    keep_newest: int = 2,
    as_of: AsOf = None,
    family: Callable[[Any], str] | None = image_family,
) -> pd.DataFrame:
    """The images that are candidates for deletion, each with the reason.

    Pure analysis: nothing is deleted. A :term:`cleanup candidate` is unused, old, not among the newest of its
    :term:`family`, and not exempt (protected, public or community, :term:`gold`, shared or :term:`market`
    images, images being deleted); the rules are in the module notes of :mod:`imgkit.cleanup`.

    Parameters
    ----------
    df : pandas.DataFrame
        A typed image frame, or the result of :func:`image_usage`.
    servers : pandas.DataFrame, optional
        A servers frame: usage is computed with :func:`image_usage`. Without it, an
        ``in_use`` column of `df` is used; without that, usage is unknown (the reason
        says ``"usage unknown"``) and every other rule still applies.
    older_than : str or pandas.Timedelta or None, default "365D"
        Only images created more than this before `as_of` (None: any age).
    keep_newest : int, default 2
        Keep the newest `keep_newest` images (by ``created_at``) of each family, used or
        not (0: no family rule).
    as_of : str, datetime or Timestamp, optional
        Reference time for ages; default as :func:`imgkit.resolve_as_of`.
    family : callable or None, default :func:`image_family`
        Maps an image name to its family name; the family is ``owner`` + that. None:
        the exact name.

    Returns
    -------
    pandas.DataFrame
        The candidate rows of `df` (all its columns, plus ``family``, ``age_days``
        (``Int64``), the usage columns when known, and ``reason``), oldest first.
        ``attrs["as_of"]``, ``attrs["as_of_source"]`` and ``attrs["cleanup"]`` (the
        options and how many images each rule excluded) record how it was computed.

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
    ...     "protected": [False] * 5,
    ...     "created_at": pd.to_datetime(["2023-01-01", "2024-01-01", "2025-01-01", "2026-01-01", "2020-01-01"],
    ...                                  utc=True)})
    >>> servers = pd.DataFrame({"id": ["s1"], "image_id": ["b"], "status": ["ACTIVE"],
    ...                         "created": pd.to_datetime(["2024-02-01"], utc=True)})
    >>> c = imgkit.cleanup_candidates(images, servers=servers, as_of="2026-06-01")
    >>> c["id"].tolist(), c["reason"].tolist()
    (['a'], ["unused, 1247 days old, not among the newest 2 of its family 'web'"])
    """
    require_columns(df, ["id", "created_at"])
    keep = int(keep_newest) if isinstance(keep_newest, (int, np.integer)) and not isinstance(keep_newest, bool) else -1
    if keep < 0:
        raise ConfigError(f"`keep_newest` must be a non-negative integer, got {keep_newest!r}")
    delta = _duration("older_than", older_than)
    if family is not None and not callable(family):
        raise ConfigError(f"`family` must be a function of the image name or None, got {family!r}")
    when, source = resolve_as_of(df, as_of)
    frame = image_usage(df, servers) if servers is not None else df
    n = len(frame)
    names = frame["name"] if "name" in frame.columns else pd.Series(pd.NA, index=frame.index)
    name_codes, uniques = pd.factorize(names.astype(object), use_na_sentinel=False)  # each distinct name once
    fam_of = [family(x) if family is not None else (MISSING if pd.isna(x) else str(x)) for x in uniques]
    fam_codes, fam_uniques = pd.factorize(np.asarray(fam_of, dtype=object)) if fam_of else (np.array([], int), [])
    fam = np.asarray(fam_uniques, dtype=object)[fam_codes[name_codes]] if n else np.array([], dtype=object)
    owner_codes = (
        pd.factorize(frame["owner"].astype(object), use_na_sentinel=False)[0]
        if "owner" in frame.columns
        else np.zeros(n, dtype=np.int64)
    )
    days = age_days(frame["created_at"], when)
    # rank within family (owner + family name), newest first, undated last, ties in frame order
    key = owner_codes.astype(np.int64) * (len(fam_uniques) + 1) + (fam_codes[name_codes] if n else 0)
    i8, na = to_ns(frame["created_at"])
    newest_first = np.where(na, np.iinfo(np.int64).max, -np.where(na, 0, i8))
    order = np.lexsort((np.arange(n), newest_first, key))
    sorted_key = key[order]
    starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]]) if n else np.array([], dtype=np.intp)
    first = np.repeat(starts, np.diff(np.r_[starts, n]))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - first + 1
    exempt = _exempt(frame).to_numpy(dtype=bool)
    usage_known = "in_use" in frame.columns
    in_use = frame["in_use"].fillna(True).to_numpy(dtype=bool) if usage_known else np.zeros(n, dtype=bool)
    with np.errstate(invalid="ignore"):
        old_enough = days > delta / pd.Timedelta(days=1) if delta is not None else np.ones(n, dtype=bool)
    beyond_newest = rank > keep
    mask = ~exempt & ~in_use & old_enough & beyond_newest
    rows = np.flatnonzero(mask)
    age = days[rows]
    rows = rows[np.argsort(np.where(np.isnan(age), np.inf, -age), kind="stable")]  # oldest first, undated last
    out = frame.take(rows)
    age = days[rows]
    dated = ~np.isnan(age)
    out["family"] = pd.array(fam[rows], dtype="string")
    out["age_days"] = pd.array(np.floor(np.where(dated, age, 0)).astype(np.int64), dtype="Int64")
    out.loc[~dated, "age_days"] = pd.NA
    used_text = "unused" if usage_known else "usage unknown"
    family_text = f", not among the newest {keep} of its family " if keep else ""
    out["reason"] = pd.array(
        [
            f"{used_text}, {f'{int(a)} days old' if d else 'age unknown'}" + (f"{family_text}{f!r}" if keep else "")
            for a, d, f in zip(np.floor(np.where(dated, age, 0)).tolist(), dated.tolist(), fam[rows].tolist())
        ],
        dtype="string",
    )
    out.attrs["as_of"] = when
    out.attrs["as_of_source"] = source
    out.attrs["cleanup"] = {
        "older_than": None if delta is None else str(older_than),
        "keep_newest": keep,
        "usage": "servers" if servers is not None else "in_use column" if usage_known else "unknown",
        "images": int(n),
        "exempt": int(exempt.sum()),
        "in_use": int((~exempt & in_use).sum()),
        "too_young": int((~exempt & ~in_use & ~old_enough).sum()),
        "newest_of_family": int((~exempt & ~in_use & old_enough & ~beyond_newest).sum()),
        "candidates": int(mask.sum()),
    }
    if "usage" in frame.attrs:
        out.attrs["usage"] = frame.attrs["usage"]
    return out


# --------------------------------------------------------------------------------------------
# Storage cost
# --------------------------------------------------------------------------------------------
def image_bytes(df: pd.DataFrame) -> pd.Series:
    """Bytes per image: ``image_size``, else ``size``; NA when neither is known."""
    out = pd.Series(pd.NA, index=df.index, dtype="Int64")
    for col in ("size", "image_size"):  # image_size wins
        if col in df.columns:
            s = pd.to_numeric(df[col], errors="coerce").astype("Int64")
            out = s.where(s.notna() & (s > 0) if col == "image_size" else s.notna(), out)
    return out


def storage_cost(
    df: pd.DataFrame,
    *,
    price_per_gb_month: float,
    by: str | None = "owner",
    candidates: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Stored GB and monthly cost per group, and what the cleanup candidates cost.

    Parameters
    ----------
    df : pandas.DataFrame
        A typed image frame (or any subset, such as a :func:`cleanup_candidates` result).
    price_per_gb_month : float
        Price of one GB (2**30 bytes) for one month, in your currency.
    by : str or None, default "owner"
        One row per tenant, per value of another column, or None for one row.
    candidates : pandas.DataFrame, optional
        The result of :func:`cleanup_candidates` on `df`: adds ``candidates``,
        ``candidate_gb`` and ``candidate_cost`` (what deleting them would save).

    Returns
    -------
    pandas.DataFrame
        Indexed by `by` (largest cost first), then a totals row (``"All tenants"`` /
        ``"All images"``): ``images``, ``gb`` (from ``image_size``, else ``size``),
        ``cost`` (per month), ``unsized`` (images of unknown size, not counted), the
        candidate columns when given, and ``owner_name`` first when `df` has it.

    Raises
    ------
    ConfigError
        When `price_per_gb_month` is not a non-negative number, or `by` is not a column.

    Examples
    --------
    >>> df = pd.DataFrame({"id": ["a", "b", "c"], "owner": ["t1", "t1", "t2"],
    ...                    "image_size": pd.array([2 * 2**30, 2**30, None], dtype="Int64"),
    ...                    "size": pd.array([0, 0, 3 * 2**30], dtype="Int64")})
    >>> imgkit.storage_cost(df, price_per_gb_month=0.5)  # doctest: +NORMALIZE_WHITESPACE
                 images   gb  cost  unsized
    owner
    t1                2  3.0   1.5        0
    t2                1  3.0   1.5        0
    All tenants       3  6.0   3.0        0
    """
    if (
        isinstance(price_per_gb_month, bool)
        or not isinstance(price_per_gb_month, (int, float, np.number))
        or not (np.isfinite(price_per_gb_month) and price_per_gb_month >= 0)
    ):
        raise ConfigError(f"`price_per_gb_month` must be a non-negative number, got {price_per_gb_month!r}")
    check_by(df, by)
    price = float(price_per_gb_month)

    sizes = image_bytes(df)
    known = sizes.notna().to_numpy()
    nbytes = sizes.fillna(0).to_numpy(dtype=float)

    def table(rows: np.ndarray, codes: np.ndarray, n: int) -> pd.DataFrame:
        gb = np.bincount(codes, weights=nbytes[rows], minlength=n) / GB
        return pd.DataFrame(
            {
                "images": np.bincount(codes, minlength=n).astype(np.int64),
                "gb": gb,
                "cost": gb * price,
                "unsized": np.bincount(codes, weights=~known[rows], minlength=n).astype(np.int64),
            }
        )

    g, labels, _ = group_rows(df, by)
    everything = np.ones(len(df), dtype=bool)
    out = table(everything, g, len(labels))
    out.index = pd.Index(labels, name=by)
    if candidates is not None:
        require_columns(candidates, ["id"])
        mask = np.asarray(pd.Index(df["id"].astype(object)).isin(candidates["id"].astype(object)), dtype=bool)
        c = table(mask, g[mask], len(labels))
        out["candidates"] = c["images"].to_numpy()
        out["candidate_gb"] = c["gb"].to_numpy()
        out["candidate_cost"] = c["cost"].to_numpy()
    out = out.sort_values("cost", ascending=False, kind="stable")
    if by is not None:
        total = out.sum(axis=0).to_frame().T.astype(out.dtypes.to_dict())
        total.index = pd.Index([ALL_TENANTS if by == "owner" else ALL_IMAGES], name=by)
        out = pd.concat([out, total])
    if by == "owner" and "owner_name" in df.columns:
        out.insert(0, "owner_name", pd.array(names_for(df, out.index), dtype="string"))
    out.attrs["price_per_gb_month"] = price
    return out
