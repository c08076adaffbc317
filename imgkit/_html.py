"""HTML and SVG rendering shared by the report and the explorer (private).

Both :mod:`imgkit.report` and :mod:`imgkit.widgets` show tables of data and
matplotlib figures as HTML; this module holds the one implementation, so the
explorer does not depend on the report (they are siblings on the data path).
Every string that comes from the data goes through :func:`html.escape`, and is
cut to :data:`MAX_CHARS` characters for display with its full length stated
(:func:`truncate`), so one huge value cannot blow up a page; figure texts too.

For report sections: :func:`table_html` (escaped, truncated, capped at
`max_rows` with a "First N of M" line that says where the rest is), with the
cell classes the report's stylesheet knows: ``num`` (right-aligned, never
broken), ``date`` and ``id`` (never broken mid-value) and plain text cells
(wrapped, anywhere if they must).
"""

from __future__ import annotations

import html
import io
import math
import re
import warnings
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from imgkit._typing import RcParams

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["MAX_CHARS", "escape", "format_cell", "isna", "render_plot", "svg_of", "table_html", "truncate"]

#: rcParams while plotting: deterministic SVG (no date, fixed id salt), text as text, no mathtext.
SVG_RC: RcParams = {"svg.fonttype": "none", "svg.hashsalt": "imgkit", "text.parse_math": False}
_SVG_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}

_MAX_TABLE_ROWS = 500

#: Characters of one value shown; the rest is replaced by its length.
MAX_CHARS = 200

#: Where a reader finds every row of a capped table.
EXPORT_HINT = "all of them: imgkit export INPUT -o images.csv (or .parquet)"

#: Columns of ids: shown whole, never broken mid-value.
_ID_COLUMNS = re.compile(r"(^|_)(id|owner|tenant|tenant \(owner\)|image_id|checksum)$")


def truncate(text: str, limit: int = MAX_CHARS) -> str:
    """`text` cut to `limit` characters, its full length stated when it was longer.

    Examples
    --------
    >>> from imgkit._html import truncate
    >>> truncate("x" * 1000, 10)
    'xxxxxxxxxx… (1,000 characters)'
    >>> truncate("short")
    'short'
    """
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"


def escape(value: Any) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    return html.escape(str(value), quote=True)


def isna(value: Any) -> bool:
    import pandas as pd

    if value is None:
        return True
    if isinstance(value, (list, tuple, dict, set)):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def format_cell(value: Any, *, percent: bool = False, limit: int = MAX_CHARS) -> str:
    """Format one cell as plain (unescaped) text, at most `limit` characters of it (see :func:`truncate`)."""
    return truncate(_format(value, percent=percent), limit)


def _format(value: Any, *, percent: bool = False) -> str:
    import numpy as np
    import pandas as pd

    if isna(value):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if percent and isinstance(value, (int, float, np.integer, np.floating)):
        return f"{float(value):.1%}"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if math.isinf(v):
            return "∞" if v > 0 else "-∞"
        return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d %H:%M}" if (value.hour or value.minute) else f"{value:%Y-%m-%d}"
    if isinstance(value, pd.Timedelta):
        return f"{value.total_seconds() / 86400:,.0f} days"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


_LONG_TOKEN = re.compile(r"\S{16,}")
_SEPARATOR = re.compile(r"(?<=[_/.\-|,:=&?])")


def _breakable(text: str) -> str:
    """Escaped `text` with break opportunities (``<wbr>``) inside runs of 16 or more characters without spaces.

    After each ``_ / . - | , : = & ?`` of such a run, and every 20 characters of a part without
    any: a text cell then wraps at its spaces, and a long name, path or truncated blob can still
    break instead of widening its table beyond the page.
    """
    out, last = [], 0
    for m in _LONG_TOKEN.finditer(text):
        out.append(escape(text[last : m.start()]))
        parts = []
        for part in _SEPARATOR.split(m.group()):
            parts += [part[i : i + 20] for i in range(0, len(part), 20)] or [part]
        out.append("<wbr>".join(escape(p) for p in parts if p))
        last = m.end()
    out.append(escape(text[last:]))
    return "".join(out)


def _cell_class(name: Any, dtype: Any) -> str:
    import pandas as pd

    if _is_numeric(dtype):
        return "num"
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(dtype):
        return "date"
    if _ID_COLUMNS.search(str(name)):
        return "id"
    return ""


def _is_numeric(dtype: Any) -> bool:
    import pandas as pd

    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


def table_html(
    df: pd.DataFrame,
    *,
    index: bool = True,
    percent: Iterable[str] = (),
    max_rows: int = _MAX_TABLE_ROWS,
    cls: str = "",
    total: int | None = None,
    more: str = EXPORT_HINT,
) -> str:
    """Render `df` as an HTML table, escaping and truncating every header and cell.

    At most `max_rows` rows; when `df` (or `total`, the size of what `df` was cut
    from) has more, a note follows: "First N of M rows; " + `more` (where the rest is).
    Cells get the classes ``num``, ``date``, ``id`` or none (text: wraps).
    """
    percent = set(percent)
    frame = df.reset_index() if index else df
    shown = frame.head(max_rows)
    klasses = [_cell_class(c, frame[c].dtype) for c in frame.columns]
    head = "".join(
        f'<th class="{k}">{escape(truncate(str(c)))}</th>' if k else f"<th>{escape(truncate(str(c)))}</th>"
        for c, k in zip(frame.columns, klasses)
    )
    body = []
    for row in shown.itertuples(index=False, name=None):
        cells = []
        for col, klass, value in zip(frame.columns, klasses, row):
            text = format_cell(value, percent=col in percent)
            text = _breakable(text) if not klass else escape(text)
            cells.append(f'<td class="{klass}">{text}</td>' if klass else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    note = ""
    n_total = max(len(frame), total or 0)
    if n_total > len(shown):
        note = f'<p class="note">First {len(shown):,} of {n_total:,} rows; {escape(more)}.</p>'
    if not len(frame):
        body.append(f'<tr><td colspan="{max(len(frame.columns), 1)}" class="note">(none)</td></tr>')
    klass = f' class="{escape(cls)}"' if cls else ""
    return f"<table{klass}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{note}"


#: Characters XML 1.0 does not allow (C0 controls but tab, newline and CR; surrogates; U+FFFE/U+FFFF), and DEL.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def svg_of(fig: Figure, *, close: bool = True, bbox_inches: Any = "tight") -> str:
    """Inline SVG of `fig` (closed afterwards unless `close` is False), without the XML prolog and DOCTYPE.

    `bbox_inches` is the part of the figure drawn: "tight" (computed from what is drawn, at
    the cost of one more layout pass) or a fixed :class:`~matplotlib.transforms.Bbox` in inches.
    """
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    for text in fig.findobj(Text):  # a figure shows values from the data too
        if len(text.get_text()) > MAX_CHARS:
            text.set_text(truncate(text.get_text()))
    buf = io.StringIO()
    try:
        with warnings.catch_warnings():
            # text stays text: the reader's fonts draw scripts matplotlib's own font lacks (CJK names)
            warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font", category=UserWarning)
            fig.savefig(buf, format="svg", bbox_inches=bbox_inches, metadata=_SVG_METADATA)
    finally:
        if close:
            plt.close(fig)
    # a control character from the data (a label) would make the SVG invalid XML: written as its escape
    svg = _XML_INVALID.sub(lambda m: repr(m.group())[1:-1], buf.getvalue())
    svg = svg[svg.find("<svg") :]
    # the <metadata> block only carries RDF namespace URLs; drop it
    return re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)


def render_plot(plot: Any, *args: Any, title: str | None = None, **kwargs: Any) -> tuple[str, Axes]:
    """Run ``plot(*args, **kwargs)`` (it makes and sizes its own figure); return its inline SVG and Axes.

    The figure is closed; the returned Axes still holds what was drawn.
    """
    import matplotlib.pyplot as plt

    with plt.rc_context(SVG_RC):
        before = set(plt.get_fignums())
        try:
            ax = plot(*args, **kwargs)
            if title is not None:
                ax.set_title(title)
            svg = svg_of(ax.figure)
        finally:
            for num in set(plt.get_fignums()) - before:
                plt.close(num)
    return svg, ax
