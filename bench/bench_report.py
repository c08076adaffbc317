"""Benchmark: ``imgkit report`` on a generated listing, against the load time of the same file.

Writes a synthetic listing with :func:`imgkit.write_listing` (cached in ``--dir``), then
in this one process, for ``--repeat`` rounds: times :func:`imgkit.read_images` on it (the
unit), :func:`imgkit.build_report` on the loaded frame, and the whole command
``imgkit report FILE -o OUT`` (load + report + write, through :func:`imgkit.cli.main`).
Prints medians and the ratios to the load time. Target (issue 5): the command <= 10x the
load time of the same file.

Usage::

    python bench/bench_report.py                      # 100k images, 200 tenants
    flock /tmp/imgkit-bench.lock python bench/bench_report.py --sizes 100000 1000000
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")

import _common  # noqa: E402

import imgkit  # noqa: E402
from imgkit.cli import main as cli_main  # noqa: E402

TARGET = 10.0


def _timed(fn):
    gc.collect()
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def run(n: int, *, directory: Path, n_tenants: int, repeat: int) -> bool:
    path = _common.listing(directory, n, n_tenants)
    out = directory / f"bench_report_{n}.html"
    loads, builds, commands = [], [], []
    for _ in range(repeat):
        seconds, df = _timed(lambda: imgkit.read_images(path, errors="ignore"))
        loads.append(seconds)
        seconds, page = _timed(lambda df=df: imgkit.build_report(df, top=10))
        builds.append(seconds)
        del df
        with contextlib.redirect_stderr(io.StringIO()):  # the command's "wrote ..." line
            seconds, code = _timed(lambda: cli_main(["report", str(path), "-o", str(out)]))
        assert code == 0, f"imgkit report exited with {code}"
        commands.append(seconds)
    load, build, command = (statistics.median(x) for x in (loads, builds, commands))
    print(f"\n{n:,} images, {n_tenants} tenants ({path.stat().st_size / 1e6:.0f} MB), median of {repeat}:")
    print(f"  {'what':<44} {'seconds':>8} {'x load':>7}")
    print(f"  {'read_images(file)  (the unit)':<44} {load:>8.2f} {1.0:>7.2f}")
    print(f"  {'build_report(df)':<44} {build:>8.2f} {build / load:>7.2f}")
    ok = command / load <= TARGET
    flag = "" if ok else f"  > {TARGET:g}x target"
    print(f"  {'imgkit report FILE -o OUT (load + report)':<44} {command:>8.2f} {command / load:>7.2f}{flag}")
    print(f"  report size: {len(page) / 1024:.0f} KiB")
    return ok


def main(argv: list[str] | None = None) -> int:
    return _common.run_sizes(run, __doc__, argv, repeat=3, repeat_help="rounds (median)")


if __name__ == "__main__":
    sys.exit(main())
