"""Benchmark: several regions fetched together vs one after the other, against slow loopback servers.

    python bench/bench_regions.py [--regions 4] [--pages 5] [--latency 0.2] [--repeat 3]

Each "region" is a loopback server (its own thread-per-request werkzeug server on 127.0.0.1)
answering ``GET /v2/images`` pages of 100 images after sleeping `--latency` seconds, so a
region takes about pages x latency.  Prints the median wall time of
``fetch_images(None, regions={...})`` and of the same regions fetched one by one.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path

import orjson
from pytest_httpserver import HTTPServer
from werkzeug import Response

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import imgkit  # noqa: E402


def _server(pages: int, latency: float, prefix: str) -> HTTPServer:
    def handler(request):
        time.sleep(latency)
        n = int(request.args.get("marker", "0"))
        images = [
            {
                "id": f"{prefix}-{n * 100 + i:08d}",
                "name": f"img-{i}",
                "status": "active",
                "visibility": "private",
                "owner": "p1",
                "created_at": "2026-01-01T00:00:00Z",
                "updated_at": "2026-01-01T00:00:00Z",
            }
            for i in range(100)
        ]
        body = {"images": images}
        if n + 1 < pages:
            body["next"] = f"/v2/images?marker={n + 1}"
        return Response(orjson.dumps(body), content_type="application/json")

    server = HTTPServer(host="127.0.0.1", threaded=True)
    server.expect_request("/v2/images").respond_with_handler(handler)
    server.start()
    return server


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--regions", type=int, default=4)
    ap.add_argument("--pages", type=int, default=5)
    ap.add_argument("--latency", type=float, default=0.2)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    servers = [_server(args.pages, args.latency, f"r{i}") for i in range(args.regions)]
    regions = {f"r{i}": s.url_for("/") for i, s in enumerate(servers)}
    together, apart = [], []
    try:
        for _ in range(args.repeat):
            started = time.perf_counter()
            df = imgkit.fetch_images(None, regions=regions, progress=False, errors="ignore")
            together.append(time.perf_counter() - started)
            assert len(df) == args.regions * args.pages * 100
            started = time.perf_counter()
            for url in regions.values():
                imgkit.fetch_images(url, progress=False, errors="ignore")
            apart.append(time.perf_counter() - started)
    finally:
        for s in servers:
            s.stop()
    print(
        f"{args.regions} regions x {args.pages} pages x {args.latency:g} s: together "
        f"{statistics.median(together):.2f} s, one after the other {statistics.median(apart):.2f} s "
        f"(medians of {args.repeat})"
    )


if __name__ == "__main__":
    main()
