"""The report in headless Chromium: "Act on" first, nothing sideways at 390 px, readable plots, a short print.

Layout is checked in the page (``_LAYOUT``): the page never scrolls sideways; at desktop and
print widths no table sits in a box that clips or scrolls it, no cell's content overflows, and
dates and ids stay on one line; on a phone (390 px) wide tables scroll inside their own box and
plot text stays at least 9 px. Printed to PDF (Chromium's print-to-PDF through Playwright),
the page count is pinned to a band and every major section starts a page. Screenshots and the
PDF go under pytest's tmp dir; ``-rP`` prints their paths.
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
(narrow) => {
  const problems = [];
  if (!matchMedia('print').matches)  // on screen the collapsed lists are checked open; printed, they stay closed
    document.querySelectorAll('details').forEach(d => { d.open = true; });
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth + 1)
    problems.push(`the page is ${doc.scrollWidth}px wide in a ${doc.clientWidth}px window`);
  const tables = [...document.querySelectorAll('table')];
  tables.forEach((table, i) => {
    const name = `table ${i + 1} (${table.closest('[data-table]')?.dataset.table})`;
    const box = table.parentElement.getBoundingClientRect();
    if (box.right > doc.clientWidth + 1) problems.push(`${name}'s box ends at ${box.right}px`);
    if (narrow) return;  // on a narrow screen a wide table scrolls in its own box
    for (let e = table.parentElement; e && e !== document.body; e = e.parentElement) {
      const cs = getComputedStyle(e);
      const clips = cs.overflowX !== 'visible' || cs.overflowY !== 'visible' || cs.maxHeight !== 'none';
      if (clips && (e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1))
        problems.push(`${name} is clipped or scrolled by <${e.tagName.toLowerCase()} class=${e.className}>`);
    }
    for (const cell of table.querySelectorAll('td, th')) {
      if (cell.scrollWidth > cell.clientWidth + 1)
        problems.push(`${name}: a cell overflows: ${cell.textContent.slice(0, 60)}`);
      if (cell.matches('td.date, td.id') && cell.textContent) {
        const range = document.createRange();
        range.selectNodeContents(cell);
        const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (lines.size > 1) problems.push(`${name}: broken mid-value: ${cell.textContent}`);
      }
    }
  });
  let smallest = 1e9;
  for (const svg of document.querySelectorAll('.figure svg')) {
    const box = svg.parentElement.getBoundingClientRect();
    if (box.right > doc.clientWidth + 1) problems.push(`a figure's box ends at ${box.right}px`);
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    for (const t of svg.querySelectorAll('text'))
      smallest = Math.min(smallest, parseFloat(getComputedStyle(t).fontSize) * scale);
  }
  for (const a of document.querySelectorAll('a.action')) {
    const box = a.getBoundingClientRect();
    if (a.scrollWidth > a.clientWidth + 1) problems.push(`an act-on box overflows: ${a.textContent.slice(0, 40)}`);
  }
  return {problems, smallest, height: doc.scrollHeight,
          first: document.querySelector('section')?.id, tables: tables.length};
}
"""


@pytest.fixture(scope="module")
def report_file(tmp_path_factory):
    """The demo report with every section: named tenants (CJK and long names), a baseline, cleanup with prices."""
    from imgkit.demo import demo_snapshots

    snaps = demo_snapshots(3)
    demo = snaps[2]
    owners = demo["owner"].value_counts().index
    names = {
        o: (f"财务部 第{i}组 (Finance department, team {i})" if i % 2 else f"tenant-{i}-production-workloads")
        for i, o in enumerate(owners)
    }
    path = tmp_path_factory.mktemp("report") / "report.html"
    build_report(
        imgkit.label_tenants(demo, names),
        path=path,
        baseline=snaps[1],
        history=snaps,
        servers=imgkit.load_demo_servers(),
        prices=0.02,
        currency="USD",
    )
    return path


def _open(page, path, width, height=900):
    page.set_viewport_size({"width": width, "height": height})
    page.goto(path.as_uri())
    page.wait_for_load_state("load")


@pytest.mark.parametrize("width", [1280, 900])
def test_report_on_screen(report_file, offline_page, tmp_path, width):
    """At 1280 px every table fits; at 900 px a wide table may scroll in its own box, never the page."""
    page, offline = offline_page
    _open(page, report_file, width)
    layout = page.evaluate(_LAYOUT, width < 1000)
    assert layout["problems"] == []
    assert layout["first"] == "act-on"
    top = page.locator("#act-on").bounding_box()
    assert top["y"] < 400  # the decisions are on the first screen, under the title
    shot = tmp_path / f"report-{width}.png"
    page.screenshot(path=shot, full_page=True)
    print(f"\nscreenshot of the report ({width} px, {layout['height']:,} px high): {shot}")
    assert offline.external == [], offline.external


def test_report_on_a_phone(report_file, offline_page, tmp_path):
    page, offline = offline_page
    _open(page, report_file, 390, 844)
    layout = page.evaluate(_LAYOUT, True)
    assert layout["problems"] == []
    assert layout["smallest"] >= 9.0, f"plot text {layout['smallest']:.1f} px"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    # a wide table scrolls in its own box, not the page
    box = page.locator('[data-table="tenants-tenants"] .tablebox')
    assert box.evaluate("e => e.scrollWidth > e.clientWidth && getComputedStyle(e).overflowX === 'auto'")
    shot = tmp_path / "report-390.png"
    page.screenshot(path=shot, full_page=True)
    print(f"\nscreenshot of the report (390 px, {layout['height']:,} px high): {shot}")
    assert offline.external == [], offline.external


def test_report_printed(report_file, offline_page, tmp_path):
    page, offline = offline_page
    _open(page, report_file, A4_PRINTABLE_PX, 1100)
    page.emulate_media(media="print")
    layout = page.evaluate(_LAYOUT, False)
    assert layout["problems"] == []
    assert page.locator("nav").is_hidden()
    breaks = page.evaluate(
        "() => [...document.querySelectorAll('section')].map(s => [s.id, getComputedStyle(s).breakBefore])"
    )
    starts = [i for i, b in breaks if b == "page"]
    assert starts == ["changes", "cleanup", "inventory", "dictionary"]  # the major sections only
    assert breaks[0] == ["act-on", "auto"]
    pdf = tmp_path / "report.pdf"
    page.pdf(path=pdf, format="A4", print_background=True)
    data = pdf.read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    print(f"\nthe report printed to PDF: {pdf} ({pages} pages)")
    assert data.startswith(b"%PDF") and len(starts) + 1 <= pages <= 28
    assert offline.external == [], offline.external
