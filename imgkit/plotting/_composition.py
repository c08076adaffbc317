"""Plots of what the catalogue is made of: OS distribution bars and the feature heatmap."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from imgkit._validators import check_positive
from imgkit.analysis import (
    ALL_IMAGES,
    feature_labels,
    feature_support,
    fold_top,
    group_rows,
    os_distribution,
    tenant_ids,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
from imgkit.plotting._style import empty_axes, fold_rows, group_colors, group_labels, new_ax, short_label


def os_bars(
    df: pd.DataFrame, *, by: str | None, level: str, top: int, top_groups: int, normalize: bool
) -> tuple[pd.DataFrame, int]:
    """The bars :func:`plot_os_distribution` draws: one row per bar, one column per segment (empty: nothing).

    Also the number of bars the figure is sized for (before folding; 0 when empty).
    """
    top = check_positive("top", top)
    top_groups = check_positive("top_groups", top_groups)
    table = os_distribution(df, by=by, level=level)
    table.index = tenant_ids(table.index)
    if by is None:
        table = table.to_frame(ALL_IMAGES).T
    table = table.loc[:, table.sum(axis=0) > 0]
    n_rows = min(len(table), top_groups + 1)
    if table.empty or table.to_numpy().sum() == 0:
        return table.iloc[:0, :0], n_rows
    table = fold_top(table, top)
    table = fold_rows(table, top_groups, by)
    if normalize:
        table = table.div(table.sum(axis=1), axis=0)
    return table, n_rows


# ---------------------------------------------------------------------------------------
# Plots
# ---------------------------------------------------------------------------------------
def plot_os_distribution(
    df: pd.DataFrame,
    *,
    by: str | None = "owner",
    level: str = "platform",
    top: int = 8,
    top_groups: int = 15,
    normalize: bool = False,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Stacked horizontal bars: images per group, split by platform (or another OS level).

    Parameters
    ----------
    df : pandas.DataFrame
        A typed image frame.
    by : str or None, default "owner"
        One bar per tenant, per value of another column, or ``None`` for one bar.
    level : {"platform", "os_type", "os_version", "os_bit"}
        What the segments are.
    top : int, default 8
        Segments for the `top` most frequent categories; the rest as ``"Other"``.
    top_groups : int, default 15
        Bars for the largest `top_groups` groups; the rest as one
        ``"Other (N tenants)"`` bar at the bottom.
    normalize : bool, default False
        Bar lengths as shares of each group (0..1) instead of image counts.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.
    **kwargs
        Passed to every :meth:`~matplotlib.axes.Axes.barh` call (one per segment).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ConfigError
        On an unknown `level`, a `by` that is not a column, or a `top` /
        `top_groups` that is not a positive integer.

    Examples
    --------
    >>> df = pd.DataFrame({"owner": ["t1", "t1", "t2"],
    ...                    "platform": pd.Categorical(["Ubuntu", "CentOS", "Ubuntu"])})
    >>> ax = imgkit.plot_os_distribution(df)
    >>> [t.get_text() for t in ax.get_yticklabels()], len(ax.patches)
    (['t1', 't2'], 4)
    """
    title = "OS distribution" + (f" by {by}" if by else "")
    xlabel = "share of images" if normalize else "images"
    table, n_rows = os_bars(df, by=by, level=level, top=top, top_groups=top_groups, normalize=normalize)
    ax = new_ax(ax, height=max(3.0, 0.35 * n_rows + 1.6), width=9.0)
    if table.empty:
        return empty_axes(ax, title, xlabel, by or "")
    colors = group_colors(table.columns, by=level)
    y = np.arange(len(table))
    left = np.zeros(len(table))
    for label in table.columns:
        widths = table[label].to_numpy(dtype=float)
        ax.barh(y, widths, left=left, color=colors[str(label)], label=str(label), **kwargs)
        left += widths
    ax.set_yticks(y, group_labels(df, table.index, by))
    ax.set_ylim(len(table) - 0.5, -0.5)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(by or "")
    ax.set_title(title)
    _os_legend(ax, level)
    return ax


def _os_legend(ax: Axes, level: str) -> None:
    ax.legend(title=level, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)


def restack_os_bars(ax: Axes, table: pd.DataFrame, *, level: str, labels: list[str] | None = None) -> bool:
    """Show `table` (from :func:`os_bars`) with the bars :func:`plot_os_distribution` already drew on `ax`.

    Moves and resizes the existing rectangles, relabels the bars and rebuilds the legend
    (segments absent from `table` get zero width and leave the legend), which is far cheaper
    than drawing new bars. Returns False, changing nothing, when `table` does not fit: another
    number of bars, or a segment `ax` has no bars for. `labels` label the bars (default: the
    shortened index; a frame with tenant names passes :func:`imgkit.analysis.display_labels`).
    """
    from matplotlib.container import BarContainer

    containers = [c for c in ax.containers if isinstance(c, BarContainer)]
    names = [str(c.get_label()).removeprefix("_") for c in containers]
    if (
        table.empty
        or not containers
        or not set(map(str, table.columns)) <= set(names)
        or any(len(c.patches) != len(table) for c in containers)
    ):
        return False
    columns = {str(c): c for c in table.columns}
    left = np.zeros(len(table))
    for name, container in zip(names, containers):
        present = name in columns
        widths = table[columns[name]].to_numpy(dtype=float) if present else np.zeros(len(table))
        for rect, x, w in zip(container.patches, left, widths):
            rect.set_x(x)
            rect.set_width(w)
            rect.set_visible(bool(w))  # an empty segment costs nothing to render
            rect.sticky_edges.x[:] = [x] if present else []  # as barh sets them (autoscaling stops there)
        container.set_label(name if present and widths.sum() > 0 else "_" + name)
        left += widths
    ax.set_yticks(np.arange(len(table)), [short_label(i) for i in table.index] if labels is None else labels)
    # the data limits of the new bars (what ax.relim() would find, without visiting every bar), autoscaled as drawn
    ax.dataLim.intervalx = (0.0, float(left.max()))
    ax.autoscale_view(scaley=False)
    _os_legend(ax, level)
    return True


def plot_feature_support(
    df: pd.DataFrame,
    *,
    by: str | None = "owner",
    features: Iterable[str] | None = None,
    top: int = 20,
    annot: bool = True,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Annotated heatmap: share of each group's images supporting each capability.

    Parameters
    ----------
    df : pandas.DataFrame
        A typed image frame.
    by : str or None, default "owner"
        One row per tenant (or per value of another column), then the totals row.
    features : list of str, optional
        Feature names (keys of :func:`imgkit.feature_labels`); default all. Columns
        are labelled with the plain-English labels.
    top : int, default 20
        Rows for the `top` largest groups; the rest are one ``"Other (N tenants)"`` row.
    annot : bool, default True
        Write the share (as a percentage) in each cell.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.
    **kwargs
        Passed to :meth:`~matplotlib.axes.Axes.imshow` (e.g. ``cmap``).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ConfigError
        On an unknown feature name, a bad `top` or a `by` that is not a column.

    Examples
    --------
    >>> df = pd.DataFrame({"owner": ["t1", "t1", "t2"],
    ...                    "hw_firmware_type": pd.Categorical(["uefi", "bios", "uefi"]),
    ...                    "support_fc_inject": pd.array([True, False, False], dtype="boolean")})
    >>> ax = imgkit.plot_feature_support(df, features=["uefi", "cloud_init_injection"])
    >>> [t.get_text() for t in ax.texts]
    ['50%', '50%', '100%', '100%', '67%', '67%']
    """
    top = check_positive("top", top)
    title = "Feature support" + (f" by {by}" if by else "")
    counts = feature_support(df, by=by, features=features, normalize=False)
    counts.index = tenant_ids(counts.index)
    labels = feature_labels()
    unknown = [c for c in counts.columns if counts[c].isna().all()]  # Huawei-only features of a Glance listing
    counts = counts.fillna(0).astype(np.int64)
    groups, total = counts.iloc[:-1], counts.iloc[[-1]]
    n_rows = min(len(groups), top + 1) + 1
    ax = new_ax(ax, height=max(3.0, 0.32 * n_rows + 2.2), width=max(6.0, 0.55 * counts.shape[1] + 3))
    if len(df) == 0:
        return empty_axes(ax, title, "feature", by or "")
    _, glabels, sizes = group_rows(df, by) if by is not None else (None, [], np.array([], dtype=np.int64))
    size = pd.Series(sizes, index=groups.index, dtype=float)
    table = pd.concat([groups, size.rename("__size__")], axis=1)
    table = fold_rows(table, top, by, weights=size)
    shares = table.drop(columns="__size__").div(table["__size__"], axis=0)
    shares = pd.concat([shares, total / float(len(df))])
    shares[unknown] = np.nan
    values = shares.to_numpy(dtype=float)
    kwargs.setdefault("cmap", "Blues")
    image = ax.imshow(values, vmin=0.0, vmax=1.0, aspect="auto", interpolation="nearest", **kwargs)
    if annot:
        for (i, j), v in np.ndenumerate(values):
            ax.text(j, i, "n/a" if np.isnan(v) else f"{v:.0%}", ha="center", va="center", fontsize="x-small",
                    color="white" if v > 0.6 else "black")  # fmt: skip
    ax.set_xticks(range(values.shape[1]), [labels[c] for c in shares.columns], rotation=45, ha="right")
    ax.set_yticks(range(values.shape[0]), group_labels(df, shares.index, by))
    ax.axhline(values.shape[0] - 1.5, color="white", linewidth=2)
    ax.set_title(title)
    ax.set_ylabel(by or "")
    ax.figure.colorbar(image, ax=ax, label="share of images", fraction=0.04, pad=0.02)
    return ax
