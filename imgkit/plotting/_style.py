"""Plots of the analyses (matplotlib).

Every function takes the frame first and keyword-only options, draws on `ax` (or on a
new figure from ``plt.subplots()`` when ``ax=None``), returns the Axes and never calls
``plt.show()``. ``**kwargs`` go to the one matplotlib call each plot wraps (named in
its docstring). Every plot copes with an empty frame (an empty, labelled Axes that
says "no images"), a single tenant and hundreds of tenants: the largest groups are
drawn and the rest folded into one "Other (N tenants)" row or series.

Colours: a group (a platform, an image type, a tenant...) has the same colour in every
plot (:func:`group_colors`, :func:`platform_colors`)."""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from imgkit.analysis import ALL_IMAGES, MISSING, OTHER, display_labels
from imgkit.schema import FIELDS

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes


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
def new_ax(ax: Axes | None, height: float = 4.5, width: float = 8.0) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=(width, height))
    return ax


def short_label(label: Any, width: int = _MAX_LABEL) -> str:
    text = str(label)
    return text if len(text) <= width or text.startswith(OTHER + " (") else text[: width - 1] + "\u2026"


def group_labels(df: pd.DataFrame, labels: Iterable[Any], by: str | None) -> list[str]:
    """Group labels as drawn: tenant names where the frame has ``owner_name`` (see imgkit.tenants), else shortened."""
    if by == "owner" and "owner_name" in df.columns:
        return display_labels(df, labels)
    return [short_label(x) for x in labels]


def empty_axes(ax: Axes, title: str, xlabel: str = "", ylabel: str = "", note: str = "no images") -> Axes:
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.text(0.5, 0.5, note, ha="center", va="center", transform=ax.transAxes, color="0.4")
    return ax


def group_noun(by: str | None) -> str:
    return {"owner": "tenants", "platform": "platforms"}.get(by or "", "groups")


def fold_rows(table: pd.DataFrame, top: int, by: str | None, weights: pd.Series | None = None) -> pd.DataFrame:
    """Keep the `top` largest rows (by `weights` or row totals, original order), sum the rest."""
    if len(table) <= top:
        return table
    size = table.sum(axis=1) if weights is None else weights
    order = np.argsort(-size.to_numpy(), kind="stable")
    keep = np.sort(order[:top])
    rest = np.sort(order[top:])
    folded = table.iloc[rest].sum(axis=0).rename(f"{OTHER} ({len(rest)} {group_noun(by)})")
    out = pd.concat([table.iloc[keep], folded.to_frame().T])
    out.index.name = table.index.name
    return out


def as_of_text(when: pd.Timestamp, source: str) -> str:
    if pd.isna(when):
        return "as of (unknown)"
    return f"as of {when:%Y-%m-%d} ({source})"


def with_defaults(kwargs: dict[str, Any], n: int | None = None, **defaults: Any) -> dict[str, Any]:
    """imgkit's styling `defaults` under the caller's `kwargs`: the caller's keywords win, as in pandas and seaborn.

    `n` is the number of series one call draws (a stacked ``hist``, a ``stackplot``): a single ``color=`` then
    applies to every series (``colors=`` of a stackplot included) instead of clashing with imgkit's per-series list.

    Examples
    --------
    >>> with_defaults({"color": "red"}, color="#1f77b4", label="x")
    {'color': 'red', 'label': 'x'}
    >>> with_defaults({"color": "red"}, n=2, colors=["#1f77b4", "#ff7f0e"])
    {'colors': ['red', 'red']}
    """
    from matplotlib.colors import is_color_like

    out = dict(defaults)
    user = dict(kwargs)
    if n is not None and "color" in user and is_color_like(user["color"]):
        if "colors" in out:
            out["colors"] = [user.pop("color")] * n
        elif isinstance(out.get("color"), list):
            out["color"] = [user.pop("color")] * n
    out.update(user)
    return out
