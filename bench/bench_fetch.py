"""Benchmark: list 2,000 images from a real local Glance with imgkit, a bare requests loop and openstacksdk.

    python bench/bench_fetch.py [--images 2000] [--repeat 3] [--state bench/out/glance-bench]

Starts Glance 33 (tests/glance_server.py: cached venv, gunicorn, sqlite) with its state
in --state (kept, so a second run skips the image creation), creates the images once,
then times full listings, `--repeat` interleaved rounds, and prints medians:

* wall    : seconds for the whole listing (imgkit: including typing into the frame);
* cpu     : client CPU seconds (``time.process_time`` of the client process);
* server  : CPU seconds the Glance process spent meanwhile (/proc);
* overhead: client CPU / wall.

openstacksdk runs in the Glance venv (Glance depends on it), in a subprocess that times
only ``list(conn.image.images(...))``, not its start-up.  Targets (issue 3): imgkit's
client overhead <= 10% of the wall time; >= 2x faster than openstacksdk.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import glance_server as gs  # noqa: E402

import imgkit  # noqa: E402

ADMIN = gs.headers("0b6f2c3a9d4e4f1a8c7b6a5d4e3f2a10", admin=True)
OWNERS = ["0b6f2c3a9d4e4f1a8c7b6a5d4e3f2a10", "1bed856811654c1cb661a6ca845ebc77", "7f3e9a2b5c6d4e8f9a0b1c2d3e4f5a6b"]

OPENSTACKSDK = r"""
import json, sys, time
from keystoneauth1 import noauth, session
import openstack

url, limit, headers = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
sess = session.Session(auth=noauth.NoAuth(), additional_headers=headers)
conn = openstack.connection.Connection(session=sess, image_endpoint_override=url, image_api_version="2")
next(iter(conn.image.images(limit=1)))  # version discovery (one page of 1), outside the timing
kwargs = {} if limit == "default" else {"limit": int(limit)}
w, c = time.perf_counter(), time.process_time()
n = len(list(conn.image.images(**kwargs)))
print(json.dumps({"n": n, "wall": time.perf_counter() - w, "cpu": time.process_time() - c}))
"""


def server_cpu(pid: int) -> float:
    """CPU seconds of `pid` and its children (the gunicorn master and its worker)."""
    total = 0.0
    pids = [pid]
    try:
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        pass
    tick = os.sysconf("SC_CLK_TCK")
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def count_images(url: str) -> int:
    n, link = 0, f"{url}/v2/images?limit=1000"
    with requests.Session() as s:
        while link:
            doc = s.get(link, headers=ADMIN, timeout=60).json()
            n += len(doc["images"])
            link = url + doc["next"] if doc.get("next") else None
    return n


def populate(url: str, target: int) -> None:
    have = count_images(url)
    if have >= target:
        return
    started = time.perf_counter()
    platforms = ["Ubuntu", "CentOS", "Windows", "openEuler", "Debian"]
    with requests.Session() as s:
        for i in range(have, target):
            body = {
                "name": f"bench-{i:05d}",
                "disk_format": "qcow2",
                "container_format": "bare",
                "visibility": ["private", "shared", "public"][i % 3],
                "min_disk": 40,
                "tags": ["env=bench"],
                "__platform": platforms[i % 5],
                "__os_type": "Windows" if i % 5 == 2 else "Linux",
                "__os_bit": "64",
                "__os_version": f"{platforms[i % 5]} {i % 9} 64bit",
                "__imagetype": "private",
                "__isregistered": "True",
                "__image_size": str(10**9 + i),
                "virtual_env_type": "FusionCompute",
                "hw_firmware_type": "bios",
                "__lazyloading": "true",
                "__support_kvm": "True",
                "__support_fc_inject": "false",
            }
            if i % 4:
                body["__support_largememory"] = "true"
            r = s.post(f"{url}/v2/images", json=body, headers=gs.headers(OWNERS[i % 3], admin=True), timeout=60)
            r.raise_for_status()
    print(f"created {target - have} images in {time.perf_counter() - started:.1f}s")


def bare_requests(url: str, limit: int) -> int:
    images: list = []
    with requests.Session() as s:
        link = f"{url}/v2/images?limit={limit}"
        while link:
            r = s.get(link, headers=ADMIN, timeout=60)
            r.raise_for_status()
            doc = r.json()
            images += doc["images"]
            link = url + doc["next"] if doc.get("next") else None
    return len(images)


def with_imgkit(url: str, limit: int) -> int:
    with requests.Session() as s:
        s.headers.update(ADMIN)
        return len(imgkit.fetch_images(url, session=s, limit=limit, progress=False, errors="ignore"))


def measure(fn, *args, pid: int) -> dict:
    srv = server_cpu(pid)
    w, c = time.perf_counter(), time.process_time()
    n = fn(*args)
    return {"n": n, "wall": time.perf_counter() - w, "cpu": time.process_time() - c, "server": server_cpu(pid) - srv}


def openstacksdk(python: Path, url: str, limit: str, pid: int) -> dict:
    srv = server_cpu(pid)
    proc = subprocess.run(
        [str(python), "-c", OPENSTACKSDK, url, limit, json.dumps(ADMIN)], capture_output=True, text=True, check=True
    )
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["server"] = server_cpu(pid) - srv  # includes the small untimed discovery calls
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--images", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--state", default=str(HERE / "out" / "glance-bench"))
    args = ap.parse_args()

    bin_dir, install = gs.ensure_glance()
    if install:
        print(f"installed Glance {gs.GLANCE_VERSION} in {install:.1f}s")
    has_sdk = subprocess.run([str(bin_dir / "python"), "-c", "import openstack"], capture_output=True).returncode == 0
    Path(args.state).parent.mkdir(parents=True, exist_ok=True)
    with gs.GlanceServer(Path(args.state), bin_dir=bin_dir) as server:
        url, pid = server.url, server.proc.pid
        populate(url, args.images)
        total = count_images(url)
        runs = [
            ("imgkit fetch_images (default page 1000)", lambda: measure(with_imgkit, url, 1000, pid=pid)),
            ("bare requests loop, page 1000", lambda: measure(bare_requests, url, 1000, pid=pid)),
            ("imgkit fetch_images, page 25", lambda: measure(with_imgkit, url, 25, pid=pid)),
            ("bare requests loop, page 25", lambda: measure(bare_requests, url, 25, pid=pid)),
        ]
        if has_sdk:
            runs += [
                (
                    "openstacksdk conn.image.images() (default page 25)",
                    lambda: openstacksdk(bin_dir / "python", url, "default", pid),
                ),
                (
                    "openstacksdk conn.image.images(limit=1000)",
                    lambda: openstacksdk(bin_dir / "python", url, "1000", pid),
                ),
            ]
        with_imgkit(url, 1000)  # warm-up (imports, first connection)
        # Interleaved rounds (each client once per round), so drift on a shared machine hits all alike.
        samples: dict[str, list[dict]] = {name: [] for name, _ in runs}
        for _ in range(args.repeat):
            for name, run in runs:
                samples[name].append(run())
        results = {}
        for name, got in samples.items():
            assert all(s["n"] == total for s in got), (name, [s["n"] for s in got], total)
            results[name] = {k: statistics.median(s[k] for s in got) for k in ("wall", "cpu", "server")}

    print(
        f"\nfull listing of {total:,} images from Glance {gs.GLANCE_VERSION} on loopback "
        f"(median of {args.repeat}; machine: {os.cpu_count()} cores)\n"
    )
    print(f"{'client':<52} {'wall s':>8} {'cpu s':>8} {'server s':>9} {'overhead':>9}")
    for name, r in results.items():
        print(f"{name:<52} {r['wall']:8.3f} {r['cpu']:8.3f} {r['server']:9.3f} {r['cpu'] / r['wall']:9.1%}")
    ik, ik25 = results["imgkit fetch_images (default page 1000)"], results["imgkit fetch_images, page 25"]
    bare, bare25 = results["bare requests loop, page 1000"], results["bare requests loop, page 25"]
    print()
    print(f"imgkit client overhead (cpu / wall), default page: {ik['cpu'] / ik['wall']:.1%} (target <= 10%)")
    print(
        f"imgkit wall / bare requests wall: page 1000 {ik['wall'] / bare['wall']:.2f}x, "
        f"page 25 {ik25['wall'] / bare25['wall']:.2f}x"
    )
    if has_sdk:
        sdk = results["openstacksdk conn.image.images() (default page 25)"]
        sdk1000 = results["openstacksdk conn.image.images(limit=1000)"]
        print(f"openstacksdk default / imgkit default (wall): {sdk['wall'] / ik['wall']:.2f}x faster (target >= 2x)")
        print(
            f"same page size, openstacksdk / imgkit (wall): page 25 {sdk['wall'] / ik25['wall']:.2f}x, "
            f"page 1000 {sdk1000['wall'] / ik['wall']:.2f}x; client cpu: page 25 "
            f"{sdk['cpu'] / ik25['cpu']:.2f}x, page 1000 {sdk1000['cpu'] / ik['cpu']:.2f}x"
        )
    else:
        print("openstacksdk not importable in the Glance venv: skipped")


if __name__ == "__main__":
    main()
