"""The report's "Cleanup candidates" section (private): usage, coverage, candidates and what they cost.

One self-contained function, :func:`cleanup_section`, called by
:func:`imgkit.build_report` when servers are given. The numbers come from
:mod:`imgkit.cleanup`; every string from the data is escaped by ``imgkit._html``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from imgkit._html import escape, table_html

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["CLEANUP_COMMAND", "cleanup_section"]

#: The candidates table: few columns, so the reason (which says the age, the family and the cautions) has room.
_CANDIDATE_COLUMNS = ("id", "name", "tenant", "created_at", "size", "reason")

#: The CLI command that writes every candidate (the section lists the largest).
CLEANUP_COMMAND = (
    "imgkit cleanup IMAGES --servers SERVERS [--volumes V] [--scaling-configs A] [--members M] "
    "[--in-use IDS] [--prices P | --price-per-gib-month X] [--currency C] -o candidates.csv"
)


def _size_text(n: Any) -> str:
    from imgkit.report._page import format_bytes

    return format_bytes(n)


def _money(currency: str | None) -> str:
    return f"cost / month ({currency})" if currency else "cost / month"


def cleanup_section(
    df: pd.DataFrame,
    servers: pd.DataFrame,
    *,
    as_of: Any,
    prices: Any = None,
    currency: str | None = None,
    top: int = 10,
    older_than: str = "365D",
    keep_newest: int = 2,
) -> str:
    """The HTML of the section (``<section id="cleanup">``): usage, coverage, candidates by tenant, the candidates.

    When `df` is already the result of :func:`imgkit.image_usage` (with volumes, AS
    configurations, members or your ids), its references are used as they are.
    """
    import warnings

    import pandas as pd

    from imgkit.analysis import GIB, cleanup_candidates, image_usage, storage_cost
    from imgkit.errors import ImgkitWarning
    from imgkit.report._page import html_cards, html_section, paragraph

    if "usage_known" in df.columns:
        usage = df
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ImgkitWarning)  # said in the section itself
            usage = image_usage(df, servers)
    candidates = cleanup_candidates(usage, as_of=as_of, older_than=older_than, keep_newest=keep_newest)
    info = usage.attrs.get("usage") or {}
    rules = candidates.attrs["cleanup"]
    by = "owner" if "owner" in df.columns else None
    cost = storage_cost(
        usage, prices=prices if prices is not None else 0.0, currency=currency, by=by, candidates=candidates
    )
    money = _money(currency)
    cards = [
        ("servers", f"{info.get('servers', len(servers)):,}"),
        ("images in use", f"{int(usage['in_use'].sum()):,}"),
        ("images of unknown usage", f"{rules['usage_unknown']:,}"),
        ("cleanup candidates", f"{len(candidates):,}"),
        ("reclaimable storage", _size_text(rules["reclaimable_bytes"])),
    ]
    if prices is not None:
        cards.append((f"candidates' {money}", f"{cost['candidate_cost'].iloc[-1]:,.2f}"))
    kinds = usage["used_by"].astype("string").str.replace(r" \(\d+\)", "", regex=True).str.split(", ").explode()
    counted = kinds[kinds.fillna("") != ""].value_counts()
    refs = ", ".join(f"{k}: {int(v):,} image(s)" for k, v in counted.items()) or "none"
    parts = [
        paragraph(
            "A candidate is an image nothing references -- no server (any status but deleted), volume (attached or "
            "not), Auto Scaling configuration, shelved server, accepted share member or id you listed -- created "
            f"more than {pd.Timedelta(older_than).days:,} days before the reference time "
            f"({escape(f'{as_of:%Y-%m-%d}')}), and not among the newest {rules['keep_newest']} active, unused "
            "images of its family (owner + name without date/build suffixes; OS and product versions such as 20.04 "
            "or 1.27 stay apart). Never candidates: protected, public/community, gold and market images, images "
            "already being deleted, shared images whose members were not read or that an accepted member uses, and "
            "images whose tenant or region the servers listing does not cover. Nothing is deleted: this is a list "
            "to review."
        ),
        html_cards(cards),
        paragraph(f"Images referenced, by kind of reference: {refs}."),
        paragraph(
            f"Of {rules['images']:,} images: {rules['exempt']:,} exempt, {rules['usage_unknown']:,} of unknown usage, "
            f"{rules['in_use']:,} in use, {rules['too_young']:,} too young, {rules['newest_of_family']:,} kept as the "
            f"newest of their family, {rules['candidates']:,} candidates."
        ),
    ]
    if rules["usage_unknown"]:
        parts.append(
            paragraph(
                f"Warning: the servers listing does not cover {rules['usage_unknown']:,} image(s) of "
                f"{info.get('unknown_tenants', 0):,} tenant(s) in {info.get('unknown_regions', 0):,} region(s), so they "
                "are not proposed. List every tenant's servers (fetch_servers(all_tenants=True)) of every region."
            )
        )
    if info.get("servers_with_unknown_image"):
        parts.append(
            paragraph(
                f"{info['servers_with_unknown_image']:,} server(s) use an image that is not in this listing "
                "(deleted, or another region's or cloud's)."
            )
        )
    if info.get("boot_from_volume_unresolved"):
        parts.append(
            paragraph(
                f"Warning: {info['boot_from_volume_unresolved']:,} server(s) boot from a volume whose image is unknown, so "
                "an image counted as unused may be in use. Give the volume listing to resolve them "
                "(imgkit.read_servers(..., volumes=...))."
            )
        )
    if prices is not None:
        rule = cost.attrs["imgkit"]["prices"]
        parts.append(
            paragraph(
                f"Prices per GiB-month (2^30 bytes){f', in {currency}' if currency else ''}: {rule}. On "
                "Huawei Cloud, private system-disk, data-disk and ISO images are stored free and a full-ECS "
                "image is billed as its CSBS/CBR backup (imgkit.cleanup.huawei_cloud_prices)."
            )
        )
    table = cost.copy()
    table["storage"] = [_size_text(b) for b in table["gib"] * GIB]
    table["candidates' storage"] = [_size_text(b) for b in table["candidate_gib"] * GIB]
    keep = [c for c in ("owner_name", "images", "storage", "candidates", "candidates' storage") if c in table.columns]
    if prices is not None:
        table = table.rename(columns={"cost": money, "candidate_cost": f"candidates' {money}"})
        keep[keep.index("storage") + 1 : keep.index("storage") + 1] = [money]
        keep.append(f"candidates' {money}")
    table = table[keep]
    by_candidates = table.iloc[:-1].sort_values("candidates", ascending=False, kind="stable")
    shown = table.loc[list(by_candidates.index[:top]) + [table.index[-1]]] if len(table) > 1 else table
    if "owner_name" in shown.columns:
        shown = shown.rename(columns={"owner_name": "tenant name"})
    shown.index.name = "tenant (owner)" if table.index.name == "owner" else table.index.name
    parts += [
        f"<h3>By tenant (the {min(top, len(table) - 1):,} with most candidates, then all tenants)</h3>",
        table_html(shown),
    ]
    listing = candidates.head(max(top, 10) * 5).copy()
    listing["size"] = [_size_text(b) for b in listing["reclaimable_bytes"]]  # what deleting it frees
    if "owner" in listing.columns:  # the tenant's name where known, else its id
        tenant = listing["owner"].astype("string")
        if "owner_name" in listing.columns:
            tenant = listing["owner_name"].astype("string").fillna(tenant)
        listing["tenant"] = tenant
    rows = listing[[c for c in _CANDIDATE_COLUMNS if c in listing.columns]]
    if "created_at" in rows:
        rows = rows.assign(created_at=rows["created_at"].dt.floor("D"))  # the day (the reason says the age)
    parts += [
        "<h3>Candidates (largest first)</h3>",
        table_html(rows, index=False, total=len(candidates), more=f"all of them: {CLEANUP_COMMAND}"),
    ]
    return html_section("cleanup", "Cleanup candidates", *parts)
