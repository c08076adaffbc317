"""Plots of changes and trends: the diff summary and the trend of a column over snapshots."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from imgkit.analysis import ALL_TENANTS
from imgkit.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
from imgkit.analysis import ListingDiff, fmt_time, is_history, trend

# ---------------------------------------------------------------------------------------
# plots
# ---------------------------------------------------------------------------------------
_ADDED_COLOR = "#2ca02c"


_REMOVED_COLOR = "#d62728"


def _is_trend(obj: Any) -> bool:
    return (
        isinstance(obj, pd.DataFrame)
        and isinstance(obj.index, pd.DatetimeIndex)
        and obj.index.name == "as_of"
        and not is_history(obj)
    )


def plot_trend(
    data: Any, *, by: str | None = "platform", top: int = 8, kind: str = "area", ax: Axes | None = None, **kwargs: Any
) -> Axes:
    """Images per group at each snapshot time: a stacked area (or lines).

    Parameters
    ----------
    data : DataFrame or snapshots
        A frame returned by :func:`trend` (drawn as is: `by` and `top` are ignored), a
        frame returned by :func:`history`, or the snapshots (anything :func:`history`
        accepts).
    by : str or None, default "platform"
        The column to group by (see :func:`trend`). Platforms keep their colours.
    top : int, default 8
        The `top` largest groups get their own layer, the rest are one ``"Other"`` layer.
    kind : {"area", "line"}, default "area"
        A stacked area (the catalogue's size and mix) or one line per group. A single
        snapshot is drawn as points.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.stackplot` (``kind="area"``) or
        :meth:`~matplotlib.axes.Axes.plot`.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ConfigError
        A bad `kind`, `top` or `by`, or any :func:`history` error.

    Examples
    --------
    >>> s1 = pd.DataFrame({"id": ["a", "b"], "platform": ["CentOS", "CentOS"]})
    >>> s2 = pd.DataFrame({"id": ["a", "b", "c"], "platform": ["CentOS", "Ubuntu", "Ubuntu"]})
    >>> ax = imgkit.plot_trend({"2026-01-01": s1, "2026-02-01": s2})
    >>> [t.get_text() for t in ax.get_legend().get_texts()], ax.get_title()
    (['CentOS', 'Ubuntu'], 'Images per platform over time')
    """
    from imgkit._validators import check_argument, check_positive
    from imgkit.plotting._style import empty_axes, group_colors, new_ax, short_label, with_defaults

    check_argument("kind", ["area", "line"], kind)
    top = check_positive("top", top)
    if _is_trend(data):
        table, by = data, data.columns.name
    else:
        table = trend(data, by=by, top=top)
    title = "Images over time" if by is None else f"Images per {by} over time"
    ax = new_ax(ax, width=9.0)
    if table.empty or table.to_numpy().sum() == 0:
        return empty_axes(ax, title, "snapshot time (UTC)", "images", note="no images")
    colors = list(group_colors(table.columns, by=by).values())
    names = [short_label(c) for c in table.columns]
    x = table.index.tz_convert(None)
    values = table.to_numpy(dtype=float)
    if kind == "area" and len(table) > 1:
        ax.stackplot(x, values.T, **with_defaults(kwargs, n=len(names), labels=names, colors=colors))
    else:
        kwargs.setdefault("marker", "o")
        for k, name in enumerate(names):
            ax.plot(x, values[:, k], **with_defaults(kwargs, label=name, color=colors[k]))
    ax.set_title(title)
    ax.set_xlabel("snapshot time (UTC)")
    ax.set_ylabel("images")
    ax.set_ylim(bottom=0)
    ax.legend(title=by, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small", frameon=False)
    return ax


def plot_diff_summary(diff: ListingDiff, *, top: int = 15, ax: Axes | None = None, **kwargs: Any) -> Axes:
    """Images added (right, green) and removed (left, red) per tenant, the busiest tenants first.

    Parameters
    ----------
    diff : ListingDiff
        From :func:`diff_listings`.
    top : int, default 15
        The `top` busiest tenants (added + removed + changed) get a row; the rest are one
        ``"Other (N tenants)"`` row.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.barh`.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ConfigError
        When `diff` is not a ListingDiff, or a bad `top`.

    Examples
    --------
    >>> old = pd.DataFrame({"id": ["a", "b", "c"], "owner": ["t1", "t1", "t2"]})
    >>> new = pd.DataFrame({"id": ["b", "c", "d", "e"], "owner": ["t1", "t2", "t2", "t2"]})
    >>> ax = imgkit.plot_diff_summary(imgkit.diff_listings(old, new))
    >>> [t.get_text() for t in ax.get_yticklabels()], [int(p.get_width()) for p in ax.patches]
    (['t2', 't1'], [2, 0, 0, -1])
    """
    from imgkit._validators import check_positive
    from imgkit.plotting._style import empty_axes, fold_rows, new_ax, short_label, with_defaults

    if not isinstance(diff, ListingDiff):
        raise ConfigError(f"`diff` must be a ListingDiff (from imgkit.diff_listings), got {type(diff).__name__}")
    top = check_positive("top", top)
    title = f"Images added and removed per tenant, {fmt_time(diff.old_as_of)} to {fmt_time(diff.new_as_of)}"
    table = diff.summary.drop(index=ALL_TENANTS)
    table = table[(table[["added", "removed", "changed"]].sum(axis=1) > 0)]
    ax = new_ax(ax, height=max(2.5, 0.35 * min(len(table), top + 1) + 1.2))
    if table.empty or not (table["added"].sum() or table["removed"].sum()):
        return empty_axes(ax, title, "images", "", note="no images added or removed")
    activity = table[["added", "removed", "changed"]].sum(axis=1)
    folded = fold_rows(table[["added", "removed"]], top, "owner", weights=activity)
    labels = [short_label(o) for o in folded.index]
    y = np.arange(len(folded))[::-1]  # the busiest tenant on top
    ax.barh(y, folded["added"].to_numpy(dtype=float), **with_defaults(kwargs, color=_ADDED_COLOR, label="added"))
    ax.barh(y, -folded["removed"].to_numpy(dtype=float), **with_defaults(kwargs, color=_REMOVED_COLOR, label="removed"))
    ax.axvline(0, color="0.3", linewidth=0.8)
    ax.set_yticks(y, labels)
    ax.set_title(title)
    ax.set_xlabel("images removed (left) / added (right)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small", frameon=False)
    return ax
