"""Benchmark: a year of daily snapshots in an imgkit.Archive, analysed on a 2-worker Dask LocalCluster vs pandas.

Builds ``--days`` daily snapshots of an evolving ``--images``-image listing (``imgkit.generate_listing``, then
``imgkit.evolve_listing(prev, days=1)`` per day: new images, deletions, status changes, a CentOS migration) and adds
each to a fresh archive (the time of ``Archive.add`` per snapshot; evolving is not timed). Then, on a
``LocalCluster`` of 2 worker processes with 1 thread each (loopback), times ``Archive.trend(by="platform")`` and
``os_distribution`` over the whole archive, and the peak RSS of each worker (``ru_maxrss``, which includes the
worker's own start-up). The pandas baseline loads ``--pandas-days`` snapshots as one concatenated frame (every
column, as a user would) in a fresh process and computes the same two results; its peak RSS is measured, and scaled
linearly to the whole year when it covers fewer days. The two engines' results are checked equal on the same days.

Targets (issue 13): the Dask path's peak RSS per worker <= 1.5 GB, the year's trend in <= 60 s.

Usage::

    python bench/bench_archive.py --days 30                                # a quick run
    python bench/bench_archive.py                   # 365 days x 20,000 images

To run it on a real cluster: start a scheduler and workers with imgkit installed, put the archive on storage every
worker reads (``--root s3://bucket/imgkit-bench`` with s3fs, or OBS through its S3 endpoint), and pass
``--scheduler tcp://host:8786``.
"""

from __future__ import annotations

import argparse
import functools
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

import imgkit

print = functools.partial(print, flush=True)  # noqa: A001  (progress shows under flock)

RSS_TARGET_GB = 1.5
TREND_TARGET_S = 60.0


def _peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # Linux: kB


def build(root: str, images: int, days: int, tenants: int) -> list[float]:
    """A fresh archive of `days` daily snapshots; the seconds of each add."""
    archive = imgkit.Archive(root)
    snap = imgkit.read_images(imgkit.generate_listing(images, n_tenants=tenants, seed=0), errors="ignore")
    snap.attrs["imgkit"]["fetched_at"] = "2026-01-01T06:00:00+00:00"
    times = []
    for day in range(days):
        if day:
            snap = imgkit.evolve_listing(snap, days=1, seed=day)
        start = time.perf_counter()
        archive.add(snap)
        times.append(time.perf_counter() - start)
        if (day + 1) % 30 == 0 or day + 1 == days:
            print(f"  {day + 1} snapshots added ({len(snap):,} images in the last)")
    return times


def on_dask(root: str, scheduler: str | None) -> dict:
    """Trend and os_distribution over the whole archive on Dask, with each worker's peak RSS."""
    from dask.distributed import Client, LocalCluster

    if scheduler:
        cluster, client = None, Client(scheduler)
    else:
        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
            memory_limit=0,
        )
        client = Client(cluster)
    try:
        archive = imgkit.Archive(root)
        t0 = time.perf_counter()
        client.run(lambda: __import__("imgkit") and None)  # what a first computation on fresh workers also pays
        warm = time.perf_counter() - t0
        start_rss = client.run(_peak_rss_gb)
        t0 = time.perf_counter()
        trend = archive.trend(by="platform")
        t_trend = time.perf_counter() - t0
        t0 = time.perf_counter()
        dist = imgkit.os_distribution(archive.load(backend="dask"))
        t_dist = time.perf_counter() - t0
        peak = client.run(_peak_rss_gb)
        return {
            "warm_s": warm,
            "trend_s": t_trend,
            "os_distribution_s": t_dist,
            "worker_start_gb": start_rss,
            "worker_peak_gb": peak,
            "client_peak_gb": _peak_rss_gb(),
            "trend": trend,
            "dist": dist,
        }
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


_PANDAS = """
import json, resource, sys, time
import imgkit
root, days = sys.argv[1], int(sys.argv[2])
archive = imgkit.Archive(root)
times = archive.snapshots()["snapshot_at"].iloc[:days].tolist()
t0 = time.perf_counter()
df = archive.load(snapshot_at=times)                         # the concatenated frame, every column
t_load = time.perf_counter() - t0
t0 = time.perf_counter()
trend = imgkit.os_distribution(df, by="snapshot_at")         # per snapshot: the trend's rows
dist = imgkit.os_distribution(df)
t_calc = time.perf_counter() - t0
trend.to_pickle(sys.argv[3]); dist.to_pickle(sys.argv[4])
print(json.dumps({"rows": len(df), "frame_gb": df.memory_usage(deep=True).sum() / 1024**3, "load_s": t_load,
                  "analyses_s": t_calc, "peak_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2}))
"""


def on_pandas(root: str, days: int, work: Path) -> dict:
    """The same two results with pandas on the concatenated frame of the first `days` snapshots (fresh process)."""
    out = subprocess.run(
        [sys.executable, "-c", _PANDAS, root, str(days), str(work / "trend.pkl"), str(work / "dist.pkl")],
        capture_output=True,
        text=True,
        check=True,
    )
    res = json.loads(out.stdout.strip().splitlines()[-1])
    res["trend"] = pd.read_pickle(work / "trend.pkl")
    res["dist"] = pd.read_pickle(work / "dist.pkl")
    return res


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--images", type=int, default=20_000)
    p.add_argument("--days", type=int, default=365)
    p.add_argument("--tenants", type=int, default=200)
    p.add_argument(
        "--pandas-days",
        type=int,
        default=None,
        help="snapshots the pandas baseline loads (default: all, when --days <= 120, else 120)",
    )
    p.add_argument("--root", default=None, help="the archive (default: a fresh temporary directory)")
    p.add_argument("--scheduler", default=None, help="a dask.distributed scheduler address (default: LocalCluster)")
    args = p.parse_args(argv)
    pandas_days = args.pandas_days or min(args.days, 120)
    work = Path(tempfile.mkdtemp(prefix="imgkit-bench-archive-"))
    root = args.root or str(work / "archive")
    try:
        print(f"{args.days} daily snapshots of an evolving {args.images:,}-image listing -> {root}")
        adds = build(root, args.images, args.days, args.tenants)
        snaps = imgkit.Archive(root).snapshots()
        rows, size = int(snaps["images"].sum()), int(snaps["bytes_on_disk"].sum())
        print(
            f"archive: {len(snaps)} snapshots, {rows:,} image rows, {size / 1e6:.0f} MB on disk "
            f"({size / rows:.0f} B per image row)"
        )
        print(
            f"add per snapshot: median {statistics.median(adds):.3f} s, max {max(adds):.3f} s, total {sum(adds):.1f} s"
        )

        dk = on_dask(root, args.scheduler)
        peak = max(dk["worker_peak_gb"].values())
        print(
            f"dask (2 workers x 1 thread; importing imgkit on fresh workers: {dk['warm_s']:.1f} s): "
            f"trend(by='platform') {dk['trend_s']:.1f} s, os_distribution {dk['os_distribution_s']:.1f} s"
        )
        for worker, gb in sorted(dk["worker_peak_gb"].items()):
            print(f"  worker {worker}: peak RSS {gb:.2f} GB (after start-up: {dk['worker_start_gb'][worker]:.2f} GB)")
        print(f"  client (this process, which also built the archive): peak RSS {dk['client_peak_gb']:.2f} GB")

        pdr = on_pandas(root, pandas_days, work)
        scale = args.days / pandas_days
        print(
            f"pandas on the concatenated frame of {pandas_days} snapshots ({pdr['rows']:,} rows, frame "
            f"{pdr['frame_gb']:.2f} GB): load {pdr['load_s']:.1f} s, trend + os_distribution "
            f"{pdr['analyses_s']:.1f} s, peak RSS {pdr['peak_gb']:.2f} GB"
            + (f" (x{scale:.1f} for the year: about {pdr['peak_gb'] * scale:.1f} GB)" if scale > 1 else "")
        )

        first = dk["trend"].iloc[:pandas_days]
        expected = pdr["trend"]  # os_distribution by snapshot: text labels, largest first, every category a column
        expected.index = pd.DatetimeIndex(expected.index, name="as_of").as_unit("ns")
        expected = expected.sort_index()
        shown = [c for c in first.columns if first[c].any()]
        same_trend = (
            list(first.index) == list(expected.index)
            and (first[shown].to_numpy() == expected.reindex(columns=shown).to_numpy()).all()
            and int(expected.drop(columns=shown).to_numpy().sum()) == 0
        )
        same_dist = scale > 1 or dk["dist"].equals(pdr["dist"])
        print(f"same results on both engines: trend {same_trend}, os_distribution {same_dist}")
        ok = peak <= RSS_TARGET_GB and dk["trend_s"] <= TREND_TARGET_S and same_trend and same_dist
        print(
            f"\ntargets: worker peak RSS {peak:.2f} <= {RSS_TARGET_GB} GB, trend {dk['trend_s']:.1f} <= "
            f"{TREND_TARGET_S:.0f} s: {'within target' if ok else 'above target'}"
        )
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
