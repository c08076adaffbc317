"""The report sections about change: "Changes since <old as_of>" (a diff) and "Trends" (a snapshot series).

One function per section, each returning the section's HTML (laid out with the report's
helpers, every string from the data escaped); :func:`imgkit.build_report` appends them
(``baseline=`` / ``history=``) and ``imgkit diff -o diff.html`` wraps the first in a page.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from imgkit.analysis import ListingDiff, fmt_time, trend, value_text
from imgkit.plotting import plot_diff_summary, plot_trend

__all__: list[str] = []

#: At most this many added / removed images and changed cells are listed (the counts are always complete).
MAX_ROWS = 100
_IMAGE_COLUMNS = ("id", "name", "owner", "platform", "os_version", "status", "visibility", "created_at")


def changes_title(diff: ListingDiff) -> str:
    return f"Changes since {fmt_time(diff.old_as_of)}"


def _images_table(frame: pd.DataFrame, what: str) -> str:
    from imgkit._html import table_html as _table
    from imgkit.report._page import paragraph

    cols = [c for c in _IMAGE_COLUMNS if c in frame.columns]
    shown = frame[cols].head(MAX_ROWS)
    count = f"{len(frame):,} image(s) {what}" + (
        f"; the first {MAX_ROWS} are listed." if len(frame) > MAX_ROWS else "."
    )
    return paragraph(count) + (_table(shown, index=False) if len(frame) else "")


def changes_section(diff: ListingDiff, *, top: int = 10, ident: str = "changes") -> str:
    """The "Changes since <old as_of>" section: figures, per-tenant table, plot, the images and cells that changed."""
    from imgkit._html import table_html as _table
    from imgkit.report._page import format_bytes, html_cards, html_figure, html_section, paragraph

    s = diff.summary.loc["All tenants"]
    cards = html_cards(
        [
            ("images before", f"{int(s['images_old']):,}"),
            ("images now", f"{int(s['images_new']):,}"),
            ("added", f"{len(diff.added):,}"),
            ("removed", f"{len(diff.removed):,}"),
            ("changed images", f"{diff.changed_images:,}"),
            ("changed values", f"{len(diff.changed):,}"),
            ("storage change", ("+" if s["storage_bytes_delta"] > 0 else "") + format_bytes(s["storage_bytes_delta"])),
        ]
    )
    intro = paragraph(
        f"From {diff.old_source} ({fmt_time(diff.old_as_of)}, {diff.old_as_of_source}) to "
        f"{diff.new_source} ({fmt_time(diff.new_as_of)}, {diff.new_as_of_source}). Images are matched on id; "
        "a value counts as changed when its typed value differs"
        + (f" (ignored: {', '.join(diff.ignore)})." if diff.ignore else ".")
    )
    if diff.empty:
        return html_section(ident, changes_title(diff), intro, cards, paragraph("Nothing changed."))
    tenants = diff.summary.rename(columns={"storage_bytes_delta": "storage change"})
    tenants["storage change"] = [("+" if v > 0 else "") + format_bytes(v) for v in tenants["storage change"]]
    tenants.index.name = "tenant (owner)"
    by_column = diff.changed["column"].value_counts().rename("changed values").to_frame()
    by_column.index.name = "column"
    cells = diff.changed.head(MAX_ROWS).assign(
        old=lambda t: [value_text(v) for v in t["old"]], new=lambda t: [value_text(v) for v in t["new"]]
    )
    n_cells = f"{len(diff.changed):,} changed value(s) in {diff.changed_images:,} image(s)" + (
        f"; the first {MAX_ROWS} are listed." if len(diff.changed) > MAX_ROWS else "."
    )
    return html_section(
        ident,
        changes_title(diff),
        intro,
        cards,
        html_figure(
            plot_diff_summary,
            diff,
            top=top,
            caption=f"Images added and removed per tenant: the {top} busiest tenants, the rest as one bar.",
        ),
        "<h3>Per tenant</h3>",
        paragraph("Busiest tenants first; changed = images with at least one changed value."),
        _table(tenants),
        "<h3>Added images</h3>",
        _images_table(diff.added, "added"),
        "<h3>Removed images</h3>",
        _images_table(diff.removed, "removed"),
        "<h3>Changed values</h3>",
        _table(by_column),
        paragraph(n_cells),
        _table(cells, index=False) if len(cells) else "",
    )


def trends_section(history: pd.DataFrame, *, top: int = 10, ident: str = "trends") -> str:
    """The "Trends" section of a snapshot series: images per platform, OS type and status at each snapshot."""
    tables = trend_tables(lambda **options: trend(history, **options), top=top)
    return trends_html(
        tables, f"{len(history):,} image version(s), {int(history['is_current'].sum()):,} current.", ident=ident
    )


def trend_tables(count: Callable[..., pd.DataFrame], *, top: int = 10) -> dict[str | None, pd.DataFrame]:
    """The trend frames the "Trends" section shows; ``count(by=..., top=...)`` gives one (:func:`trend`,
    :meth:`imgkit.Archive.trend`). OS type and status keep :func:`plot_trend`'s default ``top=8``."""
    return {
        None: count(by=None),
        "platform": count(by="platform", top=top),
        "os_type": count(by="os_type", top=8),
        "status": count(by="status", top=8),
    }


def trends_html(tables: dict[str | None, pd.DataFrame], detail: str, *, ident: str = "trends") -> str:
    """The "Trends" section from the frames of :func:`trend_tables`; `detail` ends the first sentence."""
    from imgkit._html import table_html as _table
    from imgkit.report._page import html_figure, html_section, paragraph

    times = tables[None]
    table = tables["platform"].copy()
    table.insert(0, "all images", times.iloc[:, 0])
    table.index = [f"{t:%Y-%m-%d %H:%M}" for t in table.index]
    table.index.name = "snapshot (UTC)"
    return html_section(
        ident,
        "Trends",
        paragraph(
            f"{len(times):,} snapshot(s) from {fmt_time(times.index[0])} to {fmt_time(times.index[-1])}; " + detail
        ),
        html_figure(plot_trend, tables["platform"], caption="Images per platform at each snapshot."),
        html_figure(plot_trend, tables["os_type"], kind="line", caption="Images per OS type at each snapshot."),
        html_figure(plot_trend, tables["status"], kind="line", caption="Images per status at each snapshot."),
        "<h3>Images per platform</h3>",
        _table(table),
    )


def diff_page(diff: ListingDiff, *, title: str = "What changed", top: int = 10) -> str:
    """A self-contained HTML page with the changes section (``imgkit diff -o diff.html``)."""
    from imgkit.report._page import html_page

    subtitle = f"{fmt_time(diff.old_as_of)} to {fmt_time(diff.new_as_of)}: {diff!r}"
    return html_page(title, subtitle, [("changes", changes_title(diff), changes_section(diff, top=top))])
