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

import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import orjson

from imgkit._typing import Errors, Source
from imgkit._validators import check_argument
from imgkit.errors import ApiError, ConfigError, ImgkitError, SchemaError
from imgkit.fetch import _auth
from imgkit.fetch._config import MAX_THREADS, FetchConfig, FetchOptions, is_interactive, make_options
from imgkit.fetch._retry import RetryPolicy
from imgkit.fetch._transport import Transport
from imgkit.fetch._urls import redact_url

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
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
from imgkit.fetch._targets import (
    Target,
    aksk_region,
    catalog_root,
    failure_record,
    raise_failures,
    resolve_targets,
    short,
    target_folders,
)
from imgkit.io import PAGE_NAME, SNAPSHOT_META, combine, commit_snapshot, prepare_snapshot

log = logging.getLogger("imgkit.fetch")


def _utc_now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + "Z"


def fetch_images(
    endpoint: str | None,
    *,
    api: str = "images",
    filters: Mapping[str, Any] | None = None,
    limit: int | None = None,
    max_images: int | None = None,
    save_to: str | os.PathLike[str] | None = None,
    config: FetchConfig | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Fetch the image listing of an IMS / Glance v2 endpoint as the typed frame.

    Pages through the whole listing, retrying throttling (429, honouring
    ``Retry-After``), 502/503/504 and connection errors with bounded exponential
    backoff, then types the pages with :func:`imgkit.read_images`.

    Parameters
    ----------
    endpoint : str or None
        The image service root, e.g. ``https://ims.ap-southeast-1.myhuaweicloud.com``
        (a trailing ``/v2`` is accepted).  None: the ``image`` endpoint of the Keystone
        catalog, or with AK/SK the region's template (``fetch_images(None,
        regions=["eu-west-101"], ak=..., sk=...)``).
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
    save_to : path, optional
        Keep a :term:`snapshot`: write each raw page as received to ``DIR/page-000001.json``... and
        ``DIR/_imgkit_snapshot.json`` (endpoint, api, filters, :term:`fetched_at`, counts;
        never credentials).  ``read_images(DIR)`` gives the same frame.  An existing
        snapshot in DIR is replaced only after the new fetch succeeded and its pages
        were typed (a listing the loader refuses leaves no snapshot behind).
    config : FetchConfig, optional
        Credentials, clouds/regions, timeouts, retries, limits and deadlines shared by
        every fetch: :class:`imgkit.FetchConfig`, whose defaults are the defaults here
        (among them a whole-fetch ``deadline`` of 6 hours and ``max_retry_wait`` of 1800 s).
    **options
        Any :class:`imgkit.FetchConfig` field as a keyword, over `config`: ``token``,
        ``ak``, ``sk``, ``project_id``, ``security_token``, ``cloud``, ``regions``,
        ``session``, ``progress``, ``errors`` (passed to :func:`imgkit.read_images`; with
        several clouds/regions also what to do when some fail), ``timeout``, ``retries``,
        ``verify``, ``max_pages``, ``deadline``, ``max_retry_wait``, ``max_workers``,
        ``max_body`` and ``max_total`` (the largest body of one response, 1 GiB, and the
        most bytes all the pages of one listing may add up to, 4 GiB: an ``ApiError``
        past either, never unbounded memory).  Credentials: see the README's
        "Credentials" (every source, first match wins).

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
        FetchConfig.of(config, options, function="fetch_images"),
        limit=limit,
        max_images=max_images,
        query=query_pairs(filters),
    )
    return _fetch_frame(LISTINGS[api], endpoint, opts, save_to=save_to, typed=_typed)


class _Session:
    """The auth, transport and endpoint of one (cloud, region), ready to send; closed by ``with``."""

    def __init__(self, listing: Listing, target: Target, opts: FetchOptions) -> None:
        from imgkit._version import __version__

        cfg = opts.config
        self.listing, self.target, self.opts = listing, target, opts
        self.root = endpoint_root(target.endpoint, listing) if target.endpoint is not None else None
        self.auth, self.settings = _auth.resolve(
            cfg.token, target.cloud, ak=cfg.ak, sk=cfg.sk, project_id=cfg.project_id, security_token=cfg.security_token
        )
        if isinstance(self.auth, _auth.AkSk) and self.auth.project_id and opts.several_regions:
            raise ConfigError(
                "a project id belongs to one region: with several regions leave project_id "
                "(HUAWEICLOUD_SDK_PROJECT_ID) out -- each region's is looked up -- or fetch one region at a time"
            )
        verify = cfg.verify if cfg.verify is not None else _auth.verify_setting(self.settings)
        policy = RetryPolicy(
            retries=cfg.retries,
            timeout=cfg.timeout,
            fetch_deadline=cfg.deadline,
            until=opts.until,
            max_retry_wait=cfg.max_retry_wait,
            max_body=cfg.max_body,
        )
        self.transport = Transport(
            cfg.session, auth=self.auth, policy=policy, verify=verify, user_agent=f"imgkit/{__version__}"
        )
        if self.auth is not None and hasattr(self.auth, "transport"):
            self.auth.transport = self.transport
        self.region: str | None = target.region

    def __enter__(self) -> _Session:
        try:
            if isinstance(self.auth, _auth.AkSk):
                self.region = aksk_region(self.auth, self.transport, self.settings, self.target, self.root)
            if self.root is None:
                self.root = catalog_root(self.listing, self.auth, self.settings, self.region)
        except BaseException as exc:
            self.__exit__(type(exc), exc, None)
            raise
        return self

    def __exit__(self, kind: Any, exc: BaseException | None, tb: Any) -> None:
        try:
            if isinstance(exc, ImgkitError):
                self.transport.clean_exception(exc)  # no trace of a password, token or key the server echoed
        finally:
            self.opts.secrets.extend(self.transport.secrets())
            self.transport.close()

    def meta(self, fetched_at: str, pages: int, count: int) -> dict[str, Any]:
        """The snapshot metadata (never a credential; the project id is not one)."""
        from imgkit._version import __version__

        query = self.opts.query
        meta: dict[str, Any] = {
            "endpoint": self.root,
            "api": self.listing.api,
            "filters": grouped_query(query) if len(query) != len({k for k, _ in query}) else dict(query),
            "fetched_at": fetched_at,
            "pages": pages,
            self.listing.key: count,
            "imgkit_version": __version__,
        }
        if isinstance(self.auth, _auth.AkSk):
            meta["auth"] = "aksk"
            if self.auth.project_id:
                meta["project_id"] = self.auth.project_id
        if self.target.cloud is not None or self.target.region is not None:
            meta.update(cloud=self.target.cloud, region=self.target.region or self.settings.get("region_name") or None)
        return meta


def _run(
    listing: Listing, target: Target, opts: FetchOptions, snapshot_dir: Path | None
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Fetch one listing of one (cloud, region): (page documents, snapshot metadata)."""
    with _Session(listing, target, opts) as s:
        assert s.root is not None
        fetched_at = _utc_now_iso()
        cfg = opts.config
        pages = _collect(
            iter_pages(
                s.transport,
                s.root,
                listing=listing,
                query=opts.query,
                limit=opts.limit or listing.default_limit,
                max_images=opts.max_images,
                max_pages=cfg.max_pages,
            ),
            key=listing.key,
            desc=f"{listing.api} {target.label}".strip(),
            total=opts.max_images,
            progress=is_interactive() if cfg.progress is None else bool(cfg.progress),
            snapshot_dir=snapshot_dir,
            max_total=cfg.max_total,
        )
        meta = s.meta(fetched_at, len(pages), sum(len(p.doc[listing.key]) for p in pages))
        if snapshot_dir is not None:
            (snapshot_dir / SNAPSHOT_META).write_bytes(orjson.dumps(meta, option=orjson.OPT_INDENT_2))
    docs = [p.doc for p in pages]
    if opts.max_images is not None and meta[listing.key] > opts.max_images:
        docs = cap_documents(docs, opts.max_images, listing.key)
    return docs, meta


Typer = Callable[[list[dict[str, Any]], dict[str, Any], Errors], "pd.DataFrame"]
_T = TypeVar("_T")


def _typed_then_commit(type_all: Callable[[], _T], snapshot: tuple[Path, Path] | None) -> _T:
    """Type the pages, then commit the snapshot: a SourceError of the loader commits nothing; findings under
    ``errors="raise"`` (a SchemaError) still commit it, the pages being what the server sent."""
    try:
        out = type_all()
    except SchemaError:
        if snapshot is not None:
            commit_snapshot(*snapshot)
        raise
    if snapshot is not None:
        commit_snapshot(*snapshot)
    return out


Runner = Callable[[Target, FetchOptions, "Path | None"], tuple[list[dict[str, Any]], dict[str, Any]]]


def _fetch_frame(
    listing: Listing,
    endpoint: str | None,
    opts: FetchOptions,
    *,
    save_to: str | os.PathLike[str] | None,
    typed: Typer,
    runner: Runner | None = None,
) -> pd.DataFrame:
    """Fetch one or several (cloud, region) listings and type them; snapshots committed only on success."""
    cfg = opts.config

    def default_run(t: Target, o: FetchOptions, d: Path | None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        return _run(listing, t, o, d)

    run = runner or default_run
    targets, several = resolve_targets(endpoint, cfg.cloud, cfg.regions)
    opts.several_regions = len({t.region for t in targets}) > 1
    snapshot = prepare_snapshot(save_to) if save_to is not None else None
    try:
        if not several:
            docs, meta = run(targets[0], opts, snapshot[1] if snapshot else None)
            # typed before the commit: a listing the loader refuses (SourceError) leaves no snapshot behind
            df = _typed_then_commit(lambda: typed(docs, meta, cfg.errors), snapshot)
            snapshot = None
            return df
        folders = target_folders(targets)
        if snapshot is not None:
            for name in folders:
                (snapshot[1] / name).mkdir()
        results: list[tuple[Target, str, Any]] = []
        with ThreadPoolExecutor(max_workers=min(MAX_THREADS, len(targets)), thread_name_prefix="imgkit-fetch") as pool:
            futures = [
                pool.submit(run, t, opts, snapshot[1] / name if snapshot else None) for t, name in zip(targets, folders)
            ]
            for t, name, fut in zip(targets, folders, futures):
                try:
                    results.append((t, name, fut.result()))
                except ImgkitError as exc:
                    results.append((t, name, exc))
        failed = [(t, exc) for t, _, exc in results if isinstance(exc, BaseException)]
        done = [(t, name, res) for t, name, res in results if not isinstance(res, BaseException)]
        # scrubbed again with every target's secrets: one region's error may echo another's key
        failures = [failure_record(t, exc, opts.secrets) for t, exc in failed]
        if not done or (failed and cfg.errors == "raise"):
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
        frames = _typed_then_commit(lambda: [typed(docs, meta, cfg.errors) for _, _, (docs, meta) in done], snapshot)
        snapshot = None
        return combine(
            [(meta.get("cloud"), meta.get("region"), df) for (_, _, (_, meta)), df in zip(done, frames)],
            failures=failures,
            errors=cfg.errors,
            source=str(save_to) if save_to is not None else None,
        )
    finally:
        if snapshot is not None and snapshot[1].exists():
            shutil.rmtree(snapshot[1], ignore_errors=True)


def _collect(
    pages: Iterator[Page],
    *,
    key: str,
    desc: str,
    total: int | None,
    progress: bool,
    snapshot_dir: Path | None,
    max_total: int,
) -> list[Page]:
    """Drain `pages`, writing each raw page to `snapshot_dir` and ticking a progress bar; at most `max_total` bytes."""
    out: list[Page] = []
    size = 0
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=total, unit=f" {key}", desc=desc, leave=True)
    try:
        for page in pages:
            size += len(page.raw)
            if size > max_total:
                raise ApiError(
                    f"the listing's pages add up to more than max_total={max_total} bytes after page {page.number}; "
                    "refusing to read more (narrow it with filters= or max_images=, or raise max_total)"
                )
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


def _tenant_query(filters: Mapping[str, Any] | None, all_tenants: Any, function: str) -> list[tuple[str, str]]:
    """The query of a Nova/Cinder listing: ``all_tenants=1`` first when asked for, then the filters."""
    if not isinstance(all_tenants, bool):
        raise ConfigError(f"`all_tenants` must be True or False, got {short(all_tenants)}")
    query = query_pairs(filters)
    if any(k == "all_tenants" for k, _ in query):
        raise ConfigError(f"filter 'all_tenants' is managed by {function}; use `all_tenants=`")
    return ([("all_tenants", "1")] if all_tenants else []) + query


def fetch_servers(
    endpoint: str | None,
    *,
    all_tenants: bool = True,
    filters: Mapping[str, Any] | None = None,
    limit: int | None = None,
    volumes: Source | None = None,
    save_to: str | os.PathLike[str] | None = None,
    config: FetchConfig | None = None,
    **options: Any,
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
    save_to, config, **options
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
    query = _tenant_query(filters, all_tenants, "fetch_servers")
    opts = make_options(FetchConfig.of(config, options, function="fetch_servers"), limit=limit, query=query)
    return _fetch_frame(LISTINGS["servers"], endpoint, opts, save_to=save_to, typed=_typed_servers(volumes))


def fetch_projects(
    endpoint: str | None = None,
    *,
    config: FetchConfig | None = None,
    **options: Any,
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
    config, **options
        As for :func:`fetch_images` (one `cloud`; `regions`, `errors` and `progress` are not used).

    Examples
    --------
    >>> imgkit.fetch.fetch_projects(cloud="mycloud")  # doctest: +SKIP
    {'0b6f2c3a9d4e4f1a8c7b6a5d4e3f2a10': 'web-shop', ...}
    """
    cfg = FetchConfig.of(config, options, function="fetch_projects")
    cloud = cfg.cloud
    if cloud is not None and not isinstance(cloud, str):
        raise ConfigError(f"`cloud` must be a clouds.yaml entry name, got {short(cloud)}")
    if endpoint is None and cloud is None and cfg.token is not None and os.environ.get("OS_AUTH_URL"):
        endpoint = os.environ["OS_AUTH_URL"]
    opts = make_options(replace(cfg, errors="ignore", progress=False, regions=None))
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


# ----------------------------------------------------------------------------- references: volumes, AS, members


def _stamped(df: pd.DataFrame, meta: Mapping[str, Any], **extra: Any) -> pd.DataFrame:
    """`df` with where/when it was fetched in ``attrs["imgkit"]`` (as a snapshot read records it)."""
    import pandas as pd

    attrs = df.attrs.setdefault("imgkit", {})
    attrs.update(
        source=meta["endpoint"],
        fetched_at=pd.Timestamp(meta["fetched_at"]).isoformat(),
        api=meta["api"],
        filters=meta.get("filters", {}),
        pages=meta["pages"],
        **extra,
    )
    return df


def _reader(name: str) -> Callable[..., pd.DataFrame]:
    """The :mod:`imgkit.io` reader `name`: the one typing path a fetch and a later read share."""
    import importlib

    reader = getattr(importlib.import_module("imgkit.io"), name, None)
    if reader is None:  # pragma: no cover - the readers ship with the package
        raise ImgkitError(f"imgkit.{name} is not available in this version of imgkit")
    return reader


def fetch_volumes(
    endpoint: str | None,
    *,
    all_tenants: bool = True,
    filters: Mapping[str, Any] | None = None,
    limit: int | None = None,
    save_to: str | os.PathLike[str] | None = None,
    config: FetchConfig | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Fetch the volume listing of a Cinder / Huawei EVS endpoint (``GET /v3/{project_id}/volumes/detail``).

    Pages by ``marker`` (from ``volumes_links``; the link's own host is never contacted),
    with the auth, retries, limits, deadlines, scrubbing and snapshots of
    :func:`fetch_images`, and types the pages with :func:`imgkit.read_volumes` (so
    ``read_volumes(save_to)`` gives the same frame).

    Parameters
    ----------
    endpoint : str or None
        The volume endpoint with its project id, e.g.
        ``https://evs.eu-west-101.myhuaweicloud.com/v3/PROJECT_ID`` (a trailing
        ``/volumes/detail`` is accepted).  None: the ``volume`` endpoint of the Keystone
        catalog, or with AK/SK the region's template.
    all_tenants : bool, default True
        Ask for every project's volumes (``all_tenants=1``).  Allowed to admins only: on
        HTTP 403 the fetch asks again for the project's own volumes, and
        ``attrs["imgkit"]["all_tenants"]`` says which of the two you got.
    filters, limit, save_to, config, **options
        As for :func:`fetch_servers` (page size default 1000).

    Returns
    -------
    pandas.DataFrame
        The frame of :func:`imgkit.read_volumes`, with ``source``, ``api``
        (``"volumes"``), ``filters``, ``fetched_at``, ``pages`` and ``all_tenants`` in
        ``attrs["imgkit"]``.

    Raises
    ------
    ConfigError
        For a bad option (``all_tenants`` not a bool, an ``all_tenants`` filter), and as :func:`fetch_images` raises it.
    ApiError, AuthError, PaginationError
        As :func:`fetch_images` raises them.

    Examples
    --------
    >>> imgkit.fetch_volumes(None, regions=["eu-west-101"])  # doctest: +SKIP
    >>> imgkit.fetch_volumes("http://cinder.example.com/v3/p1", all_tenants="all")
    Traceback (most recent call last):
    ...
    imgkit.errors.ConfigError: `all_tenants` must be True or False, got 'all'
    """
    query = _tenant_query(filters, all_tenants, "fetch_volumes")
    listing = LISTINGS["volumes"]
    opts = make_options(
        FetchConfig.of(config, options, function="fetch_volumes"),
        limit=limit,
        query=query,
    )

    def run(target: Target, o: FetchOptions, snapshot_dir: Path | None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        try:
            return _run(listing, target, o, snapshot_dir)
        except ApiError as exc:
            if not all_tenants or exc.status != 403:
                raise
        log.info("%s: all_tenants refused (403); fetching the project's own volumes", target.label)
        if snapshot_dir is not None:
            for page in snapshot_dir.glob("page-*.json"):
                page.unlink()
        own = [(k, v) for k, v in query if k != "all_tenants"]
        return _run(listing, target, replace(o, query=own), snapshot_dir)

    def typed(docs: list[dict[str, Any]], meta: dict[str, Any], errors: Errors) -> pd.DataFrame:
        every = "all_tenants" in (meta.get("filters") or {})
        return _stamped(_reader("read_volumes")(docs), meta, all_tenants=every)

    return _fetch_frame(listing, endpoint, opts, save_to=save_to, typed=typed, runner=run)


def fetch_scaling_configs(
    endpoint: str | None,
    *,
    filters: Mapping[str, Any] | None = None,
    limit: int | None = None,
    save_to: str | os.PathLike[str] | None = None,
    config: FetchConfig | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Fetch the Auto Scaling configurations (Huawei Cloud / OTC AS) as a typed frame.

    ``GET /autoscaling-api/v1/{project_id}/scaling_configuration``, paged by
    ``start_number``/``limit`` (at most 100 per page) until ``total_number``, with the
    auth, retries, limits, deadlines, scrubbing and snapshots of :func:`fetch_images`;
    typed by :func:`imgkit.read_scaling_configs` (so ``read_scaling_configs(save_to)``
    gives the same frame; the snapshot records ``project_id``).

    Parameters
    ----------
    endpoint : str or None
        ``https://as.REGION.myhuaweicloud.com/autoscaling-api/v1/PROJECT_ID`` (a trailing
        ``/scaling_configuration`` is accepted).  None: with AK/SK the region's template,
        else the ``autoscaling`` endpoint of the Keystone catalog.
    filters : mapping, optional
        ``scaling_configuration_name``, ``image_id``.
    limit : int, optional
        Page size, 1-100 (default 100).
    save_to, config, **options
        As for :func:`fetch_images`.

    Returns
    -------
    pandas.DataFrame
        The frame of :func:`imgkit.read_scaling_configs` (``save_to`` also records the ``project_id``).

    Raises
    ------
    ConfigError
        For a bad option (`limit` outside 1-100, a ``start_number`` filter), and as :func:`fetch_images` raises it.
    ApiError, AuthError, PaginationError
        As :func:`fetch_images` raises them.

    Examples
    --------
    >>> imgkit.fetch_scaling_configs(None, regions=["eu-de"])  # doctest: +SKIP
    >>> imgkit.fetch_scaling_configs("https://as.example.com/autoscaling-api/v1/p1", limit=500)
    Traceback (most recent call last):
    ...
    imgkit.errors.ConfigError: `limit` must be 1-100 for Auto Scaling, got 500
    """
    if isinstance(limit, int) and not isinstance(limit, bool) and not 1 <= limit <= 100:
        raise ConfigError(f"`limit` must be 1-100 for Auto Scaling, got {limit}")
    query = query_pairs(filters)
    if any(k == "start_number" for k, _ in query):
        raise ConfigError("filter 'start_number' is managed by fetch_scaling_configs (paging)")
    opts = make_options(FetchConfig.of(config, options, function="fetch_scaling_configs"), limit=limit, query=query)

    def typed(docs: list[dict[str, Any]], meta: dict[str, Any], errors: Errors) -> pd.DataFrame:
        return _stamped(_reader("read_scaling_configs")(docs, errors=errors), meta)

    return _fetch_frame(LISTINGS["scaling_configurations"], endpoint, opts, save_to=save_to, typed=typed)


#: Visibilities whose images can have members (public and community images cannot).
_SHAREABLE = ("private", "shared")


def _member_images(images: Any) -> list[str]:
    """The ids whose members to fetch: a frame's private/shared images, or the ids given."""
    import pandas as pd

    if isinstance(images, pd.DataFrame):
        if "id" not in images.columns:
            raise ConfigError("`images` must have an `id` column (a frame of imgkit.read_images / fetch_images)")
        rows = images
        if "visibility" in images.columns:
            rows = images[images["visibility"].astype("string").isin(_SHAREABLE).fillna(False).astype(bool)]
        ids = [str(x) for x in rows["id"].dropna()]
    elif isinstance(images, (str, bytes)) or not isinstance(images, (Sequence, set, frozenset, pd.Series)):
        raise ConfigError(f"`images` must be an image frame or a list of image ids, got {short(images)}")
    else:
        ids = list(images)
        bad = [x for x in ids if not isinstance(x, str) or not x]
        if bad:
            raise ConfigError(f"image ids must be non-empty strings, got {short(bad[0])}")
    return list(dict.fromkeys(ids))


def fetch_members(
    endpoint: str | None,
    images: Any,
    *,
    save_to: str | os.PathLike[str] | None = None,
    config: FetchConfig | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Fetch the members of each shareable image (``GET /v2/images/{id}/members``) as a typed frame.

    Only images that can have members are asked about: of an image frame, those with
    ``visibility`` private or shared (not public or community); a list of ids is taken
    as given.  At most ``max_workers`` requests are in flight at once (default 8), with
    the auth, retries, deadlines and scrubbing of :func:`fetch_images` and a progress
    bar.  An image deleted meanwhile (404) or not yours to list (403) is recorded in
    ``attrs["imgkit"]["not_checked"]`` (image id, status) -- never dropped silently.
    Typed by :func:`imgkit.read_members`; ``save_to`` holds one page per image (its
    answer plus ``"image_id"``) and ``image_ids`` in ``_imgkit_snapshot.json``, which
    ``read_members(save_to)`` reads back.

    Parameters
    ----------
    endpoint : str or None
        The image endpoint (as for :func:`fetch_images`).
    images : DataFrame or list of str
        Images from :func:`imgkit.fetch_images` / :func:`imgkit.read_images`, or ids.
    save_to, config, **options
        As for :func:`fetch_images`; one cloud/region per call.

    Returns
    -------
    pandas.DataFrame
        The frame of :func:`imgkit.read_members`: one row per (image, member); the images not
        checked are in ``attrs["imgkit"]["not_checked"]``.

    Raises
    ------
    ConfigError
        For a bad option (several clouds or regions, `images` neither a frame nor a list of ids), and as :func:`fetch_images` raises it.
    ApiError, AuthError, PaginationError
        As :func:`fetch_images` raises them; an answer without a ``members`` list is an :class:`~imgkit.ApiError`.

    Examples
    --------
    >>> members = imgkit.fetch_members(None, images, regions=["eu-west-101"])  # doctest: +SKIP
    >>> imgkit.fetch_members("https://ims.example.com", "img-1")
    Traceback (most recent call last):
    ...
    imgkit.errors.ConfigError: `images` must be an image frame or a list of image ids, got 'img-1'
    """
    ids = _member_images(images)
    cfg = FetchConfig.of(config, options, function="fetch_members")
    targets, _ = resolve_targets(endpoint, cfg.cloud, cfg.regions)
    if len(targets) > 1:
        raise ConfigError("fetch_members fetches one cloud/region per call: pass that region's images and one region")
    listing = replace(LISTINGS["images"], api="members", key="members")

    def run(target: Target, o: FetchOptions, snapshot_dir: Path | None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        with _Session(listing, target, o) as s:
            return _run_members(s, ids, snapshot_dir)

    def typed(docs: list[dict[str, Any]], meta: dict[str, Any], errors: Errors) -> pd.DataFrame:
        return _stamped(_reader("read_members")(docs, errors=errors), meta, not_checked=meta["not_checked"])

    return _fetch_frame(listing, endpoint, make_options(cfg), save_to=save_to, typed=typed, runner=run)


def _run_members(s: _Session, ids: list[str], snapshot_dir: Path | None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Each image's members, at most ``max_workers`` requests at once; pages in the order of `ids`."""
    from urllib.parse import quote

    assert s.root is not None
    root, cfg = s.root, s.opts.config
    fetched_at = _utc_now_iso()

    def one(image_id: str) -> tuple[dict[str, Any] | None, int | None, int]:
        url = f"{root}/v2/images/{quote(image_id, safe='')}/members"
        try:
            _resp, raw, doc = s.transport.send("GET", url)
        except ApiError as exc:
            if exc.status in (403, 404):
                return None, exc.status, 0
            raise
        if not isinstance(doc, dict) or not isinstance(doc.get("members"), list):
            raise ApiError(f"image {image_id}: the answer has no `members` list", url=redact_url(url), method="GET")
        return {**doc, "image_id": image_id}, None, len(raw)

    bar = None
    if is_interactive() if cfg.progress is None else cfg.progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(ids), unit=" images", desc=f"members {s.target.label}".strip(), leave=True)
    results: list[tuple[dict[str, Any] | None, int | None]] = []
    size = 0
    try:
        workers = min(cfg.max_workers, max(1, len(ids)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="imgkit-members") as pool:
            for image_id, (doc, status, nbytes) in zip(ids, pool.map(one, ids)):
                size += nbytes
                if size > cfg.max_total:
                    pool.shutdown(wait=False, cancel_futures=True)
                    raise ApiError(
                        f"the member lists add up to more than max_total={cfg.max_total} bytes at image {image_id}; "
                        "refusing to read more (pass fewer images, or raise max_total)"
                    )
                results.append((doc, status))
                if bar is not None:
                    bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    docs = [doc for doc, _ in results if doc is not None]
    if snapshot_dir is not None:
        for number, doc in enumerate(docs, 1):
            (snapshot_dir / PAGE_NAME.format(number)).write_bytes(orjson.dumps(doc))
    meta = s.meta(fetched_at, len(docs), sum(len(d["members"]) for d in docs))
    meta["image_ids"] = [d["image_id"] for d in docs]
    meta["not_checked"] = [{"image_id": i, "status": st} for i, (doc, st) in zip(ids, results) if doc is None]
    if snapshot_dir is not None:
        (snapshot_dir / SNAPSHOT_META).write_bytes(orjson.dumps(meta, option=orjson.OPT_INDENT_2))
    return docs, meta
