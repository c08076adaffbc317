"""The report's figures: imgkit's plots, told in plain words, plus the two the report needs of its own.

The wrappers call the public plots and then say what a reader needs: shares on a
percentage axis, plain axis and legend titles (no column names), median and p90 marks on
ages. :func:`plot_trend_multiples` draws one small panel per series with its change since
the first snapshot, so a falling series is never hidden under a growing stack.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = ["age_with_marks", "feature_shares", "os_shares", "plot_trend_multiples", "timeline", "words"]

#: Column names as a reader says them.
WORDS = {
    "owner": "tenant",
    "imagetype": "image type",
    "os_type": "OS type",
    "os_version": "OS version",
    "os_bit": "OS bits",
    "platform": "platform",
    "status": "status",
    "visibility": "visibility",
}


def words(column: str | None) -> str:
    return WORDS.get(column or "", (column or "").replace("_", " "))


def _legend_title(ax: Axes, title: str) -> None:
    legend = ax.get_legend()
    if legend is not None:
        legend.set_title(title)


def os_shares(df: pd.DataFrame, *, top: int) -> Axes:
    """Each largest tenant's images by platform, as percentages."""
    from matplotlib.ticker import PercentFormatter

    from imgkit.plotting import plot_os_distribution

    ax = plot_os_distribution(df, by="owner", top=top, top_groups=top, normalize=True)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the tenant's images")
    ax.set_ylabel("")
    ax.set_title("Platforms of the largest tenants")
    _legend_title(ax, "platform")
    return ax


def age_with_marks(df: pd.DataFrame, *, as_of: Any, by: str = "imagetype") -> Axes:
    """The age histogram (stacked by image type) with the median and the 90th percentile marked."""
    from imgkit.analysis import age_days
    from imgkit.plotting import plot_age

    ax = plot_age(df, by=by, as_of=as_of)
    years = age_days(df["created_at"], as_of) / 365.0 if len(df) else np.array([])
    years = years[~np.isnan(years)]
    if len(years):
        top = ax.get_ylim()[1]
        for q, name, style in ((0.5, "median", "-"), (0.9, "p90", "--")):
            value = float(np.quantile(years, q))
            ax.axvline(value, color="#1d232a", linestyle=style, linewidth=1.2)
            ax.text(value, top * 0.97, f" {name} {value:.1f} y", ha="left", va="top", fontsize=9, color="#1d232a")
    ax.set_title(f"Image age on {as_of:%Y-%m-%d}" if as_of is not None and str(as_of) != "NaT" else "Image age")
    ax.set_xlabel("age (years)")
    _legend_title(ax, words(by))
    return ax


def feature_shares(df: pd.DataFrame, *, top: int) -> Axes:
    """Each largest tenant's share of images supporting each feature, the colour scale in percent."""
    from matplotlib.ticker import PercentFormatter

    from imgkit.plotting import plot_feature_support

    ax = plot_feature_support(df, by="owner", top=top)
    for other in ax.figure.axes:
        if other is not ax:  # the colour bar
            other.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylabel("")
    ax.set_title("Feature support of the largest tenants")
    return ax


def timeline(df: pd.DataFrame, *, by: str = "imagetype") -> Axes:
    """Images created per quarter, stacked by image type."""
    from imgkit.plotting import plot_creation_timeline

    ax = plot_creation_timeline(df, freq="QS", by=by)
    ax.set_title("Images created per quarter")
    ax.set_ylabel("images created per quarter")
    ax.set_xlabel("creation date (UTC)")
    _legend_title(ax, words(by))
    return ax


def plot_trend_multiples(table: pd.DataFrame, *, what: str, columns: int = 4) -> Axes:
    """One small panel per series of a trend table, each titled with its change since the first snapshot.

    Parameters
    ----------
    table : pandas.DataFrame
        A trend frame (:func:`imgkit.trend`): snapshot times as index, one column per series.
    what : str
        What the series are, in words ("platform", "OS type"...).
    columns : int, default 4
        Panels per row.

    Returns
    -------
    matplotlib.axes.Axes
        The first panel (its figure holds them all).
    """
    import matplotlib.pyplot as plt

    from imgkit.plotting import group_colors

    names = [str(c) for c in table.columns]
    n = max(len(names), 1)
    ncols = min(columns, n)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(2.35 * ncols, 1.75 * nrows + 0.5), squeeze=False, sharex=True, layout="constrained"
    )
    by = {"platform": "platform", "OS type": "os_type", "status": "status"}.get(what)
    colors = group_colors(names, by=by)
    x = table.index.tz_convert(None) if getattr(table.index, "tz", None) is not None else table.index
    for k, ax in enumerate(axes.flat):
        if k >= len(names):
            ax.set_visible(False)
            continue
        values = table.iloc[:, k].to_numpy(dtype=float)
        ax.plot(x, values, color=colors[names[k]], marker="o" if len(values) < 3 else None, linewidth=2)
        first, last = values[0], values[-1]
        change = f"{first:,.0f} → {last:,.0f}"
        if first:
            change += f" ({(last - first) / first:+.0%})"
        name = names[k] if len(names[k]) <= 22 else names[k][:21] + "…"
        ax.set_title(f"{name}\n{change}", fontsize=9, loc="left")
        ax.set_ylim(bottom=0, top=max(values.max() * 1.15, 1))
        ax.tick_params(labelsize=9)
        ax.grid(axis="y", color="#e5e8eb", linewidth=0.6)
        for spine in ("top", "right"):
            ax.spines[spine].set_visible(False)
    fig.autofmt_xdate(rotation=30, ha="right")
    for ax in axes.flat:
        ax.tick_params(axis="x", labelsize=9)
    fig.suptitle(f"Images per {what} at each snapshot (change since the first)", fontsize=10)
    return axes.flat[0]
