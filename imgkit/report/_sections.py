"""The report's sections as a registry: a section is one :class:`Section` entry of :data:`SECTIONS`.

A :class:`Section` has an ``id`` (its anchor), a ``title``, a ``render`` function of the
:class:`~imgkit.report.ReportContext` that returns the section's inside, and ``needs``: the
context inputs it requires (``"servers"``, ``"baseline"``, ``"history"``, ``"dictionary"``);
a section whose needs are not given is left out. ``major`` sections start a printed page.

Adding a section means writing its render function and adding one entry to :data:`SECTIONS`
at the place it should appear.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from imgkit._html import truncate
from imgkit.report._act_on import act_on, eol_section, stuck_section
from imgkit.report._charts import age_with_marks, feature_shares, os_shares, timeline
from imgkit.report._cleanup import cleanup_section
from imgkit.report._history import changes_html, changes_title, trend_tables, trends_html, trends_of_history
from imgkit.report._page import format_bytes, format_days, html_cards, html_dl, html_figure, paragraph

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from imgkit.report._context import ReportContext

__all__ = ["SECTIONS", "Section"]


@dataclass(frozen=True)
class Section:
    """One section of the report.

    Attributes
    ----------
    id : str
        The section's anchor (``<section id=...>``, ``#id`` links).
    title : str or callable
        Its heading, or a function of the context that gives it.
    render : callable
        ``render(ctx) -> str``: the section's HTML inside (after the heading).
    needs : tuple of str
        Context inputs that must be given (not None / true) for the section to appear.
    major : bool
        Printed, it starts a new page.
    nav : str
        Its label in the navigation bar (default: the title).
    """

    id: str
    title: str | Callable[[ReportContext], str]
    render: Callable[[ReportContext], str]
    needs: tuple[str, ...] = ()
    major: bool = False
    nav: str = ""

    def applies(self, ctx: ReportContext) -> bool:
        return all(getattr(ctx, need) is not None and getattr(ctx, need) is not False for need in self.needs)

    def heading(self, ctx: ReportContext) -> str:
        return self.title(ctx) if callable(self.title) else self.title


# ------------------------------------------------------------------------ inventory


def _inventory(ctx: ReportContext) -> str:
    from imgkit.analysis import os_distribution

    df, tenants, profile = ctx.df, ctx.tenant_table, ctx.profile
    platforms = os_distribution(df, level="platform")
    overall = profile.iloc[0] if len(profile) else None
    figures = [
        ("images", f"{len(df):,}"),
        ("tenants", f"{len(tenants):,}"),
        ("platforms in use", f"{int((platforms > 0).sum()):,}"),
        ("storage (image files)", format_bytes(tenants["storage_bytes"].sum(min_count=1))),
        ("median age", format_days(overall["median_age_days"]) if overall is not None else "n/a"),
    ]
    t = ctx.table_store
    mix = []
    for column, label in (("imagetype", "image type"), ("visibility", "visibility")):
        if column in df.columns:
            counts = df[column].astype("string").fillna("(missing)").value_counts()
            counts = counts[counts > 0]
            frame = counts.to_frame("images").assign(share=counts / max(len(df), 1))
            frame.index.name = label
            mix.append(f"<div>{t.html('inventory', label, frame, percent=['share'], heading='By ' + label)}</div>")
    return (
        paragraph("What the listing holds: its tenants, OS mix, ages and features.", "lead")
        + html_cards(figures)
        + f'<div class="columns">{"".join(mix)}</div>'
    )


_TENANT_COLUMNS = {
    "owner_name": "tenant name",
    "images": "images",
    "public": "public",
    "private": "private",
    "shared": "shared",
    "market": "market",
    "platforms": "platforms",
    "median_age_days": "median age (days)",
    "oldest": "oldest",
    "newest": "newest",
    "storage": "storage",
}


def _tenants(ctx: ReportContext) -> str:
    tenants = ctx.tenant_table
    table = tenants.drop(columns=["n_platforms"], errors="ignore").copy()
    table["storage"] = [format_bytes(v) for v in table.pop("storage_bytes")]
    table["median_age_days"] = table["median_age_days"].round(0)
    for column in ("oldest", "newest"):
        if column in table and hasattr(table[column], "dt"):
            table[column] = table[column].dt.floor("D")
    table = table[[c for c in _TENANT_COLUMNS if c in table.columns]].rename(columns=_TENANT_COLUMNS)
    table.index.name = "tenant"
    return ctx.table_store.html(
        "tenants",
        "tenants",
        table,
        max_rows=100,
        caption=f"{len(tenants):,} tenants, most images first. Public/private/shared/market count images by image "
        "type (gold = public); an image without a type is counted by its visibility.",
    )


def _counts_table(counts: pd.Series) -> pd.DataFrame:
    counts = counts[counts > 0].sort_values(ascending=False, kind="stable")
    total = counts.sum()
    return counts.to_frame("images").assign(share=counts / total if total else 0.0)


def _os(ctx: ReportContext) -> str:
    from imgkit.analysis import os_distribution

    df, top, t = ctx.df, ctx.top, ctx.table_store
    platform = _counts_table(os_distribution(df, level="platform"))
    platform.index.name = "platform"
    os_type = _counts_table(os_distribution(df, level="os_type"))
    os_type.index.name = "OS type"
    versions = _counts_table(os_distribution(df, level="os_version", top=None))
    versions.index.name = "OS version"
    n_versions = len(versions)
    return "".join(
        [
            html_figure(
                os_shares,
                df,
                top=top,
                caption=f"Share of each tenant's images by platform: the {top} largest tenants, the rest as one bar.",
            ),
            '<div class="columns">',
            f"<div>{t.html('os', 'platform', platform, percent=['share'], heading='By platform')}</div>",
            f"<div>{t.html('os', 'os type', os_type, percent=['share'], heading='By OS type')}</div>",
            "</div>",
            t.html(
                "os",
                "os version",
                versions,
                percent=["share"],
                max_rows=15,
                heading=f"By OS version ({n_versions:,} versions, most images first)",
            ),
        ]
    )


_STALE = (("1 year", "365D"), ("2 years", "730D"), ("5 years", "1826D"))
_STALE_COLUMNS = ("name", "platform", "imagetype", "created_at", "owner", "owner_name", "id")


def _age(ctx: ReportContext) -> str:
    import pandas as pd

    from imgkit.analysis import age_days, age_profile, stale_images

    df, when, t = ctx.df, ctx.when, ctx.table_store
    by_type = age_profile(df, by="imagetype", as_of=when) if len(df) else age_profile(df, as_of=when)
    profile = pd.concat([by_type, ctx.profile]) if len(df) else ctx.profile
    profile.index.name = "image type"
    older = {c: f"older than {c[6:-1]} year{'s' if c[6:-1] != '1' else ''}" for c in profile if c.startswith("older_")}
    profile = profile.rename(
        columns={"median_age_days": "median age (days)", "p90_age_days": "p90 age (days)", **older}
    )
    for col in ("median age (days)", "p90 age (days)"):
        profile[col] = profile[col].round(0)
    rows, oldest = [], None
    for label, delta in _STALE:
        stale = stale_images(df, older_than=delta, as_of=when)
        rows.append(
            {
                "created more than": label,
                "images": len(stale),
                "share": len(stale) / len(df) if len(df) else float("nan"),
            }
        )
        oldest = stale if oldest is None else oldest
    stale_table = pd.DataFrame(rows).set_index("created more than")
    parts = [
        html_figure(
            age_with_marks,
            df,
            as_of=when,
            caption="Age since creation, stacked by image type; the lines mark the median and the 90th percentile.",
        ),
        t.html("age", "by image type", profile, percent=list(older.values()), heading="Age by image type"),
        t.html("age", "stale", stale_table, percent=["share"], heading="Stale images"),
    ]
    if oldest is not None and len(oldest):
        columns = [c for c in _STALE_COLUMNS if c in oldest.columns]
        listing = oldest.sort_values("created_at", kind="stable")[columns]
        listing.insert(columns.index("created_at") + 1, "age (days)", age_days(listing["created_at"], when).round(0))
        listing["created_at"] = listing["created_at"].dt.floor("D")
        listing = listing.rename(
            columns={"imagetype": "image type", "created_at": "created", "owner": "tenant", "owner_name": "tenant name"}
        )
        parts.append(
            t.html(
                "age",
                "oldest",
                listing,
                index=False,
                max_rows=max(ctx.top, 10) * 2,
                heading="Oldest images",
                caption=f"{len(oldest):,} images are older than 1 year; the oldest first.",
            )
        )
    parts.append(html_figure(timeline, df, caption="Images created per quarter, by image type."))
    return "".join(parts)


def _features(ctx: ReportContext) -> str:
    from imgkit.analysis import feature_labels, feature_support

    df = ctx.df
    labels = feature_labels()
    shares = feature_support(df, by=None)
    counts = feature_support(df, by=None, normalize=False)
    table = counts.iloc[-1].rename("images").to_frame().assign(share=shares.iloc[-1].to_numpy())
    unknown = table["images"].isna()
    if unknown.any():
        table = table.astype(object)
        table.loc[unknown, ["images", "share"]] = "n/a"
    table.index = [labels.get(f, f) for f in table.index]
    table.index.name = "feature"
    return "".join(
        [
            paragraph(
                "Share of each tenant's images supporting each capability; the last row is all tenants. A plain "
                "OpenStack Glance listing says nothing about Huawei's capabilities: n/a."
            ),
            html_figure(
                feature_shares,
                df,
                top=ctx.top,
                caption=f"The {ctx.top} largest tenants, then the rest.",
            ),
            ctx.table_store.html("features", "all images", table, percent=["share"], heading="All images"),
        ]
    )


def _findings(ctx: ReportContext) -> str:
    findings, t = ctx.findings, ctx.table_store
    if not len(findings):
        return paragraph("No findings: every record satisfied the schema.")
    by_rule = (
        findings.groupby(["rule", "column"], observed=True, dropna=False)
        .size()
        .rename("findings")
        .sort_values(ascending=False, kind="stable")
        .to_frame()
    )
    columns = [c for c in ("source", "image_id", "column", "field", "value", "rule", "action") if c in findings]
    return "".join(
        [
            paragraph(
                f"{len(findings):,} findings while reading and validating the listing (no record was dropped silently)."
            ),
            t.html("findings", "by rule", by_rule, heading="By rule"),
            t.html("findings", "findings", findings[columns], index=False, max_rows=100, heading="The findings"),
        ]
    )


def _unknown_columns(df: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    from imgkit.schema import FIELDS

    known = {f.column for f in FIELDS}
    rows = []
    for column in (c for c in df.columns if c not in known):
        present = df[column].dropna()
        examples = [truncate(str(v), 60) for v in pd.unique(present.astype(str))[:3]] if len(present) else []
        rows.append({"column": column, "images with a value": len(present), "examples": ", ".join(examples)})
    return pd.DataFrame(rows, columns=["column", "images with a value", "examples"])


def _dictionary(ctx: ReportContext) -> str:
    from imgkit.schema import describe_columns

    unknown = _unknown_columns(ctx.df)
    t = ctx.table_store
    parts = [
        paragraph("Every known column of an image frame, from the imgkit schema."),
        t.html(
            "dictionary",
            "columns",
            describe_columns().assign(values=lambda d: d["values"].str.replace("|", ", ")),
            cls="dictionary",
        ),
        "<h3>Columns outside the schema</h3>",
    ]
    if len(unknown):
        parts += [
            paragraph(f"{len(unknown):,} keys of the listing that imgkit does not know, kept as they were read."),
            t.html("dictionary", "unknown columns", unknown, index=False),
        ]
    else:
        parts.append(paragraph("None: every key of the listing is a known field."))
    return "".join(parts)


def _provenance(ctx: ReportContext) -> str:
    import matplotlib
    import pandas as pd

    from imgkit._html import isna
    from imgkit._version import __version__

    fetched = ctx.meta.get("fetched_at")
    items: list[tuple[str, Any]] = [("images", ctx.source("images"))]
    for role in ("baseline", "history", "servers", "volumes", "tenant names", "prices"):
        if role in ctx.sources:
            items.append((role, ctx.sources[role]))
    when = ctx.when
    items += [
        ("fetched at", "not a fetch snapshot" if fetched is None or isna(fetched) else fetched),
        ("ages as of", f"{when:%Y-%m-%d %H:%M:%S} UTC ({ctx.as_of_words})" if not isna(when) else "n/a (no dates)"),
        ("scope", ctx.scope),
        ("images", f"{len(ctx.df):,}"),
        ("imgkit version", __version__),
        ("pandas / matplotlib", f"{pd.__version__} / {matplotlib.__version__}"),
    ]
    if ctx.command:
        items.append(("command", ctx.command))
    return html_dl(items)


#: The report's sections, in order. A section is one entry.
SECTIONS: list[Section] = [
    Section("act-on", "Act on", act_on),
    Section(
        "changes",
        lambda ctx: changes_title(ctx.diff),
        lambda ctx: changes_html(
            ctx.diff, ctx.table_store, top=ctx.top, sources=(ctx.source("baseline"), ctx.source("images"))
        ),
        needs=("baseline",),
        major=True,
        nav="Changes",
    ),
    Section("trends", "Trends", lambda ctx: _trends(ctx), needs=("history",)),
    Section("cleanup", "Cleanup candidates", cleanup_section, needs=("servers",), major=True, nav="Cleanup"),
    Section("stuck", "Stuck and failed images", stuck_section, nav="Stuck / failed"),
    Section("eol", "End-of-life OS versions", eol_section, nav="End of life"),
    Section("inventory", "Inventory", _inventory, major=True),
    Section("tenants", "Tenants", _tenants),
    Section("os", "OS distribution", _os, nav="OS"),
    Section("age", "Age and staleness", _age, nav="Age"),
    Section("features", "Feature support", _features, nav="Features"),
    Section("findings", "Validation findings", _findings, nav="Findings"),
    Section("provenance", "Built from", _provenance),
    Section("dictionary", "Data dictionary", _dictionary, needs=("dictionary",), major=True),
]


def _trends(ctx: ReportContext) -> str:
    from imgkit._typing import Backend
    from imgkit.analysis import history as build_history
    from imgkit.analysis import is_history
    from imgkit.archive import Archive

    history = ctx.history
    if isinstance(history, Archive):  # counted on the archive (Dask when installed)
        from imgkit.analysis import available

        filters = None if ctx.tenants is None else [("owner", "in", list(ctx.tenants))]
        engine: Backend = "dask" if available() else "pandas"
        frames = trend_tables(lambda **o: history.trend(filters=filters, backend=engine, **o), top=ctx.top)
        rows = int(frames[None].to_numpy().sum())
        return trends_html(frames, ctx.table_store, f"{rows:,} image rows in the archive.")
    if history is None:  # pragma: no cover  (the section needs a history)
        return ""
    h = history if is_history(history) else build_history(history)
    if ctx.tenants is not None:
        h = h[h["owner"].isin(ctx.tenants)]
    return trends_of_history(h, ctx.table_store, top=ctx.top)
