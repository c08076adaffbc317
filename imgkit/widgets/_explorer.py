"""The interactive explorer: :class:`ImageExplorer`, an ipywidgets app over a typed frame.

The app is a small class that owns its controls and outputs (the ipywidgets
example-app pattern): pure functions do the work (:func:`imgkit.filter_images`
and the analyses/plots), the class wires controls to them, renders through its
root box (``.widget``), wraps every callback so that an error shows in the
widget instead of vanishing in the kernel log, and exposes the current
selection as ``.filtered``.

Filters are faceted: each filter is a drop-down that adds a value, its choices show
how many images each would keep given the *other* active filters, and every active
value is a chip (``Platform: Ubuntu ×``) that removes it. An empty selection says
why (no image matches all the chips, or the date range is inverted). The images are
an `itables <https://mwouts.github.io/itables/>`_ data grid (DataTables, bundled
offline): paging, search, sorting and a "Download CSV" of the rows the grid holds.

Plots are rendered to SVG (text stays text, so the browser's fonts show any
script) and put into ``Output`` widgets directly (no kernel round trip, testable
without a browser). What makes a change fast on 100k images:

- what does not depend on the selection is computed once: the narrow frame of
  the columns the filters, plots and grid read (a change copies those, not the
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
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import ipywidgets as W

from imgkit.analysis import names_for

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["GRID_MAX_ROWS", "ImageExplorer"]

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

#: Columns of the images grid, in order (those the frame has); sizes become one "size (GiB)" column.
_GRID_COLUMNS = (
    "id",
    "name",
    "owner_name",
    "owner",
    "platform",
    "os_version",
    "status",
    "visibility",
    "imagetype",
    "image_size",
    "size",
    "created_at",
)
_GRID_HEADERS = {
    "owner_name": "tenant",
    "owner": "tenant id",
    "os_version": "OS version",
    "imagetype": "image type",
    "created_at": "created (UTC)",
}
#: The value of a picker's first option (its label: "Platform…"); choosing another adds it to the filter.
_NONE = "\x00imgkit:none\x00"
#: Rows the grid holds at most (the browser keeps them all for its search, sort and download; itables formats
#: every cell in Python, so a bigger grid makes each change with the Images tab open slower).
GRID_MAX_ROWS = 5_000

_TABS = ("OS distribution", "Age", "Feature support", "Images")

#: Segments of the OS distribution plot (plot_os_distribution's defaults).
_OS_LEVEL, _OS_TOP = "platform", 8

#: The grid's CSV export neutralises formula-like cells (leading apostrophe), as `imgkit export` does.
_CSV_CELL_JS = (
    "function (data) { return (typeof data === 'string' && /^[=+\\-@\\t\\r\\uFF1D\\uFF0B\\uFF0D\\uFF20]/.test(data))"
    ' ? "\'" + data : data; }'
)

#: Page style: controls wrap on narrow screens, chips, plots and the grid scroll in their own box.
_CSS = """<style>
.imgkit-explorer { max-width: 100%; box-sizing: border-box; }
.imgkit-explorer .widget-dropdown > select, .imgkit-explorer .widget-text input { min-width: 0; }
.imgkit-filters { gap: 4px 8px; }
.imgkit-filters > .widget-inline-hbox, .imgkit-filters > .widget-box { flex: 1 1 190px; min-width: 150px; }
.imgkit-chips { gap: 4px; }
.imgkit-chips .imgkit-chip { width: auto; height: 26px; border-radius: 13px; background: #e8eef7; color: #123;
  font-size: 12px; padding: 0 10px; }
.imgkit-chips .imgkit-chip-clear { background: transparent; text-decoration: underline; }
.imgkit-empty { color: #7a3e00; }
.imgkit-explorer .jp-OutputArea-output { overflow-x: auto; }
.imgkit-explorer .jp-OutputArea-output img { max-width: 100%; height: auto; }
@media (max-width: 600px) {  /* a phone: plots keep their size (legible text) and scroll in their own box */
  .imgkit-explorer .jp-OutputArea-output img { max-width: none; }
}
.imgkit-grid { max-width: 100%; overflow-x: auto; }
.imgkit-explorer .lm-TabBar-tab { min-width: 0; }
</style>"""


def _view_of(df: pd.DataFrame) -> pd.DataFrame:
    """The columns the explorer's filters, plots and grid read, indexed by row position."""
    import pandas as pd

    from imgkit.analysis import feature_labels, feature_sources

    wanted = [
        *(column for _, column, _ in _CHOICE_FILTERS),
        *(column for _, column in _GROUPINGS),
        *_GRID_COLUMNS,
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


def _plain(text: Any) -> str:
    """`text` with control characters shown as escapes (a label never carries a raw control character)."""
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in str(text))


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
        Images per page of the grid.
    top : int, default 10
        Groups (tenants...) shown in the OS and feature plots; the rest are folded
        into one "Other" row.
    title : str, optional
        A heading above the controls, shown as plain text (escaped, never Markdown).

    Attributes
    ----------
    widget : ipywidgets.VBox
        The root box (what a notebook displays).
    filtered : pandas.DataFrame
        The current selection (every column; taken from the frame when first read
        after a change).
    selection : dict
        The current filters as keyword arguments of :func:`imgkit.filter_images`.
    count : ipywidgets.HTML
        The one-line count ("1,234 of 5,000 images, 17 of 60 tenants").
    empty_reason : str
        Why the selection is empty, in words ("" when it is not); shown under the count.
    platforms, os_types, statuses, visibilities, imagetypes, tenants, features : ipywidgets.SelectMultiple
        The chosen values of each filter (set ``.value`` from code). The page shows a
        drop-down per filter (``pickers[name]``), whose choices carry live counts, and a
        chip per chosen value.
    chips : ipywidgets.Box
        One button per active filter value (clicking it removes that value), then
        "Clear all" (``reset``).
    grid : itables.widget.ITable
        The images of the selection (at most :data:`GRID_MAX_ROWS`, oldest first):
        id, name, tenant, platform, OS version, status, visibility, image type, size
        in GiB, creation time and age; paging, search, sorting and "Download CSV".
    axes : dict of str to matplotlib Axes
        The Axes each plot last drew on (``"os"``, ``"age"``, ``"features"``); only
        the visible tab is drawn after a change (:meth:`redraw` draws all), and
        only when the selected rows or the grouping changed.
    draws : dict of str to int
        How many times each tab was drawn.
    timings : dict
        Seconds the last update took: ``"recompute"`` (filter, counts, chips) and
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
    >>> [chip.description for chip in ex.chips.children]
    ['Platform: Ubuntu ×', 'Clear all']
    >>> ex.os_types.value = ("Windows",)
    >>> ex.empty_reason
    'No image matches all of Platform: Ubuntu, OS type: Windows: remove a filter to widen the selection.'
    >>> ex.close()
    """

    def __init__(
        self,
        df: pd.DataFrame,
        *,
        as_of: Any = None,
        rows: int = 20,
        top: int = 10,
        title: str | None = None,
    ) -> None:
        from imgkit._validators import check_positive
        from imgkit.analysis import feature_labels, resolve_as_of

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
        self._masks_now: dict[str, np.ndarray] = {}
        self._mask_cache: dict[str, tuple[str, np.ndarray]] = {}  # filter -> (its value, its mask)
        self._feature_masks: dict[str, np.ndarray] = {}
        self._codes: dict[str, tuple[np.ndarray, list[str]]] = {}  # column -> (integer codes, their labels)
        self._figures: dict[str, tuple[Figure, Any, Any]] = {}  # plot -> (figure, grouping, page area)

        owners = df["owner"].value_counts(dropna=True)
        self._tenant_total = int(len(owners))
        names = dict(zip(map(str, owners.index), names_for(df, owners.index)))  # owner_name, when labelled
        self._tenant_names = {k: _plain(v) for k, v in names.items() if isinstance(v, str)}
        self._tenant_text = {k: f"{k} {v if isinstance(v, str) else ''}".lower() for k, v in names.items()}
        self._feature_labels = feature_labels()

        # ---- the state of each filter (not displayed: the pickers and chips show it)
        self.tenants = W.SelectMultiple(options=[str(k) for k in owners.index])
        for attr, column, _ in _CHOICE_FILTERS:
            values = _option_values(df[column]) if column in df else []
            setattr(self, attr, W.SelectMultiple(options=values))
        self.features = W.SelectMultiple(options=list(self._feature_labels))

        # ---- controls
        wide = W.Layout(width="auto")
        self.tenant_search = W.Text(placeholder="search tenants (name or id)", layout=wide, continuous_update=True)
        self.pickers: dict[str, W.Dropdown] = {
            attr: W.Dropdown(options=[(f"{label}…", _NONE)], value=_NONE, layout=wide)
            for attr, label in (
                ("tenants", "Tenant"),
                *((a, lab) for a, _, lab in _CHOICE_FILTERS),
                ("features", "Feature"),
            )
        }
        self.tenants_note = W.HTML()
        initial = {"description_width": "initial"}
        self.created_from = W.DatePicker(description="Created from", style=initial, layout=wide)
        self.created_to = W.DatePicker(description="to", style=initial, layout=wide)
        self.group_by = W.Dropdown(
            options=list(_GROUPINGS), value="owner", description="Plots by", style=initial, layout=wide
        )
        self.reset = W.Button(description="Clear all", icon="undo", layout=W.Layout(width="auto"))
        self.reset.add_class("imgkit-chip")
        self.reset.add_class("imgkit-chip-clear")
        self.chips = W.Box(layout=W.Layout(flex_flow="row wrap", align_items="center"))

        # ---- outputs
        self.title = W.HTML(f"<h3>{html.escape(_plain(title))}</h3>" if title else "")
        self.count = W.HTML()
        self.empty = W.HTML(layout=W.Layout(display="none"))
        self.error = W.HTML(layout=W.Layout(display="none"))
        self.outputs = {
            name: W.Output(layout=W.Layout(max_width="100%", overflow="auto")) for name in ("os", "age", "features")
        }
        self.grid_note = W.HTML()
        self.grid = self._make_grid()
        self.tabs = W.Tab(
            children=[
                self.outputs["os"],
                self.outputs["age"],
                self.outputs["features"],
                W.VBox([self.grid_note, self.grid]),
            ]
        )
        for i, name in enumerate(_TABS):
            self.tabs.set_title(i, name)
        # stable hooks for a page (and a browser test): imgkit-<attribute>
        for attr in (
            "tenant_search",
            "tenants_note",
            "count",
            "empty",
            "chips",
            "grid",
            "grid_note",
            "tabs",
            "group_by",
            "created_from",
            "created_to",
            "title",
        ):
            getattr(self, attr).add_class(f"imgkit-{attr.replace('_', '-')}")
        for attr, picker in self.pickers.items():
            picker.add_class(f"imgkit-pick-{attr.replace('_', '-')}")
        for key, output in self.outputs.items():
            output.add_class(f"imgkit-plot-{key}")

        tenant_box = W.VBox(
            [self.tenant_search, self.pickers["tenants"], self.tenants_note],
            layout=W.Layout(flex="2 1 260px", min_width="200px"),
        )
        filters = W.Box(
            [
                tenant_box,
                *(self.pickers[a] for a, _, _ in _CHOICE_FILTERS),
                self.pickers["features"],
                self.created_from,
                self.created_to,
                self.group_by,
            ],
            layout=W.Layout(flex_flow="row wrap", align_items="flex-start", width="100%"),
        )
        filters.add_class("imgkit-filters")
        self.widget = W.VBox(
            [W.HTML(_CSS), self.title, filters, self.chips, self.count, self.empty, self.error, self.tabs],
            layout=W.Layout(width="100%"),
        )
        self.widget.add_class("imgkit-explorer")

        # ---- wiring
        self._observe(self.tenant_search, self._on_search)
        for attr, picker in self.pickers.items():
            self._observe(picker, functools.partial(self._on_pick, attr))
        for attr in ("tenants", *(a for a, _, _ in _CHOICE_FILTERS), "features", "created_from", "created_to"):
            self._observe(getattr(self, attr), self._on_filter)
        self._observe(self.group_by, self._on_group)
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
        self.error.value = f'<div style="color:#a40000;border:1px solid #a40000;padding:4px 8px"><b>Error:</b> {html.escape(detail)}</div>'
        self.error.layout.display = None

    def _clear_error(self) -> None:
        if self.error.value:
            self.error.value = ""
            self.error.layout.display = "none"

    def _make_grid(self) -> Any:
        from itables import JavascriptFunction
        from itables.widget import ITable

        self._grid_options: dict[str, Any] = {
            "pageLength": self._rows,
            "lengthMenu": sorted({self._rows, 20, 50, 100, 500}),
            "maxBytes": 0,  # the grid holds every row given (at most GRID_MAX_ROWS): no silent down-sampling
            "scrollX": True,
            "classes": "display nowrap compact",
            "layout": {"topStart": "buttons", "topEnd": "search", "bottomStart": "info", "bottomEnd": "paging"},
            "buttons": [
                {
                    "extend": "csvHtml5",
                    "text": "Download CSV",
                    "filename": "imgkit-images",
                    "exportOptions": {"format": {"body": JavascriptFunction(_CSV_CELL_JS)}},
                },
                "pageLength",
            ],
            "language": {"search": "Search images:", "emptyTable": "No image in the selection"},
            "showIndex": False,
        }
        return ITable(None, **self._grid_options)

    def close(self) -> None:
        """Release every observer and close the widgets."""
        for widget, handler, name in self._observers:
            try:
                widget.unobserve(handler, names=name)
            except ValueError:
                pass
        self._observers.clear()
        self.reset._click_handlers.callbacks.clear()
        for chip in self.chips.children:
            chip._click_handlers.callbacks.clear()
        self._close_tree(self.widget)
        for attr in ("tenants", *(a for a, _, _ in _CHOICE_FILTERS), "features"):
            getattr(self, attr).close()
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

    # ------------------------------------------------------------------ labels

    def _value_label(self, attr: str, value: str) -> str:
        if attr == "tenants":
            name = self._tenant_names.get(value)
            return f"{name} · {value[:8]}" if name else _plain(value)
        if attr == "features":
            return self._feature_labels.get(value, value)
        return _plain(value)

    # ------------------------------------------------------------------ callbacks

    def _on_search(self, change: dict[str, Any]) -> None:
        self._update_pickers()

    def _on_pick(self, attr: str, change: dict[str, Any]) -> None:
        value = change["new"]
        if value == _NONE or self._syncing:
            return
        holder = getattr(self, attr)
        self._syncing = True
        try:
            self.pickers[attr].value = _NONE
        finally:
            self._syncing = False
        if value not in holder.value:
            holder.value = (*holder.value, value)  # -> _on_filter

    def _on_filter(self, change: dict[str, Any]) -> None:
        self._refresh()

    def _on_group(self, change: dict[str, Any]) -> None:
        self._dirty.update(("OS distribution", "Age", "Feature support"))
        self._draw_visible()

    def _on_tab(self, change: dict[str, Any]) -> None:
        self._draw_visible()

    def _remove(self, attr: str, value: Any, _button: Any = None) -> None:
        if attr in ("created_from", "created_to"):
            getattr(self, attr).value = None
        else:
            holder = getattr(self, attr)
            holder.value = tuple(v for v in holder.value if v != value)

    def _on_reset(self, _button: Any = None) -> None:
        self._syncing = True
        try:
            self.tenant_search.value = ""
            for attr in ("tenants", *(a for a, _, _ in _CHOICE_FILTERS), "features"):
                getattr(self, attr).value = ()
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
        if self.tenants.value:
            sel["tenants"] = sorted(self.tenants.value)
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

    @property
    def empty_reason(self) -> str:
        """Why the selection is empty, in words ("" when it is not)."""
        if len(self._selected):
            return ""
        if not len(self._df):
            return "The listing has no images."
        start, end = self.created_from.value, self.created_to.value
        if start is not None and end is not None and start > end:
            return (
                f"No image: the date range is inverted (created from {start.isoformat()} to {end.isoformat()}). "
                "Swap the two dates."
            )
        chips = [label for label, _, _ in self._chip_specs()]
        if not chips:
            return "No image has the columns the explorer filters on."
        if len(chips) == 1:
            return f"No image matches {chips[0]}."
        return f"No image matches all of {', '.join(chips)}: remove a filter to widen the selection."

    def _masks(self) -> dict[str, np.ndarray]:
        """One boolean mask over the view per active filter (the selection is their AND).

        A filter's mask is kept while its value stays: a change recomputes one mask, not all.
        """
        from imgkit.analysis import filter_images

        view, masks = self._view, {}
        for key, value in self.selection.items():
            kept = self._mask_cache.get(key)
            if kept is None or kept[0] != repr(value):
                index = filter_images(view, **{key: value}).index
                kept = (repr(value), view.index.isin(index))
                self._mask_cache[key] = kept
            masks[key] = kept[1]
        return masks

    def _refresh(self) -> None:
        """Recompute the selection, the counts, the chips and the pickers; redraw the visible tab if rows changed."""
        import numpy as np

        if self._syncing:
            return
        start = time.perf_counter()
        previous = self._selected
        self._masks_now = masks = self._masks()
        mask = functools.reduce(np.logical_and, masks.values(), np.ones(len(self._view), dtype=bool))
        self._selected = self._view[mask]
        self._filtered = None
        self.count.value = f"<b>{html.escape(self.count_text)}</b>"
        reason = self.empty_reason
        self.empty.value = f"<span>{html.escape(reason)}</span>" if reason else ""
        self.empty.layout.display = None if reason else "none"
        self._update_chips()
        self._update_pickers()
        if not self.axes or not self._selected.index.equals(previous.index):
            self._dirty = set(_TABS)
        self.timings["recompute"] = time.perf_counter() - start
        self._draw_visible()

    def _others(self, key: str) -> np.ndarray | None:
        """The mask of every active filter but `key` (what a choice of `key` would narrow); None: all rows."""
        import numpy as np

        masks = [m for k, m in self._masks_now.items() if k != key]
        return functools.reduce(np.logical_and, masks) if masks else None

    def _counts(self, column: str, mask: np.ndarray | None) -> dict[str, int]:
        """Images per value of `column` among the rows of `mask`: integer codes (made once) counted, no copy."""
        import numpy as np
        import pandas as pd

        if column not in self._codes:
            series = self._view[column]
            if isinstance(series.dtype, pd.CategoricalDtype):
                codes, labels = series.cat.codes.to_numpy(), [str(c) for c in series.cat.categories]
            else:
                codes, uniques = pd.factorize(series, use_na_sentinel=True)
                labels = [str(u) for u in uniques]
            self._codes[column] = (np.asarray(codes), labels)
        codes, labels = self._codes[column]
        if mask is not None:
            codes = codes[mask]
        counts = np.bincount(codes[codes >= 0], minlength=len(labels))
        return dict(zip(labels, counts.tolist()))

    def _chip_specs(self) -> list[tuple[str, str, Any]]:
        """(label, attribute, value) of every active filter value."""
        specs = []
        for attr, label in (
            ("tenants", "Tenant"),
            *((a, lab) for a, _, lab in _CHOICE_FILTERS),
            ("features", "Feature"),
        ):
            for value in getattr(self, attr).value:
                specs.append((f"{label}: {self._value_label(attr, value)}", attr, value))
        if self.created_from.value is not None:
            specs.append((f"Created from {self.created_from.value.isoformat()}", "created_from", None))
        if self.created_to.value is not None:
            specs.append((f"Created to {self.created_to.value.isoformat()}", "created_to", None))
        return specs

    def _update_chips(self) -> None:
        for chip in self.chips.children:
            if chip is not self.reset:
                chip._click_handlers.callbacks.clear()
                chip.close()
        chips: list[W.Widget] = []
        for label, attr, value in self._chip_specs():
            chip = W.Button(description=f"{label} ×", tooltip=f"remove {label}", layout=W.Layout(width="auto"))
            chip.add_class("imgkit-chip")
            chip.on_click(self._guard(functools.partial(self._remove, attr, value)))
            chips.append(chip)
        if chips:
            chips.append(self.reset)
        self.chips.children = chips
        self.chips.layout.display = None if chips else "none"

    def _feature_mask(self, name: str) -> np.ndarray:
        """The images of the listing that support feature `name` (computed once)."""
        from imgkit.analysis import filter_images

        if name not in self._feature_masks:
            index = filter_images(self._view, features=[name]).index
            self._feature_masks[name] = self._view.index.isin(index)
        return self._feature_masks[name]

    def _update_pickers(self) -> None:
        """Each picker: the values not chosen yet, with the images each would keep given the other filters."""
        self._syncing = True
        try:
            for attr, column, label in (("tenants", "owner", "Tenant"), *_CHOICE_FILTERS):
                picker, holder = self.pickers[attr], getattr(self, attr)
                counts = self._counts(column, self._others(attr)) if column in self._view else {}
                chosen = set(holder.value)
                choices = [v for v in holder.options if v not in chosen]
                if attr == "tenants":
                    query = self.tenant_search.value.strip()
                    q = query.lower()
                    choices = [v for v in choices if q in self._tenant_text.get(v, v.lower())]
                    choices.sort(key=lambda v: -int(counts.get(v, 0)))
                    note = (
                        f"no tenant matches {query!r}"
                        if q and not choices
                        else f"{len(choices):,} tenants match"
                        if q
                        else ""
                    )
                    self.tenants_note.value = f'<span style="color:#5b6770">{html.escape(note)}</span>' if note else ""
                options = [(f"{label}…" if choices else f"{label}: no more choices", _NONE)]
                options += [(f"{self._value_label(attr, v)} ({int(counts.get(v, 0)):,})", v) for v in choices]
                picker.options = options
                picker.value = _NONE
            others = self._others("features")
            chosen = set(self.features.value)
            feature_options: list[tuple[str, str]] = [("Feature…", _NONE)]
            for name, flabel in self._feature_labels.items():
                if name not in chosen:
                    supported = self._feature_mask(name)
                    n = int(supported.sum() if others is None else (supported & others).sum())
                    feature_options.append((f"{flabel} ({n:,})", name))
            self.pickers["features"].options = feature_options
            self.pickers["features"].value = _NONE
        finally:
            self._syncing = False

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
            self._fill_grid()
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
        from imgkit.analysis import display_labels
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
                    named = by == "owner" and "owner_name" in df.columns
                    labels = display_labels(df, table.index) if named else None  # tenant names, as a new plot shows
                    restacked = restack_os_bars(ax, table, level=_OS_LEVEL, labels=labels)
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
                with warnings.catch_warnings():  # the browser's fonts draw the scripts DejaVu lacks (CJK names)
                    warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font", category=UserWarning)
                    area = fig.get_tightbbox().padded(0.15)
            self._figures[key] = (fig, by, area)
            svg = svg_of(fig, close=False, bbox_inches=area)
        return svg, ax

    def grid_frame(self) -> pd.DataFrame:
        """The rows the grid shows: the selection's grid columns, oldest first, at most :data:`GRID_MAX_ROWS`.

        Text as plain text (control characters escaped), ``size (GiB)`` from
        ``image_size`` (IMS) else ``size`` (Glance; 0 or missing: empty), creation time
        in UTC and ``age (days)`` at ``as_of``.
        """
        import numpy as np
        import pandas as pd

        from imgkit.analysis import age_days

        df = self._selected
        ordered = df.sort_values("created_at", na_position="last", kind="stable") if "created_at" in df else df
        ordered = ordered.head(GRID_MAX_ROWS)
        out = pd.DataFrame(index=ordered.index)
        for col in _GRID_COLUMNS:
            if col not in ordered or col in ("image_size", "size"):
                continue
            s = ordered[col]
            if col == "created_at":
                out[_GRID_HEADERS[col]] = s.dt.strftime("%Y-%m-%d %H:%M").astype("string")
            else:
                text = s.astype("string")
                odd = ~text.fillna("").map(str.isprintable).astype(bool)  # control characters: escaped
                if odd.any():
                    text = text.where(~odd, text[odd].map(_plain))
                out[_GRID_HEADERS.get(col, col)] = text
        size = pd.Series(np.nan, index=ordered.index, dtype="Float64")
        for col in ("size", "image_size"):  # image_size (IMS) wins over size (Glance; IMS: 'not used')
            if col in ordered:
                v = pd.to_numeric(ordered[col], errors="coerce").astype("Float64")
                size = v.where(v > 0, size)
        out.insert(min(len(out.columns), 8), "size (GiB)", (size / 2**30).round(2))
        if "created_at" in ordered:
            out["age (days)"] = pd.array(np.floor(age_days(ordered["created_at"], self.as_of)), dtype="Float64")
        return out.reset_index(drop=True)

    def _fill_grid(self) -> None:
        frame = self.grid_frame()
        n = len(self._selected)
        capped = (
            f" The grid holds the oldest {GRID_MAX_ROWS:,}; <code>explorer.filtered</code> or "
            "<code>imgkit export</code> give all of them."
            if n > GRID_MAX_ROWS
            else ""
        )
        self.grid_note.value = (
            f"<span>{n:,} images in the selection. Page through, search, sort by any column; "
            f"<i>Download CSV</i> saves the rows the grid's search keeps, in its order.{capped}</span>"
        )
        order = [[list(frame.columns).index("created (UTC)"), "asc"]] if "created (UTC)" in frame else []
        self.grid.update(frame, order=order, **self._grid_options)  # update() resets any option it is not given
