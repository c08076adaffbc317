"""The sections that lead to decisions: "Act on" (first), stuck and failed images, end-of-life OS versions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from imgkit._html import escape
from imgkit.report._page import count_text, format_bytes, format_money, paragraph

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from imgkit.report._context import ReportContext

__all__ = ["act_on", "eol_section", "stuck_section"]


def _action(href: str, value: str, what: str, detail: str, go: str, *, warn: bool = False) -> str:
    klass = "action warn" if warn else "action"
    return (
        f'<a class="{klass}" href="#{escape(href)}"><div class="value">{escape(value)}</div>'
        f'<div class="what">{escape(what)}</div><div class="detail">{escape(detail)}</div>'
        f'<div class="go">{escape(go)} →</div></a>'
    )


def _top_counts(s: pd.Series, n: int = 3) -> str:
    counts = s.astype("string").fillna("(missing)").value_counts()
    counts = counts[counts > 0]
    shown = ", ".join(f"{k} {v:,}" for k, v in counts.head(n).items())
    return shown + (f" and {len(counts) - n:,} more" if len(counts) > n else "")


def act_on(ctx: ReportContext) -> str:
    """The decisions, each with its size and a link to its section."""
    parts = []
    df = ctx.df
    n = len(df)
    if ctx.servers is not None:
        c = ctx.cleanup
        cand, cost = c["candidates"], c["cost"]
        total = cost.iloc[-1]
        rules = cand.attrs["imgkit"]["cleanup"]
        detail = f"{format_bytes(rules['reclaimable_bytes'])} reclaimable"
        if ctx.prices is not None:
            detail += f", {format_money(total['candidate_cost'], ctx.currency)} per month"
        if rules["usage_unknown"]:
            detail += f"; {rules['usage_unknown']:,} image(s) of unknown usage not assessed"
        parts.append(
            _action(
                "cleanup",
                f"{len(cand):,}",
                "cleanup candidates: images nothing references, older than a year",
                detail,
                "Cleanup candidates",
                warn=bool(len(cand)),
            )
        )
    if ctx.baseline is not None:
        d = ctx.diff
        from imgkit.report._history import time_only

        only_time, real = time_only(d)
        detail = f"{count_text(real, 'image')} changed" + (
            f"; {only_time:,} more changed only their update time" if only_time else ""
        )
        parts.append(
            _action(
                "changes",
                f"+{len(d.added):,} / −{len(d.removed):,}",
                "images added / removed since the baseline",
                detail,
                "Changes",
            )
        )
    stuck = ctx.stuck
    detail = _top_counts(stuck["status"]) if len(stuck) else "none queued, saving or killed"
    parts.append(
        _action(
            "stuck",
            f"{len(stuck):,}",
            "images stuck or failed (never became active)",
            detail,
            "Stuck and failed images",
            warn=bool(len(stuck)),
        )
    )
    eol = ctx.eol
    share = f" ({len(eol) / n:.0%} of all)" if n else ""
    detail = f"largest: {_top_counts(eol['os_release'])}" if len(eol) else "none past the end of support"
    if len(ctx.eol_soon):
        detail += f"; {len(ctx.eol_soon):,} more within 6 months"
    parts.append(
        _action(
            "eol",
            f"{len(eol):,}",
            f"images on an end-of-life OS version{share}",
            detail,
            "End-of-life OS versions",
            warn=bool(len(eol)),
        )
    )
    nf = len(ctx.findings)
    if nf:
        top_rule = ctx.findings.groupby(["rule", "column"], observed=True).size().sort_values(ascending=False)
        (rule, column), k = top_rule.index[0], int(top_rule.iloc[0])
        detail = f"most: {rule} in {column} ({k:,})"
    else:
        detail = "every record satisfied the schema"
    parts.append(
        _action(
            "findings", f"{nf:,}", "validation findings in the listing", detail, "Validation findings", warn=bool(nf)
        )
    )
    profile = ctx.profile
    older = profile["older_2y"].iloc[0] if len(profile) else float("nan")
    if n and older == older:
        parts.append(
            _action(
                "age",
                f"{older:.0%}",
                "of the images are older than 2 years",
                f"median age {profile['median_age_days'].iloc[0] / 365:.1f} years",
                "Age",
            )
        )
    tenants = ctx.tenant_table
    if len(tenants) and tenants["storage_bytes"].sum() > 0:
        big = tenants["storage_bytes"].sort_values(ascending=False)
        owner = big.index[0]
        name = tenants.loc[owner, "owner_name"] if "owner_name" in tenants.columns else None
        label = str(name) if isinstance(name, str) and name else str(owner)
        parts.append(
            _action(
                "tenants",
                f"{big.iloc[0] / big.sum():.0%}",
                "of the image storage is one tenant's",
                f"{label}: {format_bytes(big.iloc[0])} of {format_bytes(big.sum())}",
                "Tenants",
            )
        )
    intro = paragraph(
        f"What this listing asks of you on {ctx.when:%Y-%m-%d}, largest first where it can be sized. "
        "Each box links to its section."
        if str(ctx.when) != "NaT"
        else "What this listing asks of you.",
        "lead",
    )
    hints = []
    if ctx.servers is None:
        hints.append(
            "Cleanup is not assessed: give the servers (imgkit report ... --servers SERVERS "
            "--volumes VOLUMES) to find the images nothing uses."
        )
    elif ctx.prices is None:
        hints.append("Costs are not shown: give a price (--price-per-gib-month X or --prices P, and --currency CODE).")
    elif ctx.currency is None:
        hints.append(
            f"Amounts are in the price's unit ({format_money(0, None)[0]}): give its currency with --currency "
            "CODE (e.g. USD)."
        )
    return intro + f'<div class="actions">{"".join(parts)}</div>' + "".join(paragraph(h) for h in hints)


# ------------------------------------------------------------------------ stuck and failed

_STUCK_COLUMNS = ("id", "name", "tenant", "status", "created_at", "updated_at", "size")


def _tenant_column(frame: pd.DataFrame) -> pd.Series:
    tenant = frame["owner"].astype("string") if "owner" in frame.columns else None
    if tenant is not None and "owner_name" in frame.columns:
        tenant = frame["owner_name"].astype("string").fillna(tenant)
    return tenant


def stuck_section(ctx: ReportContext) -> str:
    import pandas as pd

    from imgkit.analysis import image_bytes

    stuck = ctx.stuck
    if not len(stuck):
        return paragraph("No image is queued, saving, uploading, importing or killed: every image finished its upload.")
    status = stuck["status"].astype("string")
    by_status = status.value_counts()
    by_status = by_status[by_status > 0].to_frame("images")
    meaning = {
        "queued": "created, no data uploaded",
        "saving": "data upload started, never finished",
        "uploading": "upload in progress",
        "importing": "import in progress",
        "killed": "upload failed; the image is unusable",
    }
    by_status.insert(0, "meaning", [meaning.get(str(s), "") for s in by_status.index])
    by_status.index.name = "status"
    listing = stuck.sort_values("created_at", kind="stable").copy()
    listing["tenant"] = _tenant_column(listing)
    listing["size"] = [format_bytes(b) for b in image_bytes(listing)]
    for col in ("created_at", "updated_at"):
        if col in listing.columns:
            listing[col] = pd.to_datetime(listing[col], utc=True).dt.floor("D")
    listing = listing[[c for c in _STUCK_COLUMNS if c in listing.columns]].rename(
        columns={"created_at": "created", "updated_at": "last update"}
    )
    t = ctx.table_store
    return "".join(
        [
            paragraph(
                f"{len(stuck):,} images never became active. Stuck ones hold quota and confuse users; failed (killed) "
                "ones cannot boot. Delete them, or finish the upload.",
                "lead",
            ),
            t.html("stuck", "by status", by_status, heading="By status"),
            t.html("stuck", "images", listing, index=False, max_rows=20, heading="The images (oldest first)"),
        ]
    )


# ------------------------------------------------------------------------ end of life


def eol_section(ctx: ReportContext) -> str:
    import pandas as pd

    from imgkit.analysis import os_eol_table

    eol = ctx.eol
    t = ctx.table_store
    table = os_eol_table()
    when = f"{ctx.when:%Y-%m-%d}" if str(ctx.when) != "NaT" else "n/a"
    intro = paragraph(
        f"{len(eol):,} images run an OS release whose vendor support ended on or before {when}: no security "
        "updates. Rebuild them on a supported release, then retire the old images. End-of-life dates come from "
        f"imgkit's table of {len(table):,} releases (each with its source); an OS version it does not list "
        f"({eol.attrs.get('imgkit', {}).get('unknown_release', 0):,} images) is not counted.",
        "lead",
    )
    parts = [intro]
    if len(eol):
        rel = (
            eol.assign(tenant=_tenant_column(eol))
            .groupby("os_release", observed=True, sort=False)
            .agg(
                images=("id", "size"),
                tenants=("tenant", "nunique"),
                eol=("eol", "first"),
                support=("eol_support", "first"),
                source=("eol_source", "first"),
            )
        )
        rel = rel.sort_values("images", ascending=False, kind="stable")
        rel["eol"] = rel["eol"].dt.floor("D")
        rel = rel.rename(columns={"eol": "support ended", "support": "which support"})
        rel.index.name = "OS release"
        parts.append(t.html("eol", "releases", rel, heading="By OS release"))
        listing = eol.assign(tenant=_tenant_column(eol)).sort_values(["eol", "created_at"], kind="stable")
        cols = [c for c in ("id", "name", "tenant", "os_version", "os_release", "created_at") if c in listing]
        listing = listing[cols].assign(created_at=lambda d: pd.to_datetime(d["created_at"], utc=True).dt.floor("D"))
        listing = listing.rename(
            columns={"os_version": "OS version", "os_release": "OS release", "created_at": "created"}
        )
        parts.append(
            t.html(
                "eol",
                "images",
                listing,
                index=False,
                max_rows=20,
                heading="The images (longest past their end of life first)",
            )
        )
    soon = ctx.eol_soon
    if len(soon):
        nxt = soon.groupby("os_release", observed=True, sort=False).agg(images=("id", "size"), eol=("eol", "first"))
        nxt["eol"] = nxt["eol"].dt.floor("D")
        nxt = nxt.rename(columns={"eol": "support ends"})
        nxt.index.name = "OS release"
        parts.append(t.html("eol", "within 6 months", nxt, heading="Reaching the end of support within 6 months"))
    parts.append(
        paragraph(
            "The table: imgkit.os_eol_table(); to update it, see the module notes of imgkit.analysis "
            "(os_eol.csv: release, match, eol, support, source)."
        )
    )
    return "".join(parts)
