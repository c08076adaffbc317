"""Benchmark: CPU seconds of ``read_images`` in two source trees of imgkit, alternating, in fresh processes.

For a refactor ("no slowdown"), wall-clock times on a busy machine vary more than the change; user + system CPU
seconds of the load itself (measured inside the worker with ``resource.getrusage``, imports excluded) vary much
less, and alternating the two trees spreads the machine's load evenly over both.

Usage::

    git worktree add /tmp/imgkit-before <commit>
    python bench/bench_trees.py listing.json /tmp/imgkit-before . --repeat 5

(make a listing with ``python -c "import imgkit; imgkit.write_listing('listing.json', 100_000)"``). Prints the
median CPU seconds per engine and tree and the ratio after/before.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys

_WORKER = (
    "import resource, sys, imgkit\n"
    "before = resource.getrusage(resource.RUSAGE_SELF)\n"
    "imgkit.read_images(sys.argv[1], engine=sys.argv[2])\n"
    "after = resource.getrusage(resource.RUSAGE_SELF)\n"
    "print((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))\n"
)


def _cpu_seconds(tree: str, path: str, engine: str) -> float:
    env = {**os.environ, "PYTHONPATH": os.path.abspath(tree)}
    out = subprocess.run(
        [sys.executable, "-c", _WORKER, path, engine], env=env, capture_output=True, text=True, check=True
    ).stdout
    return float(out.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("listing", help="a listing file both trees read")
    parser.add_argument("before", help="the source tree to compare against (a checkout holding imgkit/)")
    parser.add_argument("after", help="the source tree measured")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--engines", nargs="+", default=["fast", "exact"], choices=["fast", "exact", "auto"])
    args = parser.parse_args(argv)
    times: dict[tuple[str, str], list[float]] = {(t, e): [] for t in ("before", "after") for e in args.engines}
    for _ in range(args.repeat):
        for engine in args.engines:
            for name, tree in (("before", args.before), ("after", args.after)):
                times[(name, engine)].append(_cpu_seconds(tree, args.listing, engine))
    print(f"| engine | before (CPU s) | after (CPU s) | after / before |   medians of {args.repeat}, fresh processes")
    print("|---|---|---|---|")
    for engine in args.engines:
        b, a = statistics.median(times[("before", engine)]), statistics.median(times[("after", engine)])
        print(f"| {engine} | {b:.2f} | {a:.2f} | {a / b:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
