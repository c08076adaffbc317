"""Benchmark: read_servers, image_usage, cleanup_candidates, storage_cost, in units of the images' load time.

Loads a generated image listing (cached in ``--dir``, as every benchmark), builds a server
listing of ``--servers-per-image`` x images servers (Nova ``servers/detail`` shape: 90% boot
from one of the listing's images, newer images more often, 10% from a volume resolved by
a volume listing, 1% from an image not in the listing), then times each step (median of
``--repeat`` runs) and prints seconds and the ratio to ``read_images`` of the images.

Usage::

    python bench/bench_cleanup.py                       # 100k images, 50k servers
    python bench/bench_cleanup.py --sizes 100000 1000000
"""

from __future__ import annotations

import functools
import gc
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import _common
import numpy as np

import imgkit

print = functools.partial(print, flush=True)  # noqa: A001


def _servers(ids: np.ndarray, owners: np.ndarray, n: int) -> tuple[dict[str, Any], dict[str, Any]]:
    rng = np.random.default_rng(0)
    pick = np.minimum((rng.pareto(1.5, n) * len(ids) / 20).astype(np.int64), len(ids) - 1)
    order = np.argsort(ids)  # any fixed order; the pareto weights make some images popular
    servers, volumes = [], []
    for k in range(n):
        i = order[pick[k]]
        sid = f"srv-{k:08d}"
        roll = rng.random()
        image = {"id": f"gone-{k}"} if roll < 0.01 else "" if roll < 0.11 else {"id": str(ids[i])}
        servers.append(
            {
                "id": sid,
                "name": f"vm-{k}",
                "status": "ACTIVE",
                "tenant_id": str(owners[i]),
                "image": image,
                "flavor": {"original_name": "s6.large.2"},
                "created": "2026-01-01T00:00:00Z",
                "updated": "2026-01-02T00:00:00Z",
                "OS-EXT-AZ:availability_zone": "az1",
                "os-extended-volumes:volumes_attached": [{"id": f"vol-{k}"}],
            }
        )
        if image == "":
            volumes.append(
                {
                    "id": f"vol-{k}",
                    "volume_image_metadata": {"image_id": str(ids[i])},
                    "attachments": [{"server_id": sid, "device": "/dev/vda"}],
                }
            )
    return {"servers": servers}, {"volumes": volumes}


def _time(fn: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(n: int, *, directory: Path, n_tenants: int, repeat: int, per_image: float) -> None:
    path = _common.listing(directory, n, n_tenants)
    gc.collect()
    start = time.perf_counter()
    images = imgkit.read_images(path, errors="ignore")
    load = time.perf_counter() - start
    n_servers = int(n * per_image)
    servers_doc, volumes_doc = _servers(
        images["id"].to_numpy(dtype=object), images["owner"].to_numpy(dtype=object), n_servers
    )
    servers = imgkit.read_servers(servers_doc, volumes=volumes_doc, errors="ignore")
    servers.attrs["imgkit"]["all_tenants"] = True  # an admin listing: it covers every tenant
    cand = imgkit.cleanup_candidates(images, servers=servers, as_of="2026-07-01")
    print(
        f"\n{n:,} images, {n_servers:,} servers: read_images {load:.2f} s = 1.00x (the unit); {len(cand):,} candidates"
    )
    steps = {
        f"read_servers({n_servers:,} servers, volumes=)": lambda: imgkit.read_servers(
            servers_doc, volumes=volumes_doc, errors="ignore"
        ),
        "image_usage": lambda: imgkit.image_usage(images, servers),
        "cleanup_candidates(servers=)": lambda: imgkit.cleanup_candidates(images, servers=servers, as_of="2026-07-01"),
        "storage_cost(candidates=)": lambda: imgkit.storage_cost(images, prices=0.02, candidates=cand),
    }
    print(f"  {'what':<46} {'seconds':>8} {'x load':>7}")
    for name, fn in steps.items():
        seconds = _time(fn, repeat)
        print(f"  {name:<46} {seconds:>8.3f} {seconds / load:>7.3f}")


def main(argv: list[str] | None = None) -> int:
    p = _common.parser(__doc__, repeat=3, repeat_help="runs per step (median)")
    p.add_argument("--servers-per-image", type=float, default=0.5)
    args = _common.parse(p, argv)
    for n in args.sizes:
        run(n, directory=args.dir, n_tenants=args.tenants, repeat=args.repeat, per_image=args.servers_per_image)
    return 0


if __name__ == "__main__":
    sys.exit(main())
