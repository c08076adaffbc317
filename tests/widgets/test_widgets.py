"""ImageExplorer without a browser: set control values, assert .filtered, the count and what the plots drew."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import imgkit
from imgkit.widgets import ImageExplorer

AS_OF = "2026-01-01"


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    return imgkit.load_demo()


@pytest.fixture(scope="module")
def shared(demo):
    explorer = ImageExplorer(demo, as_of=AS_OF, rows=5, top=4)
    yield explorer
    explorer.close()


@pytest.fixture
def ex(shared):
    """The shared explorer, back in its initial state (cheap: nothing is redrawn unless it changed)."""
    shared.tabs.selected_index = 3
    shared.reset.click()
    shared.group_by.value = "owner"
    shared.tabs.selected_index = 0
    assert shared.last_error is None or shared.error.value == ""
    return shared


@pytest.fixture
def table_tab(ex):
    """The explorer showing its table: filter changes do not redraw plots (faster tests)."""
    ex.tabs.selected_index = 3
    return ex


def _ytick_labels(ax) -> list[str]:
    return [t.get_text() for t in ax.get_yticklabels()]


def test_initial_state(demo):
    ex = ImageExplorer(demo, as_of=AS_OF, rows=5, top=4)
    assert ex.filtered.equals(demo)
    assert ex.count_text == "5,000 of 5,000 images, 60 of 60 tenants"
    assert ex.count.value == "<b>5,000 of 5,000 images, 60 of 60 tenants</b>"
    assert ex.as_of == pd.Timestamp(AS_OF, tz="UTC") and ex.as_of_source == "argument"
    # only the visible tab (OS distribution) is drawn at first
    assert list(ex.axes) == ["os"]
    assert ex.axes["os"].get_title() == "OS distribution by owner"
    assert len(_ytick_labels(ex.axes["os"])) == 5  # top=4 tenants + "Other (56 tenants)"
    assert _ytick_labels(ex.axes["os"])[-1] == "Other (56 tenants)"
    out = ex.outputs["os"].outputs
    assert len(out) == 1 and out[0]["data"]["image/svg+xml"].startswith("<svg")
    assert ex.platforms.options[:3] == ("Windows", "Ubuntu", "RedHat")  # schema order, present values only
    assert "Fedora" in ex.platforms.options and "Other" in ex.platforms.options
    ex.close()


def test_platform_filter(ex, demo):
    ex.platforms.value = ("Ubuntu", "Debian")
    expected = imgkit.filter_images(demo, platforms=["Ubuntu", "Debian"])
    pd.testing.assert_frame_equal(ex.filtered, expected)
    n_tenants = expected["owner"].nunique()
    assert ex.count_text == f"{len(expected):,} of 5,000 images, {n_tenants} of 60 tenants"
    assert len(expected) == 1_701 + 527
    ax = ex.axes["os"]
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == ["Debian", "Ubuntu"]
    drawn = sum(p.get_width() for p in ax.patches)
    assert drawn == len(expected)


def test_combined_filters(table_tab, demo):
    ex = table_tab
    ex.statuses.value = ("active",)
    ex.visibilities.value = ("private",)
    ex.imagetypes.value = ("private",)
    ex.os_types.value = ("Linux",)
    ex.features.value = ("uefi", "support_kvm")
    expected = imgkit.filter_images(
        demo,
        statuses=["active"],
        visibilities=["private"],
        imagetypes=["private"],
        os_types=["Linux"],
        features=["uefi", "support_kvm"],
    )
    pd.testing.assert_frame_equal(ex.filtered, expected)
    assert 0 < len(expected) < 5000
    assert ex.selection == {
        "os_types": ["Linux"],
        "statuses": ["active"],
        "visibilities": ["private"],
        "imagetypes": ["private"],
        "features": ["uefi", "support_kvm"],
    }


def test_created_range_is_inclusive(table_tab, demo):
    ex = table_tab
    ex.created_from.value = dt.date(2024, 1, 1)
    ex.created_to.value = dt.date(2024, 12, 31)
    expected = imgkit.filter_images(demo, created_between=("2024-01-01", "2025-01-01"))
    pd.testing.assert_frame_equal(ex.filtered, expected)
    years = ex.filtered["created_at"].dt.year.unique().tolist()
    assert years == [2024]


def test_tenant_search_filters_the_picker_and_keeps_the_selection(table_tab, demo):
    ex = table_tab
    owners = demo["owner"].value_counts()
    first, second = owners.index[0], owners.index[1]
    ex.tenant_search.value = first[:6]
    choices = [v for _, v in ex.pickers["tenants"].options[1:]]
    assert choices == [o for o in owners.index if o.startswith(first[:6])]
    assert ex.pickers["tenants"].options[1] == (f"{first} ({owners[first]:,})", first)
    ex.pickers["tenants"].value = first  # choosing adds it, and the picker goes back to its label
    assert ex.tenants.value == (first,) and ex.pickers["tenants"].value == ex.pickers["tenants"].options[0][1]
    assert ex.count_text == f"{owners[first]:,} of 5,000 images, 1 of 60 tenants"
    # a second search: the first choice stays selected though it is not listed
    ex.tenant_search.value = second[:6]
    ex.pickers["tenants"].value = second
    assert set(ex.filtered["owner"].unique()) == {first, second}
    assert [c.description for c in ex.chips.children] == [f"Tenant: {first} ×", f"Tenant: {second} ×", "Clear all"]
    # a chosen tenant leaves the picker; no match says so
    ex.tenant_search.value = ""
    assert first not in [v for _, v in ex.pickers["tenants"].options]
    ex.tenant_search.value = "zzz"
    assert ex.tenants_note.value == '<span style="color:#5b6770">no tenant matches &#x27;zzz&#x27;</span>'
    assert ex.pickers["tenants"].options == (("Tenant: no more choices", ex.pickers["tenants"].options[0][1]),)
    # removing one through its chip
    ex.chips.children[0].click()
    assert set(ex.filtered["owner"].unique()) == {second}


def test_picker_counts_respect_the_other_filters(table_tab, demo):
    ex = table_tab
    ex.platforms.value = ("Windows",)
    windows = imgkit.filter_images(demo, platforms=["Windows"])
    counts = windows["status"].value_counts()
    options = dict((v, label) for label, v in ex.pickers["statuses"].options[1:])
    assert options["active"] == f"active ({counts['active']:,})"
    # a filter's own choices ignore itself: the other platforms still show their full counts
    platform_options = dict((v, label) for label, v in ex.pickers["platforms"].options[1:])
    assert "Windows" not in platform_options  # chosen: a chip now
    assert platform_options["Ubuntu"] == f"Ubuntu ({(demo['platform'] == 'Ubuntu').sum():,})"
    kvm = len(imgkit.filter_images(windows, features=["support_kvm"]))
    assert ("KVM (" + f"{kvm:,})", "support_kvm") in ex.pickers["features"].options


def test_grouping_and_tabs(ex, demo):
    ex.group_by.value = "visibility"
    assert ex.axes["os"].get_title() == "OS distribution by visibility"
    assert _ytick_labels(ex.axes["os"]) == ["public", "private", "shared"]
    age_before = ex.axes.get("age")
    ex.tabs.selected_index = 1
    assert ex.axes["age"] is not age_before
    assert ex.axes["age"].get_title() == "Image age as of 2026-01-01 (argument)"
    legend = sorted(t.get_text() for t in ex.axes["age"].get_legend().get_texts())
    assert legend == ["private", "public", "shared"]
    ex.tabs.selected_index = 2
    ax = ex.axes["features"]
    assert ax.get_title() == "Feature support by visibility"
    assert _ytick_labels(ax) == ["public", "private", "shared", "All images"]


def test_grid_holds_the_selection_oldest_first(ex, demo):
    ex.tabs.selected_index = 3
    frame = ex.grid_frame()
    assert list(frame.columns) == [
        "id",
        "name",
        "tenant id",
        "platform",
        "OS version",
        "status",
        "visibility",
        "image type",
        "size (GiB)",
        "created (UTC)",
        "age (days)",
    ]
    oldest = demo.sort_values("created_at", kind="stable")
    assert frame["id"].tolist() == oldest["id"].tolist()
    first = oldest.iloc[0]
    assert frame["size (GiB)"].iloc[0] == round(int(first["image_size"]) / 2**30, 2)
    assert frame["created (UTC)"].iloc[0] == first["created_at"].strftime("%Y-%m-%d %H:%M")
    assert ex.grid.df is not None and len(ex.grid.df) == 5000
    assert ex.grid._dt_args["pageLength"] == 5 and ex.grid._dt_args["buttons"][0]["text"] == "Download CSV"
    assert "downsampling_warning" not in ex.grid._dt_args or not ex.grid._dt_args["downsampling_warning"]
    assert ex.grid_note.value.startswith("<span>5,000 images in the selection.")
    ex.platforms.value = ("Debian",)
    assert len(ex.grid.df) == 527 and set(ex.grid.df["platform"]) == {"Debian"}


def test_grid_is_capped_and_says_so(table_tab, monkeypatch):
    import imgkit.widgets._explorer as explorer_module

    monkeypatch.setattr(explorer_module, "GRID_MAX_ROWS", 100)
    ex = table_tab
    ex.statuses.value = ("active",)
    assert len(ex.grid.df) == 100 and len(ex.filtered) > 100
    assert f"{len(ex.filtered):,} images in the selection." in ex.grid_note.value
    assert "The grid holds the oldest 100;" in ex.grid_note.value


def test_redraw_only_when_rows_change(ex):
    drawn = ex.draws["OS distribution"]
    ex.platforms.value = tuple(ex.platforms.options)  # every platform: same rows
    assert ex.draws["OS distribution"] == drawn
    ex.platforms.value = ("Windows",)
    assert ex.draws["OS distribution"] == drawn + 1


def _bars(ax) -> dict[str, list[tuple[float, float]]]:
    """(x, width) of every bar, per legend entry (segments without a visible entry left out)."""
    from matplotlib.container import BarContainer

    return {
        c.get_label(): [(round(p.get_x(), 9), round(p.get_width(), 9)) for p in c.patches]
        for c in ax.containers
        if isinstance(c, BarContainer) and not c.get_label().startswith("_")
    }


@pytest.mark.parametrize(
    "change",
    [
        {"platforms": ("Windows",)},
        {"platforms": ("Ubuntu", "Debian")},
        {"statuses": ("active",)},
        {"imagetypes": ("private",), "visibilities": ("private",)},
    ],
)
def test_os_plot_redrawn_in_place_shows_what_a_new_plot_shows(ex, change):
    """The explorer reuses its figure and moves its bars: the result is the plot of the selection, drawn anew."""
    fig = ex.axes["os"].figure
    for attr, value in change.items():
        getattr(ex, attr).value = value
    ax = ex.axes["os"]
    assert ax.figure is fig  # the figure was reused
    fresh = imgkit.plot_os_distribution(ex.filtered, by="owner", top_groups=4)
    assert _ytick_labels(ax) == _ytick_labels(fresh)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [t.get_text() for t in fresh.get_legend().get_texts()]
    drawn, expected = _bars(ax), _bars(fresh)
    assert {k: [(x, w) for x, w in v if w] for k, v in drawn.items()} == {
        k: [(x, w) for x, w in v if w] for k, v in expected.items()
    }
    assert sum(p.get_width() for p in ax.patches) == len(ex.filtered)
    assert ax.get_xlim() == pytest.approx(fresh.get_xlim())


def test_empty_selection(ex):
    ex.platforms.value = ("Windows",)
    ex.os_types.value = ("Linux",)
    assert len(ex.filtered) == 0
    assert ex.count_text == "0 of 5,000 images, 0 of 60 tenants"
    ex.redraw()
    assert ex.error.value == ""
    assert ex.axes["os"].texts[0].get_text() == "no images"
    assert (
        ex.empty_reason
        == "No image matches all of Platform: Windows, OS type: Linux: remove a filter to widen the selection."
    )
    assert ex.empty.layout.display is None and "remove a filter" in ex.empty.value


def test_inverted_date_range_says_so(table_tab):
    ex = table_tab
    ex.created_from.value = dt.date(2025, 1, 1)
    ex.created_to.value = dt.date(2024, 1, 1)
    assert len(ex.filtered) == 0
    assert ex.empty_reason == (
        "No image: the date range is inverted (created from 2025-01-01 to 2024-01-01). Swap the two dates."
    )
    assert [c.description for c in ex.chips.children] == [
        "Created from 2025-01-01 ×",
        "Created to 2024-01-01 ×",
        "Clear all",
    ]
    ex.chips.children[0].click()
    assert ex.created_from.value is None and len(ex.filtered) > 0 and ex.empty_reason == ""
    assert ex.empty.layout.display == "none"


def test_labels_with_control_characters_keep_the_svg_valid(demo):
    import xml.etree.ElementTree as ET

    df = demo.head(200).copy()
    df["owner"] = df["owner"].astype("string")
    df.loc[df.index[:50], "owner"] = "bad\x01tenant\x1b[2J"
    ex = ImageExplorer(df, as_of=AS_OF)
    ex.redraw()
    for output in ex.outputs.values():
        ET.fromstring(output.outputs[0]["data"]["image/svg+xml"])  # well-formed XML
    labels = [label for label, _ in ex.pickers["tenants"].options]
    assert "bad\\x01tenant\\x1b[2J (50)" in labels
    assert "bad\\x01tenant\\x1b[2J" in ex.grid_frame()["tenant id"].tolist()
    ex.close()


def test_tenant_names_label_pickers_chips_plots_and_grid():
    named = imgkit.load_demo(tenant_names=True)
    ex = ImageExplorer(named, as_of=AS_OF, top=3)
    biggest = named["owner"].value_counts().index[0]
    assert ex.pickers["tenants"].options[1] == (f"华东电商平台 · {biggest[:8]} (939)", biggest)
    assert _ytick_labels(ex.axes["os"])[:2] == ["华东电商平台", "DevOps Platform"]
    ex.platforms.value = ("Ubuntu",)  # the bars are moved in place: still labelled by name
    assert _ytick_labels(ex.axes["os"])[0] == "DevOps Platform"
    ex.tenants.value = (biggest,)
    assert [c.description for c in ex.chips.children][0] == f"Tenant: 华东电商平台 · {biggest[:8]} ×"
    assert ex.grid_frame().columns[2] == "tenant" and set(ex.grid_frame()["tenant"]) == {"华东电商平台"}
    ex.close()


def test_reset(table_tab, demo):
    ex = table_tab
    ex.platforms.value = ("Ubuntu",)
    ex.tenant_search.value = "zzz"
    ex.reset.click()
    assert ex.count_text == "5,000 of 5,000 images, 60 of 60 tenants"
    assert ex.platforms.value == () and ex.tenant_search.value == ""
    assert len(ex.tenants.options) == 60


def test_callback_errors_are_shown(table_tab, monkeypatch):
    ex = table_tab

    def boom(*args, **kwargs):
        raise RuntimeError("filter <exploded>")

    monkeypatch.setattr(imgkit.analysis, "filter_images", boom)
    ex.platforms.value = ("Fedora", "Ubuntu")  # a new value: its mask is computed (no exception escapes)
    assert isinstance(ex.last_error, RuntimeError)
    assert "RuntimeError: filter &lt;exploded&gt;" in ex.error.value
    assert ex.error.layout.display is None
    monkeypatch.undo()
    ex.platforms.value = ("Debian",)
    assert ex.error.value == "" and ex.error.layout.display == "none"
    assert ex.count_text.startswith("527 of 5,000 images")


def test_close_releases_observers(demo):
    ex = ImageExplorer(demo.head(50), as_of=AS_OF)
    ex.close()
    before = ex.count_text
    ex.platforms.value = ()  # closed widgets: no observer fires
    assert ex.count_text == before
    assert ex._observers == []
    assert ex.widget.comm is None


def test_escapes_data_strings(demo):
    df = demo.head(30).copy()
    df["name"] = df["name"].astype("string")
    df.loc[df.index[0], "name"] = "<script>alert(1)</script>"
    df.loc[df.index[0], "created_at"] = pd.Timestamp("2000-01-01", tz="UTC")
    ex = ImageExplorer(df, as_of=AS_OF)
    ex.tabs.selected_index = 3
    data = ex.grid._dt_args["data_json"]
    assert "<script>" not in data and "&lt;script&gt;alert(1)&lt;/script&gt;" in data
    ex.close()


def test_empty_and_bare_frames(demo):
    empty = ImageExplorer(demo.iloc[:0])
    empty.redraw()
    assert empty.count_text == "0 of 0 images, 0 of 0 tenants"
    assert empty.error.value == "" and empty.platforms.options == ()
    assert empty.axes["age"].texts[0].get_text() == "no images"
    empty.close()
    one = demo[demo["owner"] == demo["owner"].iloc[0]].copy()
    one.attrs = {}
    ex = ImageExplorer(one)
    assert ex.as_of_source == "latest updated_at" and ex.as_of == one["updated_at"].max()
    assert ex.count_text == f"{len(one):,} of {len(one):,} images, 1 of 1 tenants"
    ex.close()


@pytest.mark.parametrize("dtype", ["datetime64[ns, UTC]", "datetime64[ns]"])
def test_frame_without_creation_dates(demo, dtype):
    """All created_at missing, typed or as a user sets it (df["created_at"] = pd.NaT gives a zone-less column)."""
    undated = demo.head(30).copy()
    undated["created_at"] = pd.Series(pd.NaT, index=undated.index, dtype=dtype)
    ex = ImageExplorer(undated, as_of="2026-01-01")
    ex.redraw()  # the table subtracted created_at from as_of: TypeError on a zone-less column
    assert ex.last_error is None and ex.error.value == ""
    assert ex.axes["age"].texts[0].get_text() == "no images with a created_at"
    assert ex.grid_note.value.startswith("<span>30 images in the selection.")
    ex.created_from.value = dt.date(2020, 1, 1)
    assert ex.count_text == "0 of 30 images, 0 of " + f"{undated['owner'].nunique()} tenants"
    assert ex.last_error is None
    ex.close()


def test_widget_root_and_repr(ex):
    assert ex.widget.children[-1] is ex.tabs
    assert repr(ex) == "<ImageExplorer: 5,000 of 5,000 images, 60 of 60 tenants>"


@pytest.mark.parametrize("kwargs", [{"rows": 0}, {"top": "5"}])
def test_bad_options(demo, kwargs):
    with pytest.raises(imgkit.ConfigError, match="must be a positive integer"):
        ImageExplorer(demo, **kwargs)
