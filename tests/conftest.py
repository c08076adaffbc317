"""Shared fixtures. Plots render with the Agg backend and every figure is closed after each test."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")

import pytest
from hypothesis import HealthCheck, settings

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = FIXTURES / "samples"
REPO = Path(__file__).resolve().parent.parent

# Test modules have unique basenames across tests/<subpackage>/ and may share data by module name (a CLI test uses
# the history test's snapshots): every test folder is importable, whichever subset runs.
for _folder in sorted(
    p for p in Path(__file__).parent.iterdir() if p.is_dir() and p.name[0] not in "_." and p.name != "fixtures"
):
    if str(_folder) not in sys.path:
        sys.path.append(str(_folder))

# Property tests: one shared profile. "ci" (default) is derandomized, so CI is repeatable; IMGKIT_HYPOTHESIS=long
# runs 2,000 examples per test. A test states its CI budget with `budget(n)`, never its own profile.
_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile("ci", max_examples=100, derandomize=True, deadline=None, suppress_health_check=_HEALTH)
settings.register_profile("long", max_examples=2000, deadline=None, suppress_health_check=_HEALTH)
HYPOTHESIS_PROFILE = os.environ.get("IMGKIT_HYPOTHESIS", "ci")
settings.load_profile(HYPOTHESIS_PROFILE)


def budget(ci_examples: int) -> settings:
    """Settings of a property test: `ci_examples` under the CI profile, the long profile's count under it."""
    profile = settings.get_profile(HYPOTHESIS_PROFILE)
    return settings(profile, max_examples=ci_examples if HYPOTHESIS_PROFILE == "ci" else profile.max_examples)


@pytest.fixture(autouse=True)
def close_figs():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture
def samples_dir() -> Path:
    return SAMPLES


# ---------------------------------------------------------------------------- browser tests
# Headless Chromium (tests/browser.py) and the explorer served by `imgkit explore`: one of each per session.


@pytest.fixture(scope="session")
def chromium(tmp_path_factory):
    """A headless Chromium context (fresh profile); fails with CI=true, skips elsewhere, when it cannot run."""
    import browser

    reason = None
    if browser.chromium_path() is None:
        reason = "Chromium is not installed (apt-get install chromium)"
    else:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            reason = "playwright is not installed (pip install playwright)"
    if reason:
        if browser.in_ci():
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        context = browser.launch(
            playwright, tmp_path_factory.mktemp("chromium-profile"), viewport={"width": 1280, "height": 900}
        )
        context.set_default_timeout(60_000)
        yield context
        context.close()


@pytest.fixture
def offline_page(chromium):
    """A new page whose requests must stay on 127.0.0.1: the test asserts ``offline.external == []``."""
    import browser

    page = chromium.new_page()
    offline = browser.Offline(page)
    yield page, offline
    page.close()


@pytest.fixture(scope="session")
def explorer_server(tmp_path_factory):
    """`imgkit explore` on the demo listing and its tenant names, on a free loopback port: (URL with its token,
    process, log). Stopped with Ctrl-C (SIGINT)."""
    import selectors
    import signal
    import subprocess
    import sys
    import time

    from imgkit.widgets._serve import free_port

    log = tmp_path_factory.mktemp("explore") / "imgkit-explore.log"
    command = [
        sys.executable,
        "-m",
        "imgkit.cli",
        "explore",
        str(REPO / "data" / "demo_images.json.gz"),
        "--port",
        str(free_port()),
        "--as-of",
        EXPLORE_AS_OF,
        "--tenant-names",
        str(REPO / "data" / "demo_tenants.csv"),
        # one server serves every browser test of the session, one after the other: room for a closed page's
        # kernel still shutting down on a busy machine (the cap itself is tested on a server of its own)
        "--max-pages",
        "8",
    ]
    with open(log, "wb") as err:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err, cwd=REPO)
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + 120
    url = b""
    while not url.endswith(b"\n") and time.monotonic() < deadline and proc.poll() is None:
        if sel.select(timeout=1):
            url += proc.stdout.read1(4096)
    if not url.endswith(b"\n"):
        proc.kill()
        pytest.fail(f"`imgkit explore` printed no URL: {log.read_text(errors='replace')[-2000:]}")
    yield url.decode().strip(), proc, log
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)


EXPLORE_AS_OF = "2026-07-01"


@pytest.fixture(params=["fast", "exact"])
def engine(request) -> str:
    """Each parsing engine of :func:`imgkit.read_images` in turn (the model: geopandas' ``io/tests/test_file.py``)."""
    return request.param


@pytest.fixture
def read(engine):
    """``read_images(source, engine=engine, errors="ignore")``; a list of records reaches the fast engine as JSON bytes."""
    import json

    import imgkit

    def _read(source, **kw):
        kw.setdefault("errors", "ignore")
        if engine == "fast" and isinstance(source, list):
            source = json.dumps({"images": source}, ensure_ascii=False).encode()
        df = imgkit.read_images(source, engine=engine, **kw)
        assert df.attrs["imgkit"]["engine"]["ran"] == engine, df.attrs["imgkit"]["engine"]
        return df

    return _read
