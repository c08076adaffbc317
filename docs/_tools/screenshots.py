"""Regenerate the screenshots the README and the docs show: ``docs/_static/report.png`` and ``explorer.png``.

Run from the repository root (needs Chromium at /usr/bin/chromium, Playwright and Voila, all in the test extra)::

    python docs/_tools/screenshots.py

The report is the demo report; the explorer is ``imgkit explore`` on the demo listing, on a free loopback port,
with the platform Ubuntu selected. Both in headless Chromium, 1280 x 800, nothing fetched from outside 127.0.0.1.
"""

from __future__ import annotations

import selectors
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))

from browser import Offline, launch  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

STATIC = REPO / "docs" / "_static"
DEMO = REPO / "data" / "demo_images.json.gz"
VIEWPORT = {"width": 1280, "height": 800}


def report_shot(playwright, tmp: Path) -> None:
    html = tmp / "report.html"
    subprocess.run(
        [sys.executable, "-m", "imgkit.cli", "report", str(DEMO), "-o", str(html), "--as-of", "2026-07-01"],
        check=True,
        cwd=REPO,
    )
    context = launch(playwright, tmp / "profile-report", viewport=VIEWPORT)
    page = context.new_page()
    offline = Offline(page)
    page.goto(html.as_uri())
    page.wait_for_load_state("load")
    page.screenshot(path=STATIC / "report.png")
    context.close()
    assert offline.external == [], offline.external


def explorer_shot(playwright, tmp: Path) -> None:
    from imgkit.widgets._serve import free_port

    proc = subprocess.Popen(
        [sys.executable, "-m", "imgkit.cli", "explore", str(DEMO), "--port", str(free_port()), "--as-of", "2026-07-01"],
        stdout=subprocess.PIPE,
        cwd=REPO,
    )
    try:
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        url, deadline = b"", time.monotonic() + 120
        while not url.endswith(b"\n") and time.monotonic() < deadline and proc.poll() is None:
            if sel.select(timeout=1):
                url += proc.stdout.read1(4096)
        context = launch(playwright, tmp / "profile-explorer", viewport=VIEWPORT)
        page = context.new_page()
        offline = Offline(page)
        page.goto(url.decode().strip())
        page.locator(".imgkit-count").get_by_text("of 5,000 images").first.wait_for(timeout=120_000)
        page.locator(".imgkit-platforms select").select_option(label="Ubuntu")
        page.wait_for_timeout(3000)
        page.screenshot(path=STATIC / "explorer.png")
        context.close()
        assert offline.external == [], offline.external
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)


def main() -> None:
    STATIC.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        report_shot(playwright, Path(tmp))
        explorer_shot(playwright, Path(tmp))
    for name in ("report.png", "explorer.png"):
        print(STATIC / name, (STATIC / name).stat().st_size, "bytes")


if __name__ == "__main__":
    main()
