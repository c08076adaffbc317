"""build_report: the report context through the section registry into one self-contained HTML file."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imgkit._html import isna
from imgkit._typing import AsOf, Listing, Snapshots
from imgkit.report._context import DEFAULT_TITLE, ReportContext
from imgkit.report._page import html_page, html_section
from imgkit.report._sections import SECTIONS

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from imgkit.archive import Archive

__all__ = ["build_report"]

UNITS = "Sizes in binary units: 1 GiB = 1,024 MiB = 2³⁰ bytes."


def build_report(
    df: pd.DataFrame | ReportContext,
    *,
    path: str | Path | None = None,
    title: str = DEFAULT_TITLE,
    as_of: AsOf = None,
    tenants: Sequence[str] | None = None,
    top: int = 10,
    baseline: Listing | None = None,
    history: Snapshots | pd.DataFrame | Archive | None = None,
    servers: pd.DataFrame | None = None,
    prices: Any = None,
    currency: str | None = None,
    price_per_gb_month: float | None = None,
    dictionary: bool = True,
    tables: str | Path | None = None,
    sources: Mapping[str, str] | None = None,
    command: str | None = None,
) -> str:
    """Build the self-contained HTML report of an image listing.

    The report leads with "Act on": the decisions the listing asks for, each with its size
    and a link to its section (cleanup candidates with reclaimable storage and cost, changes
    since a baseline, stuck and failed images, images on end-of-life OS versions, the biggest
    findings). Then changes and trends, cleanup, stuck/failed images, end-of-life OS
    versions, the inventory (tenants, OS distribution, age, features, validation findings),
    what the report was built from and, last, the data dictionary. Plots are inline SVG; the
    file makes no external request and every string from the data is HTML-escaped.

    Parameters
    ----------
    df : pandas.DataFrame or ReportContext
        A typed image frame (:func:`imgkit.read_images`, :func:`imgkit.load_demo`...), or a
        :class:`~imgkit.report.ReportContext` holding every input (then no other keyword but
        `path` may be given).
    path : str or Path, optional
        Also write the HTML (UTF-8) to this file.
    title : str, default "Image catalogue report"
        The report title.
    as_of : str, datetime or Timestamp, optional
        Reference time for ages and end-of-life dates; default as :func:`imgkit.resolve_as_of`.
    tenants : list of str, optional
        Only these tenants (``owner`` values).
    top : int, default 10
        Tenants shown in the per-tenant plots (the rest are folded).
    baseline : DataFrame or source, optional
        An earlier listing: adds "Changes since <its as_of>".
    history : DataFrame, snapshots or imgkit.Archive, optional
        A snapshot series: adds "Trends" (one small panel per platform, OS type and status).
    servers : pandas.DataFrame, optional
        A servers frame (:func:`imgkit.read_servers`): adds "Cleanup candidates"
        (references by kind, coverage, :func:`imgkit.cleanup_candidates` with its defaults,
        storage by tenant and by image kind). Pass ``df = imgkit.image_usage(images, servers,
        volumes=..., scaling_configs=..., members=..., in_use=...)`` to count every reference.
    prices : number, mapping or DataFrame, optional
        With `servers`: the price of one GiB-month (2**30 bytes) of image storage, to show
        monthly costs -- anything :func:`imgkit.storage_cost` takes (one number, a mapping
        per image kind such as ``imgkit.cleanup.huawei_cloud_prices(...)``, a price table).
    currency : str, optional
        The prices' currency (``"USD"``, ``"EUR"``, ``"CNY"``...), shown with every amount.
    price_per_gb_month : float, optional
        Deprecated: ``prices=`` with one number.
    dictionary : bool, default True
        End with the data dictionary.
    tables : str or Path, optional
        Write every table of the report in full as CSV (formula-injection safe) into this directory.
    sources : mapping, optional
        What you gave, by role (``{"images": "listing.json", "servers": "servers.json"}``): shown
        under "Built from" and used in the commands the report suggests.
    command : str, optional
        The command line that built the report (``imgkit report`` sets it): a capped table says
        to rerun it with ``--tables DIR`` for all its rows.

    Tenants are labelled by name where `df` has an ``owner_name`` column
    (:func:`imgkit.label_tenants`).

    Returns
    -------
    str
        The HTML document.

    Raises
    ------
    ConfigError
        When `top` is not a positive integer, `tenants` is a plain string or `currency` is
        not a code.

    Examples
    --------
    >>> df = imgkit.load_demo()
    >>> page = imgkit.build_report(df, as_of="2026-01-01", top=5, dictionary=False)
    >>> page.index('id="act-on"') < page.index('id="inventory"'), "<script" in page, 'id="dictionary"' in page
    (True, False, False)
    """
    from imgkit.errors import ConfigError

    if price_per_gb_month is not None:
        import warnings

        if prices is not None:
            raise ConfigError("give `prices` or the deprecated `price_per_gb_month`, not both")
        warnings.warn(
            "build_report(price_per_gb_month=X) is deprecated: use prices=X (per GiB-month), currency=...",
            DeprecationWarning,
            stacklevel=2,
        )
        prices = price_per_gb_month
    if isinstance(df, ReportContext):
        ctx = df
    else:
        ctx = ReportContext(
            df,
            title=title,
            as_of=as_of,
            tenants=tenants,
            top=top,
            baseline=baseline,
            history=history,
            servers=servers,
            prices=prices,
            currency=currency,
            dictionary=dictionary,
            tables=tables,
            sources=dict(sources or {}),
            command=command,
        )
    if not isinstance(ctx, ReportContext):  # pragma: no cover
        raise ConfigError("`df` must be an image frame or a ReportContext")
    html = render(ctx)
    if path is not None:
        Path(path).write_text(html, encoding="utf-8")
    ctx.table_store.write()
    return html


def render(ctx: ReportContext) -> str:
    """The report of `ctx` as one HTML document."""
    parts = []
    for s in SECTIONS:
        if not s.applies(ctx):
            continue
        title = s.heading(ctx)
        parts.append((s.id, s.nav or title, html_section(s.id, title, s.render(ctx), major=s.major)))
    when = ctx.when
    as_of_text = f"{when:%Y-%m-%d}" if not isna(when) else "n/a"
    subtitle = (
        f"{len(ctx.df):,} images, {len(ctx.tenant_table):,} tenants; ages as of {as_of_text} ({ctx.as_of_words})."
    )
    return html_page(ctx.title, subtitle, parts, units=UNITS)
