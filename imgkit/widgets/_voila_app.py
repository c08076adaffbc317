"""The Voila server ``imgkit explore`` runs: Voila, locked down (``python -m imgkit.widgets._voila_app``).

Voila 0.5 serves with ``allow_remote_access=True`` hard-coded, and its page's shutdown
request (``POST /voila/api/shutdown/<kernel>`` on ``beforeunload``) is refused for a
missing ``_xsrf`` cookie (voila issue 1458), so every visit used to leave a kernel
behind. This subclass:

- takes its token from the environment (``IMGKIT_EXPLORE_TOKEN``; argv is readable by
  every local user) and removes it there, so kernels do not inherit it;
- restores jupyter_server's Host check (loopback addresses and ``localhost`` only: a
  DNS-rebinding page reaching 127.0.0.1 under another name gets 403);
- sets the ``_xsrf`` cookie on the notebook page, so the page's shutdown request works
  and a closed tab ends its kernel;
- caps the kernels (:class:`ImgkitKernelManager`: a visit beyond ``max_kernels`` gets
  503) and, configured by ``imgkit explore``, culls idle kernels no page is connected to;
- stops on SIGHUP as on SIGTERM, and when its parent (``imgkit explore``) is gone.
"""

from __future__ import annotations

import os
import signal
from typing import Any

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from tornado.ioloop import PeriodicCallback
from traitlets import Int
from voila.app import Voila
from voila.tornado.handler import TornadoVoilaHandler

__all__ = ["TOKEN_ENV", "ImgkitKernelManager", "ImgkitVoila", "PageHandler"]

#: The environment variable the token comes in.
TOKEN_ENV = "IMGKIT_EXPLORE_TOKEN"


class ImgkitKernelManager(AsyncMappingKernelManager):
    """The explorer's kernels: at most `max_kernels` at once."""

    max_kernels = Int(4, config=True, help="kernels (open explorer pages) served at once; 0: no limit")

    async def start_kernel(self, *args: Any, **kwargs: Any) -> str:  # type: ignore[override]
        if self.max_kernels and len(self.list_kernel_ids()) >= self.max_kernels:
            raise web.HTTPError(
                503, reason=f"{self.max_kernels} explorer pages are open already: close one, then reload"
            )
        return str(await super().start_kernel(*args, **kwargs))


class PageHandler(TornadoVoilaHandler):
    """Voila's notebook page, with the ``_xsrf`` cookie its shutdown request sends back."""

    async def prepare(self) -> None:
        await super().prepare()
        self.xsrf_token  # noqa: B018  (reading it sets the cookie)


class ImgkitVoila(Voila):
    """Voila with the token from the environment, the Host check, the ``_xsrf`` cookie and a parent watch."""

    parent_pid = Int(0, config=True, help="stop when this process is gone (0: do not watch)")

    def initialize(self, argv: Any = None) -> None:
        token = os.environ.pop(TOKEN_ENV, None)
        if token:
            self.token = token
        super().initialize(argv)
        signal.signal(signal.SIGHUP, self._handle_signal_stop)

    def init_settings(self) -> dict[str, Any]:
        settings: dict[str, Any] = super().init_settings()
        settings["allow_remote_access"] = False
        settings["local_hostnames"] = ["localhost"]
        return settings

    def init_handlers(self) -> list[Any]:
        return [(h[0], PageHandler, *h[2:]) if h[1] is TornadoVoilaHandler else h for h in super().init_handlers()]

    def listen(self) -> None:
        if self.parent_pid:
            PeriodicCallback(self._watch_parent, 1000).start()
        super().listen()

    def _watch_parent(self) -> None:
        if os.getppid() != self.parent_pid:
            self.log.info("imgkit explore (pid %d) is gone: stopping", self.parent_pid)
            self.ioloop.stop()


if __name__ == "__main__":
    ImgkitVoila.launch_instance()
