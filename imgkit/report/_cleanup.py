"""The report's "Cleanup candidates" section: usage and coverage, the rule funnel, cost by tenant and kind, candidates.

The numbers come from the public cleanup functions (:func:`imgkit.image_usage`,
:func:`imgkit.cleanup_candidates`, :func:`imgkit.storage_cost`) through the report
context, so the "Act on" figures and this section are the same numbers. The full list
with reasons and costs is ``imgkit cleanup``'s job; the section says the command.
"""

from __future__ import annotations

import shlex
from numbers import Real
from typing import TYPE_CHECKING

from imgkit.report._page import format_bytes, format_money, html_cards, paragraph

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from imgkit.report._context import ReportContext

__all__ = ["cleanup_command", "cleanup_section"]

#: The candidates table: few columns, so the reason (which says the age, the family and the cautions) has room.
_CANDIDATE_COLUMNS = ("id", "name", "tenant", "created", "size", "reason")

#: The inputs ``imgkit cleanup`` takes besides the images and servers, by the report's source role.
_REFERENCE_OPTIONS = (
    ("volumes", "--volumes"),
    ("scaling configs", "--scaling-configs"),
    ("members", "--members"),
    ("in use", "--in-use"),
)


def cleanup_command(ctx: ReportContext) -> str:
    """The ``imgkit cleanup`` command that writes every candidate (the paths the user gave, else placeholders)."""
    words = [
        "imgkit",
        "cleanup",
        ctx.sources.get("images", "IMAGES"),
        "--servers",
        ctx.sources.get("servers", "SERVERS"),
    ]
    for role, option in _REFERENCE_OPTIONS:
        if role in ctx.sources:
            words += [option, ctx.sources[role]]
    if "prices" in ctx.sources:
        words += ["--prices", ctx.sources["prices"]]
    elif isinstance(ctx.prices, Real) and not isinstance(ctx.prices, bool):
        words += ["--price-per-gib-month", f"{float(ctx.prices):g}"]
    elif ctx.prices is not None:  # a mapping or a table given in Python: the CLI reads it from a file
        words += ["--prices", "PRICES"]
    if ctx.currency:
        words += ["--currency", ctx.currency]
    if ctx.as_of is not None:
        words += ["--as-of", f"{ctx.when:%Y-%m-%d}"]
    return shlex.join([*words, "-o", "candidates.csv"])


def _references(usage: pd.DataFrame) -> str:
    """The images referenced, by kind of reference (``server: 120 image(s), volume: 35 image(s)``)."""
    if "used_by" not in usage.columns:
        return "none"
    kinds = usage["used_by"].astype("string").str.replace(r" \(\d+\)", "", regex=True).str.split(", ").explode()
    counted = kinds[kinds.fillna("") != ""].value_counts()
    return ", ".join(f"{k}: {int(v):,} image(s)" for k, v in counted.items()) or "none"


def _storage_table(ctx: ReportContext, cost: pd.DataFrame) -> pd.DataFrame:
    """`cost` (a :func:`imgkit.storage_cost` result with candidates) as the page shows it."""
    from imgkit.analysis import GIB

    table = cost.copy()
    table["storage"] = [format_bytes(b) for b in table["gib"] * GIB]
    table["reclaimable"] = [format_bytes(b) for b in table["candidate_gib"] * GIB]
    keep = [c for c in ("owner_name", "images", "storage", "candidates", "reclaimable") if c in table.columns]
    if ctx.prices is not None:
        table["cost per month"] = [format_money(v, ctx.currency) for v in table["cost"]]
        table["reclaimable per month"] = [format_money(v, ctx.currency) for v in table["candidate_cost"]]
        keep[keep.index("storage") + 1 : keep.index("storage") + 1] = ["cost per month"]
        keep.append("reclaimable per month")
    return table[keep].rename(columns={"owner_name": "tenant name"})


def cleanup_section(ctx: ReportContext) -> str:
    import pandas as pd

    c = ctx.cleanup
    usage, candidates, cost, by_kind = c["usage"], c["candidates"], c["cost"], c["by_kind"]
    info = (usage.attrs.get("imgkit") or {}).get("usage") or {}  # a frame the user filtered may have lost it
    rules = candidates.attrs["imgkit"]["cleanup"]
    priced = ctx.prices is not None
    total = cost.iloc[-1]
    figures = [
        ("servers", f"{info.get('servers', len(ctx.servers) if ctx.servers is not None else 0):,}"),
        ("images in use", f"{int(usage['in_use'].sum()):,}"),
        ("images of unknown usage", f"{rules['usage_unknown']:,}"),
        ("cleanup candidates", f"{len(candidates):,}"),
        ("reclaimable storage", format_bytes(rules["reclaimable_bytes"])),
    ]
    if priced:
        figures.append(("reclaimable per month", format_money(total["candidate_cost"], ctx.currency)))
    older = pd.Timedelta(rules["older_than"]).days if rules.get("older_than") else 0
    parts = [
        paragraph(
            "A candidate is an image nothing references -- no server (any status but deleted), volume (attached or "
            "not), Auto Scaling configuration, shelved server, accepted share member or id you listed -- created "
            f"more than {older:,} days before {ctx.when:%Y-%m-%d}, and not among the newest "
            f"{rules['keep_newest']} active, unused images of its family (tenant + name without date/build "
            "suffixes; OS and product versions such as 20.04 or 1.27 stay apart). Never candidates: protected, "
            "public/community, gold and market images, images already being deleted, shared images whose members "
            "were not read or that an accepted member uses, and images whose tenant or region the servers listing "
            "does not cover. Nothing is deleted: this is a list to review.",
            "lead",
        ),
        html_cards(figures),
        paragraph(f"Images referenced, by kind of reference: {_references(usage)}."),
        paragraph(
            f"How the {rules['images']:,} images were sorted: {rules['exempt']:,} are exempt, "
            f"{rules['usage_unknown']:,} are of unknown usage; of the others, {rules['in_use']:,} are in use, "
            f"{rules['too_young']:,} are younger than {older:,} days, {rules['newest_of_family']:,} are among the "
            f"newest of their family, and {rules['candidates']:,} are candidates."
        ),
        paragraph(f"Every candidate with its reason and cost: {cleanup_command(ctx)}"),
    ]
    if rules["usage_unknown"]:
        parts.append(
            paragraph(
                f"Warning: the servers listing does not cover {rules['usage_unknown']:,} image(s) of "
                f"{info.get('unknown_tenants', 0):,} tenant(s) in {info.get('unknown_regions', 0):,} region(s), so "
                "they are not proposed. List every tenant's servers (fetch_servers(all_tenants=True)) of every region."
            )
        )
    if info.get("servers_with_unknown_image"):
        parts.append(
            paragraph(
                f"{info['servers_with_unknown_image']:,} servers use an image that is not in this listing "
                "(deleted, or another region's or cloud's)."
            )
        )
    if info.get("boot_from_volume_unresolved"):
        parts.append(
            paragraph(
                f"Warning: {info['boot_from_volume_unresolved']:,} servers boot from a volume whose image is unknown, "
                "so an image counted as unused may be in use. Give the volume listing (--volumes) to resolve them."
            )
        )
    if priced:
        rule = cost.attrs["imgkit"]["prices"]  # a number, {image kind: price} or "table of N price(s)"
        if isinstance(rule, dict):
            rule = ", ".join(f"{kind} {float(price):g}" for kind, price in rule.items())
        elif isinstance(rule, Real):
            rule = f"{float(rule):g} for every image"
        parts.append(
            paragraph(
                f"Prices per GiB-month (2^30 bytes){f', in {ctx.currency}' if ctx.currency else ''}: {rule}. On "
                "Huawei Cloud, private system-disk, data-disk and ISO images are stored free and a full-ECS "
                "image is billed as its CSBS/CBR backup (imgkit.cleanup.huawei_cloud_prices)."
            )
        )
    t = ctx.table_store
    table = _storage_table(ctx, cost)
    table.index.name = "tenant" if cost.index.name == "owner" else cost.index.name
    by_candidates = table.iloc[:-1].sort_values("candidates", ascending=False, kind="stable")
    by_candidates = by_candidates[by_candidates["candidates"] > 0]
    shown = pd.concat([by_candidates, table.iloc[[-1]]])
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
    kinds = _storage_table(ctx, by_kind)
    kinds.index.name = "image kind"
    parts.append(
        t.html(
            "cleanup",
            "by image kind",
            kinds,
            heading="By image kind" + (" (what each kind costs)" if priced else ""),
        )
    )
    listing = candidates.copy()
    listing["size"] = [format_bytes(b) for b in listing["reclaimable_bytes"]]  # what deleting it frees
    if "owner" in listing.columns:  # the tenant's name where known, else its id
        tenant = listing["owner"].astype("string")
        if "owner_name" in listing.columns:
            tenant = listing["owner_name"].astype("string").fillna(tenant)
        listing["tenant"] = tenant
    if "created_at" in listing.columns:
        listing["created"] = listing["created_at"].dt.floor("D")  # the day (the reason says the age)
    rows = listing[[c for c in _CANDIDATE_COLUMNS if c in listing.columns]]
    parts.append(
        t.html(
            "cleanup",
            "candidates",
            rows,
            index=False,
            max_rows=max(ctx.top, 10) * 3,
            heading="The candidates (largest first)",
        )
    )
    return "".join(parts)
