"""imgkit.plotting: checked through what was drawn (patches, widths, tick labels, titles, legends)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from test_analysis import RECORDS

import imgkit
from imgkit.analysis._core import ALL_TENANTS, MISSING
from imgkit.errors import ConfigError
from imgkit.schema import FIELDS

PLATFORMS = next(f.values for f in FIELDS if f.column == "platform")


@pytest.fixture
def small() -> pd.DataFrame:
    return imgkit.read_images(RECORDS, errors="ignore")


@pytest.fixture(scope="module")
def many() -> pd.DataFrame:
    """500 tenants with 1..4 images each (2 platforms), dated in 2020-2023."""
    rng = np.random.default_rng(0)
    records = []
    for t in range(500):
        for k in range(1 + t % 4):
            records.append(
                {
                    "id": f"{t}-{k}",
                    "owner": f"tenant-{t:03d}",
                    "__platform": "Ubuntu" if k % 2 == 0 else "Debian",
                    "created_at": f"{2020 + int(rng.integers(0, 4))}-0{1 + k}-01T00:00:00Z",
                    "updated_at": "2024-01-01T00:00:00Z",
                    "hw_firmware_type": "uefi" if k == 0 else "bios",
                }
            )
    return imgkit.read_images(records, errors="ignore")


def texts(labels) -> list[str]:
    return [t.get_text() for t in labels]


def legend_texts(ax) -> list[str]:
    return texts(ax.get_legend().get_texts())


# --------------------------------------------------------------------------- colours
def test_platform_colors_are_stable_and_distinct():
    documented = imgkit.platform_colors()
    assert list(documented) == list(PLATFORMS)
    assert len(set(documented.values())) == len(PLATFORMS)
    again = imgkit.platform_colors(["Gentoo", "Ubuntu", MISSING])
    assert again["Ubuntu"] == documented["Ubuntu"]
    assert again["Gentoo"] == imgkit.platform_colors(["Gentoo"])["Gentoo"] not in documented.values()
    assert again[MISSING] != documented["Other"]


def _hex(color) -> str:
    from matplotlib.colors import to_hex

    return to_hex(color)


def test_group_colors_fixed_for_documented_values_whatever_is_present():
    from imgkit.plotting import group_colors

    full = group_colors(["gold", "private", "shared", "market"], by="imagetype")
    assert group_colors(["private", "market"], by="imagetype") == {"private": full["private"], "market": full["market"]}
    assert len(set(full.values())) == 4
    assert group_colors(["Ubuntu", "Gentoo"], by="platform") == imgkit.platform_colors(["Ubuntu", "Gentoo"])


def test_group_colors_distinct_within_a_call_while_colours_last():
    from imgkit.plotting import group_colors

    tenants = [f"tenant-{i:03d}" for i in range(30)]
    colors = group_colors(tenants, by="owner")
    assert len(set(colors.values())) == 30
    assert group_colors(tenants[:6], by="owner") == {t: colors[t] for t in tenants[:6]}  # a prefix keeps its colours


def test_image_type_colours_agree_between_age_and_timeline(small):
    """Regression: plot_age drew gold in blue, plot_creation_timeline drew private (the largest) in blue."""
    df = small.copy()
    df["imagetype"] = pd.Categorical(
        ["private", "private", "gold", "private", "shared", "private"],
        categories=["gold", "private", "shared", "market"],
    )  # private is the largest group, gold the first category
    age = imgkit.plot_age(df, by="imagetype", as_of="2025-01-01")
    age_colors = {t: _hex(h.get_facecolor()) for t, h in zip(legend_texts(age), age.get_legend().legend_handles)}
    timeline = imgkit.plot_creation_timeline(df, by="imagetype", freq="YS")
    tl_colors = {
        t: _hex(h.get_facecolor()) for t, h in zip(legend_texts(timeline), timeline.get_legend().legend_handles)
    }
    assert set(age_colors) == set(tl_colors) == {"gold", "private", "shared"}
    assert age_colors == tl_colors
    assert age_colors["gold"] != age_colors["private"]


def test_tenant_colours_agree_between_age_and_timeline(many):
    age = imgkit.plot_age(many, by="owner", top=5)
    timeline = imgkit.plot_creation_timeline(many, by="owner", top=5)
    a = {t: _hex(h.get_facecolor()) for t, h in zip(legend_texts(age), age.get_legend().legend_handles)}
    b = {t: _hex(h.get_facecolor()) for t, h in zip(legend_texts(timeline), timeline.get_legend().legend_handles)}
    assert a == b and len(set(a.values())) == 6


def test_os_version_segments_never_share_a_colour():
    df = imgkit.load_demo()
    ax = imgkit.plot_os_distribution(df, by=None, level="os_version", top=12)
    colors = [_hex(h.get_facecolor()) for h in ax.get_legend().legend_handles]
    assert len(colors) == 13 and len(set(colors)) == 13


# --------------------------------------------------------------------------- OS distribution
def test_plot_os_distribution_bars(small):
    ax = imgkit.plot_os_distribution(small)
    assert ax.get_title() == "OS distribution by owner"
    assert texts(ax.get_yticklabels()) == ["t1", "t2", MISSING]
    # only platforms that occur are drawn: Windows, Ubuntu, CentOS, Gentoo, (missing)
    assert legend_texts(ax) == ["Ubuntu", "Windows", "CentOS", "Gentoo", MISSING]  # largest first
    assert len(ax.patches) == 5 * 3
    totals = {}
    for bar in ax.patches:
        y = round(bar.get_y() + bar.get_height() / 2)
        totals[y] = totals.get(y, 0) + bar.get_width()
    assert totals == {0: 3, 1: 2, 2: 1}
    colors = imgkit.platform_colors(["Ubuntu"])
    handles = dict(zip(legend_texts(ax), ax.get_legend().legend_handles))
    assert tuple(handles["Ubuntu"].get_facecolor()[:3]) == pytest.approx(
        tuple(int(colors["Ubuntu"][i : i + 2], 16) / 255 for i in (1, 3, 5))
    )


def test_plot_os_distribution_normalize_top_and_kwargs(small):
    ax = imgkit.plot_os_distribution(small, top=1, normalize=True, height=0.5)
    assert legend_texts(ax) == ["Ubuntu", "Other", MISSING]
    assert ax.get_xlabel() == "share of images"
    widths = np.array([p.get_width() for p in ax.patches]).reshape(3, 3)
    np.testing.assert_allclose(widths.sum(axis=0), 1.0)
    assert {p.get_height() for p in ax.patches} == {0.5}


def test_plot_os_distribution_500_tenants_folds(many):
    ax = imgkit.plot_os_distribution(many, top_groups=10)
    labels = texts(ax.get_yticklabels())
    assert len(labels) == 11 and labels[-1] == "Other (490 tenants)"
    assert labels[0] == "tenant-003"  # four images, the first of the largest
    widths = sum(p.get_width() for p in ax.patches)
    assert widths == len(many)


def test_plot_os_distribution_overall_and_existing_ax(small):
    fig, (left, right) = plt.subplots(1, 2)
    ax = imgkit.plot_os_distribution(small, by=None, level="os_type", ax=right)
    assert ax is right and not left.patches
    assert texts(ax.get_yticklabels()) == ["All images"]
    assert legend_texts(ax) == ["Linux", "Windows"]


# --------------------------------------------------------------------------- empty frames
@pytest.mark.parametrize(
    "plot",
    [imgkit.plot_os_distribution, imgkit.plot_age, imgkit.plot_creation_timeline, imgkit.plot_feature_support],
)
def test_every_plot_handles_an_empty_frame(small, plot):
    ax = plot(small.iloc[:0])
    assert [t.get_text() for t in ax.texts] == ["no images"]
    assert not ax.patches and not ax.collections and not ax.images
    assert ax.get_title()


# --------------------------------------------------------------------------- age
def test_plot_age_histogram(small):
    ax = imgkit.plot_age(small, bins=10)
    assert ax.get_title() == "Image age as of 2025-01-01 (latest updated_at)"
    assert len(ax.patches) == 10
    assert sum(p.get_height() for p in ax.patches) == 5  # b1 has no created_at
    assert ax.get_xlabel() == "age (years)"
    assert max(p.get_x() + p.get_width() for p in ax.patches) == pytest.approx(3653 / 365)


def test_plot_age_by_group_top_and_ecdf(small, many):
    small.attrs["imgkit"]["fetched_at"] = "2026-01-01T00:00:00+00:00"
    ax = imgkit.plot_age(small, by="owner", top=1, bins=5)
    assert "as of 2026-01-01 (fetched_at)" in ax.get_title()
    assert legend_texts(ax) == ["t1", "Other (2 tenants)"]
    assert len(ax.patches) == 10
    ax = imgkit.plot_age(many, by="owner", kind="ecdf", top=3)
    assert len(ax.lines) == 4 and legend_texts(ax)[-1] == "Other (497 tenants)"
    with pytest.raises(ConfigError, match="`kind` must be one of 'hist', 'ecdf'"):
        imgkit.plot_age(small, kind="violin")


# --------------------------------------------------------------------------- timeline
def test_plot_creation_timeline(small):
    ax = imgkit.plot_creation_timeline(small, freq="YS", by="owner")
    assert ax.get_title() == "Images created by owner"
    assert len(ax.collections) == 3
    assert legend_texts(ax) == ["t1", "t2", MISSING]
    ax = imgkit.plot_creation_timeline(small, freq="YS", cumulative=True)
    assert ax.get_title() == "Images in the catalogue" and ax.get_legend() is None
    top = ax.collections[0].get_paths()[0].vertices[:, 1].max()
    assert top == 5


def test_plot_creation_timeline_500_tenants(many):
    ax = imgkit.plot_creation_timeline(many, by="owner", top=5)
    assert len(ax.collections) == 6 and legend_texts(ax)[-1] == "Other (495 tenants)"  # as in plot_age


# --------------------------------------------------------------------------- feature heatmap
def test_plot_feature_support_heatmap(small):
    ax = imgkit.plot_feature_support(small, features=["uefi", "cloud_init_injection"])
    assert texts(ax.get_xticklabels()) == ["UEFI boot", "Cloud-Init injection"]
    assert texts(ax.get_yticklabels()) == ["t1", "t2", MISSING, ALL_TENANTS]
    data = ax.images[0].get_array()
    np.testing.assert_allclose(data, [[1 / 3, 2 / 3], [0, 1], [0, 1], [1 / 6, 5 / 6]])
    assert [t.get_text() for t in ax.texts] == ["33%", "67%", "0%", "100%", "0%", "100%", "17%", "83%"]


def test_plot_feature_support_500_tenants(many):
    ax = imgkit.plot_feature_support(many, top=5, annot=False, cmap="viridis")
    labels = texts(ax.get_yticklabels())
    assert labels[-2:] == ["Other (495 tenants)", ALL_TENANTS] and len(labels) == 7
    assert not ax.texts and ax.images[0].get_cmap().name == "viridis"
    data = ax.images[0].get_array()
    assert data.shape == (7, len(imgkit.feature_labels()))
    uefi = list(imgkit.feature_labels()).index("uefi")
    assert data[-1, uefi] == pytest.approx(500 / len(many))
    assert data[0, uefi] == pytest.approx(0.25)  # tenant-003: four images, one UEFI


def test_plots_on_one_tenant(small):
    one = imgkit.filter_images(small, tenants="t1")
    assert texts(imgkit.plot_os_distribution(one).get_yticklabels()) == ["t1"]
    assert texts(imgkit.plot_feature_support(one).get_yticklabels()) == ["t1", ALL_TENANTS]
    assert len(imgkit.plot_creation_timeline(one, by="owner").collections) == 1
    assert sum(p.get_height() for p in imgkit.plot_age(one, bins=3).patches) == 3


def test_plots_never_show(small, monkeypatch):
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plt.show() called"))
    for plot in (imgkit.plot_os_distribution, imgkit.plot_age, imgkit.plot_creation_timeline,
                 imgkit.plot_feature_support):  # fmt: skip
        assert plot(small).figure is not None


@pytest.mark.parametrize(
    ("plot", "kwargs", "match"),
    [
        ("plot_age", {"by": "nope"}, "`by` must be None or a column"),  # was a KeyError
        ("plot_age", {"kind": "violin"}, "`kind` must be one of"),
        ("plot_age", {"as_of": "soon"}, "`as_of` must be a date/time"),
        ("plot_creation_timeline", {"by": "nope"}, "`by` must be None or a column"),
        ("plot_creation_timeline", {"freq": "fortnightly"}, "`freq`"),
        ("plot_os_distribution", {"level": "kernel"}, "`level` must be one of"),
        ("plot_feature_support", {"features": ["gpu"]}, "`features` must be one of"),
    ],
)
def test_bad_options_raise_config_error_and_leave_no_figure(small, plot, kwargs, match):
    before = plt.get_fignums()
    with pytest.raises(ConfigError, match=match):
        getattr(imgkit, plot)(small, **kwargs)
    assert plt.get_fignums() == before


def test_plot_age_on_a_frame_without_created_at(small):
    with pytest.raises(ConfigError, match="lacks the column.*'created_at'"):
        imgkit.plot_age(small[["id", "owner"]])
    assert plt.get_fignums() == []


def test_plot_age_without_dates_says_so():
    df = imgkit.read_images([{"id": "x", "owner": "t"}], errors="ignore")
    ax = imgkit.plot_age(df)
    assert [t.get_text() for t in ax.texts] == ["no images with a created_at and as_of"]
    assert ax.get_title() == "Image age as of (unknown)"


def test_plot_creation_timeline_single_period_is_visible(small):
    one = small[small["id"] == "a1"]
    ax = imgkit.plot_creation_timeline(one, freq="YS")
    xs = ax.collections[0].get_paths()[0].vertices[:, 0]
    assert xs.max() - xs.min() == pytest.approx(365)  # 2019-01-01 to 2020-01-01, in days
