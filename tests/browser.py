"""Headless Chromium for the ``browser`` tests: Playwright (pip) driving Debian's ``chromium``.

Playwright's own browser download is not reachable here, so it launches the system
Chromium (``/usr/bin/chromium``, ``apt-get install chromium`` in ``.ci/run``) through
``executable_path``, headless, with a fresh profile and everything that would phone
home switched off. :class:`Offline` watches a page: every request and
WebSocket of a page whose host is not 127.0.0.1 (``file:``, ``data:``, ``blob:``
and ``about:`` are local) is aborted and recorded, so a test asserts
``offline.external == []``.

With ``CI=true`` a missing Chromium or Playwright fails the tests; elsewhere they skip.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_SCHEMES = {"file", "data", "blob", "about", "chrome", "devtools"}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1")


def chromium_path() -> str | None:
    """Debian's Chromium, if installed."""
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return True
    return parts.scheme in ("http", "https", "ws", "wss") and parts.hostname == "127.0.0.1"


class Offline:
    """Abort and record every request of `page` that would leave 127.0.0.1 (WebSockets too)."""

    def __init__(self, page: Any) -> None:
        self.external: list[str] = []
        self.requests: list[str] = []
        page.route("**/*", self._route)
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("websocket", lambda ws: None if is_local(ws.url) else self.external.append(ws.url))

    def _route(self, route: Any) -> None:
        url = route.request.url
        if is_local(url):
            route.continue_()
        else:
            self.external.append(url)
            route.abort("blockedbyclient")


def launch(playwright: Any, user_data_dir: Path, **context_options: Any) -> Any:
    """A persistent headless Chromium context with a fresh profile in `user_data_dir`."""
    return playwright.chromium.launch_persistent_context(
        str(user_data_dir),
        executable_path=chromium_path(),
        headless=True,
        args=CHROMIUM_ARGS,
        **context_options,
    )
