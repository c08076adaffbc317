"""The report context: every input of a report in one object, and what the sections share, computed once."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imgkit._typing import AsOf, Listing, Snapshots
from imgkit.errors import ConfigError
from imgkit.report._tables import Tables

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from imgkit.archive import Archive

__all__ = ["ReportContext"]

DEFAULT_TITLE = "Image catalogue report"

#: How each way of finding the reference time reads on the page.
_AS_OF_WORDS = {
    "argument": "given",
    "fetched_at": "when the listing was fetched",
    "latest updated_at": "the listing's latest update",
}

#: Image statuses that mean "stuck" (an upload or a save that never finished) and "failed".
STUCK_STATUSES = ("queued", "saving", "uploading", "importing")
FAILED_STATUSES = ("killed",)


@dataclass
class ReportContext:
    """Everything one report is built from.

    Build one and pass it to :func:`imgkit.build_report` (``build_report(ctx)``), or pass
    the same names as keywords (``build_report(df, servers=..., currency="EUR")``).

    Parameters
    ----------
    images : pandas.DataFrame
        The typed image frame.
    title : str
        The report title.
    as_of : optional
        Reference time for ages and end-of-life dates (default: the listing's).
    tenants : list of str, optional
        Only these tenants (``owner`` values).
    top : int
        Tenants (groups) drawn in the per-tenant plots.
    baseline : DataFrame or source, optional
        An earlier listing: the "Changes" section.
    history : DataFrame, snapshots or Archive, optional
        A snapshot series: the "Trends" section.
    servers : pandas.DataFrame, optional
        A servers frame: the "Cleanup candidates" section.
    prices : float, mapping or table, optional
        Storage prices per GiB-month (anything :func:`imgkit.storage_cost` takes).
    currency : str, optional
        The currency of `prices` (an ISO 4217 code such as ``"USD"``), shown with every amount.
    dictionary : bool
        End with the data dictionary.
    tables : str or Path, optional
        Write every table in full as CSV into this directory.
    sources : mapping, optional
        What the user gave, by role ("images", "servers", "baseline"...): paths or URLs,
        shown under "Built from" and used in the commands the report suggests.
    command : str, optional
        The command line that built the report (set by ``imgkit report``).

    Examples
    --------
    >>> ctx = imgkit.ReportContext(imgkit.load_demo(), as_of="2026-07-01", currency="USD", dictionary=False)
    >>> page = imgkit.build_report(ctx)
    >>> page.index('id="act-on"') < page.index('id="inventory"'), 'id="dictionary"' in page
    (True, False)
    """

    images: pd.DataFrame
    title: str = DEFAULT_TITLE
    as_of: AsOf = None
    tenants: Sequence[str] | None = None
    top: int = 10
    baseline: Listing | None = None
    history: Snapshots | pd.DataFrame | Archive | None = None
    servers: pd.DataFrame | None = None
    prices: Any = None
    currency: str | None = None
    dictionary: bool = True
    tables: str | Path | None = None
    sources: Mapping[str, str] = field(default_factory=dict)
    command: str | None = None

    def __post_init__(self) -> None:
        from imgkit._validators import check_positive
        from imgkit.analysis import filter_images, resolve_as_of

        self.top = check_positive("top", self.top)
        if isinstance(self.tenants, str):
            raise ConfigError(f"`tenants` must be a list of tenant ids, got the string {self.tenants!r}")
        if self.currency is not None and not (isinstance(self.currency, str) and self.currency.strip()):
            raise ConfigError(f"`currency` must be a currency code such as 'USD', got {self.currency!r}")
        if self.currency is not None:
            self.currency = self.currency.strip().upper()
        df = self.images
        meta = df.attrs.get("imgkit")
        self.meta: dict[str, Any] = meta if isinstance(meta, dict) else {}
        # of the whole listing, so per-tenant reports agree
        self.when, self.when_source = resolve_as_of(df, self.as_of)
        self.scope = "all tenants"
        if self.tenants is not None:
            self.tenants = list(self.tenants)
            absent = sorted(set(self.tenants) - set(df["owner"].dropna().unique()))
            df = filter_images(df, tenants=self.tenants)
            self.scope = f"{len(self.tenants):,} tenant(s): {', '.join(self.tenants)}"
            if absent:
                self.scope += f" (without images: {', '.join(absent)})"
        self.df = df
        self.table_store = Tables(self.tables, self.command)

    # ------------------------------------------------------------------ words
    @property
    def as_of_words(self) -> str:
        """Where the reference time came from, in words ("given", "the listing's latest update"...)."""
        return _AS_OF_WORDS.get(self.when_source, self.when_source)

    def source(self, role: str = "images") -> str:
        """How the report names an input: the path or URL the user gave, else what the frame records.

        Parameters
        ----------
        role : str, default "images"
            ``"images"``, ``"baseline"``, ``"servers"``... (the keys of `sources`).

        Returns
        -------
        str

        Examples
        --------
        >>> imgkit.ReportContext(imgkit.load_demo(), sources={"images": "listing.json"}).source()
        'listing.json'
        """
        if role in self.sources:
            return str(self.sources[role])
        if role == "images":
            return plain_source(self.meta.get("source"))
        if role == "baseline" and isinstance(self.baseline, str | Path):
            return str(self.baseline)
        import pandas as pd

        if role == "baseline" and isinstance(self.baseline, pd.DataFrame):
            return plain_source((self.baseline.attrs.get("imgkit") or {}).get("source"))
        return f"the {role} given"

    # ------------------------------------------------------------------ shared results
    @cached_property
    def findings(self) -> pd.DataFrame:
        from imgkit.validate import validate

        return validate(self.df)

    @cached_property
    def tenant_table(self) -> pd.DataFrame:
        from imgkit.analysis import tenant_summary

        return tenant_summary(self.df, as_of=self.when)

    @cached_property
    def profile(self) -> pd.DataFrame:
        from imgkit.analysis import age_profile

        return age_profile(self.df, as_of=self.when)

    @cached_property
    def stuck(self) -> pd.DataFrame:
        """Images stuck in an unfinished upload/save, or failed (killed)."""
        df = self.df
        if "status" not in df.columns:
            return df.iloc[:0]
        status = df["status"].astype("string").str.lower()
        return df[status.isin(STUCK_STATUSES + FAILED_STATUSES).fillna(False).to_numpy(dtype=bool)]

    @cached_property
    def eol(self) -> pd.DataFrame:
        from imgkit.analysis import eol_images

        if "os_version" not in self.df.columns:
            return self.df.iloc[:0]
        return eol_images(self.df, as_of=self.when)

    @cached_property
    def eol_soon(self) -> pd.DataFrame:
        from imgkit.analysis import eol_images

        if "os_version" not in self.df.columns:
            return self.df.iloc[:0]
        soon = eol_images(self.df, as_of=self.when, within="180D")
        return soon[soon["days_past_eol"] < 0]

    @cached_property
    def diff(self) -> Any:
        from imgkit.analysis import diff_listings, load_listing

        old = load_listing(self.baseline)
        if self.tenants is not None:
            old = old[old["owner"].isin(self.tenants)]
        return diff_listings(old, self.df)

    @cached_property
    def cleanup(self) -> dict[str, Any]:
        """Usage, candidates and costs (by tenant and by image kind): the numbers of "Act on" and of the section.

        When the image frame is already an :func:`imgkit.image_usage` result (with volumes,
        Auto Scaling configurations, members or ids), its references are used as they are.
        Without a price, the costs are computed at a price of 0 (the sizes are what is shown).
        """
        from imgkit.analysis import cleanup_candidates, image_usage, storage_cost
        from imgkit.errors import ImgkitWarning

        if "usage_known" in self.df.columns:
            usage = self.df
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ImgkitWarning)  # said in the section itself
                usage = image_usage(self.df, self.servers)
        candidates = cleanup_candidates(usage, as_of=self.when)
        price = 0.0 if self.prices is None else self.prices
        by = "owner" if "owner" in self.df.columns else None
        cost = storage_cost(usage, prices=price, currency=self.currency, by=by, candidates=candidates)
        by_kind = storage_cost(usage, prices=price, currency=self.currency, by="image_kind", candidates=candidates)
        return {"usage": usage, "candidates": candidates, "cost": cost, "by_kind": by_kind}


def plain_source(source: Any) -> str:
    """What a frame says it was read from, as a reader wants it: the path or URL; a frame made in Python says so.

    Examples
    --------
    >>> plain_source("data/demo_images.json.gz"), plain_source(None)
    ('data/demo_images.json.gz', 'a data frame (no source recorded)')
    >>> plain_source("evolve_listing(evolve_listing(/tmp/x.json, days=30), days=30)")
    'a data frame made in Python (evolve_listing)'
    """
    from imgkit._html import truncate

    if source is None or (isinstance(source, float) and source != source):
        return "a data frame (no source recorded)"
    text = str(source)
    if "(" in text and text.endswith(")"):  # a recipe (demo evolution, a combination), not a path
        return f"a data frame made in Python ({text.split('(', 1)[0].strip() or 'no name'})"
    return truncate(text, 160)
