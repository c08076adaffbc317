"""Live listing: pull the image catalogue (and servers, projects) from the cloud into typed frames.

:func:`fetch_images` pages through ``GET /v2/images`` (Glance v2, follows ``next``)
or Huawei's ``GET /v2/cloudimages`` (ListImages, pages by ``marker``), optionally
writes every raw page to a snapshot directory, and types the pages with
:func:`imgkit.read_images` -- the one typing path, so a fetch and a later
``read_images(snapshot_dir)`` give the same frame.  :func:`fetch_servers` does the
same for Nova / ECS ``GET /v2.1/servers/detail`` (typed by :func:`imgkit.read_servers`),
and :func:`fetch_projects` reads Keystone's project names.  Several clouds or regions
are fetched concurrently (``cloud=[...]`` / ``regions=[...]``).

Which API?

``api="images"``
    ``GET /v2/images``: every OpenStack Glance, Open Telekom Cloud, and Huawei Cloud
    (where it is now labelled deprecated and no longer lists Windows images).
``api="cloudimages"``
    ``GET /v2/cloudimages`` (ListImages): Huawei Cloud's recommended listing with the
    extra filters (``enterprise_project_id``, ``architecture``, ``flavor_id``...);
    not available on plain OpenStack.
"""

from __future__ import annotations

import logging
import math
import os
import re
import shutil
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import orjson
import requests

from . import _auth
from ._checks import check_argument
from ._http import RetryPolicy, Transport, origin, redact_url, unsafe_reason
from .errors import ApiError, ConfigError, ImgkitError, ImgkitWarning, PaginationError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["fetch_images", "fetch_projects", "fetch_servers"]

log = logging.getLogger("imgkit.fetch")

APIS = ("images", "cloudimages")
SNAPSHOT_META = "_imgkit_snapshot.json"
_PAGE_NAME = "page-{:06d}.json"
_RESERVED = ("limit", "marker")
#: Concurrent fetches when several clouds / regions are asked for.
MAX_THREADS = 4


def _glance_next(doc: Mapping[str, Any]) -> Any:
    return doc.get("next")


def _nova_next(doc: Mapping[str, Any]) -> Any:
    """The ``href`` of the ``rel: next`` entry of ``servers_links`` (absent on the last page)."""
    links = doc.get("servers_links")
    for link in links if isinstance(links, list) else []:
        if isinstance(link, Mapping) and link.get("rel") == "next":
            return link.get("href") or "(no href)"
    return None


def _keystone_next(doc: Mapping[str, Any]) -> Any:
    links = doc.get("links")
    return links.get("next") if isinstance(links, Mapping) else None


@dataclass(frozen=True)
class _Listing:
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


_IMAGE_SUFFIXES = ("/v2/images", "/v2/cloudimages", "/v2")
#: Glance's api_limit_max is 1000 (larger values are clamped silently); /v2/cloudimages has no documented
#: maximum, so its server default (500) is kept; Nova's osapi_max_limit is 1000.
_LISTINGS = {
    "images": _Listing("images", "/v2/images", "images", "image", 1000, _glance_next, suffixes=_IMAGE_SUFFIXES),
    "cloudimages": _Listing("cloudimages", "/v2/cloudimages", "images", "image", None, _glance_next,
                            marker_paging=True, suffixes=_IMAGE_SUFFIXES),
    # Nova's links carry its configured public host, not necessarily the endpoint's: only the marker is used.
    "servers": _Listing("servers", "/servers/detail", "servers", "compute", 1000, _nova_next, follow_links=False,
                        suffixes=("/servers/detail", "/servers"), version="/v2.1"),
    "projects": _Listing("projects", "/projects", "projects", "identity", None, _keystone_next,
                         suffixes=("/projects",), version="/v3"),
}
_VERSION_SEGMENT = re.compile(r"/v\d+(\.\d+)?(/|$)")


@dataclass
class _Page:
    number: int
    url: str
    raw: bytes
    doc: dict[str, Any]


def _endpoint_root(endpoint: str, listing: _Listing = _LISTINGS["images"]) -> str:
    """Validate `endpoint` and return it without credentials, query, trailing ``/`` or API path.

    >>> _endpoint_root("https://ims.example.com/v2/")
    'https://ims.example.com'
    >>> _endpoint_root("http://nova.example.com:8774", _LISTINGS["servers"])
    'http://nova.example.com:8774/v2.1'
    >>> _endpoint_root("https://ecs.example.com/v2.1/0123abc/servers/detail", _LISTINGS["servers"])
    'https://ecs.example.com/v2.1/0123abc'
    """
    if not isinstance(endpoint, str) or not endpoint.strip():
        raise ConfigError(f"`endpoint` must be an http(s) URL, got {endpoint!r}")
    endpoint = endpoint.strip()
    problem = unsafe_reason(endpoint)
    if problem is not None:
        raise ConfigError(f"`endpoint` must be an http(s) URL such as https://ims.ap-southeast-1.myhuaweicloud.com: "
                          f"{problem}")
    try:
        parts = urlsplit(endpoint)
        shown = redact_url(endpoint)
        scheme_ok = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:
        scheme_ok = False
    if not scheme_ok:
        raise ConfigError(f"`endpoint` must be an http(s) URL such as https://ims.ap-southeast-1.myhuaweicloud.com, "
                          f"got {redact_url(endpoint)!r}")
    try:
        # user info (https://user:pw@host) is dropped, never sent; what is left must be unambiguous
        origin(shown)
    except ValueError as exc:  # the message names the bad part only ("port 99999 is out of range")
        raise ConfigError(f"`endpoint` must be an http(s) URL such as https://ims.ap-southeast-1.myhuaweicloud.com: "
                          f"{exc}") from None
    path = parts.path.rstrip("/")
    for suffix in listing.suffixes:
        if path.endswith(suffix):
            path = path[: -len(suffix)]
            break
    if listing.version and not _VERSION_SEGMENT.search(path):
        path += listing.version
    return redact_url(urlunsplit((parts.scheme.lower(), parts.netloc, path, "", "")))


def _query(filters: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """Filters as query pairs: lists repeat the key, booleans become ``true``/``false``."""
    if filters is None:
        return []
    if not isinstance(filters, Mapping):
        raise ConfigError(f"`filters` must be a mapping of query parameters, got {type(filters).__name__}")
    pairs: list[tuple[str, str]] = []
    for key, value in filters.items():
        if not isinstance(key, str) or not key:
            raise ConfigError(f"filter names must be non-empty strings, got {key!r}")
        if key in _RESERVED:
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
        raise PaginationError(f"page {number}: refusing to follow `next` {link[:100]!r}: it is not a usable link "
                              f"({exc})") from None
    if target_origin != origin(root):
        raise PaginationError(
            f"page {number}: refusing to follow `next` to {redact_url(target).split('?')[0]!r}: it is not on the "
            f"endpoint's scheme/host/port {redact_url(root)!r} (the auth token is never sent elsewhere)"
        )
    return target


def _iter_pages(
    transport: Transport,
    root: str,
    *,
    listing: _Listing,
    query: list[tuple[str, str]],
    limit: int | None,
    max_images: int | None,
    max_pages: int,
) -> Iterator[_Page]:
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
            raise PaginationError(f"page {number}: the listing has more than {max_pages} pages ({total} images so "
                                  f"far); pass a larger max_pages= (or a larger limit=) if that is expected")
        page_key = url + "?" + urlencode(params or [])
        if page_key in seen_urls:
            raise PaginationError(f"page {number}: the server sent the same page link twice "
                                  f"({redact_url(page_key)}): a pagination loop; stopped after {total} {key}")
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
            raise ApiError(f"page {number}: the response has no `{key}` list (keys: "
                           f"{sorted(doc)[:10] if isinstance(doc, dict) else type(doc).__name__})",
                           status=resp.status_code, url=redact_url(resp.url or url))
        if max_images is not None and total + len(images) > max_images:
            log.info("page %d: the server sent %d images, more than the %d asked for", number, len(images),
                     max_images - total)
        last = images[-1].get("id") if images and isinstance(images[-1], dict) else None
        if isinstance(last, str):
            if last in seen_last:
                raise PaginationError(f"page {number}: ends with {key[:-1]} {last!r} again, like page "
                                      f"{seen_last[last]}: a pagination loop; stopped after {total} {key}")
            seen_last[last] = number
        yield _Page(number, redact_url(resp.url or url), raw, doc)
        total += len(images)
        if not images or (max_images is not None and total >= max_images):
            return
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
                raise PaginationError(f"page {number}: marker {marker!r} came back again: a pagination loop; "
                                      f"stopped after {total} {key}")
            seen_markers.add(marker)


def _link_marker(link: Any, number: int) -> str:
    """The ``marker`` of a next link whose host is not used (Nova's ``servers_links``)."""
    try:
        marker = dict(parse_qsl(urlsplit(link).query)).get("marker") if isinstance(link, str) else None
    except ValueError:
        marker = None
    if not marker:
        raise PaginationError(f"page {number}: the next link has no marker to page on: {str(link)[:100]!r}")
    return marker


def _interactive() -> bool:
    try:
        if sys.stderr is not None and sys.stderr.isatty():
            return True
    except (AttributeError, ValueError):
        pass
    ipython = sys.modules.get("IPython")
    shell = getattr(ipython, "get_ipython", lambda: None)() if ipython else None
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _prepare_snapshot(save_to: str | os.PathLike[str]) -> tuple[Path, Path]:
    """(final dir, temporary dir) for a snapshot; refuse to overwrite anything but an old snapshot."""
    final = Path(save_to)
    if final.exists():
        if not final.is_dir():
            raise ConfigError(f"save_to={str(final)!r} exists and is not a directory")
        entries = list(final.iterdir())
        if entries and not (final / SNAPSHOT_META).is_file():
            raise ConfigError(f"save_to={str(final)!r} is not empty and is not an imgkit snapshot; "
                              f"choose a new or empty directory")
        stray = [e.name for e in entries if not (e.name == SNAPSHOT_META or
                                                  (e.name.startswith("page-") and e.suffix == ".json") or
                                                  (e.is_dir() and (e / SNAPSHOT_META).is_file()))]
        if stray:
            raise ConfigError(f"save_to={str(final)!r} holds files that are not part of a snapshot "
                              f"({', '.join(sorted(stray)[:3])}); choose a new or empty directory")
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.parent / f".{final.name}.partial-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    return final, tmp


def _commit_snapshot(final: Path, tmp: Path) -> None:
    if final.exists():
        shutil.rmtree(final)
    tmp.rename(final)


def _utc_now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + "Z"


def fetch_images(
    endpoint: str | None,
    *,
    api: str = "images",
    filters: Mapping[str, Any] | None = None,
    limit: int | None = None,
    max_images: int | None = None,
    token: str | None = None,
    cloud: str | Sequence[str] | None = None,
    regions: Sequence[str] | Mapping[str, str] | None = None,
    session: requests.Session | None = None,
    progress: bool | None = None,
    save_to: str | os.PathLike[str] | None = None,
    errors: str = "warn",
    timeout: float | tuple[float, float] = (10.0, 120.0),
    retries: int = 5,
    verify: bool | str | None = None,
    max_pages: int = 2000,
    deadline: float | None = None,
) -> pd.DataFrame:
    """Fetch the image listing of an IMS / Glance v2 endpoint as the typed frame.

    Pages through the whole listing, retrying throttling (429, honouring
    ``Retry-After``), 502/503/504 and connection errors with bounded exponential
    backoff, then types the pages with :func:`imgkit.read_images`.

    Parameters
    ----------
    endpoint : str or None
        The image service root, e.g. ``https://ims.ap-southeast-1.myhuaweicloud.com``
        (a trailing ``/v2`` is accepted).  None: take the ``image`` endpoint from the
        Keystone catalog (password auth only).
    api : {"images", "cloudimages"}, default "images"
        ``"images"``: ``GET /v2/images`` (Glance v2, OTC, Huawei; follows ``next``).
        ``"cloudimages"``: Huawei's ``GET /v2/cloudimages`` (ListImages), recommended
        on Huawei Cloud; pages by ``marker`` until an empty page (follows a ``next``
        if the server sends one).
    filters : mapping, optional
        Query parameters passed through unchanged: ``status``, ``visibility``,
        ``owner``, ``name``, ``tag``, ``member_status``, ``__platform``,
        ``__imagetype``, ``__os_type``, ``__support_kvm``..., ``created_at`` /
        ``updated_at`` with operators (``"gt:2024-01-01T00:00:00Z"``), ``sort_key``,
        ``sort_dir``.  A list repeats the parameter (``{"tag": ["a", "b"]}``);
        booleans are sent as ``true``/``false``.
    limit : int, optional
        Page size.  Default: 1000 for ``images`` (Glance's maximum; larger values
        are clamped by the server), the server default (500) for ``cloudimages``.
    max_images : int, optional
        Stop after this many images.
    token : str, optional
        An auth token sent as ``X-Auth-Token``.  Default: ``OS_AUTH_TOKEN``, else
        Keystone v3 password auth from `cloud` / ``OS_CLOUD`` (``clouds.yaml``) or
        the ``OS_AUTH_URL``/``OS_USERNAME``/``OS_PASSWORD``... variables, else none.
    cloud : str or list of str, optional
        Name of a ``clouds.yaml`` entry (openstacksdk format and search path).  A list
        fetches each cloud (its ``region_name``, endpoint from its catalog unless
        `endpoint` is given) concurrently; see "Several clouds or regions" below.
    regions : list of str or mapping, optional
        Fetch each region concurrently: a list of region names (each region's endpoint
        is looked up in the Keystone catalog), or a mapping region name -> endpoint.
    session : requests.Session, optional
        Your own session (proxies, adapters, certificates); it is not closed.
    progress : bool, optional
        Show a ``tqdm`` progress bar; default only when interactive.
    save_to : path, optional
        Write each raw page as received to ``DIR/page-000001.json``... and
        ``DIR/_imgkit_snapshot.json`` (endpoint, api, filters, fetched_at, counts;
        never credentials).  ``read_images(DIR)`` gives the same frame.  An existing
        snapshot in DIR is replaced only after the new fetch succeeded.
    errors : {"warn", "raise", "ignore"}, default "warn"
        Passed to :func:`imgkit.read_images`; with several clouds/regions, also what to
        do when some fail (``"raise"``: raise once all have finished).
    timeout : float or (connect, read), default (10, 120)
        Seconds, for every request; besides, each request must be done within
        10 minutes in all -- connect, status line, headers and body -- or it fails
        without a retry (a server dripping bytes cannot hang the fetch).
    retries : int, default 5
        Retries per request for 429/502/503/504, connection errors and unreadable bodies.
    verify : bool or str, optional
        TLS verification (on by default) or a CA bundle path.
    max_pages : int, default 2000
        Refuse to follow more pages than this (``PaginationError``): 2 million images
        at Glance's 1,000 per page.  A broken or hostile server cannot keep a fetch going.
    deadline : float, optional
        Seconds the whole fetch may take, retries and waits included; an ``ApiError``
        when it passes (no wait is started that would end past it).  Default: no limit.

    Returns
    -------
    pandas.DataFrame
        The typed frame; ``df.attrs["imgkit"]`` has ``source`` (the endpoint,
        without credentials), ``api``, ``filters``, ``fetched_at`` (UTC, when the
        listing started) and ``pages``, besides the loader's ``findings``.

    Several clouds or regions
    -------------------------
    With a list for `cloud` or with `regions`, every (cloud, region) is fetched in its
    own thread (at most :data:`MAX_THREADS` at once) with its own credentials, and the
    frames are stacked with two first columns ``cloud`` and ``region`` (categories).
    When some fail, the others are returned: each failure is in
    ``df.attrs["imgkit"]["failures"]`` (cloud, region, error, status, message -- plain
    JSON values) and one :class:`~imgkit.ImgkitWarning` names them (``errors="ignore"``:
    no warning; ``errors="raise"``: an error once all have finished; all failing: an
    error).  ``save_to`` then holds one snapshot folder per cloud/region plus an
    ``_imgkit_snapshot.json`` listing them, and ``read_images(save_to)`` gives the same
    stacked frame back.

    Raises
    ------
    ApiError
        An error answer (status, code, message, request id) or a request that still
        failed after the retries.
    AuthError
        Credentials rejected (after one re-authentication for password auth).
    PaginationError
        A ``next`` link to another host/scheme, a repeating link/marker or page, or a
        stale marker (the image was deleted while paging).
    ConfigError
        Bad options, endpoint, ``clouds.yaml`` or ``save_to``.

    Examples
    --------
    >>> df = imgkit.fetch_images("https://ims.ap-southeast-1.myhuaweicloud.com",
    ...                          filters={"__imagetype": "private"})  # doctest: +SKIP
    >>> imgkit.fetch_images("ftp://example.com")
    Traceback (most recent call last):
    ...
    imgkit.errors.ConfigError: `endpoint` must be an http(s) URL such as https://ims.ap-southeast-1.myhuaweicloud.com, got 'ftp://example.com'
    """
    check_argument("api", APIS, api)
    opts = _options(errors=errors, limit=limit, max_images=max_images, retries=retries, max_pages=max_pages,
                    deadline=deadline, token=token, session=session, timeout=timeout, verify=verify,
                    progress=progress, query=_query(filters))
    return _fetch_frame(_LISTINGS[api], endpoint, cloud, regions, opts, save_to=save_to, typed=_typed)


# ----------------------------------------------------------------------------- one fetch, many fetches


@dataclass
class _Options:
    """What every fetch of one call shares."""

    errors: str
    limit: int | None
    max_images: int | None
    retries: int
    max_pages: int
    token: str | None
    session: requests.Session | None
    timeout: float | tuple[float, float]
    verify: bool | str | None
    progress: bool | None
    query: list[tuple[str, str]]
    deadline: float | None = None
    until: float | None = None


def _options(*, errors: str, limit: Any, max_images: Any, retries: Any, max_pages: Any, deadline: Any,
             **rest: Any) -> _Options:
    """Check the shared options; the whole-fetch deadline starts now."""
    check_argument("errors", ("warn", "raise", "ignore"), errors)
    for name, value in (("limit", limit), ("max_images", max_images)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ConfigError(f"`{name}` must be a positive integer or None, got {value!r}")
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ConfigError(f"`retries` must be a non-negative integer, got {retries!r}")
    if isinstance(max_pages, bool) or not isinstance(max_pages, int) or max_pages < 1:
        raise ConfigError(f"`max_pages` must be a positive integer, got {max_pages!r}")
    _check_deadline(deadline)
    return _Options(errors=errors, limit=limit, max_images=max_images, retries=retries, max_pages=max_pages,
                    deadline=deadline, until=None if deadline is None else time.monotonic() + deadline, **rest)


@dataclass(frozen=True)
class _Target:
    """One (cloud, region) to fetch, with its endpoint when known."""

    cloud: str | None = None
    region: str | None = None
    endpoint: str | None = None

    @property
    def label(self) -> str:
        return "/".join(x for x in (self.cloud, self.region) if x) or "default"


def _targets(endpoint: str | None, cloud: Any, regions: Any) -> tuple[list[_Target], bool]:
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
        return [_Target(c, None, endpoint) for c in clouds], several
    if isinstance(regions, Mapping):
        pairs = list(regions.items())
        if endpoint is not None:
            raise ConfigError("pass either `endpoint` or regions={name: endpoint}, not both")
    elif isinstance(regions, Sequence) and not isinstance(regions, str):
        if endpoint is not None:
            raise ConfigError("regions=[...] looks each region's endpoint up in the Keystone catalog; with explicit "
                              "endpoints pass regions={name: endpoint}")
        pairs = [(r, None) for r in dict.fromkeys(regions)]
    else:
        raise ConfigError(f"`regions` must be a list of region names or a mapping name -> endpoint, got {regions!r}")
    if not pairs or not all(isinstance(r, str) and r for r, _ in pairs):
        raise ConfigError(f"`regions` must name at least one region, each a non-empty string, got {regions!r}")
    return [_Target(c, r, e) for c in clouds for r, e in pairs], True


def _catalog_root(listing: _Listing, auth: Any, settings: Mapping[str, Any], region: str | None) -> str:
    """The listing's endpoint from the Keystone catalog (password auth), never a downgrade to plain http."""
    if listing.service == "identity":
        url = getattr(auth, "auth_url", None) or (settings.get("auth") or {}).get("auth_url")
        if not url:
            raise ConfigError("no Keystone URL: pass `endpoint`, or set auth_url (clouds.yaml) / OS_AUTH_URL")
        return _endpoint_root(str(url), listing)
    if not isinstance(auth, _auth.KeystonePassword):
        raise ConfigError("`endpoint` is required unless Keystone password auth can look it up in the catalog")
    found = settings.get(f"{listing.service}_endpoint_override")
    if not found:
        found = auth.service_endpoint(listing.service, region=region or settings.get("region_name"),
                                      interface=str(settings.get("interface") or "public"))
        if urlsplit(auth.auth_url).scheme.lower() == "https" and urlsplit(found).scheme.lower() != "https":
            raise ConfigError(f"the Keystone catalog (over https) lists a plain-http {listing.service} endpoint "
                              f"{redact_url(found)!r}; the token is not sent over plain http: pass the "
                              f"endpoint explicitly if you mean it")
    return _endpoint_root(found, listing)


def _run(listing: _Listing, target: _Target, opts: _Options,
         snapshot_dir: Path | None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Fetch one listing of one (cloud, region): (page documents, snapshot metadata)."""
    from . import __version__

    root = _endpoint_root(target.endpoint, listing) if target.endpoint is not None else None
    auth, settings = _auth.resolve(opts.token, target.cloud)
    verify = opts.verify if opts.verify is not None else _auth.verify_setting(settings)
    policy = RetryPolicy(retries=opts.retries, timeout=opts.timeout, fetch_deadline=opts.deadline, until=opts.until)
    transport = Transport(opts.session, auth=auth, policy=policy, verify=verify, user_agent=f"imgkit/{__version__}")
    if auth is not None and hasattr(auth, "transport"):
        auth.transport = transport
    try:
        if root is None:
            root = _catalog_root(listing, auth, settings, target.region)
        fetched_at = _utc_now_iso()
        progress = _interactive() if opts.progress is None else bool(opts.progress)
        pages = _collect(
            _iter_pages(transport, root, listing=listing, query=opts.query,
                        limit=opts.limit or listing.default_limit, max_images=opts.max_images,
                        max_pages=opts.max_pages),
            key=listing.key, desc=f"{listing.api} {target.label}".strip(), total=opts.max_images, progress=progress,
            snapshot_dir=snapshot_dir,
        )
        meta = {
            "endpoint": root,
            "api": listing.api,
            "filters": _grouped(opts.query) if len(opts.query) != len({k for k, _ in opts.query})
            else dict(opts.query),
            "fetched_at": fetched_at,
            "pages": len(pages),
            listing.key: sum(len(p.doc[listing.key]) for p in pages),
            "imgkit_version": __version__,
        }
        if target.cloud is not None or target.region is not None:
            meta.update(cloud=target.cloud, region=target.region or settings.get("region_name") or None)
        if snapshot_dir is not None:
            (snapshot_dir / SNAPSHOT_META).write_bytes(orjson.dumps(meta, option=orjson.OPT_INDENT_2))
    except ImgkitError as exc:
        transport.clean_exception(exc)  # no trace of the password or token in anything the server sent
        raise
    finally:
        transport.close()
    docs = [p.doc for p in pages]
    if opts.max_images is not None and meta[listing.key] > opts.max_images:
        docs = _cap(docs, opts.max_images, listing.key)
    return docs, meta


Typer = Callable[[list[dict[str, Any]], dict[str, Any], str], "pd.DataFrame"]


def _fetch_frame(listing: _Listing, endpoint: str | None, cloud: Any, regions: Any, opts: _Options, *,
                 save_to: str | os.PathLike[str] | None, typed: Typer) -> pd.DataFrame:
    """Fetch one or several (cloud, region) listings and type them; snapshots committed only on success."""
    targets, several = _targets(endpoint, cloud, regions)
    snapshot = _prepare_snapshot(save_to) if save_to is not None else None
    try:
        if not several:
            docs, meta = _run(listing, targets[0], opts, snapshot[1] if snapshot else None)
            if snapshot is not None:
                _commit_snapshot(*snapshot)
                snapshot = None
            return typed(docs, meta, opts.errors)
        folders = _folders(targets)
        if snapshot is not None:
            for name in folders:
                (snapshot[1] / name).mkdir()
        results: list[tuple[_Target, str, Any]] = []
        with ThreadPoolExecutor(max_workers=min(MAX_THREADS, len(targets)), thread_name_prefix="imgkit-fetch") as pool:
            futures = [pool.submit(_run, listing, t, opts, snapshot[1] / name if snapshot else None)
                       for t, name in zip(targets, folders)]
            for t, name, fut in zip(targets, folders, futures):
                try:
                    results.append((t, name, fut.result()))
                except ImgkitError as exc:
                    results.append((t, name, exc))
        failed = [(t, exc) for t, _, exc in results if isinstance(exc, BaseException)]
        done = [(t, name, res) for t, name, res in results if not isinstance(res, BaseException)]
        failures = [_failure(t, exc) for t, exc in failed]
        if not done or (failed and opts.errors == "raise"):
            _raise_failures(failed, len(targets))
        parts = [{"cloud": meta.get("cloud"), "region": meta.get("region"), "folder": name}
                 for _, name, (_, meta) in done]
        if snapshot is not None:
            for t, name in zip(targets, folders):
                if t in {t for t, _ in failed}:
                    shutil.rmtree(snapshot[1] / name, ignore_errors=True)
            top = {"parts": parts, "failures": failures, "api": listing.api, "fetched_at": min(
                meta["fetched_at"] for _, _, (_, meta) in done)}
            (snapshot[1] / SNAPSHOT_META).write_bytes(orjson.dumps(top, option=orjson.OPT_INDENT_2))
            _commit_snapshot(*snapshot)
            snapshot = None
        frames = [typed(docs, meta, opts.errors) for _, _, (docs, meta) in done]
        return combine([(meta.get("cloud"), meta.get("region"), df) for (_, _, (_, meta)), df in zip(done, frames)],
                       failures=failures, errors=opts.errors, source=str(save_to) if save_to is not None else None)
    finally:
        if snapshot is not None and snapshot[1].exists():
            shutil.rmtree(snapshot[1], ignore_errors=True)


def _folders(targets: list[_Target]) -> list[str]:
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


def _failure(target: _Target, exc: BaseException) -> dict[str, Any]:
    return {"cloud": target.cloud, "region": target.region, "error": type(exc).__name__,
            "status": getattr(exc, "status", None), "message": str(exc)}


def _raise_failures(failed: list[tuple[_Target, BaseException]], total: int) -> None:
    if len(failed) == 1 and total == 1:
        raise failed[0][1]
    text = "; ".join(f"{t.label}: {exc}" for t, exc in failed)
    error = ApiError(f"{len(failed)} of {total} fetches failed: {text}", status=getattr(failed[0][1], "status", None))
    raise error from failed[0][1]


def combine(parts: Sequence[tuple[str | None, str | None, pd.DataFrame]], *,
            failures: Sequence[Mapping[str, Any]] = (), errors: str = "warn", source: str | None = None
            ) -> pd.DataFrame:
    """Stack the frames of several clouds/regions with ``cloud`` and ``region`` columns first.

    Categories are united, load findings kept (rows renumbered), the parts described in
    ``attrs["imgkit"]["parts"]`` and the failures in ``attrs["imgkit"]["failures"]``; one
    :class:`~imgkit.ImgkitWarning` names the failures unless ``errors="ignore"``.
    Used by the fetches and by :func:`imgkit.read_images` of a several-region snapshot.
    """
    import pandas as pd

    from .schema import ORIGIN_FIELDS
    from .validate import findings_text, loaded_findings

    frames, findings, described = [], [], []
    offset = 0
    for cloud, region, df in parts:
        meta = dict(df.attrs.get("imgkit") or {})
        found = loaded_findings(df)
        found["row"] = found["row"] + offset
        findings.append(found)
        offset += len(df)
        described.append({"cloud": cloud, "region": region, "source": meta.get("source"),
                          "fetched_at": meta.get("fetched_at"), "pages": meta.get("pages"), "rows": len(df)})
        df = df.copy()
        df.attrs = {}
        df.insert(0, "region", region)
        df.insert(0, "cloud", cloud)
        frames.append(df)
    first = dict(parts[0][2].attrs.get("imgkit") or {})
    out = pd.concat(frames, ignore_index=True)
    for col in out.columns:
        kinds = [f[col].dtype for f in frames if col in f.columns]
        if all(isinstance(k, pd.CategoricalDtype) for k in kinds) and not isinstance(out[col].dtype,
                                                                                       pd.CategoricalDtype):
            cats = list(dict.fromkeys(c for f in frames if col in f.columns for c in f[col].cat.categories))
            out[col] = out[col].astype(pd.CategoricalDtype(cats, ordered=bool(kinds[0].ordered)))
    for f in ORIGIN_FIELDS:
        values = [v for v in dict.fromkeys(out[f.column]) if v is not None and v == v]
        out[f.column] = pd.Categorical(out[f.column], categories=values)
    fetched = [p["fetched_at"] for p in described if p["fetched_at"]]
    first.update(source=source or "; ".join(str(p["source"]) for p in described),
                 fetched_at=min(fetched) if fetched else None, parts=described,
                 failures=[dict(x) for x in failures],
                 findings=findings_text(pd.concat(findings, ignore_index=True)))
    for key in ("pages", "files"):
        first.pop(key, None)
    out.attrs = {"imgkit": first}
    if failures and errors != "ignore":
        names = "; ".join(f"{'/'.join(str(x[k]) for k in ('cloud', 'region') if x.get(k)) or '?'}: "
                          f"{str(x.get('message'))[:200]}" for x in failures)
        warnings.warn(f"{len(failures)} of {len(failures) + len(parts)} fetches failed ({names}); the frame holds "
                      f"the others; see df.attrs['imgkit']['failures']", ImgkitWarning, stacklevel=3)
    return out


def read_several(path: Path, reader: Callable[..., pd.DataFrame], **kwargs: Any) -> pd.DataFrame | None:
    """The stacked frame of a several-cloud/region snapshot folder, or None when `path` is not one."""
    try:
        meta_file = Path(path) / SNAPSHOT_META
        meta = orjson.loads(meta_file.read_bytes()) if meta_file.is_file() else None
    except (OSError, ValueError):  # JSON text passed as a path, a name too long, a broken file: not ours to read
        return None
    if not isinstance(meta, dict) or not isinstance(meta.get("parts"), list):
        return None
    parts = []
    for part in meta["parts"]:
        folder = Path(path) / str(part.get("folder"))
        if not folder.is_dir() or folder.resolve().parent != Path(path).resolve():
            from .errors import SourceError

            raise SourceError(f"snapshot part {part.get('folder')!r} is missing", source=str(path))
        df = reader(folder, **kwargs)
        own = orjson.loads((folder / SNAPSHOT_META).read_bytes()) if (folder / SNAPSHOT_META).is_file() else {}
        df.attrs.setdefault("imgkit", {}).setdefault("pages", own.get("pages"))
        parts.append((part.get("cloud"), part.get("region"), df))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImgkitWarning)  # the failures were reported when fetched
        out = combine(parts, failures=meta.get("failures") or [], errors="ignore", source=str(path))
    return out


def _check_deadline(deadline: Any) -> None:
    """ConfigError unless `deadline` is None or a positive, finite number of seconds."""
    ok = deadline is None or (isinstance(deadline, (int, float)) and not isinstance(deadline, bool)
                              and math.isfinite(deadline) and deadline > 0)
    if not ok:
        raise ConfigError(f"`deadline` must be a positive number of seconds or None, got {deadline!r}")


def _grouped(query: Sequence[tuple[str, str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in query:
        if k in out:
            out[k] = (out[k] if isinstance(out[k], list) else [out[k]]) + [v]
        else:
            out[k] = v
    return out


def _cap(docs: list[dict[str, Any]], n: int, key: str = "images") -> list[dict[str, Any]]:
    out = []
    for doc in docs:
        keep = doc[key][:n]
        n -= len(keep)
        out.append({**doc, key: keep})
        if n <= 0:
            break
    return out


def _collect(pages: Iterator[_Page], *, key: str, desc: str, total: int | None, progress: bool,
             snapshot_dir: Path | None) -> list[_Page]:
    """Drain `pages`, writing each raw page to `snapshot_dir` and ticking a progress bar."""
    out: list[_Page] = []
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, unit=f" {key}", desc=desc, leave=True)
    try:
        for page in pages:
            out.append(page)
            if snapshot_dir is not None:
                (snapshot_dir / _PAGE_NAME.format(page.number)).write_bytes(page.raw)
            if bar is not None:
                bar.update(len(page.doc[key]))
                bar.set_postfix(pages=page.number, refresh=False)
    finally:
        if bar is not None:
            bar.close()
    return out


def _typed(docs: list[dict[str, Any]], meta: dict[str, Any], errors: str) -> pd.DataFrame:
    """Type the pages with the loader and record where/when they came from (as a snapshot read would)."""
    import pandas as pd

    from .io import read_images

    df = read_images(docs, errors=errors)
    attrs = df.attrs.setdefault("imgkit", {})
    attrs.update(source=meta["endpoint"], fetched_at=pd.Timestamp(meta["fetched_at"]).isoformat(), api=meta["api"],
                 filters=meta["filters"], pages=meta["pages"])
    return df


def _typed_servers(volumes: Any) -> Typer:
    def typed(docs: list[dict[str, Any]], meta: dict[str, Any], errors: str) -> pd.DataFrame:
        import pandas as pd

        from .servers import read_servers

        df = read_servers(docs, volumes=volumes, errors=errors)
        attrs = df.attrs.setdefault("imgkit", {})
        attrs.update(source=meta["endpoint"], fetched_at=pd.Timestamp(meta["fetched_at"]).isoformat(),
                     api=meta["api"], filters=meta["filters"], pages=meta["pages"])
        return df

    return typed


def fetch_servers(
    endpoint: str | None,
    *,
    all_tenants: bool = True,
    filters: Mapping[str, Any] | None = None,
    limit: int | None = None,
    volumes: Any = None,
    token: str | None = None,
    cloud: str | Sequence[str] | None = None,
    regions: Sequence[str] | Mapping[str, str] | None = None,
    session: requests.Session | None = None,
    progress: bool | None = None,
    save_to: str | os.PathLike[str] | None = None,
    errors: str = "warn",
    timeout: float | tuple[float, float] = (10.0, 120.0),
    retries: int = 5,
    verify: bool | str | None = None,
    max_pages: int = 2000,
    deadline: float | None = None,
) -> pd.DataFrame:
    """Fetch the server listing of a Nova / Huawei ECS endpoint as the typed servers frame.

    Pages through ``GET /v2.1/servers/detail`` by ``marker`` (taken from the
    ``servers_links`` ``next`` link; the link's own host is never contacted), with the
    auth, retries, limits, deadlines and secret handling of :func:`fetch_images`, and
    types the pages with :func:`imgkit.read_servers` (so ``read_servers(save_to)`` gives
    the same frame).

    Parameters
    ----------
    endpoint : str or None
        The compute endpoint, e.g. ``https://ecs.ap-southeast-1.myhuaweicloud.com/v2.1/PROJECT_ID``
        or ``http://nova:8774/v2.1`` (``/v2.1`` is added when the path has no version;
        a trailing ``/servers/detail`` is accepted).  None: the ``compute`` endpoint of
        the Keystone catalog (password auth).
    all_tenants : bool, default True
        Ask for every project's servers (``all_tenants=1``; Nova allows it to admins only
        and answers 403 otherwise -- pass False for the token's own project).
    filters : mapping, optional
        More query parameters (``status``, ``host``, ``changes-since``...), as in
        :func:`fetch_images`.
    limit : int, optional
        Page size; default 1000 (Nova's ``osapi_max_limit``).
    volumes : optional
        A saved Cinder / EVS volume listing to resolve the image of servers booted from a
        volume (see :func:`imgkit.read_servers`).
    token, cloud, regions, session, progress, save_to, errors, timeout, retries, verify, max_pages, deadline
        As for :func:`fetch_images` (``regions`` looks up the ``compute`` endpoints);
        several clouds/regions give ``cloud`` and ``region`` columns.

    Returns
    -------
    pandas.DataFrame
        The frame of :func:`imgkit.read_servers`; ``attrs["imgkit"]`` also has
        ``source`` (the endpoint), ``api`` (``"servers"``), ``filters``, ``fetched_at`` and ``pages``.

    Examples
    --------
    >>> servers = imgkit.fetch_servers("https://ecs.ap-southeast-1.myhuaweicloud.com/v2.1/0123456789abcdef",
    ...                                cloud="mycloud")  # doctest: +SKIP
    >>> imgkit.fetch_servers("http://nova.example.com", all_tenants="yes")
    Traceback (most recent call last):
    ...
    imgkit.errors.ConfigError: `all_tenants` must be True or False, got 'yes'
    """
    if not isinstance(all_tenants, bool):
        raise ConfigError(f"`all_tenants` must be True or False, got {all_tenants!r}")
    query = _query(filters)
    if any(k == "all_tenants" for k, _ in query):
        raise ConfigError("filter 'all_tenants' is managed by fetch_servers; use `all_tenants=`")
    if all_tenants:
        query.insert(0, ("all_tenants", "1"))
    opts = _options(errors=errors, limit=limit, max_images=None, retries=retries, max_pages=max_pages,
                    deadline=deadline, token=token, session=session, timeout=timeout, verify=verify,
                    progress=progress, query=query)
    return _fetch_frame(_LISTINGS["servers"], endpoint, cloud, regions, opts, save_to=save_to,
                        typed=_typed_servers(volumes))


def fetch_projects(
    endpoint: str | None = None,
    *,
    token: str | None = None,
    cloud: str | None = None,
    session: requests.Session | None = None,
    timeout: float | tuple[float, float] = (10.0, 120.0),
    retries: int = 5,
    verify: bool | str | None = None,
    max_pages: int = 2000,
    deadline: float | None = None,
) -> dict[str, str]:
    """Project id -> name from Keystone ``GET /v3/projects`` (what ``label_tenants(df, "keystone")`` uses).

    Same auth, retries, limits and secret handling as :func:`fetch_images`; follows
    ``links.next`` on the same origin only.  A user who may not list every project
    (HTTP 403) gets the projects it can use (``GET /v3/auth/projects``).

    Parameters
    ----------
    endpoint : str, optional
        The Keystone URL (``https://iam.example.com/v3``; ``/v3`` is added when missing).
        Default: ``auth_url`` of the password auth, of the `cloud` entry, or ``OS_AUTH_URL``.
    token, cloud, session, timeout, retries, verify, max_pages, deadline
        As for :func:`fetch_images`.

    Examples
    --------
    >>> imgkit.fetch.fetch_projects(cloud="mycloud")  # doctest: +SKIP
    {'0b6f2c3a9d4e4f1a8c7b6a5d4e3f2a10': 'web-shop', ...}
    """
    opts = _options(errors="ignore", limit=None, max_images=None, retries=retries, max_pages=max_pages,
                    deadline=deadline, token=token, session=session, timeout=timeout, verify=verify,
                    progress=False, query=[])
    if cloud is not None and not isinstance(cloud, str):
        raise ConfigError(f"`cloud` must be a clouds.yaml entry name, got {cloud!r}")
    if endpoint is None and cloud is None and token is not None and os.environ.get("OS_AUTH_URL"):
        endpoint = os.environ["OS_AUTH_URL"]
    listing = _LISTINGS["projects"]
    try:
        docs, _ = _run(listing, _Target(cloud, None, endpoint), opts, None)
    except ApiError as exc:
        if exc.status != 403:
            raise
        docs, _ = _run(replace(listing, path="/auth/projects"), _Target(cloud, None, endpoint), opts, None)
    names: dict[str, str] = {}
    for doc in docs:
        for project in doc["projects"]:
            if isinstance(project, Mapping) and isinstance(project.get("id"), str):
                names[project["id"]] = str(project.get("name") or project["id"])
    return names
