"""Benchmark: memory and time of the loader on amplification inputs (small inputs that cost much to load).

Each input is read in a fresh subprocess; the script prints the input's size, the peak RSS of the
subprocess (``resource.getrusage``: interpreter and imports included), the time of the read itself,
the rows, the findings recorded and the findings left out (counted only).

Inputs:
  empty-records   a gzip page of N ``{}`` images (``{"images": [{}, {}, ...]}``; default 160,000: ~521 bytes)
  unique-keys     N images, each with one key no other image has (default 8,000: ~190 KB)
  records         the same two inputs as Python lists of dicts (what ``fetch_images`` hands the loader)

Target (issue 19): no input of N bytes costs more than ~50 * N + 300 MB of memory.

Usage::

    python bench/bench_amplification.py                    # both inputs, both engines
    python bench/bench_amplification.py --empty 160000 --unique 8000
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import tempfile
from pathlib import Path

_CHILD = r"""
import json, resource, sys, time, warnings
import orjson
import imgkit
path, engine, form = sys.argv[1:4]
source = path
if form == "records":
    data = open(path, "rb").read()
    import gzip as _gz
    if data[:2] == b"\x1f\x8b":
        data = _gz.decompress(data)
    source = orjson.loads(data)["images"]
warnings.simplefilter("ignore")
start = time.perf_counter()
df = imgkit.read_images(source, engine=engine, errors="ignore")
took = time.perf_counter() - start
meta = df.attrs["imgkit"]
print(json.dumps({"rows": len(df), "columns": df.shape[1], "seconds": took,
                  "findings": len(imgkit.validate(df)), "omitted": sum((meta.get("findings_omitted") or {}).values()),
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def empty_records(directory: Path, n: int) -> Path:
    path = directory / f"empty_{n}.json.gz"
    path.write_bytes(gzip.compress(b'{"images": [' + b",".join([b"{}"] * n) + b"]}", compresslevel=9))
    return path


def unique_keys(directory: Path, n: int) -> Path:
    path = directory / f"unique_{n}.json"
    images = [{"id": f"i{i}", f"k{i}": 1} for i in range(n)]
    path.write_bytes(json.dumps({"images": images}, separators=(",", ":")).encode())
    return path


def measure(path: Path, engine: str, form: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), engine, form], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--empty", type=int, default=160_000, help="{} images in the gzip page")
    p.add_argument("--unique", type=int, default=8_000, help="images with one unique key each")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        inputs = [("empty-records", empty_records(d, args.empty)), ("unique-keys", unique_keys(d, args.unique))]
        print(
            f"{'input':14} {'form':8} {'engine':6} {'bytes':>8} {'rows':>7} {'cols':>5} {'findings':>8} "
            f"{'omitted':>8} {'peak RSS MB':>11} {'bound MB':>8} {'s':>6}"
        )
        ok = True
        for name, path in inputs:
            size = path.stat().st_size
            for form, engine in (("file", "auto"), ("file", "exact"), ("records", "auto")):
                r = measure(path, engine, form)
                bound = 50 * size / 2**20 + 300
                ok &= r["rss_mb"] <= bound
                print(
                    f"{name:14} {form:8} {engine:6} {size:>8} {r['rows']:>7} {r['columns']:>5} {r['findings']:>8} "
                    f"{r['omitted']:>8} {r['rss_mb']:>11.0f} {bound:>8.0f} {r['seconds']:>6.2f}"
                )
    print("\nwithin the bound" if ok else "\nabove the bound")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
