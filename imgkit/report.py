"""The headless HTML report: one self-contained file, built from a typed frame.

The report makes no external request: plots are inline SVG (text kept as
``<text>`` elements, XML-escaped by matplotlib), the stylesheet is inline, there
is no script. Every string that comes from the data goes through
:func:`html.escape` (tables are rendered by ``imgkit._html``, shared with the
explorer, not by ``DataFrame.to_html``), and
matplotlib's mathtext is switched off while plotting so a ``$`` in a tenant or
image name is drawn as typed.

The numbers come from :mod:`imgkit.analysis` and the figures from
:mod:`imgkit.plotting`; this module only lays them out.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._html import escape as _e
from ._html import format_cell as _fmt
from ._html import isna as _isna
from ._html import render_plot as _render
from ._html import table_html as _table
from ._html import truncate as _truncate
from .errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["build_report"]

DEFAULT_TITLE = "Image catalogue report"

#: Stale thresholds shown in the age section (label, pandas Timedelta string).
_STALE = (("1 year", "365D"), ("2 years", "730D"), ("5 years", "1826D"))


#: The font stack: the system's UI font, then CJK fonts for Chinese/Japanese/Korean names (where installed).
_FONTS = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", '
    '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Hiragino Sans GB", '
    '"Microsoft YaHei", "WenQuanYi Micro Hei", "Noto Sans CJK JP", "Noto Sans CJK KR", sans-serif'
)
#: In the plots: matplotlib's own font first (it laid the text out with its metrics), then the CJK fallbacks.
_SVG_FONTS = '"DejaVu Sans", ' + _FONTS.split('"Noto Sans", ', 1)[1]

_CSS = """
:root { --fg:#1d232a; --muted:#5b6770; --line:#d8dee4; --accent:#2f6f9f; --bg:#ffffff; --card:#f5f7f9; }
* { box-sizing: border-box; }
body { font-family: FONTS; color: var(--fg); background: var(--bg); margin: 0; line-height: 1.45; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 32px 64px; }
header h1 { margin: 0 0 4px; font-size: 1.8rem; }
header p { margin: 0; color: var(--muted); }
nav { margin: 16px 0 8px; padding: 8px 0; border-top: 1px solid var(--line); border-bottom: 1px solid var(--line); }
nav a { margin-right: 14px; color: var(--accent); text-decoration: none; font-size: .92rem; white-space: nowrap; }
section { margin-top: 36px; }
h2 { font-size: 1.3rem; border-bottom: 2px solid var(--accent); padding-bottom: 4px; }
h3 { font-size: 1.05rem; margin: 22px 0 8px; }
.note { color: var(--muted); font-size: .9rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 12px; }
.card { background: var(--card); border-radius: 6px; padding: 10px 14px; }
.card .value { font-size: 1.45rem; font-weight: 600; white-space: nowrap; }
.card .label { color: var(--muted); font-size: .85rem; }
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 12px 24px;
           align-items: start; }
.figure { margin: 12px 0; }
.figure svg { max-width: 100%; height: auto; display: block; }
.figure svg text { font-family: SVG_FONTS !important; }
table { border-collapse: collapse; font-size: .86rem; width: 100%; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: var(--card); }
td { overflow-wrap: break-word; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
td.date, td.id { white-space: nowrap; overflow-wrap: normal; }
td.id { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .8rem; }
dl.meta { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 4px 18px; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .9rem;
             overflow-wrap: anywhere; }
@media screen { th { position: sticky; top: 0; } }
@page { size: A4; margin: 12mm; }
@media print {
  body { font-size: 9pt; }
  main { max-width: none; padding: 0; }
  nav { display: none; }
  section { margin-top: 0; }
  section.page { break-before: page; }
  h2, h3 { break-after: avoid; }
  table { font-size: 7pt; }
  table.dictionary { font-size: 6.5pt; }
  th, td { padding: 1px 3px; }
  th { font-size: 6.5pt; }
  td.id { font-size: 6pt; }
  thead { display: table-header-group; }
  tr, .card, .figure { break-inside: avoid; }
  .figure svg { width: 100%; max-width: 100%; }
  a { color: inherit; text-decoration: none; }
}
""".replace("SVG_FONTS", _SVG_FONTS).replace("FONTS", _FONTS)


# ------------------------------------------------------------------------ HTML helpers

def _figure(plot: Any, *args: Any, caption: str = "", title: str | None = None, **kwargs: Any) -> str:
    """:func:`_render` as a captioned figure block."""
    svg, _ = _render(plot, *args, title=title, **kwargs)
    cap = f'<p class="note">{_e(caption)}</p>' if caption else ""
    return f'<div class="figure" role="img" aria-label="{_e(caption)}">{svg}{cap}</div>'


def _cards(items: Sequence[tuple[str, str]]) -> str:
    cards = "".join(
        f'<div class="card"><div class="value">{_e(v)}</div><div class="label">{_e(k)}</div></div>' for k, v in items
    )
    return f'<div class="cards">{cards}</div>'


def _section(ident: str, title: str, *parts: str, new_page: bool = True) -> str:
    """A report section; printed, it starts on a new page unless `new_page` is False."""
    klass = ' class="page"' if new_page else ""
    return f'<section id="{_e(ident)}"{klass}><h2>{_e(title)}</h2>{"".join(parts)}</section>'


def _p(text: str, cls: str = "note") -> str:
    return f'<p class="{cls}">{_e(text)}</p>'


def _dl(items: Sequence[tuple[str, Any]]) -> str:
    rows = "".join(f"<dt>{_e(k)}</dt><dd>{_e(_fmt(v))}</dd>" for k, v in items)
    return f'<dl class="meta">{rows}</dl>'


def _page(title: str, subtitle: str, sections: Sequence[tuple[str, str, str]]) -> str:
    nav = "".join(f'<a href="#{_e(i)}">{_e(t)}</a>' for i, t, _ in sections)
    body = "".join(html_ for _, _, html_ in sections)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # no external requests: forbid everything but inline styles, inline images and data: URIs
        "<meta http-equiv=\"Content-Security-Policy\" "
        "content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
        f"<title>{_e(title)}</title><style>{_CSS}</style></head>"
        f"<body><main><header><h1>{_e(title)}</h1><p>{_e(subtitle)}</p></header>"
        f"<nav>{nav}</nav>{body}</main></body></html>\n"
    )


# ------------------------------------------------------------------------ numbers


def _bytes(n: Any) -> str:
    if _isna(n):
        return "unknown"
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(value) < 1024 or unit == "PiB":
            # a no-break space: "870.0 GiB" never breaks between number and unit
            return f"{value:,.0f}\u00a0{unit}" if unit == "B" else f"{value:,.1f}\u00a0{unit}"
        value /= 1024
    return f"{value:,.1f}\u00a0PiB"  # pragma: no cover


def _days(value: Any) -> str:
    if _isna(value):
        return "n/a"
    days = float(value)
    return f"{days / 365:.1f} years" if days >= 730 else f"{days:,.0f} days"


# ------------------------------------------------------------------------ sections


def _summary_section(df: pd.DataFrame, tenants: pd.DataFrame, profile: pd.DataFrame, n_findings: int) -> str:
    from .analysis import os_distribution

    platforms = os_distribution(df, level="platform")
    overall = profile.iloc[0] if len(profile) else None
    # image types and visibility counted as `imgkit summary` counts them (its "image types" and "visibility")
    types = df["imagetype"].value_counts(dropna=False) if "imagetype" in df else None
    type_cards = [] if types is None else [
        (f"image type {'(missing)' if _isna(k) else k}", f"{int(n):,}") for k, n in types.items() if n > 0
    ]
    public = int((df["visibility"] == "public").sum()) if "visibility" in df else 0
    cards = [
        ("images", f"{len(df):,}"),
        ("tenants", f"{len(tenants):,}"),
        ("platforms in use", f"{int((platforms > 0).sum()):,}"),
        *type_cards,
        ("visibility public", f"{public:,}"),
        ("storage (image files)", _bytes(tenants["storage_bytes"].sum(min_count=1))),
        ("median age", _days(overall["median_age_days"]) if overall is not None else "n/a"),
        (
            "older than 2 years",
            _fmt(overall["older_2y"], percent=True) or "n/a" if overall is not None else "n/a",
        ),
        ("validation findings", f"{n_findings:,}"),
    ]
    return _section("summary", "Summary", _cards(cards), new_page=False)


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


def _tenant_section(tenants: pd.DataFrame) -> str:
    table = tenants.drop(columns=["n_platforms"], errors="ignore").copy()
    table["storage"] = [_bytes(v) for v in table.pop("storage_bytes")]
    table["median_age_days"] = table["median_age_days"].round(0)
    for column in ("oldest", "newest"):  # the day is what a reader compares
        if column in table and hasattr(table[column], "dt"):
            table[column] = table[column].dt.floor("D")
    table = table[[c for c in _TENANT_COLUMNS if c in table.columns]].rename(columns=_TENANT_COLUMNS)
    table.index.name = "tenant (owner)"
    return _section(
        "tenants",
        "Tenants",
        _p(
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


def _os_section(df: pd.DataFrame, top: int) -> str:
    from .analysis import os_distribution
    from .plotting import plot_os_distribution

    platform_table = _counts_table(os_distribution(df, level="platform"))
    os_type_table = _counts_table(os_distribution(df, level="os_type"))
    versions = os_distribution(df, level="os_version", top=max(top, 10))
    version_table = versions.to_frame("images").loc[lambda t: t["images"] > 0]
    return _section(
        "os",
        "OS distribution",
        _figure(
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


def _age_section(df: pd.DataFrame, as_of: pd.Timestamp, top: int) -> str:
    import pandas as pd

    from ._common import _age_days
    from .analysis import age_profile, stale_images
    from .plotting import plot_age, plot_creation_timeline

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
        _figure(
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
        listing.insert(
            columns.index("created_at") + 1, "age (days)", _age_days(listing["created_at"], as_of).round(0)
        )
        listing["created_at"] = listing["created_at"].dt.floor("D")
        parts += [
            "<h3>Oldest images</h3>",
            _p(f"{len(oldest):,} images are older than 1 year; the oldest first."),
            _table(listing, index=False, total=len(oldest)),
        ]
    parts.append(
        _figure(
            plot_creation_timeline, df, freq="QS", by="imagetype", caption="Images created per quarter, by image type."
        )
    )
    return _section("age", "Age and staleness", *parts)


def _feature_section(df: pd.DataFrame, top: int) -> str:
    from .analysis import feature_labels, feature_support
    from .plotting import plot_feature_support

    labels = feature_labels()
    shares = feature_support(df, by=None)
    counts = feature_support(df, by=None, normalize=False)
    total = shares.iloc[-1]
    table = (
        counts.iloc[-1].rename("images").to_frame().assign(share=total.to_numpy())
    )
    table.insert(0, "feature", [labels.get(f, f) for f in table.index])
    table.index.name = "name"
    return _section(
        "features",
        "Feature support",
        _p(
            "Share of each tenant's images supporting each capability; the last row is all tenants. "
            "Cloud-Init injection is supported when the inverted flag support_fc_inject is not set."
        ),
        _figure(plot_feature_support, df, by="owner", top=top, caption=f"The {top} largest tenants, then the rest."),
        "<h3>All images</h3>",
        _table(table, percent=["share"]),
    )


def _findings_section(findings: pd.DataFrame | None) -> str:
    if findings is None or not len(findings):
        return _section("findings", "Validation findings", _p("No findings: every record satisfied the schema."))
    by_rule = (
        findings.groupby(["rule", "column"], observed=True, dropna=False)
        .size()
        .rename("findings")
        .sort_values(ascending=False, kind="stable")
        .to_frame()
    )
    columns = [c for c in ("source", "image_id", "column", "field", "value", "rule", "action") if c in findings]
    return _section(
        "findings",
        "Validation findings",
        _p(f"{len(findings):,} findings while reading and validating the listing (no record was dropped silently)."),
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

    from .schema import FIELDS

    known = {f.column for f in FIELDS}
    rows = []
    for column in (c for c in df.columns if c not in known):
        present = df[column].dropna()
        examples = [_truncate(str(v), 60) for v in pd.unique(present.astype(str))[:3]] if len(present) else []
        rows.append({"column": column, "images with a value": len(present), "examples": ", ".join(examples)})
    return pd.DataFrame(rows, columns=["column", "images with a value", "examples"])


def _dictionary_section(df: pd.DataFrame) -> str:
    from .schema import describe_columns

    unknown = _unknown_columns(df)
    parts = [
        _p("Every known column of an image frame, from the imgkit schema."),
        _table(describe_columns().assign(values=lambda d: d["values"].str.replace("|", ", ")), cls="dictionary"),
        "<h3>Columns outside the schema</h3>",
    ]
    if len(unknown):
        parts += [
            _p(f"{len(unknown):,} keys of the listing that imgkit does not know, kept as they were read."),
            _table(unknown, index=False),
        ]
    else:
        parts.append(_p("None: every key of the listing is a known field."))
    return _section("dictionary", "Data dictionary", *parts)


def _cleanup(df: pd.DataFrame, servers: pd.DataFrame, when: Any, price: float | None, top: int) -> str:
    from .report_cleanup import cleanup_section

    return cleanup_section(df, servers, as_of=when, price_per_gb_month=price, top=top)


def _provenance_section(items: Sequence[tuple[str, Any]]) -> str:
    return _section("provenance", "Built from", _dl(items))


def _change_sections(df: pd.DataFrame, baseline: Any, history: Any, tenants: Sequence[str] | None,
                     top: int) -> list[tuple[str, str, str]]:
    """The sections of issue 12 (imgkit._history_report): changes since a baseline, trends of a series."""
    from . import _history_report as hr
    from .history import _is_history, _load, diff_listings
    from .history import history as build_history

    out = []
    if baseline is not None:
        old = _load(baseline)
        if tenants is not None:
            old = old[old["owner"].isin(tenants)]
        diff = diff_listings(old, df)
        out.append(("changes", "Changes", hr.changes_section(diff, top=top)))
    from .archive import Archive

    if isinstance(history, Archive):  # trends counted on the archive (Dask when installed), not from a history
        from ._dask import available

        filters = None if tenants is None else [("owner", "in", list(tenants))]
        engine = "dask" if available() else "pandas"
        tables = hr.trend_tables(lambda **o: history.trend(filters=filters, engine=engine, **o), top=top)
        rows = int(tables[None].to_numpy().sum())
        out.append(("trends", "Trends", hr.trends_html(tables, f"{rows:,} image rows in the archive.")))
    elif history is not None:
        h = history if _is_history(history) else build_history(history)
        if tenants is not None:
            h = h[h["owner"].isin(tenants)]
        out.append(("trends", "Trends", hr.trends_section(h, top=top)))
    return out


# ------------------------------------------------------------------------ entry point


def build_report(
    df: pd.DataFrame,
    *,
    path: str | Path | None = None,
    title: str = DEFAULT_TITLE,
    as_of: Any = None,
    tenants: Sequence[str] | None = None,
    top: int = 10,
    baseline: Any = None,
    history: Any = None,
    servers: pd.DataFrame | None = None,
    price_per_gb_month: float | None = None,
) -> str:
    """Build the self-contained HTML report of an image listing.

    Sections: summary figures, tenants, OS distribution, age and staleness,
    feature support, validation findings, the data dictionary and what the
    report was built from. Plots are inline SVG; the file makes no external
    request and every string from the data is HTML-escaped.

    Parameters
    ----------
    df : pandas.DataFrame
        A typed image frame (:func:`imgkit.read_images`, :func:`imgkit.load_demo`...).
    path : str or Path, optional
        Also write the HTML (UTF-8) to this file.
    title : str, default "Image catalogue report"
        The report title.
    as_of : str, datetime or Timestamp, optional
        Reference time for ages; default as :func:`imgkit.resolve_as_of` (the
        listing's ``fetched_at``, else its latest ``updated_at``). The report says
        which was used.
    tenants : list of str, optional
        Only these tenants (``owner`` values).
    top : int, default 10
        Tenants shown in the per-tenant plots (the rest are folded).
    baseline : DataFrame or source, optional
        An earlier listing: adds the section "Changes since <its as_of>"
        (:func:`imgkit.diff_listings` of it and `df`: figures, per-tenant table, plot, the
        added, removed and changed images, capped with counts).
    history : DataFrame, snapshots or imgkit.Archive, optional
        A frame from :func:`imgkit.history`, the snapshots themselves, or an
        :class:`imgkit.Archive` (counted with :meth:`~imgkit.Archive.trend`, on Dask
        when it is installed): adds the section "Trends" (images per platform, OS
        type and status at each snapshot).
    servers : pandas.DataFrame, optional
        A servers frame (:func:`imgkit.read_servers`): adds the section "Cleanup
        candidates" (images in use, :func:`imgkit.cleanup_candidates` with its
        defaults, storage by tenant).
    price_per_gb_month : float, optional
        With `servers`: the section also shows monthly costs (:func:`imgkit.storage_cost`).

    Tenants are labelled by name where `df` has an ``owner_name`` column
    (:func:`imgkit.label_tenants`).

    Returns
    -------
    str
        The HTML document.

    Raises
    ------
    ConfigError
        When `top` is not a positive integer or `tenants` is a plain string.

    Examples
    --------
    >>> df = imgkit.load_demo()
    >>> page = imgkit.build_report(df, as_of="2026-01-01", top=5)
    >>> page.startswith("<!DOCTYPE html>"), "<script" in page, 'id="provenance"' in page
    (True, False, True)
    """
    import matplotlib
    import pandas as pd

    from . import __version__
    from ._common import _check_positive
    from .analysis import age_profile, filter_images, resolve_as_of, tenant_summary
    from .validate import validate

    top = _check_positive("top", top)
    if isinstance(tenants, str):
        raise ConfigError(f"`tenants` must be a list of tenant ids, got the string {tenants!r}")
    meta = df.attrs.get("imgkit") if isinstance(df.attrs.get("imgkit"), dict) else {}
    scope = "all tenants"
    when, when_source = resolve_as_of(df, as_of)  # of the whole listing, so per-tenant reports agree
    if tenants is not None:
        tenants = list(tenants)
        absent = sorted(set(tenants) - set(df["owner"].dropna().unique()))
        df = filter_images(df, tenants=tenants)
        scope = f"{len(tenants):,} tenant(s): {', '.join(tenants)}"
        if absent:
            scope += f" (without images: {', '.join(absent)})"
    findings = validate(df)  # load-time findings of the images in `df` + the rules re-checked on it
    tenant_table = tenant_summary(df, as_of=when)
    profile = age_profile(df, as_of=when)
    n_findings = len(findings)

    sections = [
        ("summary", "Summary", _summary_section(df, tenant_table, profile, n_findings)),
        ("tenants", "Tenants", _tenant_section(tenant_table)),
        ("os", "OS distribution", _os_section(df, top)),
        ("age", "Age", _age_section(df, when, top)),
        ("features", "Features", _feature_section(df, top)),
        *([("cleanup", "Cleanup", _cleanup(df, servers, when, price_per_gb_month, top))] if servers is not None else []),
        ("findings", "Findings", _findings_section(findings)),
        ("dictionary", "Data dictionary", _dictionary_section(df)),
    ]
    sections += _change_sections(df, baseline, history, tenants, top)
    fetched = meta.get("fetched_at")
    provenance = [
        ("source", meta.get("source", "unknown (frame without imgkit metadata)")),
        ("fetched at", "not a fetch snapshot" if fetched is None or _isna(fetched) else fetched),
        ("as of", f"{when:%Y-%m-%d %H:%M:%S} UTC ({when_source})" if not _isna(when) else "n/a (no dates)"),
        ("scope", scope),
        ("images", f"{len(df):,}"),
        ("imgkit version", __version__),
        ("read by imgkit", meta.get("imgkit_version", "n/a")),
        ("pandas / matplotlib", f"{pd.__version__} / {matplotlib.__version__}"),
    ]
    sections.append(("provenance", "Built from", _provenance_section(provenance)))
    as_of_text = f"{when:%Y-%m-%d}" if not _isna(when) else "n/a"
    subtitle = f"{len(df):,} images, {len(tenant_table):,} tenants, ages as of {as_of_text} ({when_source})"
    page = _page(title, subtitle, sections)
    if path is not None:
        Path(path).write_text(page, encoding="utf-8")
    return page
