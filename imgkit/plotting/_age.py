"""Plots of image age: the age histogram/boxes and the creation timeline."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from imgkit._typing import AsOf
from imgkit._validators import check_argument, check_by, check_positive, require_columns
from imgkit.analysis import OTHER, age_days, creation_timeline, group_rows, resolve_as_of, tenant_ids

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
from imgkit.plotting._style import as_of_text, empty_axes, fold_rows, group_colors, group_labels, group_noun, new_ax


def plot_age(
    df: pd.DataFrame,
    *,
    by: str | None = None,
    as_of: AsOf = None,
    kind: str = "hist",
    top: int = 6,
    bins: int = 30,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Distribution of image ages (since ``created_at``), overall or per group.

    Parameters
    ----------
    df : pandas.DataFrame
        A typed image frame.
    by : str, optional
        Split by a column (``"owner"``, ``"platform"``, ``"imagetype"``...).
    as_of : str, datetime or Timestamp, optional
        Reference time; default as :func:`imgkit.resolve_as_of`. Shown in the title
        with its source.
    kind : {"hist", "ecdf"}, default "hist"
        A stacked histogram, or one empirical CDF line per group.
    top : int, default 6
        The `top` largest groups get their own series; the rest are folded into
        ``"Other (N groups)"``.
    bins : int, default 30
        Histogram bins.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.hist` (one call) or to each
        :meth:`~matplotlib.axes.Axes.ecdf` call.

    Returns
    -------
    matplotlib.axes.Axes
        Ages are in years of 365 days. Images without ``created_at`` are left out.

    Raises
    ------
    ConfigError
        On an unknown `kind`, a bad `top`, a `by` that is not a column, a frame
        without ``created_at``, or an `as_of` that is not a date/time.

    Examples
    --------
    >>> df = pd.DataFrame({"created_at": pd.to_datetime(["2020-01-01", "2023-01-01"], utc=True)})
    >>> ax = imgkit.plot_age(df, as_of="2024-01-01", bins=4)
    >>> ax.get_title()
    'Image age as of 2024-01-01 (argument)'
    """
    check_argument("kind", ["hist", "ecdf"], kind)
    top = check_positive("top", top)
    when, source = resolve_as_of(df, as_of)
    require_columns(df, ["created_at"])
    check_by(df, by)
    g, labels, _ = group_rows(df, by)  # before the figure: a bad option leaves no stray figure
    title = f"Image age {as_of_text(when, source)}"
    ax = new_ax(ax)
    xlabel = "age (years)"
    ylabel = "images" if kind == "hist" else "share of images"
    years = age_days(df["created_at"], when) / 365.0
    dated = ~np.isnan(years)
    if not dated.any():
        note = "no images" if len(df) == 0 else "no images with a created_at" + (" and as_of" if pd.isna(when) else "")
        return empty_axes(ax, title, xlabel, ylabel, note)
    g, years = g[dated], years[dated]
    sizes = np.bincount(g, minlength=len(labels))
    order = np.argsort(-sizes, kind="stable")
    keep = [i for i in np.sort(order[:top]) if sizes[i] > 0]
    series = [years[g == i] for i in keep]
    names = [labels[i] for i in keep]
    rest = [i for i in order[top:] if sizes[i] > 0]
    if rest:
        series.append(years[np.isin(g, rest)])
        names.append(f"{OTHER} ({len(rest)} {group_noun(by)})")
    colors = list(group_colors(names, by=by).values())
    names = group_labels(df, names, by)
    if kind == "hist":
        ax.hist(series, bins=bins, stacked=True, label=names, color=colors, **kwargs)
    else:
        for values, name, color in zip(series, names, colors):
            ax.ecdf(values, label=name, color=color, **kwargs)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if by is not None:
        ax.legend(title=by, fontsize="small", frameon=False)
    return ax


def plot_creation_timeline(
    df: pd.DataFrame,
    *,
    freq: str = "MS",
    by: str | None = None,
    top: int = 8,
    cumulative: bool = False,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Images created per period as a stacked (stepped) area, overall or per group.

    Each period is drawn as a flat step from its start to the next period's start,
    so a single period is visible too.

    Parameters
    ----------
    df : pandas.DataFrame
        A typed image frame.
    freq : str, default "MS"
        A pandas frequency (``"MS"``, ``"QS"``, ``"YS"``...).
    by : str, optional
        Split by a column (``"owner"``, ``"platform"``...). Platforms keep their colours.
    top : int, default 8
        The `top` largest groups get their own layer; the rest are one
        ``"Other (N tenants)"`` layer.
    cumulative : bool, default False
        Running totals (the catalogue's growth) instead of images per period.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.stackplot` (default ``step="post"``).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ConfigError
        On a bad `freq` (see :func:`imgkit.creation_timeline`), a bad `top` or a
        `by` that is not a column.

    Examples
    --------
    >>> df = pd.DataFrame({"owner": ["t1", "t1", "t2"],
    ...                    "created_at": pd.to_datetime(["2020-03-01", "2022-01-05", "2022-07-01"], utc=True)})
    >>> ax = imgkit.plot_creation_timeline(df, freq="YS", by="owner")
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['t1', 't2']
    """
    top = check_positive("top", top)
    title = ("Images in the catalogue" if cumulative else "Images created") + (f" by {by}" if by else "")
    ylabel = "images" if cumulative else f"images created per period ({freq})"
    table = creation_timeline(df, freq=freq, by=by, cumulative=cumulative)
    table.columns = tenant_ids(table.columns)
    ax = new_ax(ax, width=9.0)
    if table.empty or table.to_numpy().sum() == 0:
        return empty_axes(ax, title, "created_at", ylabel)
    table = fold_rows(table.T, top, by).T  # groups are columns: fold them like plot_age's series
    colors = list(group_colors(table.columns, by=by).values())
    names = group_labels(df, table.columns, by)
    x = table.index.tz_convert(None)
    x = x.append(pd.DatetimeIndex([x[-1] + pd.tseries.frequencies.to_offset(freq)]))
    values = table.to_numpy(dtype=float)
    values = np.vstack([values, values[-1:]])  # the last period's step ends at the next period start
    kwargs.setdefault("step", "post")
    ax.stackplot(x, values.T, labels=names, colors=colors, **kwargs)
    ax.set_title(title)
    ax.set_xlabel("created_at (UTC)")
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    if by is not None:
        ax.legend(title=by, loc="upper left", fontsize="small", frameon=False)
    return ax
