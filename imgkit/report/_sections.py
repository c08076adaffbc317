"""The headless HTML report: one self-contained file, built from a typed frame.

The report makes no external request: plots are inline SVG (text kept as
``<text>`` elements, XML-escaped by matplotlib), the stylesheet is inline, there
is no script. Every string that comes from the data goes through
:func:`html.escape` (tables are rendered by ``imgkit._html``, shared with the
explorer, not by ``DataFrame.to_html``), and
matplotlib's mathtext is switched off while plotting so a ``$`` in a tenant or
image name is drawn as typed.

The numbers come from :mod:`imgkit.analysis` and the figures from
:mod:`imgkit.plotting`; this module only lays them out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from imgkit._html import format_cell as _fmt
from imgkit._html import isna as _isna
from imgkit._html import table_html as _table
from imgkit._html import truncate as _truncate

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
from imgkit.report._page import format_bytes, format_days, html_cards, html_figure, html_section, paragraph

#: Stale thresholds shown in the age section (label, pandas Timedelta string).
_STALE = (("1 year", "365D"), ("2 years", "730D"), ("5 years", "1826D"))


def summary_section(df: pd.DataFrame, tenants: pd.DataFrame, profile: pd.DataFrame, n_findings: int) -> str:
    from imgkit.analysis import os_distribution

    platforms = os_distribution(df, level="platform")
    overall = profile.iloc[0] if len(profile) else None
    # image types and visibility counted as `imgkit summary` counts them (its "image types" and "visibility")
    types = df["imagetype"].value_counts(dropna=False) if "imagetype" in df else None
    type_cards = (
        []
        if types is None
        else [(f"image type {'(missing)' if _isna(k) else k}", f"{int(n):,}") for k, n in types.items() if n > 0]
    )
    public = int((df["visibility"] == "public").sum()) if "visibility" in df else 0
    cards = [
        ("images", f"{len(df):,}"),
        ("tenants", f"{len(tenants):,}"),
        ("platforms in use", f"{int((platforms > 0).sum()):,}"),
        *type_cards,
        ("visibility public", f"{public:,}"),
        ("storage (image files)", format_bytes(tenants["storage_bytes"].sum(min_count=1))),
        ("median age", format_days(overall["median_age_days"]) if overall is not None else "n/a"),
        (
            "older than 2 years",
            _fmt(overall["older_2y"], percent=True) or "n/a" if overall is not None else "n/a",
        ),
        ("validation findings", f"{n_findings:,}"),
    ]
    return html_section("summary", "Summary", html_cards(cards), new_page=False)


#: Rows of the tenant table shown (the rest: imgkit export); a reader needs them all, so no scroll box.
_MAX_TENANTS = 100


#: Rows of the findings table shown.
_MAX_FINDINGS = 100


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


def tenant_section(tenants: pd.DataFrame) -> str:
    table = tenants.drop(columns=["n_platforms"], errors="ignore").copy()
    table["storage"] = [format_bytes(v) for v in table.pop("storage_bytes")]
    table["median_age_days"] = table["median_age_days"].round(0)
    for column in ("oldest", "newest"):  # the day is what a reader compares
        if column in table and hasattr(table[column], "dt"):
            table[column] = table[column].dt.floor("D")
    table = table[[c for c in _TENANT_COLUMNS if c in table.columns]].rename(columns=_TENANT_COLUMNS)
    table.index.name = "tenant (owner)"
    return html_section(
        "tenants",
        "Tenants",
        paragraph(
            f"{len(tenants):,} tenants, largest first. Public/private/shared/market count images by image type "
            "(gold = public); an image without a type is counted by its visibility."
        ),
        _table(table, max_rows=_MAX_TENANTS),
    )


def _counts_table(counts: pd.Series) -> pd.DataFrame:
    """Images and share per value, most images first (values without images left out)."""
    counts = counts[counts > 0].sort_values(ascending=False, kind="stable")
    total = counts.sum()
    return counts.to_frame("images").assign(share=counts / total if total else 0.0)


def os_section(df: pd.DataFrame, top: int) -> str:
    from imgkit.analysis import os_distribution
    from imgkit.plotting import plot_os_distribution

    platform_table = _counts_table(os_distribution(df, level="platform"))
    os_type_table = _counts_table(os_distribution(df, level="os_type"))
    versions = os_distribution(df, level="os_version", top=max(top, 10))
    version_table = versions.to_frame("images").loc[lambda t: t["images"] > 0]
    return html_section(
        "os",
        "OS distribution",
        html_figure(
            plot_os_distribution,
            df,
            by="owner",
            top=top,
            top_groups=top,
            normalize=True,
            caption=(
                f"Share of each tenant's images by platform: the {top} largest tenants, the rest as one bar "
                "(image counts are in the tenant table and below)."
            ),
        ),
        '<div class="columns">',
        f"<div><h3>By platform</h3>{_table(platform_table, percent=['share'])}</div>",
        f"<div><h3>By OS type</h3>{_table(os_type_table, percent=['share'])}</div>",
        f"<div><h3>By OS version (top {max(top, 10)})</h3>{_table(version_table)}</div>",
        "</div>",
    )


#: The oldest images' columns (imagetype says public/private/shared/market; the day of creation, then the age).
_STALE_COLUMNS = ("name", "platform", "imagetype", "created_at", "owner", "owner_name", "id")


def age_section(df: pd.DataFrame, as_of: pd.Timestamp, top: int) -> str:
    import pandas as pd

    from imgkit.analysis import age_days, age_profile, stale_images
    from imgkit.plotting import plot_age, plot_creation_timeline

    by_type = age_profile(df, by="imagetype", as_of=as_of) if len(df) else age_profile(df, as_of=as_of)
    overall = age_profile(df, as_of=as_of)
    profile = pd.concat([by_type, overall]) if len(df) else overall
    profile.index.name = "image type"
    older = {c: f"older than {c[6:-1]} year{'s' if c[6:-1] != '1' else ''}" for c in profile if c.startswith("older_")}
    profile = profile.rename(
        columns={"median_age_days": "median age (days)", "p90_age_days": "p90 age (days)", **older}
    )
    percent = list(older.values())
    for col in ("median age (days)", "p90 age (days)"):
        profile[col] = profile[col].round(0)
    stale_rows = []
    oldest = None
    for label, delta in _STALE:
        stale = stale_images(df, older_than=delta, as_of=as_of)
        share = len(stale) / len(df) if len(df) else float("nan")
        stale_rows.append({"created more than": label, "images": len(stale), "share": share})
        if oldest is None:
            oldest = stale
    stale_table = pd.DataFrame(stale_rows).set_index("created more than")
    parts = [
        html_figure(
            plot_age,
            df,
            by="imagetype",
            as_of=as_of,
            title=f"Image age as of {as_of:%Y-%m-%d}" if not _isna(as_of) else None,
            caption="Age since creation (years), stacked by image type.",
        ),
        "<h3>Age by image type</h3>",
        _table(profile, percent=percent),
        "<h3>Stale images</h3>",
        _table(stale_table, percent=["share"]),
    ]
    if oldest is not None and len(oldest):
        columns = [c for c in _STALE_COLUMNS if c in oldest.columns]
        listing = oldest.sort_values("created_at", kind="stable")[columns].head(max(top, 10) * 2)
        listing.insert(columns.index("created_at") + 1, "age (days)", age_days(listing["created_at"], as_of).round(0))
        listing["created_at"] = listing["created_at"].dt.floor("D")
        parts += [
            "<h3>Oldest images</h3>",
            paragraph(f"{len(oldest):,} images are older than 1 year; the oldest first."),
            _table(listing, index=False, total=len(oldest)),
        ]
    parts.append(
        html_figure(
            plot_creation_timeline, df, freq="QS", by="imagetype", caption="Images created per quarter, by image type."
        )
    )
    return html_section("age", "Age and staleness", *parts)


def feature_section(df: pd.DataFrame, top: int) -> str:
    from imgkit.analysis import feature_labels, feature_support
    from imgkit.plotting import plot_feature_support

    labels = feature_labels()
    shares = feature_support(df, by=None)
    counts = feature_support(df, by=None, normalize=False)
    total = shares.iloc[-1]
    table = counts.iloc[-1].rename("images").to_frame().assign(share=total.to_numpy())
    unknown = table["images"].isna()  # Huawei-only features of a Glance listing: unknown, not 0%
    if unknown.any():
        table = table.astype(object)
        table.loc[unknown, ["images", "share"]] = "n/a"
    table.insert(0, "feature", [labels.get(f, f) for f in table.index])
    table.index.name = "name"
    return html_section(
        "features",
        "Feature support",
        paragraph(
            "Share of each tenant's images supporting each capability; the last row is all tenants. "
            "Cloud-Init injection is supported when the inverted flag support_fc_inject is not set. "
            "A plain OpenStack Glance listing says nothing about Huawei's capabilities: n/a."
        ),
        html_figure(
            plot_feature_support, df, by="owner", top=top, caption=f"The {top} largest tenants, then the rest."
        ),
        "<h3>All images</h3>",
        _table(table, percent=["share"]),
    )


def findings_section(findings: pd.DataFrame | None) -> str:
    if findings is None or not len(findings):
        return html_section(
            "findings", "Validation findings", paragraph("No findings: every record satisfied the schema.")
        )
    by_rule = (
        findings.groupby(["rule", "column"], observed=True, dropna=False)
        .size()
        .rename("findings")
        .sort_values(ascending=False, kind="stable")
        .to_frame()
    )
    columns = [c for c in ("source", "image_id", "column", "field", "value", "rule", "action") if c in findings]
    return html_section(
        "findings",
        "Validation findings",
        paragraph(
            f"{len(findings):,} findings while reading and validating the listing (no record was dropped silently)."
        ),
        _table(by_rule),
        "<h3>Findings</h3>",
        _table(
            findings[columns],
            index=False,
            max_rows=_MAX_FINDINGS,
            more="all of them: imgkit.validate(df), or imgkit export INPUT -o images.parquet (which keeps them)",
        ),
    )


def _unknown_columns(df: pd.DataFrame) -> pd.DataFrame:
    """Columns outside the schema (unknown API keys): name, images with a value, a few example values."""
    import pandas as pd

    from imgkit.schema import FIELDS

    known = {f.column for f in FIELDS}
    rows = []
    for column in (c for c in df.columns if c not in known):
        present = df[column].dropna()
        examples = [_truncate(str(v), 60) for v in pd.unique(present.astype(str))[:3]] if len(present) else []
        rows.append({"column": column, "images with a value": len(present), "examples": ", ".join(examples)})
    return pd.DataFrame(rows, columns=["column", "images with a value", "examples"])


def dictionary_section(df: pd.DataFrame) -> str:
    from imgkit.schema import describe_columns

    unknown = _unknown_columns(df)
    parts = [
        paragraph("Every known column of an image frame, from the imgkit schema."),
        _table(describe_columns().assign(values=lambda d: d["values"].str.replace("|", ", ")), cls="dictionary"),
        "<h3>Columns outside the schema</h3>",
    ]
    if len(unknown):
        parts += [
            paragraph(f"{len(unknown):,} keys of the listing that imgkit does not know, kept as they were read."),
            _table(unknown, index=False),
        ]
    else:
        parts.append(paragraph("None: every key of the listing is a known field."))
    return html_section("dictionary", "Data dictionary", *parts)
