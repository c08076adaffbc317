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
    not available on plain OpenStack."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import requests

from imgkit._typing import Errors
from imgkit._validators import check_argument
from imgkit.errors import ApiError, ConfigError, ImgkitError
from imgkit.fetch import _auth
from imgkit.fetch._retry import RetryPolicy
from imgkit.fetch._transport import Transport

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
from imgkit.fetch._config import MAX_THREADS, FetchOptions, is_interactive, make_options
from imgkit.fetch._pagination import (
    APIS,
    LISTINGS,
    Listing,
    Page,
    cap_documents,
    endpoint_root,
    grouped_query,
    iter_pages,
    query_pairs,
)
from imgkit.fetch._targets import Target, catalog_root, failure_record, raise_failures, resolve_targets, target_folders
from imgkit.io import PAGE_NAME, SNAPSHOT_META, combine, commit_snapshot, prepare_snapshot


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
    errors: Errors = "warn",
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
        Keep a :term:`snapshot`: write each raw page as received to ``DIR/page-000001.json``... and
        ``DIR/_imgkit_snapshot.json`` (endpoint, api, filters, :term:`fetched_at`, counts;
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

    Notes
    -----
    **Several clouds or regions.**
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
    opts = make_options(
        errors=errors,
        limit=limit,
        max_images=max_images,
        retries=retries,
        max_pages=max_pages,
        deadline=deadline,
        token=token,
        session=session,
        timeout=timeout,
        verify=verify,
        progress=progress,
        query=query_pairs(filters),
    )
    return _fetch_frame(LISTINGS[api], endpoint, cloud, regions, opts, save_to=save_to, typed=_typed)


def _run(
    listing: Listing, target: Target, opts: FetchOptions, snapshot_dir: Path | None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Fetch one listing of one (cloud, region): (page documents, snapshot metadata)."""
    from imgkit._version import __version__

    root = endpoint_root(target.endpoint, listing) if target.endpoint is not None else None
    auth, settings = _auth.resolve(opts.token, target.cloud)
    verify = opts.verify if opts.verify is not None else _auth.verify_setting(settings)
    policy = RetryPolicy(retries=opts.retries, timeout=opts.timeout, fetch_deadline=opts.deadline, until=opts.until)
    transport = Transport(opts.session, auth=auth, policy=policy, verify=verify, user_agent=f"imgkit/{__version__}")
    if auth is not None and hasattr(auth, "transport"):
        auth.transport = transport
    try:
        if root is None:
            root = catalog_root(listing, auth, settings, target.region)
        fetched_at = _utc_now_iso()
        progress = is_interactive() if opts.progress is None else bool(opts.progress)
        pages = _collect(
            iter_pages(
                transport,
                root,
                listing=listing,
                query=opts.query,
                limit=opts.limit or listing.default_limit,
                max_images=opts.max_images,
                max_pages=opts.max_pages,
            ),
            key=listing.key,
            desc=f"{listing.api} {target.label}".strip(),
            total=opts.max_images,
            progress=progress,
            snapshot_dir=snapshot_dir,
        )
        meta: dict[str, Any] = {
            "endpoint": root,
            "api": listing.api,
            "filters": grouped_query(opts.query)
            if len(opts.query) != len({k for k, _ in opts.query})
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
        docs = cap_documents(docs, opts.max_images, listing.key)
    return docs, meta


Typer = Callable[[list[dict[str, Any]], dict[str, Any], Errors], "pd.DataFrame"]


def _fetch_frame(
    listing: Listing,
    endpoint: str | None,
    cloud: Any,
    regions: Any,
    opts: FetchOptions,
    *,
    save_to: str | os.PathLike[str] | None,
    typed: Typer,
) -> pd.DataFrame:
    """Fetch one or several (cloud, region) listings and type them; snapshots committed only on success."""
    targets, several = resolve_targets(endpoint, cloud, regions)
    snapshot = prepare_snapshot(save_to) if save_to is not None else None
    try:
        if not several:
            docs, meta = _run(listing, targets[0], opts, snapshot[1] if snapshot else None)
            if snapshot is not None:
                commit_snapshot(*snapshot)
                snapshot = None
            return typed(docs, meta, opts.errors)
        folders = target_folders(targets)
        if snapshot is not None:
            for name in folders:
                (snapshot[1] / name).mkdir()
        results: list[tuple[Target, str, Any]] = []
        with ThreadPoolExecutor(max_workers=min(MAX_THREADS, len(targets)), thread_name_prefix="imgkit-fetch") as pool:
            futures = [
                pool.submit(_run, listing, t, opts, snapshot[1] / name if snapshot else None)
                for t, name in zip(targets, folders)
            ]
            for t, name, fut in zip(targets, folders, futures):
                try:
                    results.append((t, name, fut.result()))
                except ImgkitError as exc:
                    results.append((t, name, exc))
        failed = [(t, exc) for t, _, exc in results if isinstance(exc, BaseException)]
        done = [(t, name, res) for t, name, res in results if not isinstance(res, BaseException)]
        failures = [failure_record(t, exc) for t, exc in failed]
        if not done or (failed and opts.errors == "raise"):
            raise_failures(failed, len(targets))
        parts = [
            {"cloud": meta.get("cloud"), "region": meta.get("region"), "folder": name} for _, name, (_, meta) in done
        ]
        if snapshot is not None:
            for t, name in zip(targets, folders):
                if t in {t for t, _ in failed}:
                    shutil.rmtree(snapshot[1] / name, ignore_errors=True)
            top = {
                "parts": parts,
                "failures": failures,
                "api": listing.api,
                "fetched_at": min(meta["fetched_at"] for _, _, (_, meta) in done),
            }
            (snapshot[1] / SNAPSHOT_META).write_bytes(orjson.dumps(top, option=orjson.OPT_INDENT_2))
            commit_snapshot(*snapshot)
            snapshot = None
        frames = [typed(docs, meta, opts.errors) for _, _, (docs, meta) in done]
        return combine(
            [(meta.get("cloud"), meta.get("region"), df) for (_, _, (_, meta)), df in zip(done, frames)],
            failures=failures,
            errors=opts.errors,
            source=str(save_to) if save_to is not None else None,
        )
    finally:
        if snapshot is not None and snapshot[1].exists():
            shutil.rmtree(snapshot[1], ignore_errors=True)


def _collect(
    pages: Iterator[Page], *, key: str, desc: str, total: int | None, progress: bool, snapshot_dir: Path | None
) -> list[Page]:
    """Drain `pages`, writing each raw page to `snapshot_dir` and ticking a progress bar."""
    out: list[Page] = []
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, unit=f" {key}", desc=desc, leave=True)
    try:
        for page in pages:
            out.append(page)
            if snapshot_dir is not None:
                (snapshot_dir / PAGE_NAME.format(page.number)).write_bytes(page.raw)
            if bar is not None:
                bar.update(len(page.doc[key]))
                bar.set_postfix(pages=page.number, refresh=False)
    finally:
        if bar is not None:
            bar.close()
    return out


def _typed(docs: list[dict[str, Any]], meta: dict[str, Any], errors: Errors) -> pd.DataFrame:
    """Type the pages with the loader and record where/when they came from (as a snapshot read would)."""
    import pandas as pd

    from imgkit.io import read_images

    df = read_images(docs, errors=errors)
    attrs = df.attrs.setdefault("imgkit", {})
    attrs.update(
        source=meta["endpoint"],
        fetched_at=pd.Timestamp(meta["fetched_at"]).isoformat(),
        api=meta["api"],
        filters=meta["filters"],
        pages=meta["pages"],
    )
    return df


def _typed_servers(volumes: Any) -> Typer:
    def typed(docs: list[dict[str, Any]], meta: dict[str, Any], errors: Errors) -> pd.DataFrame:
        import pandas as pd

        from imgkit.io import read_servers

        df = read_servers(docs, volumes=volumes, errors=errors)
        attrs = df.attrs.setdefault("imgkit", {})
        attrs.update(
            source=meta["endpoint"],
            fetched_at=pd.Timestamp(meta["fetched_at"]).isoformat(),
            api=meta["api"],
            filters=meta["filters"],
            pages=meta["pages"],
        )
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
    errors: Errors = "warn",
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

    Raises
    ------
    ConfigError
        For a bad option (``all_tenants`` not a bool, an ``all_tenants`` filter) and as
        :func:`fetch_images` raises it.
    ApiError, AuthError, PaginationError
        As :func:`fetch_images` raises them.

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
    query = query_pairs(filters)
    if any(k == "all_tenants" for k, _ in query):
        raise ConfigError("filter 'all_tenants' is managed by fetch_servers; use `all_tenants=`")
    if all_tenants:
        query.insert(0, ("all_tenants", "1"))
    opts = make_options(
        errors=errors,
        limit=limit,
        max_images=None,
        retries=retries,
        max_pages=max_pages,
        deadline=deadline,
        token=token,
        session=session,
        timeout=timeout,
        verify=verify,
        progress=progress,
        query=query,
    )
    return _fetch_frame(
        LISTINGS["servers"], endpoint, cloud, regions, opts, save_to=save_to, typed=_typed_servers(volumes)
    )


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
    opts = make_options(
        errors="ignore",
        limit=None,
        max_images=None,
        retries=retries,
        max_pages=max_pages,
        deadline=deadline,
        token=token,
        session=session,
        timeout=timeout,
        verify=verify,
        progress=False,
        query=[],
    )
    if cloud is not None and not isinstance(cloud, str):
        raise ConfigError(f"`cloud` must be a clouds.yaml entry name, got {cloud!r}")
    if endpoint is None and cloud is None and token is not None and os.environ.get("OS_AUTH_URL"):
        endpoint = os.environ["OS_AUTH_URL"]
    listing = LISTINGS["projects"]
    try:
        docs, _ = _run(listing, Target(cloud, None, endpoint), opts, None)
    except ApiError as exc:
        if exc.status != 403:
            raise
        docs, _ = _run(replace(listing, path="/auth/projects"), Target(cloud, None, endpoint), opts, None)
    names: dict[str, str] = {}
    for doc in docs:
        for project in doc["projects"]:
            if isinstance(project, Mapping) and isinstance(project.get("id"), str):
                names[project["id"]] = str(project.get("name") or project["id"])
    return names
