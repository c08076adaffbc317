"""What the analysis, report and explorer benchmarks share: the cached listing and the common options."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import imgkit


def listing(directory: Path, n: int, n_tenants: int) -> Path:
    """A generated listing of `n` images (document form), written once and reused by every benchmark."""
    path = directory / f"bench_listing_{n}_{n_tenants}.json"
    if not path.exists():
        start = time.perf_counter()
        imgkit.write_listing(path, n, n_tenants=n_tenants, seed=0)
        print(f"  wrote {path} ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - start:.1f} s")
    return path


def parser(doc: str, *, repeat: int, repeat_help: str) -> argparse.ArgumentParser:
    """--sizes, --tenants, --repeat and --dir, as every benchmark takes them."""
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    p.add_argument("--tenants", type=int, default=200)
    p.add_argument("--repeat", type=int, default=repeat, help=repeat_help)
    p.add_argument("--dir", type=Path, default=Path(tempfile.gettempdir()) / "imgkit-bench")
    return p


def parse(p: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    args = p.parse_args(argv)
    args.dir.mkdir(parents=True, exist_ok=True)
    return args


def run_sizes(run, doc: str, argv: list[str] | None, *, repeat: int, repeat_help: str) -> int:
    """Parse the common options, call ``run(n, directory=, n_tenants=, repeat=)`` for every size, say the verdict."""
    args = parse(parser(doc, repeat=repeat, repeat_help=repeat_help), argv)
    ok = all([run(n, directory=args.dir, n_tenants=args.tenants, repeat=args.repeat) for n in args.sizes])
    print("\nwithin target" if ok else "\nabove target")
    return 0
