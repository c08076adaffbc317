"""`imgkit explore`: the explorer served by Voila on loopback, driven in headless Chromium.

The server (one per session, ``explorer_server`` in conftest) is the real command line
on the bundled demo listing; the browser is Debian's Chromium through Playwright
(``tests/browser.py``). Expected numbers come from the listing through
:func:`imgkit.filter_images`, then are checked against what the page shows.
"""

from __future__ import annotations

import re
import signal
import urllib.request

import pytest
from conftest import REPO

import imgkit
from imgkit.plotting._style import short_label

DEMO = REPO / "data" / "demo_images.json.gz"


@pytest.fixture(scope="module")
def demo():
    return imgkit.read_images(DEMO)


def _plot_svg(page, key: str) -> str:
    """The SVG a plot tab shows (JupyterLab renders it as an <img> with a data: URI, or inline)."""
    import base64
    from urllib.parse import unquote

    area = page.locator(f".imgkit-plot-{key}")
    area.locator("img, svg").first.wait_for()
    if area.locator("svg").count():
        return area.locator("svg").first.evaluate("e => e.outerHTML")
    src = area.locator("img").first.get_attribute("src")
    head, _, data = src.partition(",")
    return base64.b64decode(data).decode() if head.endswith(";base64") else unquote(data)


def test_served_page_names_no_other_host(explorer_server):
    """The HTML Voila serves loads nothing from a CDN (Font Awesome and mermaid.js are not linked)."""
    url, proc, _ = explorer_server
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", url)
    with urllib.request.urlopen(url, timeout=120) as response:
        page = response.read().decode()
    assert "imgkit explorer" in page and "read_images" not in page  # sources stripped
    links = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", page)
    assert links and not [u for u in links if re.match(r"(https?:)?//", u) and "127.0.0.1" not in u]
    assert "cdn.jsdelivr" not in page and "cdnjs" not in page


@pytest.mark.browser
def test_explorer_in_chromium(explorer_server, offline_page, demo, tmp_path):
    url, _, log = explorer_server
    page, offline = offline_page
    n_tenants = demo["owner"].nunique()
    page.goto(url)
    count = page.locator(".imgkit-count")
    count.get_by_text(f"{len(demo):,} of {len(demo):,} images").wait_for(timeout=120_000)

    # a platform
    ubuntu = imgkit.filter_images(demo, platforms=["Ubuntu"])
    page.locator(".imgkit-platforms select").select_option(label="Ubuntu")
    expected = f"{len(ubuntu):,} of {len(demo):,} images, {ubuntu['owner'].nunique()} of {n_tenants} tenants"
    count.get_by_text(expected, exact=True).wait_for()

    # a tenant: the one with most Ubuntu images, found through the search box
    tenant = ubuntu["owner"].value_counts().index[0]
    query = tenant[:10]
    page.locator(".imgkit-tenant-search input").fill(query)
    options = page.locator(".imgkit-tenants select option")
    matching = sum(query.lower() in str(t).lower() for t in demo["owner"].dropna().unique())
    page.wait_for_function("n => document.querySelectorAll('.imgkit-tenants select option').length === n", arg=matching)
    label = f"{tenant} ({(demo['owner'] == tenant).sum():,})"
    texts = [t.replace("\xa0", " ") for t in options.all_inner_texts()]  # ipywidgets shows spaces as nbsp
    assert label in texts
    page.locator(".imgkit-tenants select").select_option(index=texts.index(label))
    both = imgkit.filter_images(demo, platforms=["Ubuntu"], tenants=[tenant])
    assert 0 < len(both) < len(ubuntu)
    count.get_by_text(f"{len(both):,} of {len(demo):,} images, 1 of {n_tenants} tenants", exact=True).wait_for()

    # the OS plot shows that one tenant; the table its images, oldest first
    assert _plot_svg(page, "os").count(f">{short_label(tenant)}<") == 1  # the only bar's label
    page.locator(".lm-TabBar-tab", has_text="Images").click()
    table = page.locator(".imgkit-table")
    shown = min(20, len(both))
    table.get_by_text(f"First {shown:,} of {len(both):,} images, oldest first.").wait_for()
    rows = table.locator("tbody tr")
    assert rows.count() == shown
    oldest = both.sort_values("created_at", kind="stable").iloc[0]
    cells = rows.first.locator("td").all_inner_texts()
    assert cells[:3] == [oldest["name"], tenant, "Ubuntu"]
    assert set(table.locator("tbody tr td:nth-child(3)").all_inner_texts()) == {"Ubuntu"}

    shot = tmp_path / "explorer.png"
    page.screenshot(path=shot, full_page=True)
    print(f"\nscreenshot of the explorer: {shot}")
    assert shot.stat().st_size > 10_000
    assert offline.external == [], f"requests that left 127.0.0.1: {offline.external}"
    assert any(u.startswith(url) for u in offline.requests)


def test_explore_bad_input_and_port_are_one_line_errors(capsys, tmp_path):
    from imgkit.cli import main

    assert main(["explore", str(tmp_path / "nope.json")]) == 1
    assert capsys.readouterr().err.strip() == f"imgkit: error: {tmp_path / 'nope.json'}: no such file or directory"
    assert main(["explore", str(DEMO), "--port", "70000"]) == 1
    assert "`port` must be between 1 and 65535, got 70000" in capsys.readouterr().err
    assert main(["explore", str(DEMO), "--as-of", "soon"]) == 1
    assert "--as-of: not a date/time: 'soon'" in capsys.readouterr().err


def test_ctrl_c_stops_the_server(explorer_server):
    """Last in this module: SIGINT (Ctrl-C) stops Voila and its kernel, exit code 0, nothing left listening."""
    url, proc, log = explorer_server
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 0, log.read_text(errors="replace")[-2000:]
    assert "Kernel shutdown" in log.read_text(errors="replace")
    with pytest.raises(OSError):
        urllib.request.urlopen(url, timeout=5)
