"""Plots of the analyses (matplotlib).

Every function takes the frame first and keyword-only options, draws on `ax` (or on a
new figure from ``plt.subplots()`` when ``ax=None``), returns the Axes and never calls
``plt.show()``. ``**kwargs`` go to the one matplotlib call each plot wraps (named in
its docstring). Every plot copes with an empty frame (an empty, labelled Axes that
says "no images"), a single tenant and hundreds of tenants: the largest groups are
drawn and the rest folded into one "Other (N tenants)" row or series.

Colours: a group (a platform, an image type, a tenant...) has the same colour in every
plot (:func:`group_colors`, :func:`platform_colors`).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._checks import check_argument
from ._common import (
    ALL_IMAGES,
    MISSING,
    OTHER,
    _age_days,
    _check_by,
    _check_positive,
    _fold_top,
    _groups,
    _require,
)
from .analysis import (
    creation_timeline,
    feature_labels,
    feature_support,
    os_distribution,
    resolve_as_of,
)
from .schema import FIELDS
from .tenants import _ids, display_labels

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

__all__ = [
    "group_colors",
    "platform_colors",
    "plot_age",
    "plot_creation_timeline",
    "plot_feature_support",
    "plot_os_distribution",
]

_PLATFORMS = next(f.values for f in FIELDS if f.column == "platform")
# tab20 without its two greys (reserved for "Other" and "(missing)").
_TAB20 = [
    "#1f77b4", "#aec7e8", "#ff7f0e", "#ffbb78", "#2ca02c", "#98df8a", "#d62728", "#ff9896", "#9467bd",
    "#c5b0d5", "#8c564b", "#c49c94", "#e377c2", "#f7b6d2", "#bcbd22", "#dbdb8d", "#17becf", "#9edae5",
]  # fmt: skip
# tab20b, for values outside the documented platforms (picked by a stable hash of the name).
_TAB20B = [
    "#393b79", "#5254a3", "#6b6ecf", "#9c9ede", "#637939", "#8ca252", "#b5cf6b", "#cedb9c", "#8c6d31",
    "#bd9e39", "#e7ba52", "#e7cb94", "#843c39", "#ad494a", "#d6616b", "#e7969c", "#7b4173", "#a55194",
    "#ce6dbd", "#de9ed6",
]  # fmt: skip
# tab10 without its grey, for the documented values of other enum columns (imagetype, status...).
_TAB10 = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf"]
_ENUM_VALUES = {f.column: f.values for f in FIELDS if f.kind == "enum"}
_OTHER_COLOR = "#7f7f7f"
_MISSING_COLOR = "#c7c7c7"
_MAX_LABEL = 20


def group_colors(labels: Iterable[Any], *, by: str | None = None) -> dict[str, str]:
    """One colour per group label, the same in every plot and every session.

    The one palette of imgkit's plots: the segments of :func:`plot_os_distribution`,
    the series of :func:`plot_age` and the layers of :func:`plot_creation_timeline`
    all take their colours from here, so a group has the same colour in each.

    - ``"Other"`` (also ``"Other (N tenants)"``, the label of folded groups) is dark
      grey and ``"(missing)"`` light grey.
    - ``by="platform"``: documented platforms take fixed ``tab20`` colours in the
      schema's order (see :func:`platform_colors`).
    - Any other enum column of the schema (``imagetype``, ``visibility``,
      ``status``, ``os_type``...): documented values take fixed ``tab10`` colours
      by their position in the schema (``gold`` is always blue, ``private``
      always orange), whichever values are present.
    - Anything else (tenants, OS versions, undocumented values) gets a colour
      picked by a stable hash of the label; a label whose colour is already taken
      in the same call takes the next free one, so one plot never shows two groups
      in the same colour while there are colours left.

    Parameters
    ----------
    labels : iterable
        The labels to colour (converted to str), largest group first: on a hash
        collision the earlier label keeps its colour.
    by : str, optional
        The column the labels are values of (``"platform"``, ``"imagetype"``,
        ``"owner"``...).

    Returns
    -------
    dict
        Label -> hex colour, in the order given.

    Examples
    --------
    >>> from imgkit.plotting import group_colors
    >>> group_colors(["private", "gold"], by="imagetype") == {"private": "#ff7f0e", "gold": "#1f77b4"}
    True
    >>> group_colors(["gold"], by="imagetype")["gold"] == group_colors(["market", "gold"], by="imagetype")["gold"]
    True
    >>> colors = group_colors(["tenant-a", "tenant-b", "Other (7 tenants)"], by="owner")
    >>> len(set(colors.values())), colors["Other (7 tenants)"]
    (3, '#7f7f7f')
    """
    names = [str(label) for label in labels]
    if by == "platform":
        documented, fixed, spare = _PLATFORMS, _TAB20, _TAB20B
    else:
        documented, fixed, spare = _ENUM_VALUES.get(by or "", ()), _TAB10, _TAB20B + _TAB20
    out: dict[str, str] = {}
    for name in names:
        if name == OTHER or name.startswith(OTHER + " ("):
            out[name] = _OTHER_COLOR
        elif name == MISSING:
            out[name] = _MISSING_COLOR
        elif name in documented:
            out[name] = fixed[documented.index(name) % len(fixed)]
        elif name == ALL_IMAGES and by is None:
            out[name] = _TAB10[0]
    used = set(out.values())
    for name in names:
        if name not in out:
            start = zlib.crc32(name.encode("utf-8")) % len(spare)
            free = [spare[(start + k) % len(spare)] for k in range(len(spare))]
            out[name] = next((c for c in free if c not in used), spare[start])
            used.add(out[name])
    return {name: out[name] for name in names}


def platform_colors(categories: Iterable[str] | None = None) -> dict[str, str]:
    """One colour per platform, the same in every plot and every session.

    Documented platforms (the schema's order) take fixed colours of matplotlib's
    ``tab20`` palette; ``"Other"`` (also the label of folded categories) is dark
    grey and ``"(missing)"`` light grey; any other value gets a colour of ``tab20b``
    chosen by a stable hash of its name, so it too never changes between plots.
    The same as ``group_colors(categories, by="platform")``.

    Parameters
    ----------
    categories : iterable of str, optional
        The labels to colour; default the documented platforms.

    Returns
    -------
    dict
        Label -> hex colour, in the order given.

    Examples
    --------
    >>> colors = imgkit.platform_colors(["Ubuntu", "Gentoo", "Other"])
    >>> colors["Ubuntu"] == imgkit.platform_colors()["Ubuntu"], colors["Other"]
    (True, '#7f7f7f')
    >>> colors["Gentoo"] == imgkit.platform_colors(["Gentoo"])["Gentoo"]
    True
    """
    return group_colors(_PLATFORMS if categories is None else categories, by="platform")


# ---------------------------------------------------------------------------------------
# Private helpers
# ---------------------------------------------------------------------------------------
def _new_ax(ax: Axes | None, height: float = 4.5, width: float = 8.0) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=(width, height))
    return ax


def _short(label: Any, width: int = _MAX_LABEL) -> str:
    text = str(label)
    return text if len(text) <= width or text.startswith(OTHER + " (") else text[: width - 1] + "\u2026"


def _labels(df: pd.DataFrame, labels: Iterable[Any], by: str | None) -> list[str]:
    """Group labels as drawn: tenant names where the frame has ``owner_name`` (see imgkit.tenants), else shortened."""
    if by == "owner" and "owner_name" in df.columns:
        return display_labels(df, labels)
    return [_short(x) for x in labels]


def _empty(ax: Axes, title: str, xlabel: str = "", ylabel: str = "", note: str = "no images") -> Axes:
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.text(0.5, 0.5, note, ha="center", va="center", transform=ax.transAxes, color="0.4")
    return ax


def _group_noun(by: str | None) -> str:
    return {"owner": "tenants", "platform": "platforms"}.get(by or "", "groups")


def _fold_rows(table: pd.DataFrame, top: int, by: str | None, weights: pd.Series | None = None) -> pd.DataFrame:
    """Keep the `top` largest rows (by `weights` or row totals, original order), sum the rest."""
    if len(table) <= top:
        return table
    size = table.sum(axis=1) if weights is None else weights
    order = np.argsort(-size.to_numpy(), kind="stable")
    keep = np.sort(order[:top])
    rest = np.sort(order[top:])
    folded = table.iloc[rest].sum(axis=0).rename(f"{OTHER} ({len(rest)} {_group_noun(by)})")
    out = pd.concat([table.iloc[keep], folded.to_frame().T])
    out.index.name = table.index.name
    return out


def _as_of_text(when: pd.Timestamp, source: str) -> str:
    if pd.isna(when):
        return "as of (unknown)"
    return f"as of {when:%Y-%m-%d} ({source})"


def _os_bars(
    df: pd.DataFrame, *, by: str | None, level: str, top: int, top_groups: int, normalize: bool
) -> tuple[pd.DataFrame, int]:
    """The bars :func:`plot_os_distribution` draws: one row per bar, one column per segment (empty: nothing).

    Also the number of bars the figure is sized for (before folding; 0 when empty).
    """
    top = _check_positive("top", top)
    top_groups = _check_positive("top_groups", top_groups)
    table = os_distribution(df, by=by, level=level)
    table.index = _ids(table.index)
    if by is None:
        table = table.to_frame(ALL_IMAGES).T
    table = table.loc[:, table.sum(axis=0) > 0]
    n_rows = min(len(table), top_groups + 1)
    if table.empty or table.to_numpy().sum() == 0:
        return table.iloc[:0, :0], n_rows
    table = _fold_top(table, top)
    table = _fold_rows(table, top_groups, by)
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
    table, n_rows = _os_bars(df, by=by, level=level, top=top, top_groups=top_groups, normalize=normalize)
    ax = _new_ax(ax, height=max(3.0, 0.35 * n_rows + 1.6), width=9.0)
    if table.empty:
        return _empty(ax, title, xlabel, by or "")
    colors = group_colors(table.columns, by=level)
    y = np.arange(len(table))
    left = np.zeros(len(table))
    for label in table.columns:
        widths = table[label].to_numpy(dtype=float)
        ax.barh(y, widths, left=left, color=colors[str(label)], label=str(label), **kwargs)
        left += widths
    ax.set_yticks(y, _labels(df, table.index, by))
    ax.set_ylim(len(table) - 0.5, -0.5)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(by or "")
    ax.set_title(title)
    _os_legend(ax, level)
    return ax


def _os_legend(ax: Axes, level: str) -> None:
    ax.legend(title=level, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)


def _restack_os_bars(ax: Axes, table: pd.DataFrame, *, level: str) -> bool:
    """Show `table` (from :func:`_os_bars`) with the bars :func:`plot_os_distribution` already drew on `ax`.

    Moves and resizes the existing rectangles, relabels the bars and rebuilds the legend
    (segments absent from `table` get zero width and leave the legend), which is far cheaper
    than drawing new bars. Returns False, changing nothing, when `table` does not fit: another
    number of bars, or a segment `ax` has no bars for.
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
    ax.set_yticks(np.arange(len(table)), [_short(i) for i in table.index])
    # the data limits of the new bars (what ax.relim() would find, without visiting every bar), autoscaled as drawn
    ax.dataLim.intervalx = (0.0, float(left.max()))
    ax.autoscale_view(scaley=False)
    _os_legend(ax, level)
    return True


def plot_age(
    df: pd.DataFrame,
    *,
    by: str | None = None,
    as_of: Any = None,
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
    top = _check_positive("top", top)
    when, source = resolve_as_of(df, as_of)
    _require(df, ["created_at"])
    _check_by(df, by)
    g, labels, _ = _groups(df, by)  # before the figure: a bad option leaves no stray figure
    title = f"Image age {_as_of_text(when, source)}"
    ax = _new_ax(ax)
    xlabel = "age (years)"
    ylabel = "images" if kind == "hist" else "share of images"
    years = _age_days(df["created_at"], when) / 365.0
    dated = ~np.isnan(years)
    if not dated.any():
        note = "no images" if len(df) == 0 else "no images with a created_at" + (" and as_of" if pd.isna(when) else "")
        return _empty(ax, title, xlabel, ylabel, note)
    g, years = g[dated], years[dated]
    sizes = np.bincount(g, minlength=len(labels))
    order = np.argsort(-sizes, kind="stable")
    keep = [i for i in np.sort(order[:top]) if sizes[i] > 0]
    series = [years[g == i] for i in keep]
    names = [labels[i] for i in keep]
    rest = [i for i in order[top:] if sizes[i] > 0]
    if rest:
        series.append(years[np.isin(g, rest)])
        names.append(f"{OTHER} ({len(rest)} {_group_noun(by)})")
    colors = list(group_colors(names, by=by).values())
    names = _labels(df, names, by)
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
    top = _check_positive("top", top)
    title = ("Images in the catalogue" if cumulative else "Images created") + (f" by {by}" if by else "")
    ylabel = "images" if cumulative else f"images created per period ({freq})"
    table = creation_timeline(df, freq=freq, by=by, cumulative=cumulative)
    table.columns = _ids(table.columns)
    ax = _new_ax(ax, width=9.0)
    if table.empty or table.to_numpy().sum() == 0:
        return _empty(ax, title, "created_at", ylabel)
    table = _fold_rows(table.T, top, by).T  # groups are columns: fold them like plot_age's series
    colors = list(group_colors(table.columns, by=by).values())
    names = _labels(df, table.columns, by)
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
    top = _check_positive("top", top)
    title = "Feature support" + (f" by {by}" if by else "")
    counts = feature_support(df, by=by, features=features, normalize=False)
    counts.index = _ids(counts.index)
    labels = feature_labels()
    groups, total = counts.iloc[:-1], counts.iloc[[-1]]
    n_rows = min(len(groups), top + 1) + 1
    ax = _new_ax(ax, height=max(3.0, 0.32 * n_rows + 2.2), width=max(6.0, 0.55 * counts.shape[1] + 3))
    if len(df) == 0:
        return _empty(ax, title, "feature", by or "")
    _, glabels, sizes = _groups(df, by) if by is not None else (None, [], np.array([], dtype=np.int64))
    size = pd.Series(sizes, index=groups.index, dtype=float)
    table = pd.concat([groups, size.rename("__size__")], axis=1)
    table = _fold_rows(table, top, by, weights=size)
    shares = table.drop(columns="__size__").div(table["__size__"], axis=0)
    shares = pd.concat([shares, total / float(len(df))])
    values = shares.to_numpy(dtype=float)
    kwargs.setdefault("cmap", "Blues")
    image = ax.imshow(values, vmin=0.0, vmax=1.0, aspect="auto", interpolation="nearest", **kwargs)
    if annot:
        for (i, j), v in np.ndenumerate(values):
            ax.text(j, i, f"{v:.0%}", ha="center", va="center", fontsize="x-small",
                    color="white" if v > 0.6 else "black")  # fmt: skip
    ax.set_xticks(range(values.shape[1]), [labels[c] for c in shares.columns], rotation=45, ha="right")
    ax.set_yticks(range(values.shape[0]), _labels(df, shares.index, by))
    ax.axhline(values.shape[0] - 1.5, color="white", linewidth=2)
    ax.set_title(title)
    ax.set_ylabel(by or "")
    ax.figure.colorbar(image, ax=ax, label="share of images", fraction=0.04, pad=0.02)
    return ax
