"""The report's "Cleanup candidates" section (private): usage, candidates and what they cost.

One self-contained function, :func:`cleanup_section`, called by
:func:`imgkit.build_report` when servers are given. The numbers come from
:mod:`imgkit.cleanup`; every string from the data is escaped by ``imgkit._html``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from imgkit._html import escape, table_html

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["cleanup_section"]

#: The candidates table: few columns, so the reason (which says the age and the family) has room.
_CANDIDATE_COLUMNS = ("id", "name", "tenant", "created_at", "size", "reason")


def _size_text(n: Any) -> str:
    from imgkit.report._page import format_bytes

    return format_bytes(n)


def cleanup_section(
    df: pd.DataFrame,
    servers: pd.DataFrame,
    *,
    as_of: Any,
    price_per_gb_month: float | None = None,
    top: int = 10,
    older_than: str = "365D",
    keep_newest: int = 2,
) -> str:
    """The HTML of the section (``<section id="cleanup">``): usage, candidates by tenant, the candidates."""
    import warnings

    import pandas as pd

    from imgkit.analysis import cleanup_candidates, image_bytes, image_usage, storage_cost
    from imgkit.errors import ImgkitWarning
    from imgkit.report._page import html_cards, html_section, paragraph

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImgkitWarning)  # said in the section itself
        usage = image_usage(df, servers)
    candidates = cleanup_candidates(usage, as_of=as_of, older_than=older_than, keep_newest=keep_newest)
    info = usage.attrs["usage"]
    rules = candidates.attrs["cleanup"]
    price = float(price_per_gb_month) if price_per_gb_month is not None else 0.0
    cost = storage_cost(
        usage, price_per_gb_month=price, by="owner" if "owner" in df.columns else None, candidates=candidates
    )
    cand_bytes = image_bytes(candidates).sum(min_count=1)
    cards = [
        ("servers", f"{info['servers']:,}"),
        ("images in use", f"{int(usage['in_use'].sum()):,}"),
        ("images not in use", f"{int((~usage['in_use']).sum()):,}"),
        ("cleanup candidates", f"{len(candidates):,}"),
        ("candidates' storage", _size_text(cand_bytes)),
    ]
    if price_per_gb_month is not None:
        cards.append(("candidates' cost / month", f"{cost['candidate_cost'].iloc[-1]:,.2f}"))
    parts = [
        paragraph(
            f"A candidate is an image no server uses, created more than {pd.Timedelta(older_than).days:,} days "
            f"before the reference time ({escape(f'{as_of:%Y-%m-%d}')}) and not among the newest {rules['keep_newest']} of its family (owner + name "
            "without version/date suffixes). Never candidates: protected, public/community, gold, shared and market "
            "images, and images already being deleted. Nothing is deleted: this is a list to review."
        ),
        html_cards(cards),
        paragraph(
            f"Of {rules['images']:,} images: {rules['exempt']:,} exempt, {rules['in_use']:,} in use, "
            f"{rules['too_young']:,} too young, {rules['newest_of_family']:,} among the newest of their family, "
            f"{rules['candidates']:,} candidates."
        ),
    ]
    if info["servers_with_unknown_image"]:
        parts.append(
            paragraph(
                f"{info['servers_with_unknown_image']:,} server(s) use an image that is not in this listing "
                "(deleted, or another region's or cloud's)."
            )
        )
    if info["boot_from_volume_unresolved"]:
        parts.append(
            paragraph(
                f"Warning: {info['boot_from_volume_unresolved']:,} server(s) boot from a volume whose image is unknown, so "
                "an image counted as unused may be in use. Give the volume listing to resolve them "
                "(imgkit.read_servers(..., volumes=...))."
            )
        )
    table = cost.copy()
    table["storage"] = [_size_text(b) for b in table["gb"] * 2**30]
    table["candidates' storage"] = [_size_text(b) for b in table["candidate_gb"] * 2**30]
    keep = [c for c in ("owner_name", "images", "storage", "candidates", "candidates' storage") if c in table.columns]
    if price_per_gb_month is not None:
        table = table.rename(columns={"cost": "cost / month", "candidate_cost": "candidates' cost / month"})
        keep[keep.index("storage") + 1 : keep.index("storage") + 1] = ["cost / month"]
        keep.append("candidates' cost / month")
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
    listing["size"] = [_size_text(b) for b in image_bytes(listing)]
    if "owner" in listing.columns:  # the tenant's name where known, else its id
        tenant = listing["owner"].astype("string")
        if "owner_name" in listing.columns:
            tenant = listing["owner_name"].astype("string").fillna(tenant)
        listing["tenant"] = tenant
    rows = listing[[c for c in _CANDIDATE_COLUMNS if c in listing.columns]]
    if "created_at" in rows:
        rows = rows.assign(created_at=rows["created_at"].dt.floor("D"))  # the day (the reason says the age)
    parts += [
        "<h3>Candidates (oldest first)</h3>",
        table_html(
            rows,
            index=False,
            total=len(candidates),
            more="all of them: imgkit.cleanup_candidates(imgkit.image_usage(images, servers))",
        ),
    ]
    return html_section("cleanup", "Cleanup candidates", *parts)
