"""The HTML page kit of the report: CSS, cards, sections, figures, the page shell."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from imgkit._html import escape as _e
from imgkit._html import format_cell as _fmt
from imgkit._html import isna as _isna
from imgkit._html import render_plot as _render

if TYPE_CHECKING:  # pragma: no cover
    pass


DEFAULT_TITLE = "Image catalogue report"


#: The font stack: the system's UI font, then CJK fonts for Chinese/Japanese/Korean names (where installed).
_FONTS = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", '
    '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Hiragino Sans GB", '
    '"Microsoft YaHei", "WenQuanYi Micro Hei", "Noto Sans CJK JP", "Noto Sans CJK KR", sans-serif'
)


#: In the plots: matplotlib's own font first (it laid the text out with its metrics), then the CJK fallbacks.
_SVG_FONTS = '"DejaVu Sans", ' + _FONTS.split('"Noto Sans", ', 1)[1]


_CSS = """
:root { --fg:#1d232a; --muted:#5b6770; --line:#d8dee4; --accent:#2f6f9f; --bg:#ffffff; --card:#f5f7f9; }
* { box-sizing: border-box; }
body { font-family: FONTS; color: var(--fg); background: var(--bg); margin: 0; line-height: 1.45; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 32px 64px; }
header h1 { margin: 0 0 4px; font-size: 1.8rem; }
header p { margin: 0; color: var(--muted); }
nav { margin: 16px 0 8px; padding: 8px 0; border-top: 1px solid var(--line); border-bottom: 1px solid var(--line); }
nav a { margin-right: 14px; color: var(--accent); text-decoration: none; font-size: .92rem; white-space: nowrap; }
section { margin-top: 36px; }
h2 { font-size: 1.3rem; border-bottom: 2px solid var(--accent); padding-bottom: 4px; }
h3 { font-size: 1.05rem; margin: 22px 0 8px; }
.note { color: var(--muted); font-size: .9rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 12px; }
.card { background: var(--card); border-radius: 6px; padding: 10px 14px; }
.card .value { font-size: 1.45rem; font-weight: 600; white-space: nowrap; }
.card .label { color: var(--muted); font-size: .85rem; }
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 12px 24px;
           align-items: start; }
.figure { margin: 12px 0; }
.figure svg { max-width: 100%; height: auto; display: block; }
.figure svg text { font-family: SVG_FONTS !important; }
table { border-collapse: collapse; font-size: .86rem; width: 100%; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: var(--card); }
td { overflow-wrap: break-word; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
td.date, td.id { white-space: nowrap; overflow-wrap: normal; }
td.id { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .8rem; }
dl.meta { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 4px 18px; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9rem;
             overflow-wrap: anywhere; }
@media screen { th { position: sticky; top: 0; } }
@page { size: A4; margin: 12mm; }
@media print {
  body { font-size: 9pt; }
  main { max-width: none; padding: 0; }
  nav { display: none; }
  section { margin-top: 0; }
  section.page { break-before: page; }
  h2, h3 { break-after: avoid; }
  table { font-size: 7pt; }
  table.dictionary { font-size: 6.5pt; }
  th, td { padding: 1px 3px; }
  th { font-size: 6.5pt; }
  td.id { font-size: 6pt; }
  thead { display: table-header-group; }
  tr, .card, .figure { break-inside: avoid; }
  .figure svg { width: 100%; max-width: 100%; }
  a { color: inherit; text-decoration: none; }
}
""".replace("SVG_FONTS", _SVG_FONTS).replace("FONTS", _FONTS)


def html_figure(plot: Any, *args: Any, caption: str = "", title: str | None = None, **kwargs: Any) -> str:
    """:func:`_render` as a captioned figure block."""
    svg, _ = _render(plot, *args, title=title, **kwargs)
    cap = f'<p class="note">{_e(caption)}</p>' if caption else ""
    return f'<div class="figure" role="img" aria-label="{_e(caption)}">{svg}{cap}</div>'


def html_cards(items: Sequence[tuple[str, str]]) -> str:
    cards = "".join(
        f'<div class="card"><div class="value">{_e(v)}</div><div class="label">{_e(k)}</div></div>' for k, v in items
    )
    return f'<div class="cards">{cards}</div>'


def html_section(ident: str, title: str, *parts: str, new_page: bool = True) -> str:
    """A report section; printed, it starts on a new page unless `new_page` is False."""
    klass = ' class="page"' if new_page else ""
    return f'<section id="{_e(ident)}"{klass}><h2>{_e(title)}</h2>{"".join(parts)}</section>'


def paragraph(text: str, cls: str = "note") -> str:
    return f'<p class="{cls}">{_e(text)}</p>'


def html_dl(items: Sequence[tuple[str, Any]]) -> str:
    rows = "".join(f"<dt>{_e(k)}</dt><dd>{_e(_fmt(v))}</dd>" for k, v in items)
    return f'<dl class="meta">{rows}</dl>'


def html_page(title: str, subtitle: str, sections: Sequence[tuple[str, str, str]]) -> str:
    nav = "".join(f'<a href="#{_e(i)}">{_e(t)}</a>' for i, t, _ in sections)
    body = "".join(html_ for _, _, html_ in sections)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # no external requests: forbid everything but inline styles, inline images and data: URIs
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
        f"<title>{_e(title)}</title><style>{_CSS}</style></head>"
        f"<body><main><header><h1>{_e(title)}</h1><p>{_e(subtitle)}</p></header>"
        f"<nav>{nav}</nav>{body}</main></body></html>\n"
    )


def format_bytes(n: Any) -> str:
    if _isna(n):
        return "unknown"
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(value) < 1024 or unit == "PiB":
            # a no-break space: "870.0 GiB" never breaks between number and unit
            return f"{value:,.0f}\u00a0{unit}" if unit == "B" else f"{value:,.1f}\u00a0{unit}"
        value /= 1024
    return f"{value:,.1f}\u00a0PiB"  # pragma: no cover


def format_days(value: Any) -> str:
    if _isna(value):
        return "n/a"
    days = float(value)
    return f"{days / 365:.1f} years" if days >= 730 else f"{days:,.0f} days"
