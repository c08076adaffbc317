"""Where a fetch goes: endpoint, clouds.yaml cloud, regions from the Keystone catalog or the AK/SK templates."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from imgkit.errors import ApiError, ConfigError
from imgkit.fetch import _auth, _regions
from imgkit.fetch._pagination import LISTINGS, Listing, endpoint_root
from imgkit.fetch._secrets import scrub
from imgkit.fetch._transport import Transport
from imgkit.fetch._urls import redact_url

log = logging.getLogger("imgkit.fetch")


@dataclass(frozen=True)
class Target:
    """One (cloud, region) to fetch, with its endpoint when known."""

    cloud: str | None = None
    region: str | None = None
    endpoint: str | None = None

    @property
    def label(self) -> str:
        return "/".join(x for x in (self.cloud, self.region) if x) or "default"


def short(value: Any, n: int = 80) -> str:
    """A bounded description of a bad argument: short text and numbers as written, anything else by type and size.

    >>> short("eu-de"), short([["x"] * 9] * 9)
    ("'eu-de'", 'a list of 9')
    """
    if isinstance(value, (str, int, float, bool, type(None))):
        text = repr(value)
        return text if len(text) <= n else text[: n - 3] + "..."
    size = f" of {len(value)}" if isinstance(value, (list, tuple, dict, set)) else ""
    return f"a {type(value).__name__}{size}"


def resolve_targets(endpoint: str | None, cloud: Any, regions: Any) -> tuple[list[Target], bool]:
    """The (cloud, region) pairs asked for, and whether there are several (a list or `regions` given)."""
    if cloud is None or isinstance(cloud, str):
        clouds: list[str | None] = [cloud or None]
        several = False
    elif isinstance(cloud, Sequence) and cloud and all(isinstance(c, str) and c for c in cloud):
        clouds = list(dict.fromkeys(cloud))
        several = True
    else:
        raise ConfigError(f"`cloud` must be a clouds.yaml entry name or a non-empty list of them, got {short(cloud)}")
    if regions is None:
        return [Target(c, None, endpoint) for c in clouds], several
    if isinstance(regions, Mapping):
        pairs = list(regions.items())
        if endpoint is not None:
            raise ConfigError("pass either `endpoint` or regions={name: endpoint}, not both")
    elif isinstance(regions, Sequence) and not isinstance(regions, str):
        if endpoint is not None:
            raise ConfigError(
                "regions=[...] looks each region's endpoint up (the Keystone catalog, or with AK/SK the "
                "documented templates); with explicit endpoints pass regions={name: endpoint}"
            )
        if not all(isinstance(r, str) for r in regions):
            raise ConfigError(f"`regions` must name regions as strings, got {short(regions)}")
        pairs = [(r, None) for r in dict.fromkeys(regions)]
    else:
        raise ConfigError(
            f"`regions` must be a list of region names or a mapping name -> endpoint, got {short(regions)}"
        )
    if not pairs or not all(isinstance(r, str) and r for r, _ in pairs):
        raise ConfigError(f"`regions` must name at least one region, each a non-empty string, got {short(regions)}")
    return [Target(c, r, e) for c in clouds for r, e in pairs], True


def catalog_root(listing: Listing, auth: Any, settings: Mapping[str, Any], region: str | None) -> str:
    """The listing's endpoint: Keystone catalog (never a downgrade to plain http) or the AK/SK region template."""
    if listing.service == "identity":
        url = getattr(auth, "auth_url", None) or (settings.get("auth") or {}).get("auth_url")
        if not url:
            raise ConfigError("no Keystone URL: pass `endpoint`, or set auth_url (clouds.yaml) / OS_AUTH_URL")
        return endpoint_root(str(url), listing)
    if isinstance(auth, _auth.AkSk):
        if region is None:
            raise ConfigError(
                "AK/SK auth has no Keystone catalog to look endpoints up in: pass the endpoint, or a region "
                "(regions=[...], imgkit fetch --region NAME, region_name in clouds.yaml, OS_REGION_NAME)"
            )
        return endpoint_root(_regions.endpoint(listing.service, region, auth.project_id), listing)
    if not isinstance(auth, _auth.KeystonePassword):
        raise ConfigError(
            "`endpoint` is required unless Keystone auth (password, application credential) can look it up in "
            "the catalog, or AK/SK auth is given a region"
        )
    found = settings.get(f"{listing.service}_endpoint_override")
    if not found:
        found = auth.service_endpoint(
            listing.service,
            region=region or settings.get("region_name"),
            interface=str(settings.get("interface") or "public"),
        )
        if urlsplit(auth.auth_url).scheme.lower() == "https" and urlsplit(found).scheme.lower() != "https":
            raise ConfigError(
                f"the Keystone catalog (over https) lists a plain-http {listing.service} endpoint "
                f"{redact_url(found)!r}; the token is not sent over plain http: pass the "
                f"endpoint explicitly if you mean it"
            )
    return endpoint_root(str(found), listing)


def iam_root(settings: Mapping[str, Any], region: str | None) -> str | None:
    """IAM for a project-id lookup: ``$HUAWEICLOUD_SDK_IAM_ENDPOINT``, clouds.yaml, else the region's template."""
    auth = settings.get("auth")
    url = (
        os.environ.get("HUAWEICLOUD_SDK_IAM_ENDPOINT")
        or settings.get("iam_endpoint")
        or (auth.get("auth_url") if isinstance(auth, Mapping) else None)
    )
    if not url and region is not None:
        url = _regions.endpoint("identity", region)
    return endpoint_root(str(url), LISTINGS["projects"]) if url else None


def lookup_project(transport: Transport, iam: str, region: str) -> str:
    """The id of the project named `region`: IAM ``GET /v3/projects?name=REGION``, signed like every request."""
    _resp, _raw, doc = transport.send("GET", iam + "/projects", params=[("name", region)])
    projects = doc.get("projects") if isinstance(doc, Mapping) else None
    if not isinstance(projects, list):
        raise ApiError(
            f"IAM answered GET /v3/projects?name={region} without a `projects` list",
            url=redact_url(iam + "/projects"),
            method="GET",
        )
    ids = [p["id"] for p in projects if isinstance(p, Mapping) and isinstance(p.get("id"), str) and p["id"]]
    if len(ids) != 1:
        what = "no project" if not ids else f"{len(ids)} projects ({', '.join(ids[:5])})"
        raise ConfigError(
            f"IAM lists {what} named {region!r} for this access key; pass project_id= "
            f"(HUAWEICLOUD_SDK_PROJECT_ID) for the project to fetch"
        )
    log.info("AK/SK: the project id of region %s looked up with IAM", region)
    return ids[0]


def aksk_region(
    auth: _auth.AkSk, transport: Transport, settings: Mapping[str, Any], target: Target, root: str | None
) -> str | None:
    """The region of an AK/SK fetch, checked; its project id looked up (IAM) when not given and the region known."""
    region = target.region or settings.get("region_name") or (_regions.region_of(root) if root else None)
    if root is None and region is not None:
        _regions.cloud_of(region)  # an unknown region is a ConfigError before anything is sent
    if auth.project_id is None and region is not None:
        try:
            iam = iam_root(settings, region)
        except ConfigError:
            if root is None:
                raise
            iam = None  # an explicit endpoint in a region without a template: sent without X-Project-Id
        if iam is not None:
            auth.project_id = lookup_project(transport, iam, region)
    return region


def target_folders(targets: list[Target]) -> list[str]:
    """One snapshot folder name per target: its cloud and region, in safe characters, unique."""
    names: list[str] = []
    for t in targets:
        name = re.sub(r"[^A-Za-z0-9._-]+", "_", "--".join(x for x in (t.cloud, t.region) if x)).strip("._") or "part"
        base, i = name, 1
        while name in names:
            i += 1
            name = f"{base}-{i}"
        names.append(name)
    return names


def failure_record(target: Target, exc: BaseException, secrets: Sequence[str] = ()) -> dict[str, Any]:
    """A failure as plain JSON values, its message scrubbed again with every target's secrets."""
    return {
        "cloud": target.cloud,
        "region": target.region,
        "error": type(exc).__name__,
        "status": getattr(exc, "status", None),
        "message": scrub(str(exc), secrets),
    }


def raise_failures(failed: list[tuple[Target, BaseException]], total: int) -> None:
    first = failed[0][1]
    if (len(failed) == 1 and total == 1) or (
        len(failed) == total and all(isinstance(e, ConfigError) and str(e) == str(first) for _, e in failed)
    ):
        raise first  # one failure, or the same configuration problem everywhere
    text = "; ".join(f"{t.label}: {exc}" for t, exc in failed)
    error = ApiError(f"{len(failed)} of {total} fetches failed: {text}", status=getattr(first, "status", None))
    raise error from first
