"""The report's "Cleanup candidates" section: usage, the rule funnel, candidates by tenant, the candidates.

The numbers come from the public cleanup functions (:func:`imgkit.image_usage`,
:func:`imgkit.cleanup_candidates`, :func:`imgkit.storage_cost`) through the report
context, so the "Act on" figures and this section are the same numbers. The full list
with reasons and costs is ``imgkit cleanup``'s job; the section says the command.
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from imgkit.report._context import gib_column, imgkit_attrs
from imgkit.report._page import format_bytes, format_money, html_cards, paragraph

if TYPE_CHECKING:  # pragma: no cover
    from imgkit.report._context import ReportContext

__all__ = ["cleanup_command", "cleanup_section"]

_CANDIDATE_COLUMNS = ("id", "name", "tenant", "created", "size", "reason")


def cleanup_command(ctx: ReportContext) -> str:
    """The ``imgkit cleanup`` command that writes every candidate (the paths the user gave, else placeholders)."""
    words = [
        "imgkit",
        "cleanup",
        ctx.sources.get("images", "IMAGES"),
        "--servers",
        ctx.sources.get("servers", "SERVERS"),
    ]
    if "volumes" in ctx.sources:
        words += ["--volumes", ctx.sources["volumes"]]
    if isinstance(ctx.prices, (int, float)) and not isinstance(ctx.prices, bool):
        words += ["--price-per-gib-month", f"{float(ctx.prices):g}"]
    if ctx.currency:
        words += ["--currency", ctx.currency]
    if ctx.as_of is not None:
        words += ["--as-of", f"{ctx.when:%Y-%m-%d}"]
    return shlex.join([*words, "-o", "candidates.csv"])


def cleanup_section(ctx: ReportContext) -> str:
    import pandas as pd

    from imgkit.analysis import image_bytes

    c = ctx.cleanup
    usage, candidates, cost = c["usage"], c["candidates"], c["cost"]
    info = imgkit_attrs(usage, "usage")
    rules = imgkit_attrs(candidates, "cleanup")
    priced = ctx.prices is not None
    total = cost.iloc[-1]
    figures = [
        ("servers", f"{info['servers']:,}"),
        ("images in use", f"{int(usage['in_use'].sum()):,}"),
        ("cleanup candidates", f"{len(candidates):,}"),
        ("reclaimable storage", format_bytes(total[gib_column(cost, "candidate")] * 2**30)),
    ]
    if priced:
        figures.append(("reclaimable per month", format_money(total["candidate_cost"], ctx.currency)))
    older = pd.Timedelta(rules["older_than"]).days if rules.get("older_than") else 0
    parts = [
        paragraph(
            f"A candidate is an image no server uses, created more than {older:,} days before "
            f"{ctx.when:%Y-%m-%d} and not among the newest {rules['keep_newest']} of its family (tenant + name "
            "without version or date suffixes). Never candidates: protected, public, community, gold, shared and "
            "market images, and images already being deleted. Nothing is deleted: this is a list to review.",
            "lead",
        ),
        html_cards(figures),
        paragraph(
            f"How the {rules['images']:,} images were sorted: {rules['exempt']:,} are exempt; of the others, "
            f"{rules['in_use']:,} are in use, {rules['too_young']:,} are younger than {older:,} days, "
            f"{rules['newest_of_family']:,} are among the newest of their family, and {rules['candidates']:,} are "
            "candidates."
        ),
        paragraph(f"Every candidate with its reason and cost: {cleanup_command(ctx)}"),
    ]
    if info["servers_with_unknown_image"]:
        parts.append(
            paragraph(
                f"{info['servers_with_unknown_image']:,} servers use an image that is not in this listing "
                "(deleted, or another region's or cloud's)."
            )
        )
    if info["boot_from_volume_unresolved"]:
        parts.append(
            paragraph(
                f"Warning: {info['boot_from_volume_unresolved']:,} servers boot from a volume whose image is unknown, so "
                "an image counted as unused may be in use. Give the volume listing (--volumes) to resolve them."
            )
        )
    table = cost.copy()
    table["storage"] = [format_bytes(b) for b in table[gib_column(cost)] * 2**30]
    table["reclaimable"] = [format_bytes(b) for b in table[gib_column(cost, "candidate")] * 2**30]
    keep = [c for c in ("owner_name", "images", "storage", "candidates", "reclaimable") if c in table.columns]
    if priced:
        table["cost per month"] = [format_money(v, ctx.currency) for v in table["cost"]]
        table["reclaimable per month"] = [format_money(v, ctx.currency) for v in table["candidate_cost"]]
        keep[keep.index("storage") + 1 : keep.index("storage") + 1] = ["cost per month"]
        keep.append("reclaimable per month")
    table = table[keep].rename(columns={"owner_name": "tenant name"})
    table.index.name = "tenant" if cost.index.name == "owner" else cost.index.name
    by_candidates = table.iloc[:-1].sort_values("candidates", ascending=False, kind="stable")
    by_candidates = by_candidates[by_candidates["candidates"] > 0]
    shown = pd.concat([by_candidates, table.iloc[[-1]]])
    t = ctx.table_store
    parts.append(
        t.html(
            "cleanup",
            "by tenant",
            shown,
            max_rows=ctx.top + 1,
            full=shown.reset_index(),
            heading="By tenant (most candidates first)",
        )
    )
    listing = candidates.copy()
    listing["size"] = [format_bytes(b) for b in image_bytes(listing)]
    if "owner" in listing.columns:
        tenant = listing["owner"].astype("string")
        if "owner_name" in listing.columns:
            tenant = listing["owner_name"].astype("string").fillna(tenant)
        listing["tenant"] = tenant
    if "created_at" in listing.columns:
        listing["created"] = listing["created_at"].dt.floor("D")
    rows = listing[[c for c in _CANDIDATE_COLUMNS if c in listing.columns]]
    parts.append(
        t.html(
            "cleanup",
            "candidates",
            rows,
            index=False,
            max_rows=max(ctx.top, 10) * 3,
            heading="The candidates (oldest first)",
        )
    )
    return "".join(parts)
