"""The report in headless Chromium, on screen and printed to PDF: every table whole, nothing sideways, no request.

Layout is checked in the page (``_LAYOUT`` below): the page does not scroll sideways, no
table sits in a box that clips or scrolls it, no cell's content overflows it, and dates and
ids stay on one line. Printing is checked the same way with print media at the width of an
A4 page's printable area, then printed to PDF (Chromium's print-to-PDF, through Playwright).
Screenshots and the PDF are saved under pytest's tmp dir; ``-rP`` prints their paths.
"""

from __future__ import annotations

import re

import pytest

import imgkit
from imgkit.report import build_report

pytestmark = pytest.mark.browser

AS_OF = "2026-07-01"
#: The printable width of an A4 page with the report's 12 mm margins, in CSS pixels (96 per inch).
A4_PRINTABLE_PX = round((210 - 2 * 12) / 25.4 * 96)

_LAYOUT = """
() => {
  const problems = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth + 1)
    problems.push(`the page is ${doc.scrollWidth}px wide in a ${doc.clientWidth}px window`);
  const tables = [...document.querySelectorAll('table')];
  tables.forEach((table, i) => {
    const name = `table ${i + 1} (${table.closest('section')?.id} ${table.previousElementSibling?.textContent?.slice(0, 40)})`;
    const box = table.getBoundingClientRect();
    if (box.right > doc.clientWidth + 1) problems.push(`${name} ends at ${box.right}px`);
    for (let e = table.parentElement; e && e !== document.body; e = e.parentElement) {
      const cs = getComputedStyle(e);
      const clips = cs.overflowX !== 'visible' || cs.overflowY !== 'visible' || cs.maxHeight !== 'none';
      if (clips && (e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1))
        problems.push(`${name} is clipped or scrolled by <${e.tagName.toLowerCase()} class=${e.className}>`);
    }
    for (const cell of table.querySelectorAll('td, th')) {
      if (cell.scrollWidth > cell.clientWidth + 1)
        problems.push(`${name}: a cell overflows: ${cell.textContent.slice(0, 60)}`);
      if (cell.matches('.date, .id') && cell.textContent) {
        const range = document.createRange();
        range.selectNodeContents(cell);
        const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (lines.size > 1) problems.push(`${name}: broken mid-value: ${cell.textContent}`);
      }
    }
  });
  for (const svg of document.querySelectorAll('.figure svg')) {
    const box = svg.getBoundingClientRect();
    if (box.right > doc.clientWidth + 1) problems.push(`a plot ends at ${box.right}px`);
  }
  return {problems, tables: tables.length, rows: tables.map(t => t.querySelectorAll('tbody tr').length)};
}
"""


@pytest.fixture(scope="module")
def demo():
    return imgkit.load_demo()


@pytest.fixture(scope="module")
def report_file(demo, tmp_path_factory):
    """The demo report with every section: tenant names (CJK and long ones) and the cleanup section (servers)."""
    path = tmp_path_factory.mktemp("report") / "report.html"
    owners = demo["owner"].value_counts().index
    names = {
        o: (f"财务部 第{i}组 (Finance department, team {i})" if i % 2 else f"tenant-{i}-production-workloads")
        for i, o in enumerate(owners)
    }
    labelled = imgkit.label_tenants(demo, names)
    build_report(labelled, path=path, as_of=AS_OF, servers=imgkit.load_demo_servers(), prices=0.02, currency="EUR")
    return path


def _open(page, path):
    page.goto(path.as_uri())
    page.wait_for_load_state("load")


def test_report_on_screen(report_file, offline_page, demo, tmp_path):
    page, offline = offline_page
    page.set_viewport_size({"width": 1280, "height": 900})
    _open(page, report_file)
    layout = page.evaluate(_LAYOUT)
    assert layout["problems"] == []
    # the tenant table shows every tenant (no scroll box); the oldest images their first rows
    tenants = page.locator("#tenants table tbody tr")
    assert tenants.count() == demo["owner"].nunique()
    shot = tmp_path / "report-screen.png"
    page.screenshot(path=shot, full_page=True)
    print(f"\nscreenshot of the report (screen): {shot}")
    assert offline.external == [], offline.external
    assert all(u.startswith(("file:", "data:")) for u in offline.requests), offline.requests


def test_report_printed(report_file, offline_page, tmp_path):
    page, offline = offline_page
    page.set_viewport_size({"width": A4_PRINTABLE_PX, "height": 1100})
    _open(page, report_file)
    page.emulate_media(media="print")
    layout = page.evaluate(_LAYOUT)
    assert layout["problems"] == []
    assert page.locator("nav").is_hidden()
    breaks = page.evaluate("() => [...document.querySelectorAll('section')].map(s => getComputedStyle(s).breakBefore)")
    assert breaks[0] != "page" and breaks.count("page") == len(breaks) - 1  # each section after the summary
    shot = tmp_path / "report-print.png"
    page.screenshot(path=shot, full_page=True)
    pdf = tmp_path / "report.pdf"
    page.pdf(path=pdf, format="A4", print_background=True)
    data = pdf.read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    print(f"\nscreenshot of the report (print): {shot}\nthe report printed to PDF: {pdf} ({pages} pages)")
    assert data.startswith(b"%PDF") and pages >= len(breaks)
    assert offline.external == [], offline.external
