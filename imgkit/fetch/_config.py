"""The options every fetch takes, with their defaults written once (httpx ``_config.py`` style).

:class:`FetchConfig` holds what the fetch functions and ``imgkit fetch`` share: where (``cloud``,
``regions``), who (``token``, ``ak``/``sk``/``project_id``/``security_token``) and how (timeouts,
retries, limits, deadlines, progress, errors).  Each fetch function takes ``config=`` and the same
names as keywords, which override the config's; :class:`FetchOptions` is one call's state.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from imgkit._typing import Errors
from imgkit.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    import requests


#: Concurrent fetches when several clouds / regions are asked for.
MAX_THREADS = 4


def is_interactive() -> bool:
    try:
        if sys.stderr is not None and sys.stderr.isatty():
            return True
    except (AttributeError, ValueError):
        pass
    ipython = sys.modules.get("IPython")
    shell = getattr(ipython, "get_ipython", lambda: None)() if ipython else None
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


#: Seconds a whole fetch may take by default (retries and waits included): a cron job cannot hang for days.
DEFAULT_DEADLINE = 6 * 3600.0
#: Seconds of ``Retry-After`` waits one fetch honours in all by default.
DEFAULT_MAX_RETRY_WAIT = 1800.0

_HIDDEN = ("token", "sk", "security_token")


def _number(
    name: str, value: Any, *, none: bool = False, integer: bool = False, minimum: float = 0.0, strict: bool = True
) -> None:
    if value is None and none:
        return
    ok = isinstance(value, int if integer else (int, float)) and not isinstance(value, bool)
    if ok:
        ok = math.isfinite(value) and (value > minimum if strict else value >= minimum)
    if not ok:
        kind = "integer" if integer else "number"
        bound = f"{'>' if strict else '>='} {minimum:g}"
        raise ConfigError(
            f"`{name}` must be {'an' if integer else 'a'} {kind} {bound}{' or None' if none else ''}, got {_short(value)}"
        )


def _short(value: Any) -> str:
    text = repr(value) if isinstance(value, (int, float, str, bool, type(None))) else f"a {type(value).__name__}"
    return text if len(text) <= 80 else text[:77] + "..."


@dataclass(frozen=True, repr=False)
class FetchConfig:
    """How to fetch: credentials, where, and the limits -- shared by every fetch function and the CLI.

    Parameters
    ----------
    token : str, optional
        An auth token sent as ``X-Auth-Token``.  See "Credentials" in the README for every
        source and their precedence.
    ak, sk : str, optional
        A Huawei Cloud / OTC access key pair: every request is signed (``SDK-HMAC-SHA256``).
        Default: ``HUAWEICLOUD_SDK_AK`` / ``HUAWEICLOUD_SDK_SK``.
    project_id : str, optional
        Sent as ``X-Project-Id`` with AK/SK; looked up per region with IAM
        ``GET /v3/projects?name=REGION`` when not given (``HUAWEICLOUD_SDK_PROJECT_ID``).
    security_token : str, optional
        With temporary AK/SK (STS, agency): sent as ``X-Security-Token``
        (``HUAWEICLOUD_SDK_SECURITY_TOKEN``).
    cloud : str or list of str, optional
        ``clouds.yaml`` entries (openstacksdk format and search path); a list fetches each.
    regions : list of str or mapping, optional
        Region names (endpoints from the Keystone catalog, or with AK/SK from the
        documented Huawei Cloud / OTC templates), or a mapping region -> endpoint.
    session : requests.Session, optional
        Your own session (proxies, adapters, certificates); never closed here.
    progress : bool, optional
        A ``tqdm`` progress bar; default only when interactive.
    errors : {"warn", "raise", "ignore"}, default "warn"
        What the loader does with bad values, and with several clouds/regions what to do
        when some fail.
    timeout : float or (connect, read), default (10, 120)
        Seconds, for every request; each request must also be done within 10 minutes in all.
    retries : int, default 5
        Retries per request for 429/502/503/504, connection errors and unreadable bodies.
    verify : bool or str, optional
        TLS verification (on by default) or a CA bundle path.
    max_pages : int, default 2000
        Refuse to follow more pages than this (``PaginationError``).
    deadline : float or None, default 21600 (6 hours)
        Seconds the whole fetch may take, retries and waits included (``ApiError`` when it
        passes; no wait is started that would end past it).  None: no limit.
    max_retry_wait : float, default 1800
        Seconds of ``Retry-After`` waits honoured in all; a throttling answer that would
        take the total past it is the error.
    max_workers : int, default 8
        Requests in flight at once where a fetch sends many independent ones
        (:func:`imgkit.fetch_members`).

    Examples
    --------
    >>> config = imgkit.FetchConfig(retries=2, deadline=600)
    >>> config.retries, config.deadline, config.max_pages
    (2, 600, 2000)
    >>> imgkit.FetchConfig(token="gAAAAAB-secret", sk="x")  # doctest: +ELLIPSIS
    FetchConfig(token=<hidden>, sk=<hidden>)
    >>> imgkit.FetchConfig(retries=-1)
    Traceback (most recent call last):
    ...
    imgkit.errors.ConfigError: `retries` must be an integer >= 0, got -1
    """

    token: str | None = None
    ak: str | None = None
    sk: str | None = None
    project_id: str | None = None
    security_token: str | None = None
    cloud: str | Sequence[str] | None = None
    regions: Sequence[str] | Mapping[str, str] | None = None
    session: requests.Session | None = None
    progress: bool | None = None
    errors: Errors = "warn"
    timeout: float | tuple[float, float] = (10.0, 120.0)
    retries: int = 5
    verify: bool | str | None = None
    max_pages: int = 2000
    deadline: float | None = DEFAULT_DEADLINE
    max_retry_wait: float = DEFAULT_MAX_RETRY_WAIT
    max_workers: int = 8

    def __post_init__(self) -> None:
        if self.errors not in ("warn", "raise", "ignore"):
            raise ConfigError(f"`errors` must be one of 'warn', 'raise', 'ignore', got {_short(self.errors)}")
        _number("retries", self.retries, integer=True, strict=False)
        _number("max_pages", self.max_pages, integer=True)
        _number("max_workers", self.max_workers, integer=True)
        _number("max_retry_wait", self.max_retry_wait, strict=False)
        if self.deadline is not None and not (
            isinstance(self.deadline, (int, float))
            and not isinstance(self.deadline, bool)
            and math.isfinite(self.deadline)
            and self.deadline > 0
        ):
            raise ConfigError(f"`deadline` must be a positive number of seconds or None, got {_short(self.deadline)}")
        if self.progress is not None and not isinstance(self.progress, bool):
            raise ConfigError(f"`progress` must be True, False or None, got {_short(self.progress)}")

    def __repr__(self) -> str:
        shown = []
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or (f.default is not None and value == f.default and f.name not in _HIDDEN):
                continue
            shown.append(f"{f.name}=<hidden>" if f.name in _HIDDEN else f"{f.name}={_short(value)}")
        return f"FetchConfig({', '.join(shown)})"

    def __reduce__(self) -> Any:
        raise TypeError("a FetchConfig may hold secrets and cannot be pickled")

    @classmethod
    def of(cls, config: FetchConfig | None, options: Mapping[str, Any], *, function: str) -> FetchConfig:
        """`config` (or the defaults) with `options` -- keywords of `function` -- put over it."""
        if config is not None and not isinstance(config, FetchConfig):
            raise ConfigError(f"`config` must be an imgkit.FetchConfig, got {_short(config)}")
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(options) - names)
        if unknown:
            raise TypeError(f"{function}() got an unexpected keyword argument {unknown[0]!r}")
        base = config if config is not None else cls()
        return replace(base, **options) if options else base


@dataclass
class FetchOptions:
    """One call's state: the configuration, the listing's own options, the deadline, the secrets seen."""

    config: FetchConfig
    limit: int | None = None
    max_images: int | None = None
    query: list[tuple[str, str]] = field(default_factory=list)
    #: ``time.monotonic()`` by which the whole fetch must be done (None: no limit).
    until: float | None = None
    #: Several regions: an explicit project id cannot be right for all of them.
    several_regions: bool = False
    #: Every secret in play in any target (revealed): the failures are scrubbed with all of them.
    secrets: list[str] = field(default_factory=list)


def make_options(
    config: FetchConfig,
    *,
    limit: Any = None,
    max_images: Any = None,
    query: list[tuple[str, str]] | None = None,
) -> FetchOptions:
    """Check the listing's options; the whole-fetch deadline starts now."""
    for name, value in (("limit", limit), ("max_images", max_images)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ConfigError(f"`{name}` must be a positive integer or None, got {_short(value)}")
    until = None if config.deadline is None else time.monotonic() + config.deadline
    return FetchOptions(config, limit=limit, max_images=max_images, query=list(query or []), until=until)
