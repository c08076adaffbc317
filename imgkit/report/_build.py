"""build_report: the sections, in order, into one self-contained HTML page."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imgkit._html import isna as _isna
from imgkit._typing import AsOf, Backend, Listing, Snapshots
from imgkit.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from imgkit.archive import Archive
from imgkit.report._page import DEFAULT_TITLE, html_dl, html_page, html_section
from imgkit.report._sections import (
    age_section,
    dictionary_section,
    feature_section,
    findings_section,
    os_section,
    summary_section,
    tenant_section,
)


def _cleanup(df: pd.DataFrame, servers: pd.DataFrame, when: Any, price: float | None, top: int) -> str:
    from imgkit.report._cleanup import cleanup_section

    return cleanup_section(df, servers, as_of=when, price_per_gb_month=price, top=top)


def _provenance_section(items: Sequence[tuple[str, Any]]) -> str:
    return html_section("provenance", "Built from", html_dl(items))


def _change_sections(
    df: pd.DataFrame, baseline: Any, history: Any, tenants: Sequence[str] | None, top: int
) -> list[tuple[str, str, str]]:
    """The sections of issue 12 (imgkit._history_report): changes since a baseline, trends of a series."""
    from imgkit.analysis import diff_listings, is_history, load_listing
    from imgkit.analysis import history as build_history
    from imgkit.report import _history as hr

    out = []
    if baseline is not None:
        old = load_listing(baseline)
        if tenants is not None:
            old = old[old["owner"].isin(tenants)]
        diff = diff_listings(old, df)
        out.append(("changes", "Changes", hr.changes_section(diff, top=top)))
    from imgkit.archive import Archive

    if isinstance(history, Archive):  # trends counted on the archive (Dask when installed), not from a history
        from imgkit.analysis import available

        filters = None if tenants is None else [("owner", "in", list(tenants))]
        engine: Backend = "dask" if available() else "pandas"
        tables = hr.trend_tables(lambda **o: history.trend(filters=filters, engine=engine, **o), top=top)
        rows = int(tables[None].to_numpy().sum())
        out.append(("trends", "Trends", hr.trends_html(tables, f"{rows:,} image rows in the archive.")))
    elif history is not None:
        h = history if is_history(history) else build_history(history)
        if tenants is not None:
            h = h[h["owner"].isin(tenants)]
        out.append(("trends", "Trends", hr.trends_section(h, top=top)))
    return out


def build_report(
    df: pd.DataFrame,
    *,
    path: str | Path | None = None,
    title: str = DEFAULT_TITLE,
    as_of: AsOf = None,
    tenants: Sequence[str] | None = None,
    top: int = 10,
    baseline: Listing | None = None,
    history: Snapshots | pd.DataFrame | Archive | None = None,
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

    from imgkit._validators import check_positive
    from imgkit._version import __version__
    from imgkit.analysis import age_profile, filter_images, resolve_as_of, tenant_summary
    from imgkit.validate import validate

    top = check_positive("top", top)
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
        ("summary", "Summary", summary_section(df, tenant_table, profile, n_findings)),
        ("tenants", "Tenants", tenant_section(tenant_table)),
        ("os", "OS distribution", os_section(df, top)),
        ("age", "Age", age_section(df, when, top)),
        ("features", "Features", feature_section(df, top)),
        *(
            [("cleanup", "Cleanup", _cleanup(df, servers, when, price_per_gb_month, top))]
            if servers is not None
            else []
        ),
        ("findings", "Findings", findings_section(findings)),
        ("dictionary", "Data dictionary", dictionary_section(df)),
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
    page = html_page(title, subtitle, sections)
    if path is not None:
        Path(path).write_text(page, encoding="utf-8")
    return page
