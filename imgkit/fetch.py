"""Live listing: pull the image catalogue from IMS / Glance v2 into the typed frame.

:func:`fetch_images` pages through ``GET /v2/images`` (Glance v2, follows ``next``)
or Huawei's ``GET /v2/cloudimages`` (ListImages, pages by ``marker``), optionally
writes every raw page to a snapshot directory, and types the pages with
:func:`imgkit.read_images` -- the one typing path, so a fetch and a later
``read_images(snapshot_dir)`` give the same frame.

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
import shutil
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import orjson
import requests

from . import _auth
from ._checks import check_argument
from ._http import RetryPolicy, Transport, origin, redact_url, unsafe_reason
from .errors import ApiError, ConfigError, ImgkitError, PaginationError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["fetch_images"]

log = logging.getLogger("imgkit.fetch")

APIS = ("images", "cloudimages")
SNAPSHOT_META = "_imgkit_snapshot.json"
_PAGE_NAME = "page-{:06d}.json"
#: Page size sent when ``limit=None``: Glance's api_limit_max (larger values are clamped
#: silently); /v2/cloudimages has no documented maximum, so its server default (500) is kept.
_DEFAULT_LIMIT = {"images": 1000, "cloudimages": None}
_RESERVED = ("limit", "marker")


@dataclass
class _Page:
    number: int
    url: str
    raw: bytes
    doc: dict[str, Any]


def _endpoint_root(endpoint: str) -> str:
    """Validate `endpoint` and return it without credentials, query, trailing ``/`` or ``/v2``."""
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
    for suffix in ("/v2/images", "/v2/cloudimages", "/v2"):
        if path.endswith(suffix):
            path = path[: -len(suffix)]
            break
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
    api: str,
    query: list[tuple[str, str]],
    limit: int | None,
    max_images: int | None,
    max_pages: int,
) -> Iterator[_Page]:
    """Yield raw pages until the listing ends or `max_images` images were yielded."""
    url = f"{root}/v2/{api}"
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
        key = url + "?" + urlencode(params or [])
        if key in seen_urls:
            raise PaginationError(f"page {number}: the server sent the same page link twice ({redact_url(key)}): "
                                  f"a pagination loop; stopped after {total} images")
        seen_urls.add(key)
        try:
            resp, raw, doc = transport.send("GET", url, params=params)
        except ApiError as exc:
            if marker is not None and exc.status == 400:
                raise PaginationError(
                    f"page {number}: the server rejected marker {marker!r} (HTTP 400: {exc.message}); the image was "
                    f"probably deleted while paging -- fetch again"
                ) from exc
            raise
        images = doc.get("images") if isinstance(doc, dict) else None
        if not isinstance(images, list):
            raise ApiError(f"page {number}: the response has no `images` list (keys: "
                           f"{sorted(doc)[:10] if isinstance(doc, dict) else type(doc).__name__})",
                           status=resp.status_code, url=redact_url(resp.url or url))
        if max_images is not None and total + len(images) > max_images:
            log.info("page %d: the server sent %d images, more than the %d asked for", number, len(images),
                     max_images - total)
        last = images[-1].get("id") if images and isinstance(images[-1], dict) else None
        if isinstance(last, str):
            if last in seen_last:
                raise PaginationError(f"page {number}: ends with image {last!r} again, like page {seen_last[last]}: "
                                      f"a pagination loop; stopped after {total} images")
            seen_last[last] = number
        yield _Page(number, redact_url(resp.url or url), raw, doc)
        total += len(images)
        if not images or (max_images is not None and total >= max_images):
            return
        link = doc.get("next")
        if link:
            used_next = True
            url = _resolve_next(root, resp.url or url, link, number)
            n = page_limit(total)
            if max_images is not None and n:
                url = _with_limit(url, n)
            params = None
            marker = dict(parse_qsl(urlsplit(url).query)).get("marker")
        elif api == "images" or used_next:
            return  # Glance (or a cloudimages server that sends links): no next = last page
        else:
            marker = images[-1].get("id") if isinstance(images[-1], dict) else None
            if not isinstance(marker, str) or not marker:
                raise PaginationError(f"page {number}: the last image has no id to page on (marker)")
            n = page_limit(total)
            url = f"{root}/v2/{api}"
            params = base + ([("limit", str(n))] if n else []) + [("marker", marker)]
        if marker is not None:
            if marker in seen_markers:
                raise PaginationError(f"page {number}: marker {marker!r} came back again: a pagination loop; "
                                      f"stopped after {total} images")
            seen_markers.add(marker)


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
                                                  (e.name.startswith("page-") and e.suffix == ".json"))]
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
    cloud: str | None = None,
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
    cloud : str, optional
        Name of a ``clouds.yaml`` entry (openstacksdk format and search path).
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
        Passed to :func:`imgkit.read_images`.
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
        listing started) and ``pages``, besides the loader's ``findings``/``columns``.

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
    check_argument("errors", ("warn", "raise", "ignore"), errors)
    for name, value in (("limit", limit), ("max_images", max_images)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ConfigError(f"`{name}` must be a positive integer or None, got {value!r}")
    if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
        raise ConfigError(f"`retries` must be a non-negative integer, got {retries!r}")
    if isinstance(max_pages, bool) or not isinstance(max_pages, int) or max_pages < 1:
        raise ConfigError(f"`max_pages` must be a positive integer, got {max_pages!r}")
    _check_deadline(deadline)
    root = _endpoint_root(endpoint) if endpoint is not None else None
    query = _query(filters)
    auth, settings = _auth.resolve(token, cloud)
    if verify is None:
        verify = _auth.verify_setting(settings)
    from . import __version__

    policy = RetryPolicy(retries=retries, timeout=timeout, fetch_deadline=deadline,
                         until=None if deadline is None else time.monotonic() + deadline)
    transport = Transport(session, auth=auth, policy=policy, verify=verify, user_agent=f"imgkit/{__version__}")
    if auth is not None and hasattr(auth, "transport"):
        auth.transport = transport
    snapshot = _prepare_snapshot(save_to) if save_to is not None else None
    try:
        if root is None:
            if not isinstance(auth, _auth.KeystonePassword):
                raise ConfigError("`endpoint` is required unless Keystone password auth can look it up in the catalog")
            found = settings.get("image_endpoint_override")
            if not found:
                found = auth.image_endpoint(region=settings.get("region_name"),
                                            interface=str(settings.get("interface") or "public"))
                if urlsplit(auth.auth_url).scheme.lower() == "https" and urlsplit(found).scheme.lower() != "https":
                    raise ConfigError(f"the Keystone catalog (over https) lists a plain-http image endpoint "
                                      f"{redact_url(found)!r}; the token is not sent over plain http: pass the "
                                      f"endpoint explicitly if you mean it")
            root = _endpoint_root(found)
        fetched_at = _utc_now_iso()
        pages = _collect(
            _iter_pages(transport, root, api=api, query=query, limit=limit or _DEFAULT_LIMIT[api],
                        max_images=max_images, max_pages=max_pages),
            desc=api, total=max_images, progress=_interactive() if progress is None else bool(progress),
            snapshot_dir=snapshot[1] if snapshot else None,
        )
        n_images = sum(len(p.doc["images"]) for p in pages)
        meta = {
            "endpoint": root,
            "api": api,
            "filters": {k: v for k, v in query},
            "fetched_at": fetched_at,
            "pages": len(pages),
            "images": n_images,
            "imgkit_version": __version__,
        }
        if len(query) != len({k for k, _ in query}):
            meta["filters"] = _grouped(query)
        if snapshot is not None:
            (snapshot[1] / SNAPSHOT_META).write_bytes(orjson.dumps(meta, option=orjson.OPT_INDENT_2))
            _commit_snapshot(*snapshot)
            snapshot = None
    except ImgkitError as exc:
        transport.clean_exception(exc)  # no trace of the password or token in anything the server sent
        raise
    finally:
        transport.close()
        if snapshot is not None and snapshot[1].exists():
            shutil.rmtree(snapshot[1], ignore_errors=True)
    docs = [p.doc for p in pages]
    if max_images is not None and n_images > max_images:
        docs = _cap(docs, max_images)
    return _typed(docs, meta, errors=errors)


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


def _cap(docs: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    out = []
    for doc in docs:
        keep = doc["images"][:n]
        n -= len(keep)
        out.append({**doc, "images": keep})
        if n <= 0:
            break
    return out


def _collect(pages: Iterator[_Page], *, desc: str, total: int | None, progress: bool,
             snapshot_dir: Path | None) -> list[_Page]:
    """Drain `pages`, writing each raw page to `snapshot_dir` and ticking a progress bar."""
    out: list[_Page] = []
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, unit=" images", desc=desc, leave=True)
    try:
        for page in pages:
            out.append(page)
            if snapshot_dir is not None:
                (snapshot_dir / _PAGE_NAME.format(page.number)).write_bytes(page.raw)
            if bar is not None:
                bar.update(len(page.doc["images"]))
                bar.set_postfix(pages=page.number, refresh=False)
    finally:
        if bar is not None:
            bar.close()
    return out


def _typed(docs: list[dict[str, Any]], meta: dict[str, Any], *, errors: str) -> pd.DataFrame:
    """Type the pages with the loader and record where/when they came from (as a snapshot read would)."""
    import pandas as pd

    from .io import read_images

    df = read_images(docs, errors=errors)
    attrs = df.attrs.setdefault("imgkit", {})
    attrs.update(source=meta["endpoint"], fetched_at=pd.Timestamp(meta["fetched_at"]).isoformat(), api=meta["api"],
                 filters=meta["filters"], pages=meta["pages"])
    return df
