"""Benchmark: diff_listings of two listings (1% changed) against the load time; history over a snapshot series.

Part 1 (``--sizes``): writes a synthetic listing (cached in ``--dir``), loads it with
:func:`imgkit.read_images` (the unit: its wall time in this run), derives a second listing
with 1% of the images changed (a third get another ``status``, a third another
``visibility``, a third another ``image_size``; all a later ``updated_at``), 0.1% removed
and 0.1% added, and times :func:`imgkit.diff_listings` of the two frames (median of
``--repeat``). Target (issue 12): the diff <= 1x the load time of one listing.

Part 2 (``--history-snapshots K --history-size N``, skipped with K = 0): a series of K
snapshots of N images (``imgkit.evolve_listing`` a week apart, written with
``imgkit.to_parquet``, cached in ``--dir``), then, each in a fresh process, the wall time
and peak RSS of ``imgkit.history(folder)`` and ``imgkit.trend`` on it, against reading one
snapshot.

Usage::

    python bench/bench_history.py                                      # 100k images, 30 x 100k history
    python bench/bench_history.py --sizes 1000000 --history-snapshots 0
"""

from __future__ import annotations

import functools
import gc
import statistics
import subprocess
import sys
import time
from pathlib import Path

import _common
import numpy as np
import pandas as pd

import imgkit
from imgkit.demo._generate import _uuids

TARGET = 1.0
print = functools.partial(print, flush=True)  # noqa: A001  (progress shows under nohup/flock)


def changed_copy(
    df: pd.DataFrame, *, share: float = 0.01, churn: float = 0.001, seed: int = 0
) -> tuple[pd.DataFrame, int]:
    """`df` with `share` of its images changed, `churn` removed and as many added; and the number changed."""
    rng = np.random.default_rng(seed)
    n = len(df)
    new = df.copy()
    picked = rng.choice(n, size=int(n * share), replace=False)
    thirds = np.array_split(picked, 3)
    status = new["status"].astype(object).to_numpy().copy()
    status[thirds[0]] = np.where(status[thirds[0]] == "active", "deactivated", "active")
    new["status"] = pd.Categorical(status, dtype=df["status"].dtype)
    vis = new["visibility"].astype(object).to_numpy().copy()
    vis[thirds[1]] = np.where(vis[thirds[1]] == "private", "shared", "private")
    new["visibility"] = pd.Categorical(vis, dtype=df["visibility"].dtype)
    size = new["image_size"].copy()
    size.iloc[thirds[2]] = size.iloc[thirds[2]].fillna(0) + 1
    new["image_size"] = size
    upd = new["updated_at"].copy()
    upd.iloc[picked] = upd.max() + pd.Timedelta(days=1)
    new["updated_at"] = upd
    rest = np.setdiff1d(np.arange(n), picked)
    gone = rng.choice(rest, size=int(n * churn), replace=False)
    added = df.iloc[rng.choice(rest, size=int(n * churn), replace=False)].copy()
    added["id"] = pd.array(_uuids(rng, len(added)), dtype=df["id"].dtype)
    new = pd.concat([new.drop(index=gone), added], ignore_index=True)
    return new, len(picked)


def run_diff(n: int, *, directory: Path, n_tenants: int, repeat: int) -> bool:
    path = _common.listing(directory, n, n_tenants)
    gc.collect()
    start = time.perf_counter()
    df = imgkit.read_images(path, errors="ignore")
    load = time.perf_counter() - start
    new, n_changed = changed_copy(df)
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        d = imgkit.diff_listings(df, new)
        times.append(time.perf_counter() - start)
    assert d.changed_images == n_changed and len(d.added) == len(d.removed) == int(n * 0.001), d
    seconds = statistics.median(times)
    ratio = seconds / load
    print(f"\n{n:,} images, {df['owner'].nunique()} tenants: read_images {load:.2f} s = 1.00x (the unit)")
    print(
        f"  diff_listings (1% changed, 0.1% added, 0.1% removed): {seconds:.2f} s = {ratio:.2f}x load"
        f"{'' if ratio <= TARGET else f'  > {TARGET}x target'}   ({d!r})"
    )
    return ratio <= TARGET


def series(directory: Path, n: int, k: int, n_tenants: int) -> Path:
    """K snapshots of about N images a week apart, as Parquet files with their fetched_at (cached)."""
    folder = directory / f"history_{n}_{k}_{n_tenants}"
    if len(list(folder.glob("*.parquet"))) == k:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    snap = imgkit.read_images(_common.listing(directory, n, n_tenants), errors="ignore")
    snap.attrs["imgkit"]["fetched_at"] = "2026-06-30T00:00:00+00:00"
    for i in range(k):
        if i:
            snap = imgkit.evolve_listing(snap, days=7, seed=i)
        imgkit.to_parquet(snap, folder / f"{i:03d}.parquet")
    print(f"  wrote {k} snapshots to {folder} in {time.perf_counter() - start:.0f} s")
    return folder


_CHILD = """
import re, sys, time
import imgkit
def hwm():  # peak RSS of this process in MiB (VmHWM starts afresh at exec, unlike ru_maxrss)
    with open("/proc/self/status") as f:
        return int(re.search(r"VmHWM:\\s+(\\d+)", f.read()).group(1)) / 1024
base = hwm()
start = time.perf_counter()
{body}
seconds = time.perf_counter() - start
print(seconds, hwm(), base, {result})
"""


def _child(body: str, result: str) -> tuple[float, float, float, str]:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD.format(body=body, result=result)], capture_output=True, text=True, check=True
    ).stdout.split()
    return float(out[0]), float(out[1]), float(out[2]), " ".join(out[3:])


def run_history(n: int, k: int, *, directory: Path, n_tenants: int) -> None:
    folder = series(directory, n, k, n_tenants)
    one = sorted(folder.glob("*.parquet"))[-1]
    print(f"\nhistory over {k} snapshots of ~{n:,} images ({folder}); fresh process each, peak RSS in MiB:")
    for name, body, result in (
        ("read one snapshot (read_images .parquet)", f"df = imgkit.read_images({str(one)!r})", "len(df)"),
        (
            f"read all {k} snapshots, one at a time",
            f"import pathlib\nfor p in sorted(pathlib.Path({str(folder)!r}).glob('*.parquet')): df = imgkit.read_images(p)",
            "len(df)",
        ),
        ("history(folder)", f"h = imgkit.history({str(folder)!r})", "len(h), int(h['is_current'].sum())"),
        (
            "trend(h, by='platform') on that history",
            f"h = imgkit.history({str(folder)!r})\nstart = time.perf_counter()\nt = imgkit.trend(h)",
            "t.shape",
        ),
    ):
        seconds, peak, base, res = _child(body, result)
        print(f"  {name:<44} {seconds:7.2f} s   peak RSS {peak:7.0f} MiB (after import {base:.0f})   -> {res}")


def main(argv: list[str] | None = None) -> int:
    p = _common.parser(__doc__, repeat=3, repeat_help="diff runs (median)")
    p.add_argument("--history-snapshots", type=int, default=30, help="snapshots in the history series (0: skip)")
    p.add_argument("--history-size", type=int, default=100_000, help="images per snapshot of the series")
    args = _common.parse(p, argv)
    ok = all([run_diff(n, directory=args.dir, n_tenants=args.tenants, repeat=args.repeat) for n in args.sizes])
    if args.history_snapshots:
        run_history(args.history_size, args.history_snapshots, directory=args.dir, n_tenants=args.tenants)
    print("\ndiff within target" if ok else "\ndiff above target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
