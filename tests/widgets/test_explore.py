"""`imgkit explore`: the explorer served by Voila on loopback, locked down, driven in headless Chromium.

The server (one per session, ``explorer_server`` in conftest) is the real command line
on the bundled demo listing with its tenant names; the browser is Debian's Chromium
through Playwright (``tests/browser.py``). Expected numbers come from the listing
through :func:`imgkit.filter_images`, then are checked against what the page shows.
Servers with other options (a kernel cap, signals) are started by the tests that need them.
"""

from __future__ import annotations

import csv
import http.client
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from urllib.parse import urlsplit

import psutil
import pytest
from conftest import EXPLORE_AS_OF, REPO

import imgkit

DEMO = REPO / "data" / "demo_images.json.gz"


@pytest.fixture(scope="module")
def demo():
    return imgkit.load_demo(tenant_names=True)


def _get(url: str, *, host: str | None = None, path: str | None = None) -> tuple[int, dict[str, str], str]:
    """One GET without following redirects: (status, headers, body)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    target = path if path is not None else (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    conn.request("GET", target, headers={"Host": host} if host else {})
    response = conn.getresponse()
    body = response.read().decode(errors="replace")
    conn.close()
    return response.status, dict(response.getheaders()), body


def _voila(proc: subprocess.Popen) -> psutil.Process:
    """The Voila process `imgkit explore` started."""
    (child,) = [c for c in psutil.Process(proc.pid).children() if "_voila_app" in " ".join(c.cmdline())]
    return child


def _kernels(voila: psutil.Process) -> list[psutil.Process]:
    """The live kernels of `voila` (a kernel shut down but not reaped yet is a zombie: not counted)."""
    out = []
    for child in voila.children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE and "ipykernel_launcher" in " ".join(child.cmdline()):
                out.append(child)
        except psutil.Error:
            pass
    return out


def _wait_kernels(voila: psutil.Process, n: int, timeout: float = 60) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout
    while True:
        kernels = _kernels(voila)
        if len(kernels) == n or time.monotonic() > deadline:
            return kernels
        time.sleep(0.25)


def _rss_mib(voila: psutil.Process) -> float:
    """Resident memory of Voila and every process under it, MiB."""
    total = 0
    for proc in [voila, *voila.children(recursive=True)]:
        try:
            total += proc.memory_info().rss
        except psutil.Error:  # gone meanwhile
            pass
    return total / 2**20


def _pick(page, picker: str, label: str) -> None:
    """Choose the option `label` of a picker (ipywidgets writes spaces as no-break spaces), once it is listed."""
    js = (
        "([sel, label]) => [...document.querySelectorAll(sel + ' option')]"
        ".findIndex(o => o.text.replaceAll('\\u00a0', ' ') === label)"
    )
    selector = f".imgkit-pick-{picker} select"
    page.wait_for_function(f"args => ({js})(args) >= 0", arg=[selector, label])
    page.locator(selector).select_option(index=page.evaluate(js, [selector, label]))


def _wait_chips(page, expected: list[str]) -> None:
    page.wait_for_function(
        "expected => JSON.stringify([...document.querySelectorAll('.imgkit-chip')]"
        ".map(e => e.innerText.replaceAll('\\u00a0', ' ').trim())) === JSON.stringify(expected)",
        arg=expected,
    )


def test_served_page_names_no_other_host(explorer_server):
    """The HTML Voila serves loads nothing from a CDN (Font Awesome and mermaid.js are not linked)."""
    url, proc, _ = explorer_server
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\?token=[A-Za-z0-9_-]{32}", url)
    with urllib.request.urlopen(url, timeout=120) as response:
        page = response.read().decode()
    assert "application/vnd.jupyter.widget-view+json" in page and "read_images" not in page  # sources stripped
    links = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", page)
    assert links and not [u for u in links if re.match(r"(https?:)?//", u) and "127.0.0.1" not in u]
    assert "cdn.jsdelivr" not in page and "cdnjs" not in page


def test_token_and_host_are_required(explorer_server):
    """No token, a wrong token, or a Host other than loopback/localhost: refused, and no kernel is started."""
    url, proc, _ = explorer_server
    voila = _voila(proc)
    before = len(_kernels(voila))
    port = urlsplit(url).port
    status, headers, _ = _get(url, path="/")
    assert status == 302 and headers["Location"].startswith("/login"), (status, headers)
    status, headers, _ = _get(url, path="/?token=" + "x" * 32)
    assert status == 302 and headers["Location"].startswith("/login")
    # DNS rebinding: a page at evil.example resolving to 127.0.0.1 sends its own Host, with the token or not
    for host in (f"evil.example:{port}", "evil.example", f"127.0.0.1.nip.io:{port}"):
        status, _, body = _get(url, host=host)
        assert status == 403, (host, status)
        assert "widget-view" not in body
    status, _, _ = _get(url, host=f"evil.example:{port}", path=f"/api/kernels?{urlsplit(url).query}")
    assert status == 403
    assert len(_kernels(voila)) == before
    # the token is on no command line (argv is world-readable)
    token = urlsplit(url).query.split("=", 1)[1]
    assert not [p for p in [voila, *voila.children(recursive=True)] if token in " ".join(p.cmdline())]


def test_kernel_cap_and_idle_culling(tmp_path):
    """At most `max_kernels` pages: one more gets 503 (no traceback); a kernel no page is connected to is culled."""
    from imgkit.widgets._serve import start, stop

    with open(tmp_path / "voila.log", "wb") as log:
        proc, url = start(DEMO, tmp_path, max_kernels=1, idle_timeout=6, log=log)
    try:
        voila = psutil.Process(proc.pid)
        status, _, body = _get(url)
        assert status == 200 and "application/vnd.jupyter.widget-view+json" in body
        assert len(_kernels(voila)) == 1
        status, _, body = _get(url)
        assert status == 503, status
        assert "explorer pages are open already" in body and "Traceback" not in body
        assert _wait_kernels(voila, 0, timeout=60) == []  # culled: idle, no page connected
        deadline = time.monotonic() + 30  # the manager forgets the kernel a moment after its process exits
        while (status := _get(url)[0]) == 503 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert status == 200
    finally:
        assert stop(proc) == 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_signals_stop_voila_and_kernels_and_remove_temp_files(tmp_path, sig):
    """`kill PID`, `systemctl stop` (SIGTERM) or a closed SSH session (SIGHUP): everything stops, nothing is left."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp)}
    command = [sys.executable, "-m", "imgkit.cli", "explore", str(DEMO), "--as-of", EXPLORE_AS_OF]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, cwd=REPO)
    try:
        url = proc.stdout.readline().decode().strip()
        assert url.startswith("http://127.0.0.1:"), url
        status, _, _ = _get(url)
        assert status == 200
        voila = _voila(proc)
        kernels = _kernels(voila)
        assert len(kernels) == 1
        assert [p.name for p in tmp.iterdir()] and all(p.name.startswith("imgkit-explore-") for p in tmp.iterdir())
        proc.send_signal(sig)
        assert proc.wait(timeout=60) == 0
        _, alive = psutil.wait_procs([voila, *kernels], timeout=30)
        assert alive == []
        assert list(tmp.iterdir()) == []  # notebook, kernelspec and kernel connection files removed
        with pytest.raises(OSError):
            urllib.request.urlopen(url, timeout=5)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_file_name_is_text_not_markdown(tmp_path):
    """A hostile INPUT name is shown as escaped text in the explorer, never as Markdown or HTML."""
    from imgkit.widgets import ImageExplorer
    from imgkit.widgets._serve import explorer_notebook

    name = "[click](javascript:alert(1)) ![t](https:evil.example) <b>x<b>\x01.json"
    path = tmp_path / name
    path.write_bytes(DEMO.read_bytes())
    nb = explorer_notebook(path)
    assert [c["cell_type"] for c in nb["cells"]] == ["code"]  # no Markdown cell at all
    code = nb["cells"][0]["source"]
    compile(code, "explorer", "exec")
    assert f"title={'imgkit explorer: ' + name!r}" in code
    ex = ImageExplorer(imgkit.load_demo().head(10), as_of=EXPLORE_AS_OF, title=f"imgkit explorer: {name}")
    assert ex.title.value == (
        "<h3>imgkit explorer: [click](javascript:alert(1)) ![t](https:evil.example) &lt;b&gt;x&lt;b&gt;\\x01.json</h3>"
    )
    ex.close()


@pytest.mark.browser
def test_explorer_in_chromium(explorer_server, offline_page, demo, tmp_path):
    """Filters through the pickers (live counts), chips that remove them, the grid's paging, search and download."""
    url, _, _ = explorer_server
    page, offline = offline_page
    page.goto(url)
    count = page.locator(".imgkit-count")
    count.get_by_text(f"{len(demo):,} of {len(demo):,} images").wait_for(timeout=120_000)

    # a platform through its picker: the choice shows its count, a chip appears
    ubuntu = imgkit.filter_images(demo, platforms=["Ubuntu"])
    _pick(page, "platforms", f"Ubuntu ({len(ubuntu):,})")
    expected = f"{len(ubuntu):,} of {len(demo):,} images, {ubuntu['owner'].nunique()} of 60 tenants"
    count.get_by_text(expected, exact=True).wait_for()
    _wait_chips(page, ["Platform: Ubuntu ×", "Clear all"])

    # the tenant picker's counts respect the platform filter; a tenant found by name through the search box
    tenant = ubuntu["owner"].value_counts().index[0]
    name = str(demo.loc[demo["owner"] == tenant, "owner_name"].iloc[0])
    page.locator(".imgkit-tenant-search input").fill(name[:6])
    _pick(page, "tenants", f"{name} · {tenant[:8]} ({(ubuntu['owner'] == tenant).sum():,})")
    both = imgkit.filter_images(demo, platforms=["Ubuntu"], tenants=[tenant])
    count.get_by_text(f"{len(both):,} of {len(demo):,} images, 1 of 60 tenants", exact=True).wait_for()
    _wait_chips(page, [f"Tenant: {name} · {tenant[:8]} ×", "Platform: Ubuntu ×", "Clear all"])

    # a chip's × removes its filter
    page.locator(".imgkit-chip", has_text="Platform: Ubuntu").click()
    only = imgkit.filter_images(demo, tenants=[tenant])
    count.get_by_text(f"{len(only):,} of {len(demo):,} images, 1 of 60 tenants", exact=True).wait_for()

    # the grid: 20 rows a page, oldest first, ids and sizes; paging, search, CSV download of what it holds
    page.locator(".lm-TabBar-tab", has_text="Images").click()
    grid = page.locator(".imgkit-grid")
    info = grid.locator(".dt-info")
    info.get_by_text(f"Showing 1 to 20 of {len(only):,} entries").wait_for()
    headers = grid.locator("thead th").all_inner_texts()
    assert headers[:4] == ["id", "name", "tenant", "tenant id"] and "size (GiB)" in headers
    oldest = only.sort_values("created_at", kind="stable")
    assert grid.locator("tbody tr").first.locator("td").first.inner_text() == oldest["id"].iloc[0]
    grid.locator(".dt-paging button", has_text="2").first.click()
    info.get_by_text(f"Showing 21 to 40 of {len(only):,} entries").wait_for()
    assert grid.locator("tbody tr").first.locator("td").first.inner_text() == oldest["id"].iloc[20]
    query = str(oldest["os_version"].iloc[0]).lower()
    grid.locator(".dt-search input").fill(query)
    info.get_by_text("(filtered from").wait_for()
    with page.expect_download() as download:
        grid.locator("button.buttons-csv").click()
    with open(download.value.path(), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    shown = int(re.search(r"of ([\d,]+) entries", info.inner_text()).group(1).replace(",", ""))
    assert len(rows) == shown > 0
    assert {r["tenant id"] for r in rows} == {tenant} and {r["tenant"] for r in rows} == {name}
    assert all(query in " ".join(r.values()).lower() for r in rows)
    assert {r["id"] for r in rows} <= set(only["id"])
    sizes = only.set_index("id")["image_size"]
    first = rows[0]
    assert float(first["size (GiB)"]) == round(int(sizes[first["id"]]) / 2**30, 2)

    shot = tmp_path / "explorer.png"
    page.screenshot(path=shot, full_page=True)
    assert shot.stat().st_size > 10_000
    assert offline.external == [], f"requests that left 127.0.0.1: {offline.external}"


@pytest.mark.browser
def test_empty_selection_says_why(explorer_server, offline_page):
    url, _, _ = explorer_server
    page, _ = offline_page
    page.goto(url)
    page.locator(".imgkit-count").get_by_text("of 5,000 images").wait_for(timeout=120_000)
    page.locator(".imgkit-created-from input").fill("2025-01-01")
    page.locator(".imgkit-created-to input").fill("2024-01-01")
    page.locator(".imgkit-empty").get_by_text("the date range is inverted").wait_for()
    _wait_chips(page, ["Created from 2025-01-01 ×", "Created to 2024-01-01 ×", "Clear all"])
    page.locator(".imgkit-tenant-search input").fill("no such tenant")
    page.locator(".imgkit-tenants-note").get_by_text("no tenant matches 'no such tenant'").wait_for()


@pytest.mark.browser
@pytest.mark.parametrize("width", [900, 390])
def test_layout_fits_narrow_screens(explorer_server, chromium, width):
    """At 900 px and 390 px the page never scrolls sideways; the controls and the grid stay inside it."""
    url, _, _ = explorer_server
    page = chromium.new_page()
    try:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url)
        page.locator(".imgkit-count").get_by_text("of 5,000 images").wait_for(timeout=120_000)
        page.locator(".lm-TabBar-tab", has_text="Images").click()
        page.locator(".imgkit-grid button.buttons-csv").wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        for selector in (".imgkit-pick-platforms select", ".imgkit-tenant-search input", ".imgkit-grid"):
            box = page.locator(selector).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, (selector, box)
    finally:
        page.close(run_before_unload=True)


@pytest.mark.browser
def test_memory_stays_flat_over_visits(explorer_server, chromium):
    """Seven visits, each tab closed: every kernel is shut down, the server's memory does not grow per visit."""
    url, proc, _ = explorer_server
    voila = _voila(proc)
    _wait_kernels(voila, 0, timeout=180)  # kernels of earlier tests (closed pages) are gone
    rss = []
    for _ in range(7):
        page = chromium.new_page()
        page.goto(url)
        page.locator(".imgkit-count").get_by_text("of 5,000 images").wait_for(timeout=120_000)
        assert len(_kernels(voila)) == 1
        page.close(run_before_unload=True)  # the page's shutdown request (voila issue 1458) now carries _xsrf
        assert _wait_kernels(voila, 0, timeout=30) == []
        rss.append(_rss_mib(voila))
    print(f"\nexplorer server RSS after each of 7 visits (MiB): {[round(r) for r in rss]}")
    assert rss[-1] < rss[0] + 100, rss


def test_explore_bad_input_and_options_are_one_line_errors(capsys, tmp_path):
    from imgkit.cli import main

    assert main(["explore", str(tmp_path / "nope.json")]) == 1
    assert capsys.readouterr().err.strip() == f"imgkit: error: {tmp_path / 'nope.json'}: no such file or directory"
    assert main(["explore", str(DEMO), "--port", "70000"]) == 1
    assert "`port` must be between 1 and 65535, got 70000" in capsys.readouterr().err
    assert main(["explore", str(DEMO), "--as-of", "soon"]) == 1
    assert "--as-of: not a date/time: 'soon'" in capsys.readouterr().err
    assert main(["explore", str(DEMO), "--max-pages", "0"]) == 1
    assert "`max_kernels` must be a positive integer, got 0" in capsys.readouterr().err
    assert main(["explore", str(DEMO), "--idle-timeout", "0"]) == 1
    assert "`idle_timeout` must be at least 1 (seconds), got 0.0" in capsys.readouterr().err
    assert main(["explore", str(DEMO), "--tenant-names", str(tmp_path / "none.csv")]) == 1
    assert "no such file" in capsys.readouterr().err


def test_ctrl_c_stops_the_server(explorer_server):
    """Last in this module: SIGINT (Ctrl-C) stops Voila and its kernels, exit code 0, nothing left listening."""
    url, proc, log = explorer_server
    voila = _voila(proc)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 0, log.read_text(errors="replace")[-2000:]
    _, alive = psutil.wait_procs([voila], timeout=30)
    assert alive == []
    with pytest.raises(OSError):
        urllib.request.urlopen(url, timeout=5)
