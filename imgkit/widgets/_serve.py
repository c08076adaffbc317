"""``imgkit explore``: the :class:`~imgkit.widgets.ImageExplorer` of a listing, served by Voila on loopback (private).

Voila runs a notebook in a kernel and shows only its outputs, with the widget
JavaScript served by the Voila server itself. Two things make it fully
offline:

- the page uses imgkit's Voila template (``imgkit/widgets/_voila/voila/templates/imgkit``):
  Voila's ``lab`` template without its Font Awesome link to a CDN (voila issue
  539; the icons come from Voila's own bundle) and without nbconvert's mermaid.js
  import;
- the kernel is this very interpreter (a kernelspec written next to the
  generated notebook), so the served explorer runs the same imgkit.

The server is locked down (:mod:`imgkit.widgets._voila_app`): it listens on 127.0.0.1
only, answers only requests with the random token of the printed URL (or the cookie a
visit with it sets) and a loopback or ``localhost`` Host header, serves at most
``max_kernels`` pages at once, shuts a page's kernel down when the tab closes (and culls
a kernel left without a page after ``idle_timeout`` seconds), and never shows a
traceback. It runs in its own process session: Ctrl-C, SIGTERM (``kill``, ``systemctl
stop``) or SIGHUP (a closed SSH session) reach ``imgkit`` alone, which stops Voila
(SIGTERM: it shuts every kernel down), then removes the temporary directory (the
notebook, the kernelspec, the kernels' connection files). Should ``imgkit`` itself be
killed outright, Voila notices within a second and stops too.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from imgkit.errors import ConfigError

__all__ = [
    "IDLE_TIMEOUT",
    "MAX_KERNELS",
    "explorer_notebook",
    "free_port",
    "serve_explorer",
    "start",
    "stop",
]

_TEMPLATE_ROOT = Path(__file__).parent / "_voila"
_KERNEL = "imgkit-python"
HOST = "127.0.0.1"
#: Explorer pages (one kernel each) served at once; a visit beyond gets 503.
MAX_KERNELS = 4
#: Seconds after which a kernel with no page connected is shut down.
IDLE_TIMEOUT = 120
#: The environment variable that hands the token to Voila (argv is readable by every local user).
TOKEN_ENV = "IMGKIT_EXPLORE_TOKEN"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def explorer_notebook(
    source: str | Path,
    *,
    as_of: Any = None,
    rows: int = 20,
    top: int = 10,
    tenant_names: str | Path | None = None,
) -> dict[str, Any]:
    """The notebook (nbformat 4, as a dict) that shows the explorer of `source`.

    Every value is written as a Python literal (``repr``), never as code. The file
    name is shown by the explorer as escaped text, never as Markdown: a name like
    ``[x](javascript:...).json`` stays text.
    """
    as_of_text = None if as_of is None else str(as_of)
    source = str(Path(source).resolve())
    label = "" if tenant_names is None else f"df = imgkit.label_tenants(df, {str(Path(tenant_names).resolve())!r})\n"
    title = f"imgkit explorer: {Path(source).name}"
    code = (
        "import imgkit\n"
        "from imgkit.widgets import ImageExplorer\n\n"
        f"df = imgkit.read_images({source!r})\n"
        f"{label}"
        f"explorer = ImageExplorer(df, as_of={as_of_text!r}, rows={int(rows)!r}, top={int(top)!r}, title={title!r})\n"
        "explorer"
    )
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": _KERNEL, "display_name": "imgkit (Python)", "language": "python"},
            "language_info": {"name": "python"},
        },
        "cells": [
            {
                "cell_type": "code",
                "id": "explorer",
                "metadata": {},
                "source": code,
                "outputs": [],
                "execution_count": None,
            },
        ],
    }


def _prepare(directory: Path, notebook: dict[str, Any]) -> tuple[Path, dict[str, str]]:
    """Write the notebook and the kernelspec into `directory`; return the notebook path and Voila's environment."""
    kernel_dir = directory / "jupyter" / "kernels" / _KERNEL
    kernel_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "imgkit (Python)",
        "language": "python",
    }
    (kernel_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    path = directory / "imgkit-explorer.ipynb"
    path.write_text(json.dumps(notebook), encoding="utf-8")
    env = dict(os.environ)
    env["JUPYTER_PATH"] = os.pathsep.join(
        p for p in (str(directory / "jupyter"), str(_TEMPLATE_ROOT), env.get("JUPYTER_PATH", "")) if p
    )
    env.setdefault("MPLBACKEND", "Agg")
    return path, env


def _voila_command(notebook: Path, port: int, *, directory: Path, max_kernels: int, idle_timeout: float) -> list[str]:
    """Voila's command line (the token goes through the environment, never argv: ``ps`` shows argv)."""
    manager = "imgkit.widgets._voila_app.ImgkitKernelManager"
    return [
        sys.executable,
        "-m",
        "imgkit.widgets._voila_app",
        str(notebook),
        "--no-browser",
        f"--port={port}",
        "--Voila.port_retries=0",  # the port asked for, or a clear failure
        f"--Voila.ip={HOST}",
        f"--Voila.connection_dir_root={directory}",  # kernel connection files: removed with `directory`
        f"--ImgkitVoila.parent_pid={os.getpid()}",
        "--template=imgkit",
        "--theme=light",
        "--strip_sources=True",
        "--show_tracebacks=False",
        f"--VoilaConfiguration.multi_kernel_manager_class={manager}",
        f"--ImgkitKernelManager.max_kernels={int(max_kernels)}",
        f"--ImgkitKernelManager.cull_idle_timeout={int(idle_timeout)}",
        f"--ImgkitKernelManager.cull_interval={max(1, min(30, int(idle_timeout) // 2))}",
        "--ImgkitKernelManager.cull_connected=False",
    ]


def _wait_listening(proc: subprocess.Popen[bytes], port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ConfigError(f"the Voila server exited with code {proc.returncode} (is port {port} in use?)")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise ConfigError(f"the Voila server did not listen on {HOST}:{port} within {timeout:.0f} s")


def stop(proc: subprocess.Popen[Any], *, timeout: float = 15.0) -> int:
    """Stop a server started by :func:`start` (SIGTERM, then SIGKILL after `timeout` s); its exit code."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return int(proc.returncode)


def start(
    source: str | Path,
    directory: str | Path,
    *,
    port: int | None = None,
    as_of: Any = None,
    rows: int = 20,
    top: int = 10,
    tenant_names: str | Path | None = None,
    max_kernels: int = MAX_KERNELS,
    idle_timeout: float = IDLE_TIMEOUT,
    log: IO[bytes] | int | None = subprocess.DEVNULL,
    timeout: float = 60.0,
) -> tuple[subprocess.Popen[bytes], str]:
    """Start Voila on `source`'s explorer (files in `directory`); return the process and the URL once it listens.

    The URL carries a fresh random token (``?token=...``): without it (or the login
    cookie a visit with it sets) the server answers with its login page, and to any
    Host but a loopback address or ``localhost`` with 403.
    """
    from imgkit._validators import check_positive

    try:
        import voila  # noqa: F401
    except ImportError as exc:
        raise ConfigError("`imgkit explore` needs Voila: pip install voila (or imgkit[explore])") from exc
    if not Path(source).exists():
        raise FileNotFoundError(f"{source}: no such file or directory")
    port = free_port() if port is None else int(port)
    if not 0 < port < 65536:
        raise ConfigError(f"`port` must be between 1 and 65535, got {port}")
    max_kernels = check_positive("max_kernels", max_kernels)
    if isinstance(idle_timeout, bool) or not isinstance(idle_timeout, (int, float)) or not idle_timeout >= 1:
        raise ConfigError(f"`idle_timeout` must be at least 1 (seconds), got {idle_timeout!r}")
    if tenant_names is not None:  # a bad names file is a one-line error now, not a broken page later
        import pandas as pd

        from imgkit.analysis import label_tenants

        label_tenants(pd.DataFrame({"owner": pd.Series([], dtype="string")}), tenant_names)
    notebook, env = _prepare(
        Path(directory), explorer_notebook(source, as_of=as_of, rows=rows, top=top, tenant_names=tenant_names)
    )
    token = secrets.token_urlsafe(24)
    env[TOKEN_ENV] = token
    command = _voila_command(
        notebook, port, directory=Path(directory), max_kernels=max_kernels, idle_timeout=idle_timeout
    )
    proc = subprocess.Popen(
        command,
        cwd=directory,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT if log is not None else None,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C in the terminal reaches imgkit, which stops the server in order
    )
    try:
        _wait_listening(proc, port, timeout)
    except BaseException:
        stop(proc)
        raise
    return proc, f"http://{HOST}:{port}/?token={token}"


class _Stop(Exception):
    """SIGTERM or SIGHUP reached ``imgkit explore``."""


def _raise_stop(signum: int, frame: Any) -> None:
    raise _Stop(signum)


def serve_explorer(
    source: str | Path,
    *,
    port: int | None = None,
    as_of: Any = None,
    rows: int = 20,
    top: int = 10,
    tenant_names: str | Path | None = None,
    max_kernels: int = MAX_KERNELS,
    idle_timeout: float = IDLE_TIMEOUT,
    announce: Callable[[str], None] = print,
) -> int:
    """Serve the explorer of `source` until Ctrl-C, SIGTERM or SIGHUP (or until Voila exits).

    Every way to stop it stops Voila (which shuts every kernel down) and removes the
    temporary directory (the notebook, the kernelspec, the kernels' connection files).
    Returns 0 when stopped by a signal, 1 when Voila exited by itself with an error.
    """
    handled = (signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, _raise_stop) for sig in handled}
    directory = tempfile.mkdtemp(prefix="imgkit-explore-")
    proc = None
    try:
        proc, url = start(
            source,
            directory,
            port=port,
            as_of=as_of,
            rows=rows,
            top=top,
            tenant_names=tenant_names,
            max_kernels=max_kernels,
            idle_timeout=idle_timeout,
            log=None,
        )
        announce(url)
        try:
            code = proc.wait()
        except (KeyboardInterrupt, _Stop):
            stop(proc)
            return 0
        return 0 if code == 0 else 1
    except _Stop:  # while starting
        return 0
    finally:
        try:
            if proc is not None:
                stop(proc)
            shutil.rmtree(directory, ignore_errors=True)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
