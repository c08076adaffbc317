"""HTML and SVG rendering shared by the report and the explorer (private).

Both :mod:`imgkit.report` and :mod:`imgkit.widgets` show tables of data and
matplotlib figures as HTML; this module holds the one implementation, so the
explorer does not depend on the report (they are siblings on the data path).
Every string that comes from the data goes through :func:`html.escape`.
"""

from __future__ import annotations

import html
import io
import math
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["escape", "format_cell", "isna", "render_plot", "svg_of", "table_html"]

#: rcParams while plotting: deterministic SVG (no date, fixed id salt), text as text, no mathtext.
_RC = {"svg.fonttype": "none", "svg.hashsalt": "imgkit", "text.parse_math": False}
_SVG_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}

_MAX_TABLE_ROWS = 500


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


def format_cell(value: Any, *, percent: bool = False) -> str:
    """Format one cell as plain (unescaped) text."""
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
) -> str:
    """Render `df` as an HTML table, escaping every header and cell."""
    percent = set(percent)
    frame = df.reset_index() if index else df
    shown = frame.head(max_rows)
    numeric = {c: _is_numeric(frame[c].dtype) for c in frame.columns}
    head = "".join(
        f'<th class="num">{escape(c)}</th>' if numeric[c] else f"<th>{escape(c)}</th>" for c in frame.columns
    )
    body = []
    for row in shown.itertuples(index=False, name=None):
        cells = []
        for col, value in zip(frame.columns, row):
            text = escape(format_cell(value, percent=col in percent))
            cells.append(f'<td class="num">{text}</td>' if numeric[col] else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    note = ""
    if len(frame) > max_rows:
        note = f'<p class="note">First {max_rows:,} of {len(frame):,} rows.</p>'
    if not len(frame):
        body.append(f'<tr><td colspan="{max(len(frame.columns), 1)}" class="note">(none)</td></tr>')
    klass = f' class="{escape(cls)}"' if cls else ""
    return f"<table{klass}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{note}"


def svg_of(fig: Figure, *, close: bool = True, bbox_inches: Any = "tight") -> str:
    """Inline SVG of `fig` (closed afterwards unless `close` is False), without the XML prolog and DOCTYPE.

    `bbox_inches` is the part of the figure drawn: "tight" (computed from what is drawn, at
    the cost of one more layout pass) or a fixed :class:`~matplotlib.transforms.Bbox` in inches.
    """
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    try:
        fig.savefig(buf, format="svg", bbox_inches=bbox_inches, metadata=_SVG_METADATA)
    finally:
        if close:
            plt.close(fig)
    text = buf.getvalue()
    start = text.find("<svg")
    text = text[start:]
    # the <metadata> block only carries RDF namespace URLs; drop it
    return re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)


def render_plot(plot: Any, *args: Any, title: str | None = None, **kwargs: Any) -> tuple[str, Axes]:
    """Run ``plot(*args, **kwargs)`` (it makes and sizes its own figure); return its inline SVG and Axes.

    The figure is closed; the returned Axes still holds what was drawn.
    """
    import matplotlib.pyplot as plt

    with plt.rc_context(_RC):
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
