"""The df.imgkit accessor: validation in __init__, methods equal to the module functions."""

from __future__ import annotations

import inspect

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal, assert_series_equal
from test_analysis import RECORDS

import imgkit
from imgkit.accessor import ImgkitAccessor


@pytest.fixture
def small() -> pd.DataFrame:
    return imgkit.read_images(RECORDS, errors="ignore")


@pytest.mark.parametrize(
    "frame",
    [pd.DataFrame({"x": [1]}), pd.DataFrame({"id": ["a"]}), pd.DataFrame({"owner": ["t"]}), pd.DataFrame()],
)
def test_accessor_rejects_frames_that_are_not_image_frames(frame):
    assert not hasattr(frame, "imgkit")
    with pytest.raises(AttributeError, match="df.imgkit needs an image frame.*lacks"):
        frame.imgkit  # noqa: B018


def test_accessor_is_available_on_image_frames_and_subsets(small):
    assert isinstance(small.imgkit, ImgkitAccessor)
    assert isinstance(small.iloc[:0].imgkit, ImgkitAccessor)
    assert isinstance(small[["id", "owner"]].imgkit, ImgkitAccessor)


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("os_distribution", {"by": "owner", "top": 2, "normalize": True}),
        ("os_distribution", {"level": "os_bit"}),
        ("age_profile", {"by": "owner"}),
        ("age_profile", {"as_of": "2030-01-01"}),
        ("stale_images", {"older_than": "365D", "date_column": "updated_at"}),
        ("creation_timeline", {"freq": "YS", "by": "owner", "cumulative": True}),
        ("feature_support", {"normalize": False}),
        ("feature_support", {"by": "platform", "features": ["uefi"]}),
        ("tenant_summary", {}),
        ("filter_images", {"platforms": ["Ubuntu", "(missing)"], "features": ["cloud_init_injection"]}),
    ],
)
def test_accessor_methods_equal_the_functions(small, name, kwargs):
    expected = getattr(imgkit, name)(small, **kwargs)
    got = getattr(small.imgkit, name)(**kwargs)
    if isinstance(expected, pd.Series):
        assert_series_equal(got, expected)
    else:
        assert_frame_equal(got, expected)
    assert got.attrs.get("as_of_source") == expected.attrs.get("as_of_source")


def test_accessor_resolve_as_of(small):
    assert small.imgkit.resolve_as_of() == imgkit.resolve_as_of(small)


@pytest.mark.parametrize("name", ["plot_os_distribution", "plot_age", "plot_creation_timeline", "plot_feature_support"])
def test_accessor_plots_draw_the_same(small, name):
    a = getattr(imgkit, name)(small)
    b = getattr(small.imgkit, name)()
    assert b is not a
    assert b.get_title() == a.get_title()
    assert [t.get_text() for t in b.get_yticklabels()] == [t.get_text() for t in a.get_yticklabels()]
    assert len(b.patches) == len(a.patches) and len(b.collections) == len(a.collections)


@pytest.mark.parametrize(
    "name",
    [
        "resolve_as_of", "os_distribution", "age_profile", "stale_images", "creation_timeline", "feature_support",
        "tenant_summary", "filter_images", "plot_os_distribution", "plot_age", "plot_creation_timeline",
        "plot_feature_support",
    ],
)  # fmt: skip
def test_accessor_signatures_match_the_functions(name):
    function = inspect.signature(getattr(imgkit, name))
    method = inspect.signature(getattr(ImgkitAccessor, name))
    assert list(method.parameters.values())[1:] == list(function.parameters.values())[1:]
