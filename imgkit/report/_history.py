"""The sections about change: "Changes since <old as_of>" (a diff) and "Trends" (a snapshot series).

Changes read as a reader needs them: images whose only change is their update time are
counted, not listed; only tenants that changed are in the per-tenant table; the lists of
added, removed and changed images are collapsed (``<details>``) and capped, their full
versions in ``--tables``. ``imgkit diff -o diff.html`` wraps the changes section in a page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pandas as pd

from imgkit.analysis import ListingDiff, fmt_time, trend, value_text
from imgkit.plotting import plot_diff_summary
from imgkit.report._charts import plot_trend_multiples
from imgkit.report._page import (
    count_text,
    format_bytes,
    html_cards,
    html_details,
    html_figure,
    html_page,
    html_section,
    paragraph,
    signed,
)

if TYPE_CHECKING:  # pragma: no cover
    from imgkit.report._tables import Tables

__all__ = ["changes_html", "changes_title", "diff_page", "time_only", "trend_tables", "trends_html"]

#: Bookkeeping columns: an image whose only changes are in these is counted, not listed.
TIME_COLUMNS = ("updated_at",)
#: Rows shown of each list (the counts are always complete; --tables gives the rest).
MAX_ROWS = 100
_IMAGE_COLUMNS = ("id", "name", "owner", "platform", "os_version", "status", "visibility", "created_at")
_SUMMARY_WORDS = {
    "added": "added",
    "removed": "removed",
    "changed": "changed",
    "images_old": "images before",
    "images_new": "images now",
    "storage_bytes_delta": "storage change",
}


def changes_title(diff: ListingDiff) -> str:
    return f"Changes since {fmt_time(diff.old_as_of)}"


def time_only(diff: ListingDiff) -> tuple[int, int]:
    """(images whose only changes are update times, images with any other change)."""
    if not len(diff.changed):
        return 0, 0
    other = diff.changed.loc[~diff.changed["column"].isin(TIME_COLUMNS), "id"].unique()
    every = diff.changed["id"].unique()
    return len(every) - len(other), len(other)


def summary_sentence(diff: ListingDiff) -> str:
    only, real = time_only(diff)
    return (
        f"{fmt_time(diff.old_as_of)} to {fmt_time(diff.new_as_of)}: {count_text(len(diff.added), 'image')} added, "
        f"{len(diff.removed):,} removed, {real:,} changed"
        + (f" ({only:,} more changed only their update time)" if only else "")
    )


def _images(tables: Tables, frame: pd.DataFrame, what: str) -> str:
    cols = [c for c in _IMAGE_COLUMNS if c in frame.columns]
    shown = frame[cols].rename(columns={"owner": "tenant", "os_version": "OS version", "created_at": "created"})
    if not len(frame):
        return paragraph(f"No image {what}.")
    return html_details(
        f"{count_text(len(frame), 'image')} {what}", tables.html("changes", what, shown, index=False, max_rows=MAX_ROWS)
    )


def changes_html(diff: ListingDiff, tables: Tables, *, top: int = 10, sources: tuple[str, str] | None = None) -> str:
    """The inside of the "Changes since <old as_of>" section."""
    s = diff.summary.loc["All tenants"]
    only, real = time_only(diff)
    figures = html_cards(
        [
            ("images before", f"{int(s['images_old']):,}"),
            ("images now", f"{int(s['images_new']):,}"),
            ("added", f"{len(diff.added):,}"),
            ("removed", f"{len(diff.removed):,}"),
            ("changed", f"{real:,}"),
            ("only the update time changed", f"{only:,}"),
            ("storage change", signed(format_bytes, s["storage_bytes_delta"])),
        ]
    )
    old_src, new_src = sources or (diff.old_source, diff.new_source)
    intro = paragraph(
        f"From {old_src} ({fmt_time(diff.old_as_of)}) to {new_src} ({fmt_time(diff.new_as_of)}). Images "
        "are matched on their id; an image counts as changed when a value other than its update time differs"
        + (f" (left out of the comparison: {', '.join(diff.ignore)})." if diff.ignore else ".")
    )
    if diff.empty:
        return intro + figures + paragraph("Nothing changed.")
    body = diff.summary.drop(index="All tenants")
    busy = body[(body[["added", "removed", "changed"]].sum(axis=1) > 0)]
    tenants = pd.concat([busy, diff.summary.loc[["All tenants"]]])
    tenants["storage_bytes_delta"] = [signed(format_bytes, v) for v in tenants["storage_bytes_delta"]]
    tenants = tenants.rename(columns=_SUMMARY_WORDS)
    tenants.index.name = "tenant"
    changed = diff.changed[~diff.changed["column"].isin(TIME_COLUMNS)]
    by_column = changed["column"].value_counts().rename("changed values").to_frame()
    by_column.index.name = "field"
    cells = changed.assign(
        old=lambda t: [value_text(v) for v in t["old"]], new=lambda t: [value_text(v) for v in t["new"]]
    )
    cells = cells.rename(columns={"owner": "tenant", "column": "field", "old": "before", "new": "now"})
    parts = [
        intro,
        figures,
        html_figure(
            plot_diff_summary,
            diff,
            top=top,
            caption=f"Images added and removed per tenant: the {top} busiest tenants, the rest as one bar.",
        ),
        tables.html(
            "changes",
            "per tenant",
            tenants,
            heading="Tenants that changed",
            caption=f"{len(busy):,} of {len(body):,} tenants changed; busiest first. Changed = images with a "
            "changed value other than the update time.",
            max_rows=30,
        ),
        "<h3>Added and removed images</h3>",
        _images(tables, diff.added, "added"),
        _images(tables, diff.removed, "removed"),
        "<h3>Changed values</h3>",
        paragraph(
            f"{len(changed):,} changed values in {real:,} images"
            + (f"; {only:,} images changed only their update time (counted, not listed)." if only else ".")
        ),
        tables.html("changes", "by field", by_column, max_rows=30) if len(by_column) else "",
        html_details(
            f"{len(changed):,} changed values", tables.html("changes", "values", cells, index=False, max_rows=MAX_ROWS)
        )
        if len(changed)
        else "",
    ]
    return "".join(parts)


# ------------------------------------------------------------------------ trends


def trend_tables(count_: Callable[..., pd.DataFrame], *, top: int = 10) -> dict[str | None, pd.DataFrame]:
    """The trend frames the "Trends" section shows; ``count_(by=..., top=...)`` gives one
    (:func:`imgkit.trend`, :meth:`imgkit.Archive.trend`)."""
    return {
        None: count_(by=None),
        "platform": count_(by="platform", top=min(top, 11)),
        "os_type": count_(by="os_type", top=8),
        "status": count_(by="status", top=8),
    }


def trends_of_history(history: pd.DataFrame, tables: Tables, *, top: int = 10) -> str:
    frames = trend_tables(lambda **options: trend(history, **options), top=top)
    return trends_html(
        frames, tables, f"{len(history):,} image versions, {int(history['is_current'].sum()):,} current."
    )


def trends_html(frames: dict[str | None, pd.DataFrame], tables: Tables, detail: str) -> str:
    """The inside of the "Trends" section from the frames of :func:`trend_tables`."""
    times = frames[None]
    table = frames["platform"].copy()
    table.insert(0, "all images", times.iloc[:, 0])
    table.index = [f"{t:%Y-%m-%d %H:%M}" for t in table.index]
    table.index.name = "snapshot (UTC)"
    total = times.iloc[:, 0]
    change = f"{int(total.iloc[0]):,} → {int(total.iloc[-1]):,} images"
    return "".join(
        [
            paragraph(
                f"{len(times):,} snapshots from {fmt_time(times.index[0])} to {fmt_time(times.index[-1])} "
                f"({change}); {detail} Each panel has its own scale and says its change since the first snapshot."
            ),
            html_figure(plot_trend_multiples, frames["platform"], what="platform", caption="Images per platform."),
            html_figure(plot_trend_multiples, frames["os_type"], what="OS type", caption="Images per OS type."),
            html_figure(plot_trend_multiples, frames["status"], what="status", caption="Images per status."),
            tables.html("trends", "per platform", table, heading="Images per platform"),
        ]
    )


def diff_page(
    diff: ListingDiff, *, title: str = "What changed", top: int = 10, sources: tuple[str, str] | None = None
) -> str:
    """A self-contained HTML page with the changes section (``imgkit diff -o diff.html``)."""
    from imgkit.report._tables import Tables

    body = changes_html(diff, Tables(), top=top, sources=sources)
    return html_page(
        title,
        summary_sentence(diff),
        [("changes", changes_title(diff), html_section("changes", changes_title(diff), body))],
        units="Sizes in binary units: 1 GiB = 1,024 MiB = 2³⁰ bytes.",
    )
