"""The interactive explorer: :class:`ImageExplorer`, an ipywidgets app over a typed frame.

The app is a small class that owns its controls and outputs (the ipywidgets
example-app pattern): pure functions do the work (:func:`imgkit.filter_images`
and the analyses/plots), the class wires controls to them, renders through its
root box (``.widget``), wraps every callback so that an error shows in the
widget instead of vanishing in the kernel log, and exposes the current
selection as ``.filtered``.

Plots are rendered to SVG (text stays text, so the browser's fonts show any
script) and put into ``Output`` widgets directly (no kernel round trip, testable
without a browser). What makes a change fast on 100k images:

- what does not depend on the selection is computed once: the narrow frame of
  the columns the filters, plots and table read (a change copies those, not the
  whole frame; ``.filtered`` takes the full rows only when asked);
- only the visible tab is drawn after a change; the others when they are shown;
- each plot keeps its figure, and its page area (computed once, not by a
  "tight" layout pass on every draw); the OS distribution moves its existing bars
  when the new selection fits them instead of drawing new ones.
"""

from __future__ import annotations

import functools
import html
import time
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import ipywidgets as W

from imgkit.analysis import names_for

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["ImageExplorer"]

#: Filter controls: (attribute / filter_images keyword, frame column, label).
_CHOICE_FILTERS = (
    ("platforms", "platform", "Platform"),
    ("os_types", "os_type", "OS type"),
    ("statuses", "status", "Status"),
    ("visibilities", "visibility", "Visibility"),
    ("imagetypes", "imagetype", "Image type"),
)

#: Grouping choices for the plots: (label, column).
_GROUPINGS = (
    ("tenant", "owner"),
    ("visibility", "visibility"),
    ("image type", "imagetype"),
    ("status", "status"),
    ("OS type", "os_type"),
)

_TABLE_COLUMNS = (
    "name",
    "owner",
    "owner_name",
    "platform",
    "os_version",
    "status",
    "visibility",
    "imagetype",
    "created_at",
)

_TABS = ("OS distribution", "Age", "Feature support", "Images")

#: Segments of the OS distribution plot (plot_os_distribution's defaults).
_OS_LEVEL, _OS_TOP = "platform", 8


def _view_of(df: pd.DataFrame) -> pd.DataFrame:
    """The columns the explorer's filters, plots and table read, indexed by row position."""
    import pandas as pd

    from imgkit.analysis import feature_labels, feature_sources

    wanted = [
        *(column for _, column, _ in _CHOICE_FILTERS),
        *(column for _, column in _GROUPINGS),
        *_TABLE_COLUMNS,
        *feature_sources(list(feature_labels())),
    ]
    view = df[[c for c in dict.fromkeys(wanted) if c in df.columns]]
    return view.set_axis(pd.RangeIndex(len(view)), axis=0)


def _option_values(series: pd.Series) -> list[str]:
    """Values present in `series`, categories in schema order, most frequent first otherwise."""
    import pandas as pd

    if isinstance(series.dtype, pd.CategoricalDtype):
        present = set(series.dropna().unique())
        return [str(c) for c in series.cat.categories if c in present]
    return [str(v) for v in series.value_counts(dropna=True).index]


class ImageExplorer:
    """Explore an image listing: filter by tenant, platform, status..., see counts, plots and images.

    Parameters
    ----------
    df : pandas.DataFrame
        A typed image frame (:func:`imgkit.read_images`, :func:`imgkit.load_demo`...).
    as_of : str or pandas.Timestamp, optional
        Reference time for ages; default as :func:`imgkit.resolve_as_of` (the
        listing's ``fetched_at``, else its latest ``updated_at``), resolved once on
        the whole listing.
    rows : int, default 20
        Images shown in the table.
    top : int, default 10
        Groups (tenants...) shown in the OS and feature plots; the rest are folded
        into one "Other" row.

    Attributes
    ----------
    widget : ipywidgets.VBox
        The root box (what a notebook displays).
    filtered : pandas.DataFrame
        The current selection (every column; taken from the frame when first read
        after a change).
    count : ipywidgets.HTML
        The one-line count ("1,234 of 5,000 images, 17 of 60 tenants").
    axes : dict of str to matplotlib Axes
        The Axes each plot last drew on (``"os"``, ``"age"``, ``"features"``); only
        the visible tab is drawn after a change (:meth:`redraw` draws all), and
        only when the selected rows or the grouping changed.
    draws : dict of str to int
        How many times each tab was drawn.
    timings : dict
        Seconds the last update took: ``"recompute"`` (filter and count) and
        ``"draw"`` (the visible tab).
    as_of : pandas.Timestamp
        The reference time of ages, and ``as_of_source`` where it came from.

    Raises
    ------
    ConfigError
        When `rows` or `top` is not a positive integer, or `as_of` is not a
        date/time. Errors in callbacks are not raised: they are shown in the
        widget and kept in ``last_error``.

    Examples
    --------
    >>> from imgkit.widgets import ImageExplorer
    >>> ex = ImageExplorer(imgkit.load_demo(), as_of="2026-01-01")
    >>> ex.platforms.value = ("Ubuntu",)
    >>> bool((ex.filtered["platform"] == "Ubuntu").all())
    True
    >>> ex.close()
    """

    def __init__(
        self,
        df: pd.DataFrame,
        *,
        as_of: Any = None,
        rows: int = 20,
        top: int = 10,
    ) -> None:
        from imgkit._validators import check_positive
        from imgkit.analysis import resolve_as_of

        rows, top = check_positive("rows", rows), check_positive("top", top)
        self._df = df
        self.as_of, self.as_of_source = resolve_as_of(df, as_of)  # of the whole listing, fixed
        self._rows = rows
        self._top = top
        self._observers: list[tuple[W.Widget, Callable[..., None], str]] = []
        self._dirty: set[str] = set(_TABS)
        self._syncing = False
        self.axes: dict[str, Axes] = {}
        self.draws: dict[str, int] = dict.fromkeys(_TABS, 0)
        self.timings: dict[str, float] = {}
        self.last_error: BaseException | None = None
        self._view = _view_of(df)  # what a change filters: a few columns, not the whole frame
        self._selected = self._view
        self._filtered: pd.DataFrame | None = df
        self._figures: dict[str, tuple[Figure, Any, Any]] = {}  # plot -> (figure, grouping, page area)

        owners = df["owner"].value_counts(dropna=True)
        self._tenant_total = int(len(owners))
        names = dict(zip(map(str, owners.index), names_for(df, owners.index)))  # owner_name, when labelled
        self._tenant_labels = {
            str(k): (f"{names[str(k)]} · {k} ({n:,})" if isinstance(names[str(k)], str) else f"{k} ({n:,})")
            for k, n in owners.items()
        }
        self._tenant_text = {k: f"{k} {v if isinstance(v, str) else ''}".lower() for k, v in names.items()}
        self._chosen_tenants: set[str] = set()

        # ---- controls
        self.tenant_search = W.Text(placeholder="search tenants", description="Tenants", continuous_update=True)
        self.tenants = W.SelectMultiple(options=self._tenant_options(""), rows=8, description="")
        self.tenants_note = W.HTML()
        for attr, column, label in _CHOICE_FILTERS:
            values = _option_values(df[column]) if column in df else []
            setattr(self, attr, W.SelectMultiple(options=values, rows=min(max(len(values), 2), 6), description=label))
        self.created_from = W.DatePicker(description="Created ≥")
        self.created_to = W.DatePicker(description="Created ≤")
        self.features = W.SelectMultiple(options=self._feature_options(), rows=6, description="Features")
        self.group_by = W.Dropdown(options=list(_GROUPINGS), value="owner", description="Group by")
        self.sort = W.Dropdown(
            options=[("oldest first", "oldest"), ("newest first", "newest")], value="oldest", description="Sort"
        )
        self.reset = W.Button(description="Reset filters", icon="undo")

        # ---- outputs
        self.count = W.HTML()
        self.error = W.HTML(layout=W.Layout(display="none"))
        self.outputs = {name: W.Output() for name in ("os", "age", "features")}
        self.table = W.HTML()
        self.tabs = W.Tab(children=[self.outputs["os"], self.outputs["age"], self.outputs["features"], self.table])
        for i, title in enumerate(_TABS):
            self.tabs.set_title(i, title)
        # stable hooks for a page (and a browser test): imgkit-<attribute>
        for attr in (
            "tenant_search",
            "tenants",
            "count",
            "table",
            "tabs",
            "reset",
            "features",
            "group_by",
            "sort",
            *(a for a, _, _ in _CHOICE_FILTERS),
        ):
            getattr(self, attr).add_class(f"imgkit-{attr.replace('_', '-')}")
        for key, output in self.outputs.items():
            output.add_class(f"imgkit-plot-{key}")

        filters = [getattr(self, attr) for attr, _, _ in _CHOICE_FILTERS]
        left = W.VBox([self.tenant_search, self.tenants, self.tenants_note])
        mid = W.VBox(filters[:3])
        right = W.VBox([*filters[3:], self.features])
        bottom = W.HBox([self.created_from, self.created_to, self.group_by, self.sort, self.reset])
        self.widget = W.VBox([W.HBox([left, mid, right]), bottom, self.count, self.error, self.tabs])

        # ---- wiring
        self._observe(self.tenant_search, self._on_search)
        self._observe(self.tenants, self._on_tenants)
        for w in (*filters, self.created_from, self.created_to, self.features):
            self._observe(w, self._on_filter)
        self._observe(self.group_by, self._on_group)
        self._observe(self.sort, self._on_sort)
        self._observe(self.tabs, self._on_tab, "selected_index")
        self.reset.on_click(self._guard(self._on_reset))

        self._refresh()

    # ------------------------------------------------------------------ plumbing

    def _guard(self, fn: Callable[..., None]) -> Callable[..., None]:
        """Wrap a callback so its errors show in the widget (and in ``last_error``)."""

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> None:
            try:
                fn(*args, **kwargs)
            except Exception as exc:  # shown, not lost
                self._show_error(exc)
            else:
                self._clear_error()

        return wrapper

    def _observe(self, widget: W.Widget, fn: Callable[..., None], name: str = "value") -> None:
        handler = self._guard(fn)
        widget.observe(handler, names=name)
        self._observers.append((widget, handler, name))

    def _show_error(self, exc: BaseException) -> None:
        self.last_error = exc
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        self.error.value = (
            '<div style="color:#a40000;border:1px solid #a40000;padding:4px 8px">'
            f"<b>Error:</b> {html.escape(detail)}</div>"
        )
        self.error.layout.display = None

    def _clear_error(self) -> None:
        if self.error.value:
            self.error.value = ""
            self.error.layout.display = "none"

    def close(self) -> None:
        """Release every observer and close the widgets."""
        for widget, handler, name in self._observers:
            try:
                widget.unobserve(handler, names=name)
            except ValueError:
                pass
        self._observers.clear()
        self.reset._click_handlers.callbacks.clear()
        self._close_tree(self.widget)
        import matplotlib.pyplot as plt

        for fig, _, _ in self._figures.values():
            plt.close(fig)
        self._figures.clear()

    @staticmethod
    def _close_tree(widget: W.Widget) -> None:
        for child in getattr(widget, "children", ()):
            ImageExplorer._close_tree(child)
        widget.close()

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    def __repr__(self) -> str:
        return f"<ImageExplorer: {self.count_text}>"

    # ------------------------------------------------------------------ options

    def _tenant_options(self, query: str) -> list[tuple[str, str]]:
        q = query.strip().lower()
        return [(label, key) for key, label in self._tenant_labels.items() if q in self._tenant_text[key]]

    @staticmethod
    def _feature_options() -> list[tuple[str, str]]:
        from imgkit.analysis import feature_labels

        return [(label, name) for name, label in feature_labels().items()]

    # ------------------------------------------------------------------ callbacks

    def _on_search(self, change: dict[str, Any]) -> None:
        options = self._tenant_options(change["new"])
        self._syncing = True
        try:
            self.tenants.options = options
            self.tenants.value = tuple(v for _, v in options if v in self._chosen_tenants)
        finally:
            self._syncing = False

    def _on_tenants(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        visible = {v for _, v in self.tenants.options}
        self._chosen_tenants = (self._chosen_tenants - visible) | set(change["new"])
        self._refresh()

    def _on_filter(self, change: dict[str, Any]) -> None:
        self._refresh()

    def _on_group(self, change: dict[str, Any]) -> None:
        self._dirty.update(("OS distribution", "Age", "Feature support"))
        self._draw_visible()

    def _on_sort(self, change: dict[str, Any]) -> None:
        self._dirty.add("Images")
        self._draw_visible()

    def _on_tab(self, change: dict[str, Any]) -> None:
        self._draw_visible()

    def _on_reset(self, _button: Any = None) -> None:
        self._syncing = True
        try:
            self._chosen_tenants = set()
            self.tenant_search.value = ""
            self.tenants.options = self._tenant_options("")
            for attr, _, _ in _CHOICE_FILTERS:
                getattr(self, attr).value = ()
            self.features.value = ()
            self.created_from.value = None
            self.created_to.value = None
        finally:
            self._syncing = False
        self._refresh()

    # ------------------------------------------------------------------ state

    @property
    def selection(self) -> dict[str, Any]:
        """The keyword arguments passed to :func:`imgkit.filter_images` for the current controls."""
        import pandas as pd

        sel: dict[str, Any] = {}
        if self._chosen_tenants:
            sel["tenants"] = sorted(self._chosen_tenants)
        for attr, _, _ in _CHOICE_FILTERS:
            value = getattr(self, attr).value
            if value:
                sel[attr] = list(value)
        if self.features.value:
            sel["features"] = list(self.features.value)
        start, end = self.created_from.value, self.created_to.value
        if start is not None or end is not None:
            # the pickers are inclusive days; filter_images takes [start, end)
            stop = None if end is None else pd.Timestamp(end) + pd.Timedelta(days=1)
            sel["created_between"] = (None if start is None else pd.Timestamp(start), stop)
        return sel

    @property
    def filtered(self) -> pd.DataFrame:
        """The current selection as a DataFrame (every column): continue in pandas."""
        if self._filtered is None:
            self._filtered = self._df.iloc[self._selected.index.to_numpy()]
        return self._filtered

    @property
    def count_text(self) -> str:
        """The one-line count, as plain text."""
        n_tenants = int(self._selected["owner"].nunique(dropna=True))
        return f"{len(self._selected):,} of {len(self._df):,} images, {n_tenants:,} of {self._tenant_total:,} tenants"

    def _refresh(self) -> None:
        """Recompute the selection and the count; redraw the visible tab if the rows changed."""
        from imgkit.analysis import filter_images

        if self._syncing:
            return
        start = time.perf_counter()
        previous = self._selected
        self._selected = filter_images(self._view, **self.selection)
        self._filtered = None
        self.count.value = f"<b>{html.escape(self.count_text)}</b>"
        note = f"{len(self._chosen_tenants):,} selected" if self._chosen_tenants else "all tenants"
        self.tenants_note.value = f'<span style="color:#5b6770">{html.escape(note)}</span>'
        if not self.axes or not self._selected.index.equals(previous.index):
            self._dirty = set(_TABS)
        self.timings["recompute"] = time.perf_counter() - start
        self._draw_visible()

    def _draw_visible(self) -> None:
        start = time.perf_counter()
        index = self.tabs.selected_index or 0
        name = _TABS[index]
        if name in self._dirty:
            self._draw(name)
            self._dirty.discard(name)
        self.timings["draw"] = time.perf_counter() - start

    def redraw(self) -> None:
        """Draw every tab now (the explorer otherwise draws only the visible one)."""
        for name in _TABS:
            self._draw(name)
        self._dirty.clear()

    def _draw(self, name: str) -> None:
        self.draws[name] += 1
        if name == "Images":
            self.table.value = self._table_html()
            return
        key = {"OS distribution": "os", "Age": "age", "Feature support": "features"}[name]
        svg, ax = self._plot(key)
        self.axes[key] = ax
        self.outputs[key].outputs = (
            {"output_type": "display_data", "data": {"image/svg+xml": svg, "text/plain": name}, "metadata": {}},
        )

    def _plot(self, key: str) -> tuple[str, Axes]:
        """Draw plot `key` of the selection into its kept figure (a new one for a new grouping); its SVG and Axes."""
        import matplotlib.pyplot as plt

        from imgkit._html import SVG_RC, svg_of
        from imgkit.plotting import os_bars, plot_age, plot_feature_support, plot_os_distribution, restack_os_bars

        df, by = self._selected, self.group_by.value
        kept = self._figures.get(key)
        with plt.rc_context(SVG_RC):
            if kept is not None and kept[1] == by:
                fig, _, area = kept
                ax = fig.axes[0]
                restacked = False
                if key == "os":
                    table, _ = os_bars(df, by=by, level=_OS_LEVEL, top=_OS_TOP, top_groups=self._top, normalize=False)
                    restacked = restack_os_bars(ax, table, level=_OS_LEVEL)
                if not restacked:
                    fig.clear()
                    ax = fig.add_subplot()
            else:
                ax, area, restacked = None, None, False
            if not restacked:
                if key == "os":
                    ax = plot_os_distribution(df, by=by, level=_OS_LEVEL, top=_OS_TOP, top_groups=self._top, ax=ax)
                elif key == "age":
                    ax = plot_age(df, by=by, as_of=self.as_of, ax=ax)
                else:
                    ax = plot_feature_support(df, by=by, top=self._top, ax=ax)
            assert ax is not None
            fig = cast("Figure", ax.figure)
            if area is None:  # a new figure: kept here, not by pyplot; its page area computed once
                plt.close(fig)
                area = fig.get_tightbbox().padded(0.15)
            self._figures[key] = (fig, by, area)
            svg = svg_of(fig, close=False, bbox_inches=area)
        return svg, ax

    def _table_html(self) -> str:
        from imgkit._html import table_html
        from imgkit.analysis import age_days

        df = self._selected
        columns = [c for c in _TABLE_COLUMNS if c in df.columns]
        ordered = df[columns].sort_values(
            "created_at", ascending=self.sort.value == "oldest", na_position="last", kind="stable"
        )
        rows = ordered.head(self._rows).copy()
        rows["age (days)"] = age_days(rows["created_at"], self.as_of).round(0)
        note = f"<p>First {len(rows):,} of {len(df):,} images, {html.escape(self.sort.label)}.</p>"
        return note + table_html(rows, index=False)
