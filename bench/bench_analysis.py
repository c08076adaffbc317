"""Benchmark: every analysis and plot of imgkit against the load time of the same frame.

Writes a synthetic listing with :func:`imgkit.write_listing` (cached in ``--dir``), loads
it with :func:`imgkit.read_images` (the unit: its wall time in this run), then times each
analysis (median of ``--repeat`` runs) and each plot (drawn on the Agg backend, no
saving; median of ``--repeat-plots`` runs), and prints seconds and the ratio to the load
time. Target (issue 4): every analysis <= 0.2x the load time of the same frame.

Usage::

    python bench/bench_analysis.py                               # 100k images
    flock /tmp/imgkit-bench.lock python bench/bench_analysis.py --sizes 100000 1000000

Run anything with >= 1M images under ``flock /tmp/imgkit-bench.lock`` (GBs of RAM); the
script does not take the lock itself.
"""

from __future__ import annotations

import functools
import gc
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("MPLBACKEND", "Agg")

import _common  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

import imgkit  # noqa: E402

TARGET = 0.2
print = functools.partial(print, flush=True)  # noqa: A001  (progress shows under nohup/flock)


def _analyses(df: pd.DataFrame) -> dict[str, Callable[[], Any]]:
    tenants = df["owner"].value_counts().index[:5].tolist()
    return {
        "os_distribution()": lambda: imgkit.os_distribution(df),
        "os_distribution(by=owner, top=8)": lambda: imgkit.os_distribution(df, by="owner", top=8),
        "os_distribution(by=owner, level=os_version)": lambda: imgkit.os_distribution(
            df, by="owner", level="os_version"
        ),
        "age_profile()": lambda: imgkit.age_profile(df),
        "age_profile(by=owner)": lambda: imgkit.age_profile(df, by="owner"),
        "stale_images(older_than=730D)": lambda: imgkit.stale_images(df, older_than="730D"),
        "creation_timeline()": lambda: imgkit.creation_timeline(df),
        "creation_timeline(by=owner)": lambda: imgkit.creation_timeline(df, by="owner"),
        "feature_support(by=owner)": lambda: imgkit.feature_support(df),
        "tenant_summary()": lambda: imgkit.tenant_summary(df),
        "filter_images(tenants, platforms, features)": lambda: imgkit.filter_images(
            df, tenants=tenants, platforms=["Ubuntu", "CentOS"], features=["uefi"]
        ),
        "filter_images(created_between)": lambda: imgkit.filter_images(
            df, created_between=("2020-01-01", "2024-01-01")
        ),
    }


def _plots(df: pd.DataFrame) -> dict[str, Callable[[], Any]]:
    return {
        "plot_os_distribution()": lambda: imgkit.plot_os_distribution(df),
        "plot_age(by=platform)": lambda: imgkit.plot_age(df, by="platform"),
        "plot_age(kind=ecdf, by=owner)": lambda: imgkit.plot_age(df, kind="ecdf", by="owner"),
        "plot_creation_timeline(by=platform)": lambda: imgkit.plot_creation_timeline(df, by="platform"),
        "plot_feature_support()": lambda: imgkit.plot_feature_support(df),
    }


def _time(fn: Callable[[], Any], repeat: int, *, plot: bool = False) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        out = fn()
        if plot:
            out.figure.canvas.draw()  # include rendering, as a notebook would
        times.append(time.perf_counter() - start)
        del out
        plt.close("all")
    return statistics.median(times)


def run(n: int, *, directory: Path, n_tenants: int, repeat: int, repeat_plots: int) -> list[str]:
    path = _common.listing(directory, n, n_tenants)
    gc.collect()
    start = time.perf_counter()
    df = imgkit.read_images(path, errors="ignore")
    load = time.perf_counter() - start
    print(f"\n{n:,} images, {df['owner'].nunique()} tenants: read_images {load:.2f} s = 1.00x (the unit)")
    print(f"  {'what':<46} {'seconds':>8} {'x load':>7}")
    misses = []
    for kind, table, reps in (("analysis", _analyses(df), repeat), ("plot", _plots(df), repeat_plots)):
        for name, fn in table.items():
            seconds = _time(fn, reps, plot=kind == "plot")
            ratio = seconds / load
            flag = ""
            if kind == "analysis" and ratio > TARGET:
                flag = f"  > {TARGET}x target"
                misses.append(f"{n}: {name}")
            print(f"  {name:<46} {seconds:>8.3f} {ratio:>7.3f}{flag}")
    return misses


def main(argv: list[str] | None = None) -> int:
    p = _common.parser(__doc__, repeat=3, repeat_help="runs per analysis (median)")
    p.add_argument("--repeat-plots", type=int, default=1, help="runs per plot (median)")
    args = _common.parse(p, argv)
    misses: list[str] = []
    for n in args.sizes:
        misses += run(n, directory=args.dir, n_tenants=args.tenants, repeat=args.repeat, repeat_plots=args.repeat_plots)
    print("\nall analyses within target" if not misses else "\nabove target: " + "; ".join(misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
