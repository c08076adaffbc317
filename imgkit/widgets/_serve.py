"""``imgkit explore``: the :class:`~imgkit.widgets.ImageExplorer` of a listing, served by Voila on loopback (private).

Voila runs a notebook in a kernel and shows only its outputs, with the widget
JavaScript served by the Voila server itself. Two things make it fully
offline:

- the page uses imgkit's Voila template (``imgkit/_voila/voila/templates/imgkit``):
  Voila's ``lab`` template without its Font Awesome link to a CDN (voila issue
  539; the icons come from Voila's own bundle) and without nbconvert's mermaid.js
  import;
- the kernel is this very interpreter (a kernelspec written next to the
  generated notebook), so the served explorer runs the same imgkit.

The server listens on 127.0.0.1 only, in its own process session: Ctrl-C in the
terminal reaches ``imgkit`` alone, which stops Voila (SIGTERM: it shuts its
kernel down and removes its connection files), then removes the notebook.
"""

from __future__ import annotations

import json
import os
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

__all__ = ["explorer_notebook", "free_port", "serve_explorer", "start", "stop"]

_TEMPLATE_ROOT = Path(__file__).parent / "_voila"
_KERNEL = "imgkit-python"
HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def explorer_notebook(source: str | Path, *, as_of: Any = None, rows: int = 20, top: int = 10) -> dict[str, Any]:
    """The notebook (nbformat 4, as a dict) that shows the explorer of `source`.

    Every value is written as a Python literal (``repr``), never as code.
    """
    import html

    as_of_text = None if as_of is None else str(as_of)
    source = str(Path(source).resolve())
    code = (
        "import imgkit\n"
        "from imgkit.widgets import ImageExplorer\n\n"
        f"df = imgkit.read_images({source!r})\n"
        f"explorer = ImageExplorer(df, as_of={as_of_text!r}, rows={int(rows)!r}, top={int(top)!r})\n"
        "explorer"
    )
    title = f"### imgkit explorer: {html.escape(Path(source).name)}"
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": _KERNEL, "display_name": "imgkit (Python)", "language": "python"},
            "language_info": {"name": "python"},
        },
        "cells": [
            {"cell_type": "markdown", "id": "title", "metadata": {}, "source": title},
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


def _voila_command(notebook: Path, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        "--no-browser",
        f"--port={port}",
        "--Voila.port_retries=0",  # the port asked for, or a clear failure
        f"--Voila.ip={HOST}",
        "--template=imgkit",
        "--theme=light",
        "--strip_sources=True",
        "--show_tracebacks=True",
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
    log: IO[bytes] | int | None = subprocess.DEVNULL,
    timeout: float = 60.0,
) -> tuple[subprocess.Popen[bytes], str]:
    """Start Voila on `source`'s explorer (files in `directory`); return the process and the URL once it listens."""
    try:
        import voila  # noqa: F401
    except ImportError as exc:
        raise ConfigError("`imgkit explore` needs Voila: pip install voila (or imgkit[explore])") from exc
    if not Path(source).exists():
        raise FileNotFoundError(f"{source}: no such file or directory")
    port = free_port() if port is None else int(port)
    if not 0 < port < 65536:
        raise ConfigError(f"`port` must be between 1 and 65535, got {port}")
    notebook, env = _prepare(Path(directory), explorer_notebook(source, as_of=as_of, rows=rows, top=top))
    proc = subprocess.Popen(
        _voila_command(notebook, port),
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
    return proc, f"http://{HOST}:{port}/"


def serve_explorer(
    source: str | Path,
    *,
    port: int | None = None,
    as_of: Any = None,
    rows: int = 20,
    top: int = 10,
    announce: Callable[[str], None] = print,
) -> int:
    """Serve the explorer of `source` until Ctrl-C (or until Voila exits); returns 0 when stopped by Ctrl-C."""
    directory = tempfile.mkdtemp(prefix="imgkit-explore-")
    proc = None
    try:
        proc, url = start(source, directory, port=port, as_of=as_of, rows=rows, top=top, log=None)
        announce(url)
        try:
            code = proc.wait()
        except KeyboardInterrupt:
            stop(proc)
            return 0
        return 0 if code == 0 else 1
    finally:
        if proc is not None:
            stop(proc)
        shutil.rmtree(directory, ignore_errors=True)
