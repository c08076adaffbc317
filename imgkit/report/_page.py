"""The report's page kit: stylesheet, page, sections, cards, figures, and how numbers read.

Every string that comes from the data goes through :func:`escape` (tables are rendered by
the shared HTML helpers). Numbers read one way everywhere: counts with thousands separators,
money with its currency and two decimals (:func:`money`), sizes in binary units (:func:`size`,
"GiB" = 2**30 bytes, stated once under the title), shares as percentages.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from imgkit._html import escape, format_cell, isna, render_plot

DEFAULT_TITLE = "Image catalogue report"

__all__ = [
    "CSS",
    "DEFAULT_TITLE",
    "MIN_PLOT_TEXT_PX",
    "count_text",
    "format_bytes",
    "format_days",
    "format_money",
    "html_cards",
    "html_details",
    "html_dl",
    "html_figure",
    "html_figure_svg",
    "html_page",
    "html_section",
    "min_plot_width",
    "paragraph",
    "signed",
]

#: The font stack: the system's UI font, then CJK fonts for Chinese/Japanese/Korean names (where installed).
FONTS = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", '
    '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Hiragino Sans GB", '
    '"Microsoft YaHei", "WenQuanYi Micro Hei", "Noto Sans CJK JP", "Noto Sans CJK KR", sans-serif'
)
#: In the plots: matplotlib's own font first (it laid the text out with its metrics), then the CJK fallbacks.
SVG_FONTS = '"DejaVu Sans", ' + FONTS.split('"Noto Sans", ', 1)[1]

#: The smallest plot text on any screen, in CSS pixels: a figure never shrinks below the width that keeps it.
MIN_PLOT_TEXT_PX = 9.0

CSS = """
:root { --fg:#1d232a; --muted:#5b6770; --line:#d8dee4; --accent:#2f6f9f; --bg:#ffffff; --card:#f5f7f9;
        --warn:#a4410e; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { font-family: FONTS; color: var(--fg); background: var(--bg); margin: 0; line-height: 1.45; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 32px 64px; }
header h1 { margin: 0 0 4px; font-size: 1.8rem; }
header p { margin: 0; color: var(--muted); }
nav { margin: 16px 0 8px; padding: 8px 0; border-top: 1px solid var(--line); border-bottom: 1px solid var(--line);
      display: flex; flex-wrap: wrap; gap: 4px 14px; }
nav a { color: var(--accent); text-decoration: none; font-size: .92rem; white-space: nowrap; }
section { margin-top: 36px; }
section.major > h2 { font-size: 1.45rem; }
h2 { font-size: 1.3rem; border-bottom: 2px solid var(--accent); padding-bottom: 4px; }
h3 { font-size: 1.05rem; margin: 22px 0 8px; }
p { orphans: 3; widows: 3; }
.note { color: var(--muted); font-size: .9rem; }
.lead { font-size: 1rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 12px; }
.card { background: var(--card); border-radius: 6px; padding: 10px 14px; }
.card .value { font-size: 1.45rem; font-weight: 600; white-space: nowrap; }
.card .label { color: var(--muted); font-size: .85rem; }
.actions { display: grid; grid-template-columns: repeat(auto-fill, minmax(250px, 1fr)); gap: 12px; }
a.action { display: block; background: var(--card); border-radius: 6px; padding: 12px 16px; color: inherit;
           text-decoration: none; border-left: 5px solid var(--accent); }
a.action.warn { border-left-color: var(--warn); }
a.action:hover { background: #e9eef2; }
a.action .value { font-size: 1.6rem; font-weight: 650; }
a.action .what { font-weight: 600; }
a.action .detail { color: var(--muted); font-size: .88rem; overflow-wrap: anywhere; }
a.action .go { color: var(--accent); font-size: .85rem; }
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 12px 24px;
           align-items: start; }
.columns > div { min-width: 0; }
.figure { margin: 12px 0; }
.figure svg { max-width: 100%; height: auto; display: block; }
.figure svg text { font-family: SVG_FONTS !important; }
.tablebox { max-width: 100%; overflow-x: auto; }
table { border-collapse: collapse; font-size: .86rem; width: 100%; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: var(--card); }
td { overflow-wrap: break-word; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
td.date, td.id { white-space: nowrap; overflow-wrap: normal; }
td.id { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .8rem; }
details { margin: 8px 0; }
details > summary { cursor: pointer; color: var(--accent); }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85em;
       overflow-wrap: anywhere; background: var(--card); padding: 0 3px; border-radius: 3px; }
dl.meta { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 4px 18px; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
@media screen { th { position: sticky; top: 0; } }
@media screen and (max-width: 1000px) {
  .figure { overflow-x: auto; }
  .figure svg { min-width: var(--min-width, 0); }
}
@media screen and (max-width: 700px) {
  main { padding: 12px 12px 48px; }
  header h1 { font-size: 1.45rem; }
  .cards { grid-template-columns: repeat(auto-fill, minmax(140px, 1fr)); }
  .actions { grid-template-columns: 1fr; }
  dl.meta { grid-template-columns: minmax(0, 1fr); }
  dl.meta dd { margin-bottom: 6px; }
  th { position: static; }
}
@page { size: A4; margin: 12mm; }
@media print {
  body { font-size: 9pt; }
  main { max-width: none; padding: 0; }
  nav { display: none; }
  section { margin-top: 14pt; }
  section.major { break-before: page; margin-top: 0; }
  h2, h3, .caption { break-after: avoid; }
  p.more { break-before: avoid; }
  .block.small { break-inside: avoid; }
  table { font-size: 7pt; }
  table.dictionary { font-size: 6.5pt; }
  th, td { padding: 1px 3px; }
  th { font-size: 6.5pt; }
  td.id { font-size: 6pt; }
  thead { display: table-header-group; }
  tr, .card, a.action, .figure { break-inside: avoid; }
  .figure svg { width: 100%; max-width: 100%; }
  .tablebox { overflow: visible; }
  a { color: inherit; text-decoration: none; }
  a.action .go { display: none; }
  details > summary { color: inherit; }
}
""".replace("SVG_FONTS", SVG_FONTS).replace("FONTS", FONTS)


# ------------------------------------------------------------------------ numbers


def format_bytes(n: Any) -> str:
    """Bytes in binary units (B, KiB, MiB, GiB, TiB, PiB), one decimal; a no-break space before the unit.

    Examples
    --------
    >>> format_bytes(3 * 2**40).replace("\\u00a0", " "), format_bytes(None)
    ('3.0 TiB', 'unknown')
    """
    if isna(n):
        return "unknown"
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(value) < 1024 or unit == "PiB":
            return f"{value:,.0f}\u00a0{unit}" if unit == "B" else f"{value:,.1f}\u00a0{unit}"
        value /= 1024
    return f"{value:,.1f}\u00a0PiB"  # pragma: no cover


def signed(text_of: Any, value: Any) -> str:
    """``text_of(value)`` with a leading "+" for a positive value (a change)."""
    return ("+" if not isna(value) and float(value) > 0 else "") + text_of(value)


#: How money is shown when no currency was given (the generic currency sign).
NO_CURRENCY = "\u00a4"


def format_money(amount: Any, currency: str | None) -> str:
    """An amount with its currency and two decimals: ``USD 135.12``; without a currency, ``¤ 135.12``.

    Examples
    --------
    >>> format_money(135.1234, "EUR"), format_money(17.4, "USD"), format_money(1, None)
    ('EUR\\xa0135.12', 'USD\\xa017.40', '¤\\xa01.00')
    """
    if isna(amount):
        return "n/a"
    return f"{currency or NO_CURRENCY}\u00a0{float(amount):,.2f}"


def format_days(value: Any) -> str:
    if isna(value):
        return "n/a"
    d = float(value)
    return f"{d / 365:.1f} years" if d >= 730 else f"{d:,.0f} days"


def count_text(n: Any, noun: str, plural: str | None = None) -> str:
    """``"1 image"``, ``"1,419 images"``."""
    n = int(n)
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"


# ------------------------------------------------------------------------ HTML blocks


def paragraph(text: str, cls: str = "note") -> str:
    return f'<p class="{cls}">{escape(text)}</p>'


def html_cards(items: Sequence[tuple[str, str]]) -> str:
    body = "".join(
        f'<div class="card"><div class="value">{escape(v)}</div><div class="label">{escape(k)}</div></div>'
        for k, v in items
    )
    return f'<div class="cards">{body}</div>'


def html_dl(items: Sequence[tuple[str, Any]]) -> str:
    rows = "".join(f"<dt>{escape(k)}</dt><dd>{escape(format_cell(v))}</dd>" for k, v in items)
    return f'<dl class="meta">{rows}</dl>'


def html_details(summary: str, *parts: str, open_: bool = False) -> str:
    """A collapsed block (no script: the browser's own ``<details>``)."""
    return f"<details{' open' if open_ else ''}><summary>{escape(summary)}</summary>{''.join(parts)}</details>"


def html_section(ident: str, title: str, *parts: str, major: bool = False) -> str:
    """A report section; a major one starts a printed page."""
    klass = ' class="major"' if major else ""
    return f'<section id="{escape(ident)}"{klass}><h2>{escape(title)}</h2>{"".join(parts)}</section>'


_VIEWBOX = re.compile(r'viewBox="[\d.\-]+ [\d.\-]+ ([\d.]+) [\d.]+"')
_FONT_SIZE = re.compile(r"font(?:-size)?:\s*(?:[a-z]+\s+)*([\d.]+)px")


def min_plot_width(svg: str) -> int:
    """The width (CSS px) below which the SVG's smallest text would be drawn under :data:`MIN_PLOT_TEXT_PX`."""
    box = _VIEWBOX.search(svg)
    sizes = [float(s) for s in _FONT_SIZE.findall(svg)]
    if not box or not sizes:
        return 0
    return math.ceil(MIN_PLOT_TEXT_PX * float(box.group(1)) / min(sizes))


def html_figure(plot: Any, *args: Any, caption: str = "", title: str | None = None, **kwargs: Any) -> str:
    """``plot(*args, **kwargs)`` as a captioned inline SVG; on a phone it keeps its text readable (scrolls)."""
    svg, _ = render_plot(plot, *args, title=title, **kwargs)
    return html_figure_svg(svg, caption)


def html_figure_svg(svg: str, caption: str) -> str:
    cap = f'<p class="note caption">{escape(caption)}</p>' if caption else ""
    return (
        f'<div class="figure" role="img" aria-label="{escape(caption)}" '
        f'style="--min-width: {min_plot_width(svg)}px">{svg}{cap}</div>'
    )


def html_page(title: str, subtitle: str, sections: Sequence[tuple[str, str, str]], *, units: str = "") -> str:
    """The HTML document: title, subtitle, a note on units, the navigation and the sections (id, nav label, html)."""
    nav = "".join(f'<a href="#{escape(i)}">{escape(t)}</a>' for i, t, _ in sections)
    body = "".join(html_ for _, _, html_ in sections)
    unit_note = f'<p class="note">{escape(units)}</p>' if units else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # no external requests: forbid everything but inline styles, inline images and data: URIs
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
        f"<title>{escape(title)}</title><style>{CSS}</style></head>"
        f"<body><main><header><h1>{escape(title)}</h1><p>{escape(subtitle)}</p>{unit_note}</header>"
        f"<nav>{nav}</nav>{body}</main></body></html>\n"
    )
