"""Benchmark: how long ``import imgkit`` takes, against ``import pandas`` in the same run.

Each measurement is a fresh interpreter (``python -c "import X"``), timed from outside (wall clock of the whole
process, interpreter start-up included) and, with ``-X importtime``, from inside (the cumulative microseconds of
the top-level import). The two commands alternate so that machine load hits both alike; the script prints the
medians and the ratio imgkit / pandas. It also lists the heavy optional stacks that ``import imgkit`` loaded
(they should be none: the HTTP client, the YAML parser, matplotlib and Dask load on first use).

Target (issue 24): ``import imgkit`` within 1.3x ``import pandas`` (medians of the cumulative import time).

Usage::

    python bench/bench_import.py              # 15 rounds
    python bench/bench_import.py --rounds 31
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

HEAVY = (
    "requests",
    "urllib3",
    "yaml",
    "matplotlib",
    "dask",
    "distributed",
    "ipywidgets",
    "openpyxl",
    "tqdm",
    "fsspec",
    "msgspec",
)


def _once(module: str) -> tuple[float, float]:
    """(wall seconds of the process, cumulative seconds of `import module` from -X importtime)."""
    start = time.perf_counter()
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"], capture_output=True, text=True, check=True
    )
    wall = time.perf_counter() - start
    cumulative = 0.0
    for line in run.stderr.splitlines():
        parts = [p.strip() for p in line.removeprefix("import time:").split("|")]
        if len(parts) == 3 and parts[2] == module:
            cumulative = int(parts[1]) / 1e6
    return wall, cumulative


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    results: dict[str, list[tuple[float, float]]] = {"pandas": [], "imgkit": []}
    for _ in range(2):  # warm the file cache
        _once("pandas"), _once("imgkit")
    for _ in range(args.rounds):
        for module in ("pandas", "imgkit"):
            results[module].append(_once(module))
    print(f"python {sys.version.split()[0]}, {args.rounds} rounds, fresh process each, medians")
    medians = {}
    for module, rows in results.items():
        wall = statistics.median(r[0] for r in rows)
        cumulative = statistics.median(r[1] for r in rows)
        medians[module] = (wall, cumulative)
        print(f"  import {module:<7} cumulative {cumulative * 1000:7.0f} ms   process wall {wall * 1000:7.0f} ms")
    ratio = medians["imgkit"][1] / medians["pandas"][1]
    wall_ratio = medians["imgkit"][0] / medians["pandas"][0]
    print(f"  ratio imgkit/pandas: {ratio:.2f}x cumulative import, {wall_ratio:.2f}x process wall (target <= 1.3x)")
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, imgkit; print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    heavy = [m for m in HEAVY if m in loaded]
    print(f"  heavy stacks loaded by import imgkit: {', '.join(heavy) or 'none'}")


if __name__ == "__main__":
    main()
