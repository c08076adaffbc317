"""Where a fetch goes: endpoint, clouds.yaml cloud, regions from the Keystone catalog."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from imgkit.errors import ApiError, ConfigError
from imgkit.fetch import _auth
from imgkit.fetch._urls import redact_url

if TYPE_CHECKING:  # pragma: no cover
    pass
from imgkit.fetch._pagination import Listing, endpoint_root


@dataclass(frozen=True)
class Target:
    """One (cloud, region) to fetch, with its endpoint when known."""

    cloud: str | None = None
    region: str | None = None
    endpoint: str | None = None

    @property
    def label(self) -> str:
        return "/".join(x for x in (self.cloud, self.region) if x) or "default"


def resolve_targets(endpoint: str | None, cloud: Any, regions: Any) -> tuple[list[Target], bool]:
    """The (cloud, region) pairs asked for, and whether there are several (a list or `regions` given)."""
    if cloud is None or isinstance(cloud, str):
        clouds: list[str | None] = [cloud or None]
        several = False
    elif isinstance(cloud, Sequence) and cloud and all(isinstance(c, str) and c for c in cloud):
        clouds = list(dict.fromkeys(cloud))
        several = True
    else:
        raise ConfigError(f"`cloud` must be a clouds.yaml entry name or a non-empty list of them, got {cloud!r}")
    if regions is None:
        return [Target(c, None, endpoint) for c in clouds], several
    if isinstance(regions, Mapping):
        pairs = list(regions.items())
        if endpoint is not None:
            raise ConfigError("pass either `endpoint` or regions={name: endpoint}, not both")
    elif isinstance(regions, Sequence) and not isinstance(regions, str):
        if endpoint is not None:
            raise ConfigError(
                "regions=[...] looks each region's endpoint up in the Keystone catalog; with explicit "
                "endpoints pass regions={name: endpoint}"
            )
        pairs = [(r, None) for r in dict.fromkeys(regions)]
    else:
        raise ConfigError(f"`regions` must be a list of region names or a mapping name -> endpoint, got {regions!r}")
    if not pairs or not all(isinstance(r, str) and r for r, _ in pairs):
        raise ConfigError(f"`regions` must name at least one region, each a non-empty string, got {regions!r}")
    return [Target(c, r, e) for c in clouds for r, e in pairs], True


def catalog_root(listing: Listing, auth: Any, settings: Mapping[str, Any], region: str | None) -> str:
    """The listing's endpoint from the Keystone catalog (password auth), never a downgrade to plain http."""
    if listing.service == "identity":
        url = getattr(auth, "auth_url", None) or (settings.get("auth") or {}).get("auth_url")
        if not url:
            raise ConfigError("no Keystone URL: pass `endpoint`, or set auth_url (clouds.yaml) / OS_AUTH_URL")
        return endpoint_root(str(url), listing)
    if not isinstance(auth, _auth.KeystonePassword):
        raise ConfigError("`endpoint` is required unless Keystone password auth can look it up in the catalog")
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
    return endpoint_root(found, listing)


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


def failure_record(target: Target, exc: BaseException) -> dict[str, Any]:
    return {
        "cloud": target.cloud,
        "region": target.region,
        "error": type(exc).__name__,
        "status": getattr(exc, "status", None),
        "message": str(exc),
    }


def raise_failures(failed: list[tuple[Target, BaseException]], total: int) -> None:
    if len(failed) == 1 and total == 1:
        raise failed[0][1]
    text = "; ".join(f"{t.label}: {exc}" for t, exc in failed)
    error = ApiError(f"{len(failed)} of {total} fetches failed: {text}", status=getattr(failed[0][1], "status", None))
    raise error from failed[0][1]
