"""A real OpenStack Glance (PyPI ``glance``) on loopback, for the integration tests and bench/.

:func:`ensure_glance` installs ``glance==33.0.0`` and ``gunicorn`` into a cached venv
(``$IMGKIT_GLANCE_VENV`` or ``${XDG_CACHE_HOME:-~/.cache}/imgkit/glance-33-venv``) on
first use.  :class:`GlanceServer` writes a config into a state directory (sqlite
database, file store, no Keystone), runs ``glance-manage db_sync``, starts the API
under gunicorn on a free 127.0.0.1 port and waits for ``/healthcheck``.

Auth is the upstream ``context`` middleware without ``authtoken`` (paste flavor
``trusted``): the client sends the headers keystonemiddleware would set
(``X-Identity-Status: Confirmed``, ``X-Project-Id``, ``X-User-Id``, ``X-Roles``), so the
owner of an image is the ``X-Project-Id`` that created it and the normal per-project
rules apply.  ``require_image_format_match = false`` lets small fake files be
uploaded to qcow2/vhd images so they go ``active``.

Command line (for manual runs)::

    python tests/glance_server.py STATE_DIR    # prints the URL, Ctrl-C stops
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

GLANCE_VERSION = "33.0.0"
PACKAGES = [f"glance=={GLANCE_VERSION}", "gunicorn"]


class GlanceUnavailable(RuntimeError):
    """Glance could not be installed or started (the message says why; logs are attached)."""


def venv_dir() -> Path:
    if os.environ.get("IMGKIT_GLANCE_VENV"):
        return Path(os.environ["IMGKIT_GLANCE_VENV"])
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "imgkit" / f"glance-{GLANCE_VERSION.split('.')[0]}-venv"


def _installed(python: Path) -> bool:
    if not python.exists():
        return False
    probe = (
        f"import importlib.metadata as m, glance, gunicorn; raise SystemExit(m.version('glance') != {GLANCE_VERSION!r})"
    )
    return subprocess.run([str(python), "-c", probe], capture_output=True).returncode == 0


def ensure_glance(*, log=print) -> tuple[Path, float]:
    """The venv's bin directory with glance + gunicorn, installing on first use; (bin, install seconds)."""
    venv = venv_dir()
    python = venv / "bin" / "python"
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(str(venv) + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test sessions never install at once
        if _installed(python):
            return venv / "bin", 0.0
        started = time.perf_counter()
        log(f"installing {' '.join(PACKAGES)} into {venv} (first use only)")
        if venv.exists():
            shutil.rmtree(venv)
        steps = [
            [sys.executable, "-m", "venv", str(venv)],
            [str(python), "-m", "pip", "install", "--disable-pip-version-check", "--quiet", *PACKAGES],
        ]
        for cmd in steps:
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0:
                shutil.rmtree(venv, ignore_errors=True)
                raise GlanceUnavailable(
                    f"{' '.join(cmd[:4])} ... failed ({proc.returncode}):\n{(proc.stdout + proc.stderr)[-3000:]}"
                )
        elapsed = time.perf_counter() - started
        log(f"installed Glance {GLANCE_VERSION} in {elapsed:.1f}s")
        return venv / "bin", elapsed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_CONF = """\
[DEFAULT]
debug = false
log_file = {state}/log/glance-api.log
enabled_backends = fs:file
limit_param_default = 25
api_limit_max = 1000

[database]
connection = sqlite:///{state}/glance.sqlite

[paste_deploy]
flavor = trusted
config_file = {state}/etc/glance-api-paste.ini

[glance_store]
default_backend = fs

[fs]
filesystem_store_datadir = {state}/images

[os_glance_staging_store]
filesystem_store_datadir = {state}/staging

[os_glance_tasks_store]
filesystem_store_datadir = {state}/tasks

[image_format]
require_image_format_match = false

[oslo_policy]
enforce_new_defaults = true
enforce_scope = true
"""

# Upstream glance-api-paste.ini, plus a "trusted" pipeline (= keystone minus authtoken).
_PASTE = """\
[composite:glance-api-trusted]
paste.composite_factory = glance.api:root_app_factory
/: api
/healthcheck: healthcheck

[composite:api]
paste.composite_factory = glance.api:pipeline_factory
trusted = cors http_proxy_to_wsgi versionnegotiation osprofiler context rootapp

[composite:rootapp]
paste.composite_factory = glance.api:root_app_factory
/: apiversions
/v2: apiv2app

[app:apiversions]
paste.app_factory = glance.api.versions:create_resource

[app:apiv2app]
paste.app_factory = glance.api.v2.router:API.factory

[app:healthcheck]
paste.app_factory = oslo_middleware:Healthcheck.app_factory
backends = disable_by_file
disable_by_file_path = /nonexistent/glance_healthcheck_disable

[filter:versionnegotiation]
paste.filter_factory = glance.api.middleware.version_negotiation:VersionNegotiationFilter.factory

[filter:context]
paste.filter_factory = glance.api.middleware.context:ContextMiddleware.factory

[filter:osprofiler]
paste.filter_factory = osprofiler.web:WsgiMiddleware.factory

[filter:cors]
paste.filter_factory = oslo_middleware.cors:filter_factory
oslo_config_project = glance
oslo_config_program = glance-api

[filter:http_proxy_to_wsgi]
paste.filter_factory = oslo_middleware:HTTPProxyToWSGI.factory
"""


def headers(project: str, *, admin: bool = False) -> dict[str, str]:
    """What keystonemiddleware would pass on for a token of `project`."""
    return {
        "X-Identity-Status": "Confirmed",
        "X-Project-Id": project,
        "X-User-Id": f"user-{project}",
        "X-Roles": "admin,member,reader" if admin else "member,reader",
    }


class GlanceServer:
    """glance-api under gunicorn in `state`; use as a context manager or call start()/stop()."""

    def __init__(self, state: Path, *, bin_dir: Path, port: int | None = None) -> None:
        self.state = Path(state).resolve()
        self.bin = bin_dir
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def _logs(self) -> str:
        out = []
        for name in ("db_sync.log", "server.out", "glance-api.log"):
            p = self.state / "log" / name
            if p.exists():
                out.append(f"--- {name} ---\n{p.read_text(errors='replace')[-2000:]}")
        return "\n".join(out)

    def start(self, timeout: float = 60.0) -> GlanceServer:
        for sub in ("etc", "images", "staging", "tasks", "log"):
            (self.state / sub).mkdir(parents=True, exist_ok=True)
        (self.state / "etc" / "glance-api.conf").write_text(_CONF.format(state=self.state))
        (self.state / "etc" / "glance-api-paste.ini").write_text(_PASTE)
        with open(self.state / "log" / "db_sync.log", "w") as out:
            rc = subprocess.run(
                [
                    str(self.bin / "glance-manage"),
                    "--config-file",
                    str(self.state / "etc" / "glance-api.conf"),
                    "db_sync",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            ).returncode
        if rc != 0:
            raise GlanceUnavailable(f"glance-manage db_sync failed ({rc})\n{self._logs()}")
        env = dict(os.environ, OS_GLANCE_CONFIG_DIR=str(self.state / "etc"))
        with open(self.state / "log" / "server.out", "w") as out:
            # glance >= 31 has no standalone glance-api: it runs under a WSGI server.  One
            # thread: sqlite answers concurrent writes with "database is locked".
            self.proc = subprocess.Popen(
                [
                    str(self.bin / "gunicorn"),
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    "1",
                    "--worker-class",
                    "gthread",
                    "--threads",
                    "1",
                    "--timeout",
                    "300",
                    "--chdir",
                    str(self.state),
                    "glance.wsgi.api:application",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise GlanceUnavailable(f"glance-api exited with {self.proc.returncode}\n{self._logs()}")
            try:
                with urllib.request.urlopen(self.url + "/healthcheck", timeout=2):
                    return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise GlanceUnavailable(f"glance-api did not answer /healthcheck within {timeout}s\n{self._logs()}")

    def stop(self) -> None:
        """SIGTERM the gunicorn master's process group (it stops its worker), SIGKILL if it lingers."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)

    def __enter__(self) -> GlanceServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


if __name__ == "__main__":  # pragma: no cover - manual use
    bin_dir, _ = ensure_glance()
    with GlanceServer(
        Path(sys.argv[1]), bin_dir=bin_dir, port=int(sys.argv[2]) if len(sys.argv) > 2 else None
    ) as server:
        print(server.url, flush=True)
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass
