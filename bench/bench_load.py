"""Benchmark: imgkit.read_images against orjson.loads / json.loads and the natural pandas pipeline.

Generates synthetic listings in the document form ``{"images": [...]}`` with
:func:`imgkit.write_listing` (cached in ``--dir``), then times every approach on the same
file, each measurement in a fresh subprocess, and prints medians, ratios against
``orjson.loads`` in the same run, peak RSS (``resource.getrusage`` of the subprocess, so it
includes the interpreter, imports and the bytes read) and frame bytes per image
(``df.memory_usage(deep=True).sum() / n``).

Approaches:
  read bytes      ``Path.read_bytes()``                                   (the I/O floor)
  json.loads      ``json.loads`` of the bytes (read before the timer starts)
  orjson.loads    ``orjson.loads`` of the bytes (read before the timer starts)  -- the 1.00x reference
  pandas natural  ``json.loads`` + ``pd.DataFrame`` + ``to_datetime`` + ``map(fn)`` + ``astype``
                  (category, Int64, boolean, string), column kinds taken from ``imgkit.schema.FIELDS``
  read_images     ``imgkit.read_images(path)`` (``engine="auto"``: the fast engine): reads the file itself, so
                  its time includes the I/O
  read_images exact  ``imgkit.read_images(path, engine="exact")``

Each size is measured on four listings, two profiles each with and without a field whose JSON type varies:

  uniform              :func:`imgkit.write_listing`: every field of one JSON type
  varied               the same with ``type_variation=True``: a flag that is a JSON bool in some images and a
                       string in others, numbers as strings in some images, an unknown key that changes type
  independent          ``tests/independent_listing.py``, written apart from imgkit's generator: ~1.35 KB and
                       ~44 of 54 keys per image, each optional key with its own probability, 13 string-boolean
                       keys in mixed case (true/True/TRUE), 12 enumerations, integers as digit strings, ~4% CJK
                       names, ``__whole_image`` a JSON bool in ~90% of the images and a string in the rest
  independent-uniform  the same with ``__whole_image`` a string everywhere

Targets at 1M images (issue 25): read_images <= 0.5x orjson.loads on every listing; engine="exact" <= 0.5x the
natural pipeline; a varying field <= 1.25x the uniform load; peak RSS <= 3x the file for every engine; frame
bytes <= the natural pipeline's. After the table, a scaling table gives each approach's seconds and
microseconds per image at every size.

Usage::

    python bench/bench_load.py                                  # 100k, 3 repeats, all four listings
    python bench/bench_load.py --sizes 100000 300000 1000000 --repeat 1 --dir /tmp/imgkit-bench

Run anything with >= 1M images under ``flock /tmp/imgkit-bench.lock`` (GBs of RAM); the script does not
take the lock itself (it would deadlock under flock).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

APPROACHES = ("read bytes", "json.loads", "orjson.loads", "pandas natural", "read_images", "read_images exact")
LISTINGS = ("uniform", "varied", "independent", "independent-uniform")
#: Each listing with a varying field, and its uniform copy.
UNIFORM_OF = {"varied": "uniform", "independent": "independent-uniform"}
REFERENCE = "orjson.loads"
NATURAL = "pandas natural"
LARGE = 1_000_000  # sizes from here on use --repeat-large


# --------------------------------------------------------------------------------------
# the approaches (run inside the worker subprocess)
# --------------------------------------------------------------------------------------
def _to_bool(value: Any) -> Any:
    import pandas as pd

    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        low = value.lower()
        return True if low == "true" else False if low == "false" else pd.NA
    return pd.NA


def _split_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return value
    return value.split(",") if isinstance(value, str) and value else []


def _parse_json_text(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) and value else None


def pandas_natural(data: bytes) -> Any:
    """What a pandas user writes by hand: json + DataFrame + to_datetime + map + astype."""
    import pandas as pd

    from imgkit.schema import FIELDS

    df = pd.DataFrame(json.loads(data)["images"])
    for f in FIELDS:
        if f.api not in df.columns:
            if f.kind == "flag":
                df[f.api] = False
            continue
        s = df[f.api]
        if f.kind == "datetime":
            df[f.api] = pd.to_datetime(s, utc=True, format="ISO8601")
        elif f.kind in ("bool", "flag"):
            s = s.map(_to_bool).astype("boolean")
            df[f.api] = s.fillna(False) if f.kind == "flag" else s
        elif f.kind == "int":
            df[f.api] = pd.to_numeric(s, errors="coerce").astype("Int64")
        elif f.kind == "enum":
            df[f.api] = s.astype("category")
        elif f.kind == "text":
            df[f.api] = s.astype("string")
        elif f.kind == "list":
            df[f.api] = s.map(_split_list)
        elif f.kind == "json":
            df[f.api] = s.map(_parse_json_text)
    return df.rename(columns={f.api: f.column for f in FIELDS})


def _run(approach: str, path: Path) -> tuple[float, Any]:
    if approach == "read bytes":
        t0 = time.perf_counter()
        out: Any = path.read_bytes()
        return time.perf_counter() - t0, out
    if approach in ("read_images", "read_images exact"):
        import imgkit

        engine = "exact" if approach == "read_images exact" else "auto"
        t0 = time.perf_counter()
        out = imgkit.read_images(path, engine=engine, errors="ignore")
        return time.perf_counter() - t0, out
    data = path.read_bytes()
    if approach == "json.loads":
        t0 = time.perf_counter()
        out = json.loads(data)
    elif approach == "orjson.loads":
        import orjson

        t0 = time.perf_counter()
        out = orjson.loads(data)
    elif approach == "pandas natural":
        import pandas  # noqa: F401  (import outside the timer, as for read_images' import of imgkit)

        import imgkit.schema  # noqa: F401

        t0 = time.perf_counter()
        out = pandas_natural(data)
    else:  # pragma: no cover
        raise SystemExit(f"unknown approach {approach!r}")
    return time.perf_counter() - t0, out


def worker(approach: str, path: Path, n: int) -> None:
    seconds, out = _run(approach, path)
    frame_bytes = None
    if hasattr(out, "memory_usage"):
        if len(out) != n:
            raise SystemExit(f"{approach}: {len(out)} rows, expected {n}")
        frame_bytes = float(out.memory_usage(deep=True).sum()) / n
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_kb / 1024, "frame_bytes_per_image": frame_bytes}))


# --------------------------------------------------------------------------------------
# the driver
# --------------------------------------------------------------------------------------
def _listing(directory: Path, n: int, seed: int, listing: str = "uniform") -> Path:
    path = directory / (
        f"images_{n}_seed{seed}.json" if listing == "uniform" else f"images_{n}_seed{seed}_{listing}.json"
    )
    if not path.exists():
        # in a subprocess: the driver must stay small, since a child's ru_maxrss starts at its parent's
        args = ["--generate", str(path), "--n", str(n), "--seed", str(seed), "--listing", listing]
        took = _worker_call(args)["seconds"]
        print(f"# generated {n:,} images -> {path} ({path.stat().st_size / 1e6:,.0f} MB) in {took:.1f} s", flush=True)
    return path


def generate(path: Path, n: int, seed: int, listing: str = "uniform") -> None:
    t0 = time.perf_counter()
    if listing.startswith("independent"):
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
        from independent_listing import write_independent_listing

        part = write_independent_listing(
            path.with_suffix(".json.part"), n, seed=seed, uniform=listing == "independent-uniform"
        )
    else:
        import imgkit

        part = imgkit.write_listing(
            path.with_suffix(".json.part"), n, fmt="json", seed=seed, type_variation=listing == "varied"
        )
    seconds = time.perf_counter() - t0
    part.rename(path)
    print(json.dumps({"seconds": seconds}))


def _worker_call(args: list[str]) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _measure(approach: str, path: Path, n: int) -> dict[str, Any]:
    return _worker_call(["--worker", approach, "--path", str(path), "--n", str(n)])


def _fmt(value: float | None, spec: str) -> str:
    return "" if value is None else format(value, spec)


def bench(
    sizes: list[int],
    repeat: int,
    repeat_large: int,
    directory: Path,
    seed: int,
    approaches: list[str],
    listings: list[str] = list(LISTINGS),
) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        for listing in listings:
            path = _listing(directory, n, seed, listing)
            file_mb = path.stat().st_size / 2**20
            reps = repeat_large if n >= LARGE else repeat
            results: dict[str, list[dict[str, Any]]] = {a: [] for a in approaches}
            for _ in range(reps):  # interleaved, so machine noise hits every approach alike
                for a in approaches:
                    results[a].append(_measure(a, path, n))
                    got = results[a][-1]
                    print(
                        f"#   {n:>9,} {listing:<19} {a:<17} {got['seconds']:8.2f} s {got['peak_rss_mb']:8,.0f} MB"
                        f" {_fmt(got['frame_bytes_per_image'], '6,.0f')} B/image",
                        flush=True,
                    )
            ref = statistics.median(r["seconds"] for r in results[REFERENCE]) if REFERENCE in results else None
            nat = statistics.median(r["seconds"] for r in results[NATURAL]) if NATURAL in results else None
            for a in approaches:
                med = statistics.median(r["seconds"] for r in results[a])
                rss = max(r["peak_rss_mb"] for r in results[a])
                rows.append(
                    {
                        "n": n,
                        "listing": listing,
                        "approach": a,
                        "repeats": reps,
                        "median_s": med,
                        "us_per_image": med / n * 1e6,
                        "x_orjson": med / ref if ref else None,
                        "x_natural": med / nat if nat else None,
                        "peak_rss_mb": rss,
                        "rss_x_file": rss / file_mb,
                        "file_mb": file_mb,
                        "frame_b_per_image": results[a][0]["frame_bytes_per_image"],
                    }
                )
    return rows


def report(rows: list[dict[str, Any]]) -> None:
    print()
    print(
        "| images | listing | approach | repeats | median s | µs/image | x orjson.loads | x natural | peak RSS MB "
        "| RSS / file | frame B/image |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['n']:,} | {r['listing']} | {r['approach']} | {r['repeats']} | {r['median_s']:.2f} "
            f"| {r['us_per_image']:.1f} | {_fmt(r['x_orjson'], '.2f')} | {_fmt(r['x_natural'], '.2f')} "
            f"| {r['peak_rss_mb']:,.0f} | {r['rss_x_file']:.2f} | {_fmt(r['frame_b_per_image'], ',.0f')} |"
        )
    _scaling(rows)
    print()
    for n in sorted({r["n"] for r in rows}):
        for listing in LISTINGS:
            by = {r["approach"]: r for r in rows if r["n"] == n and r["listing"] == listing}
            if by:
                print("; ".join(_verdicts(n, listing, by)))
        for varied, uniform in UNIFORM_OF.items():
            var = {r["approach"]: r for r in rows if r["n"] == n and r["listing"] == varied}
            uni = {r["approach"]: r for r in rows if r["n"] == n and r["listing"] == uniform}
            for a in ("read_images", "read_images exact"):
                if a in uni and a in var:
                    print(
                        f"{n:,} images: {a} on the {varied} listing = {var[a]['median_s'] / uni[a]['median_s']:.2f}x "
                        f"the {uniform} one (target <= 1.25)"
                    )


def _scaling(rows: list[dict[str, Any]]) -> None:
    """Seconds and microseconds per image of each approach at every size: how the cost grows."""
    sizes = sorted({r["n"] for r in rows})
    if len(sizes) < 2:
        return
    print()
    print("| listing | approach | " + " | ".join(f"{n:,}: s (µs/image)" for n in sizes) + " |")
    print("|---|---|" + "---|" * len(sizes))
    for listing in LISTINGS:
        for a in APPROACHES:
            got = {r["n"]: r for r in rows if r["listing"] == listing and r["approach"] == a}
            if got:
                cells = [f"{got[n]['median_s']:.2f} ({got[n]['us_per_image']:.1f})" if n in got else "" for n in sizes]
                print(f"| {listing} | {a} | " + " | ".join(cells) + " |")


def _verdicts(n: int, listing: str, by: dict[str, dict[str, Any]]) -> list[str]:
    parts = [f"{n:,} images, {listing} ({next(iter(by.values()))['file_mb']:,.0f} MB)"]
    nat = by.get(NATURAL)
    if "read_images" in by and by["read_images"]["x_orjson"] is not None:
        parts.append(f"read_images = {by['read_images']['x_orjson']:.2f}x orjson.loads (target <= 0.5)")
    if "read_images exact" in by and by["read_images exact"]["x_natural"] is not None:
        parts.append(
            f"engine='exact' = {by['read_images exact']['x_natural']:.2f}x the natural pipeline (target <= 0.5)"
        )
    for a in ("read_images", "read_images exact"):
        if a in by:
            parts.append(f"{a} peak RSS {by[a]['rss_x_file']:.2f}x the file (target <= 3)")
    if "read_images" in by and nat:
        ri = by["read_images"]
        parts.append(
            f"frame {ri['frame_b_per_image']:,.0f} B/image = "
            f"{ri['frame_b_per_image'] / nat['frame_b_per_image']:.2f}x the natural pipeline's "
            f"{nat['frame_b_per_image']:,.0f} (target <= 1)"
        )
    return parts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000], help="listing sizes (default 100000)")
    parser.add_argument("--repeat", type=int, default=3, help="fresh-process repeats below 1M images (default 3)")
    parser.add_argument("--repeat-large", type=int, default=1, help="repeats at >= 1M images (default 1)")
    parser.add_argument(
        "--approaches",
        nargs="+",
        choices=APPROACHES,
        default=list(APPROACHES),
        metavar="NAME",
        help=f"subset of {APPROACHES}",
    )
    parser.add_argument(
        "--dir",
        type=Path,
        default=None,
        help="where listings are generated and kept for reuse (default: a temporary directory)",
    )
    parser.add_argument(
        "--listings", nargs="+", choices=LISTINGS, default=list(LISTINGS), metavar="NAME", help=f"subset of {LISTINGS}"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--listing", choices=LISTINGS, default="uniform", help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, default=None, help="also write the rows as JSON here")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--generate", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.path, args.n)
        return 0
    if args.generate:
        generate(args.generate, args.n, args.seed, args.listing)
        return 0

    import platform
    from importlib.metadata import PackageNotFoundError, version

    try:  # the driver imports neither imgkit nor pandas (see _listing)
        imgkit_version = version("imgkit")
    except PackageNotFoundError:  # run from a checkout through PYTHONPATH
        imgkit_version = "(not installed)"
    print(
        f"# imgkit {imgkit_version}, Python {platform.python_version()}, {os.cpu_count()} CPUs; "
        f"sizes {args.sizes}, repeats {args.repeat} (<1M) / {args.repeat_large} (>=1M)",
        flush=True,
    )
    if args.dir is None:
        with tempfile.TemporaryDirectory(prefix="imgkit-bench-") as tmp:
            rows = bench(
                args.sizes, args.repeat, args.repeat_large, Path(tmp), args.seed, args.approaches, args.listings
            )
    else:
        args.dir.mkdir(parents=True, exist_ok=True)
        rows = bench(args.sizes, args.repeat, args.repeat_large, args.dir, args.seed, args.approaches, args.listings)
    report(rows)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
