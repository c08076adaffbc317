"""Paging through a listing API: Glance `next` links, Nova markers, Keystone links."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from imgkit.errors import ApiError, ConfigError, PaginationError
from imgkit.fetch._transport import Transport
from imgkit.fetch._urls import origin, redact_url, unsafe_reason

if TYPE_CHECKING:  # pragma: no cover
    pass
from imgkit.io import RESERVED_PARAMS

log = logging.getLogger("imgkit.fetch")


APIS = ("images", "cloudimages")


def _glance_next(doc: Mapping[str, Any]) -> Any:
    return doc.get("next")


def _links_next(key: str) -> Callable[[Mapping[str, Any]], Any]:
    """The ``href`` of the ``rel: next`` entry of `key` (``servers_links``, ``volumes_links``; absent on the last page)."""

    def next_link(doc: Mapping[str, Any]) -> Any:
        links = doc.get(key)
        for link in links if isinstance(links, list) else []:
            if isinstance(link, Mapping) and link.get("rel") == "next":
                return link.get("href") or "(no href)"
        return None

    return next_link


_nova_next = _links_next("servers_links")


def _no_next(doc: Mapping[str, Any]) -> Any:
    return None


def _keystone_next(doc: Mapping[str, Any]) -> Any:
    links = doc.get("links")
    return links.get("next") if isinstance(links, Mapping) else None


@dataclass(frozen=True)
class Listing:
    """How one API lists: where, under which key, and how it pages."""

    api: str
    #: Appended to the endpoint root.
    path: str
    #: The list in each page.
    key: str
    #: Catalog service type of its endpoint.
    service: str
    #: Page size sent when ``limit=None`` (None: the server's default).
    default_limit: int | None
    #: The next link of a page, if any.
    next_link: Callable[[Mapping[str, Any]], Any]
    #: Without a link, page on with the last item's id as ``marker`` until an empty page.
    marker_paging: bool = False
    #: Follow the link itself (same origin only); False: take only its ``marker`` and page on our own URL.
    follow_links: bool = True
    #: Endpoint path suffixes dropped from the endpoint the caller gives.
    suffixes: tuple[str, ...] = ()
    #: Path appended when the endpoint has no version segment.
    version: str = ""
    #: Page by ``start_number``/``limit`` until ``total_number`` (or a short page): Huawei Auto Scaling.
    offset_paging: bool = False
    #: The key of an item's id (the loop checks).
    id_key: str = "id"


_IMAGE_SUFFIXES = ("/v2/images", "/v2/cloudimages", "/v2")


#: Glance's api_limit_max is 1000 (larger values are clamped silently); /v2/cloudimages has no documented
#: maximum, so its server default (500) is kept; Nova's osapi_max_limit is 1000.
LISTINGS = {
    "images": Listing("images", "/v2/images", "images", "image", 1000, _glance_next, suffixes=_IMAGE_SUFFIXES),
    "cloudimages": Listing(
        "cloudimages",
        "/v2/cloudimages",
        "images",
        "image",
        None,
        _glance_next,
        marker_paging=True,
        suffixes=_IMAGE_SUFFIXES,
    ),
    # Nova's links carry its configured public host, not necessarily the endpoint's: only the marker is used.
    "servers": Listing(
        "servers",
        "/servers/detail",
        "servers",
        "compute",
        1000,
        _nova_next,
        follow_links=False,
        suffixes=("/servers/detail", "/servers"),
        version="/v2.1",
    ),
    "projects": Listing(
        "projects", "/projects", "projects", "identity", None, _keystone_next, suffixes=("/projects",), version="/v3"
    ),
    # Cinder / EVS: like Nova, only the marker of volumes_links is used (osapi_max_limit 1000).
    "volumes": Listing(
        "volumes",
        "/volumes/detail",
        "volumes",
        "volume",
        1000,
        _links_next("volumes_links"),
        follow_links=False,
        suffixes=("/volumes/detail", "/volumes"),
    ),
    # Huawei / OTC Auto Scaling: start_number/limit, at most 100 per page.
    "scaling_configurations": Listing(
        "scaling_configurations",
        "/scaling_configuration",
        "scaling_configurations",
        "autoscaling",
        100,
        _no_next,
        suffixes=("/scaling_configuration",),
        offset_paging=True,
        id_key="scaling_configuration_id",
    ),
}


_VERSION_SEGMENT = re.compile(r"/v\d+(\.\d+)?(/|$)")


@dataclass
class Page:
    number: int
    url: str
    raw: bytes
    doc: dict[str, Any]


def endpoint_root(endpoint: str, listing: Listing = LISTINGS["images"]) -> str:
    """Validate `endpoint` and return it without credentials, query, trailing ``/`` or API path.

    >>> endpoint_root("https://ims.example.com/v2/")
    'https://ims.example.com'
    >>> endpoint_root("http://nova.example.com:8774", LISTINGS["servers"])
    'http://nova.example.com:8774/v2.1'
    >>> endpoint_root("https://ecs.example.com/v2.1/0123abc/servers/detail", LISTINGS["servers"])
    'https://ecs.example.com/v2.1/0123abc'
    """
    if not isinstance(endpoint, str) or not endpoint.strip():
        raise ConfigError(f"`endpoint` must be an http(s) URL, got {endpoint!r}")
    endpoint = endpoint.strip()
    problem = unsafe_reason(endpoint)
    if problem is not None:
        raise ConfigError(
            f"`endpoint` must be an http(s) URL such as https://ims.ap-southeast-1.myhuaweicloud.com: {problem}"
        )
    try:
        parts = urlsplit(endpoint)
        shown = redact_url(endpoint)
        scheme_ok = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:
        scheme_ok = False
    if not scheme_ok:
        raise ConfigError(
            f"`endpoint` must be an http(s) URL such as https://ims.ap-southeast-1.myhuaweicloud.com, "
            f"got {redact_url(endpoint)!r}"
        )
    try:
        # user info (https://user:pw@host) is dropped, never sent; what is left must be unambiguous
        origin(shown)
    except ValueError as exc:  # the message names the bad part only ("port 99999 is out of range")
        raise ConfigError(
            f"`endpoint` must be an http(s) URL such as https://ims.ap-southeast-1.myhuaweicloud.com: {exc}"
        ) from None
    path = parts.path.rstrip("/")
    for suffix in listing.suffixes:
        if path.endswith(suffix):
            path = path[: -len(suffix)]
            break
    if listing.version and not _VERSION_SEGMENT.search(path):
        path += listing.version
    return redact_url(urlunsplit((parts.scheme.lower(), parts.netloc, path, "", "")))


def query_pairs(filters: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """Filters as query pairs: lists repeat the key, booleans become ``true``/``false``."""
    if filters is None:
        return []
    if not isinstance(filters, Mapping):
        raise ConfigError(f"`filters` must be a mapping of query parameters, got {type(filters).__name__}")
    pairs: list[tuple[str, str]] = []
    for key, value in filters.items():
        if not isinstance(key, str) or not key:
            raise ConfigError(f"filter names must be non-empty strings, got {key!r}")
        if key in RESERVED_PARAMS:
            raise ConfigError(f"filter {key!r} is managed by fetch_images; use `limit=` / pagination instead")
        values = value if isinstance(value, (list, tuple, set, frozenset)) else [value]
        for v in values:
            if v is None:
                continue
            pairs.append((key, ("true" if v else "false") if isinstance(v, bool) else str(v)))
    return pairs


def _with_limit(url: str, limit: int) -> str:
    """`url` with its ``limit`` query parameter set to `limit`."""
    parts = urlsplit(url)
    q = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "limit"]
    q.append(("limit", str(limit)))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(q), parts.fragment))


def _resolve_next(root: str, current: str, link: Any, number: int) -> str:
    """Absolute URL of a ``next`` link; PaginationError for another host/scheme or a bad value."""
    if not isinstance(link, str) or not link.strip():
        raise PaginationError(f"page {number}: `next` is not a link: {str(link)[:100]!r}")
    link = link.strip()
    problem = unsafe_reason(link)
    if problem is not None:
        raise PaginationError(f"page {number}: refusing to follow `next` {link[:100]!r}: {problem}")
    try:
        parts = urlsplit(link)
        if parts.scheme or parts.netloc:
            target = urljoin(current, link)
        elif link.startswith("/v"):
            # Glance builds next as "/v2/images?..." from the API root: keep any path prefix
            # of the endpoint (https://host/image -> https://host/image/v2/images?...).
            target = root + link
        else:
            target = urljoin(current, link)
        target_origin = origin(target)
    except ValueError as exc:
        raise PaginationError(
            f"page {number}: refusing to follow `next` {link[:100]!r}: it is not a usable link ({exc})"
        ) from None
    if target_origin != origin(root):
        raise PaginationError(
            f"page {number}: refusing to follow `next` to {redact_url(target).split('?')[0]!r}: it is not on the "
            f"endpoint's scheme/host/port {redact_url(root)!r} (the auth token is never sent elsewhere)"
        )
    return target


def iter_pages(
    transport: Transport,
    root: str,
    *,
    listing: Listing,
    query: list[tuple[str, str]],
    limit: int | None,
    max_images: int | None,
    max_pages: int,
) -> Iterator[Page]:
    """Yield raw pages until the listing ends or `max_images` items were yielded."""
    url = root + listing.path
    key = listing.key
    base = list(query)

    def page_limit(seen: int) -> int | None:
        if max_images is None:
            return limit
        return min(limit, max_images - seen) if limit else max_images - seen

    n = page_limit(0)
    params: list[tuple[str, str]] | None = base + ([("limit", str(n))] if n else [])
    if listing.offset_paging:
        params = base + [("start_number", "0")] + ([("limit", str(n))] if n else [])
    seen_urls: set[str] = set()
    seen_markers: set[str] = set()
    seen_last: dict[str, int] = {}  # id of each page's last image -> page number
    marker: str | None = None
    used_next = False
    total = 0
    number = 0
    while True:
        number += 1
        if number > max_pages:
            raise PaginationError(
                f"page {number}: the listing has more than {max_pages} pages ({total} images so "
                f"far); pass a larger max_pages= (or a larger limit=) if that is expected"
            )
        page_key = url + "?" + urlencode(params or [])
        if page_key in seen_urls:
            raise PaginationError(
                f"page {number}: the server sent the same page link twice "
                f"({redact_url(page_key)}): a pagination loop; stopped after {total} {key}"
            )
        seen_urls.add(page_key)
        try:
            resp, raw, doc = transport.send("GET", url, params=params)
        except ApiError as exc:
            if marker is not None and exc.status == 400:
                raise PaginationError(
                    f"page {number}: the server rejected marker {marker!r} (HTTP 400: {exc.message}); the image was "
                    f"probably deleted while paging -- fetch again"
                ) from exc
            raise
        images = doc.get(key) if isinstance(doc, dict) else None
        if not isinstance(images, list):
            raise ApiError(
                f"page {number}: the response has no `{key}` list (keys: "
                f"{sorted(doc)[:10] if isinstance(doc, dict) else type(doc).__name__})",
                status=resp.status_code,
                url=redact_url(resp.url or url),
            )
        if max_images is not None and total + len(images) > max_images:
            log.info(
                "page %d: the server sent %d images, more than the %d asked for",
                number,
                len(images),
                max_images - total,
            )
        last = images[-1].get(listing.id_key) if images and isinstance(images[-1], dict) else None
        if isinstance(last, str):
            if last in seen_last:
                raise PaginationError(
                    f"page {number}: ends with {key[:-1]} {last!r} again, like page "
                    f"{seen_last[last]}: a pagination loop; stopped after {total} {key}"
                )
            seen_last[last] = number
        yield Page(number, redact_url(resp.url or url), raw, doc)
        total += len(images)
        if not images or (max_images is not None and total >= max_images):
            return
        if listing.offset_paging:
            n = page_limit(total)
            params = _next_offset(doc, len(images), total, limit, base, n)
            if params is None:
                return
            continue
        link = listing.next_link(doc)
        if link and not listing.follow_links:
            used_next = True
            marker = _link_marker(link, number)
            n = page_limit(total)
            url = root + listing.path
            params = base + ([("limit", str(n))] if n else []) + [("marker", marker)]
        elif link:
            used_next = True
            url = _resolve_next(root, resp.url or url, link, number)
            n = page_limit(total)
            if max_images is not None and n:
                url = _with_limit(url, n)
            params = None
            marker = dict(parse_qsl(urlsplit(url).query)).get("marker")
        elif not listing.marker_paging or used_next:
            return  # Glance, Nova, Keystone (or a cloudimages server that sends links): no next = last page
        else:
            marker = images[-1].get("id") if isinstance(images[-1], dict) else None
            if not isinstance(marker, str) or not marker:
                raise PaginationError(f"page {number}: the last {key[:-1]} has no id to page on (marker)")
            n = page_limit(total)
            url = root + listing.path
            params = base + ([("limit", str(n))] if n else []) + [("marker", marker)]
        if marker is not None:
            if marker in seen_markers:
                raise PaginationError(
                    f"page {number}: marker {marker!r} came back again: a pagination loop; stopped after {total} {key}"
                )
            seen_markers.add(marker)


def _next_offset(
    doc: Mapping[str, Any], count: int, total: int, limit: int | None, base: list[tuple[str, str]], n: int | None
) -> list[tuple[str, str]] | None:
    """The query of the next ``start_number`` page, or None after the last (``total_number`` reached, or short)."""
    reported = doc.get("total_number")
    if isinstance(reported, int) and not isinstance(reported, bool):
        if total >= reported:
            return None
    elif limit and count < limit:
        return None  # no total reported: a short page is the last
    return base + [("start_number", str(total))] + ([("limit", str(n))] if n else [])


def _link_marker(link: Any, number: int) -> str:
    """The ``marker`` of a next link whose host is not used (Nova's ``servers_links``)."""
    try:
        marker = dict(parse_qsl(urlsplit(link).query)).get("marker") if isinstance(link, str) else None
    except ValueError:
        marker = None
    if not marker:
        raise PaginationError(f"page {number}: the next link has no marker to page on: {str(link)[:100]!r}")
    return marker


def grouped_query(query: Sequence[tuple[str, str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in query:
        if k in out:
            out[k] = (out[k] if isinstance(out[k], list) else [out[k]]) + [v]
        else:
            out[k] = v
    return out


def cap_documents(docs: list[dict[str, Any]], n: int, key: str = "images") -> list[dict[str, Any]]:
    out = []
    for doc in docs:
        keep = doc[key][:n]
        n -= len(keep)
        out.append({**doc, key: keep})
        if n <= 0:
            break
    return out
