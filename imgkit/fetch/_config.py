"""The options every fetch takes, with their defaults written once."""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import requests

from imgkit._typing import Errors
from imgkit._validators import check_argument
from imgkit.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    pass


#: Concurrent fetches when several clouds / regions are asked for.
MAX_THREADS = 4
#: Default largest body of one successful response (a 1,000-image page is ~1.5 MB).
MAX_BODY = 1 << 30
#: Default most bytes of all the pages of one listing (~3M images): a fetch never holds more.
MAX_TOTAL = 4 << 30


def is_interactive() -> bool:
    try:
        if sys.stderr is not None and sys.stderr.isatty():
            return True
    except (AttributeError, ValueError):
        pass
    ipython = sys.modules.get("IPython")
    shell = getattr(ipython, "get_ipython", lambda: None)() if ipython else None
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


@dataclass
class FetchOptions:
    """What every fetch of one call shares."""

    errors: Errors
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
    #: Largest body of one successful response, and the most bytes of all the pages of one listing.
    max_body: int = MAX_BODY
    max_total: int = MAX_TOTAL


def make_options(
    *, errors: Errors, limit: Any, max_images: Any, retries: Any, max_pages: Any, deadline: Any, **rest: Any
) -> FetchOptions:
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
    for name in ("max_body", "max_total"):
        value = rest.get(name, 1)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"`{name}` must be a positive number of bytes, got {value!r}")
    return FetchOptions(
        errors=errors,
        limit=limit,
        max_images=max_images,
        retries=retries,
        max_pages=max_pages,
        deadline=deadline,
        until=None if deadline is None else time.monotonic() + deadline,
        **rest,
    )


def _check_deadline(deadline: Any) -> None:
    """ConfigError unless `deadline` is None or a positive, finite number of seconds."""
    ok = deadline is None or (
        isinstance(deadline, (int, float))
        and not isinstance(deadline, bool)
        and math.isfinite(deadline)
        and deadline > 0
    )
    if not ok:
        raise ConfigError(f"`deadline` must be a positive number of seconds or None, got {deadline!r}")
