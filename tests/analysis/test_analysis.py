"""imgkit.analysis: exact figures on a small handcrafted listing built from raw API records."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import imgkit
from imgkit.analysis._core import ALL_IMAGES, ALL_TENANTS, MISSING, OTHER
from imgkit.errors import ConfigError
from imgkit.schema import FIELDS

PLATFORMS = next(f.values for f in FIELDS if f.column == "platform")
UTC = "UTC"


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz=UTC)


# Six raw records: three tenants (t1: 3 images, t2: 2, one image without owner), an undocumented
# platform ("Gentoo"), a missing platform, a missing created_at, absent capability flags.
RECORDS = [
    {
        "id": "a1",
        "owner": "t1",
        "status": "active",
        "visibility": "public",
        "__imagetype": "gold",
        "__platform": "Ubuntu",
        "__os_type": "Linux",
        "__os_bit": "64",
        "created_at": "2019-01-01T00:00:00Z",
        "updated_at": "2020-01-01T00:00:00Z",
        "__support_kvm": "true",
        "hw_firmware_type": "uefi",
        "__lazyloading": "true",
        "__image_size": "100",
    },
    {
        "id": "a2",
        "owner": "t1",
        "status": "active",
        "visibility": "private",
        "__imagetype": "private",
        "__platform": "Ubuntu",
        "__os_type": "Linux",
        "__os_bit": "64",
        "created_at": "2023-01-01T00:00:00Z",
        "updated_at": "2024-01-01T00:00:00Z",
        "__support_xen": "true",
        "__support_fc_inject": "true",
        "hw_firmware_type": "bios",
        "__image_size": "50",
    },
    {
        "id": "a3",
        "owner": "t1",
        "status": "active",
        "visibility": "shared",
        "__imagetype": "shared",
        "__platform": "Windows",
        "__os_type": "Windows",
        "__os_bit": "64",
        "created_at": "2024-06-01T00:00:00Z",
        "updated_at": "2024-06-02T00:00:00Z",
        "__support_kvm_gpu_type": "V100",
    },
    {
        "id": "b1",
        "owner": "t2",
        "status": "active",
        "visibility": "community",
        "__platform": "Gentoo",
        "__os_type": "Linux",
        "__os_bit": "32",
        "updated_at": "2025-01-01T00:00:00Z",
        "__lazyloading": "false",
    },
    {
        "id": "b2",
        "owner": "t2",
        "status": "queued",
        "visibility": "public",
        "__imagetype": "market",
        "__os_type": "Linux",
        "created_at": "2024-12-31T00:00:00Z",
        "updated_at": "2024-12-31T00:00:00Z",
    },
    {
        "id": "c1",
        "status": "active",
        "visibility": "public",
        "__imagetype": "gold",
        "__platform": "CentOS",
        "__os_type": "Linux",
        "__os_bit": "64",
        "created_at": "2015-01-01T00:00:00Z",
        "updated_at": "2015-01-01T00:00:00Z",
        "__support_kvm_fpga_type": "VU9P",
    },
]
# Default as_of = latest updated_at = 2025-01-01. Ages (days) at that time:
# a1 2192, a2 731, a3 214, b1 -, b2 1, c1 3653.


@pytest.fixture
def small() -> pd.DataFrame:
    return imgkit.read_images(RECORDS, errors="ignore")


def ids(df: pd.DataFrame) -> list[str]:
    return df["id"].tolist()


# --------------------------------------------------------------------------- os_distribution
def test_os_distribution_overall_keeps_documented_order_then_unknown_then_missing(small):
    s = imgkit.os_distribution(small)
    assert list(s.index) == [*PLATFORMS, "Gentoo", MISSING]
    assert s.name == "count" and s.index.name == "platform" and s.dtype == np.int64
    assert s[["Windows", "Ubuntu", "CentOS", "Gentoo", MISSING]].tolist() == [1, 2, 1, 1, 1]
    assert s["RedHat"] == 0 and int(s.sum()) == 6


def test_os_distribution_by_owner(small):
    t = imgkit.os_distribution(small, by="owner")
    assert list(t.index) == ["t1", "t2", MISSING]
    assert t.index.name == "owner" and t.columns.name == "platform"
    assert t.loc["t1", ["Windows", "Ubuntu"]].tolist() == [1, 2]
    assert t.loc["t2", ["Gentoo", MISSING]].tolist() == [1, 1]
    assert t.loc[MISSING, "CentOS"] == 1
    assert t.sum(axis=1).tolist() == [3, 2, 1]


def test_os_distribution_top_folds_into_other(small):
    t = imgkit.os_distribution(small, by="owner", top=2)
    # Ubuntu (2) first; the three platforms with one image tie, broken by column order -> Windows;
    # "(missing)" is never folded and stays last
    assert list(t.columns) == ["Ubuntu", "Windows", OTHER, MISSING]
    assert t.loc["t2"].tolist() == [0, 0, 1, 1] and t.loc[MISSING, OTHER] == 1
    assert t.to_numpy().sum() == 6


def test_os_distribution_normalize_and_levels(small):
    shares = imgkit.os_distribution(small, by="owner", normalize=True)
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)
    assert shares.loc["t1", "Ubuntu"] == pytest.approx(2 / 3)
    bits = imgkit.os_distribution(small, level="os_bit")
    assert bits.to_dict() == {"32": 1, "64": 4, MISSING: 1}
    os_type = imgkit.os_distribution(small, level="os_type", by="visibility")
    assert list(os_type.index) == ["public", "private", "shared", "community"]
    assert list(os_type.columns) == ["Linux", "Windows", "Other"]
    assert os_type.loc["public"].tolist() == [3, 0, 0]


def test_os_distribution_version_level_orders_by_count():
    df = imgkit.read_images(
        [{"id": str(i), "__os_version": v} for i, v in enumerate(["B 1", "A 2", "B 1", None])], errors="ignore"
    )
    assert imgkit.os_distribution(df, level="os_version").to_dict() == {"B 1": 2, "A 2": 1, MISSING: 1}


def test_os_distribution_bad_options(small):
    with pytest.raises(ConfigError, match="`level` must be one of 'platform', 'os_type'"):
        imgkit.os_distribution(small, level="kernel")
    with pytest.raises(ConfigError, match="`by` must be None or a column"):
        imgkit.os_distribution(small, by="tenant")
    with pytest.raises(ConfigError, match="`top`"):
        imgkit.os_distribution(small, top=0)


# --------------------------------------------------------------------------- as_of
def test_as_of_default_is_latest_updated_then_fetched_at_then_argument(small):
    assert imgkit.resolve_as_of(small) == (ts("2025-01-01"), "latest updated_at")
    small.attrs["imgkit"]["fetched_at"] = "2026-01-01T00:00:00+00:00"
    assert imgkit.resolve_as_of(small) == (ts("2026-01-01"), "fetched_at")
    assert imgkit.resolve_as_of(small, "2030-01-01") == (ts("2030-01-01"), "argument")
    # a subset whose attrs were dropped by the user still works
    bare = small.copy()
    bare.attrs = {}
    assert imgkit.resolve_as_of(bare) == (ts("2025-01-01"), "latest updated_at")
    assert imgkit.resolve_as_of(bare.iloc[:0])[0] is pd.NaT


# --------------------------------------------------------------------------- age_profile
def test_age_profile_by_owner_exact(small):
    p = imgkit.age_profile(small, by="owner")
    assert p.attrs["as_of"] == ts("2025-01-01") and p.attrs["as_of_source"] == "latest updated_at"
    assert list(p.index) == ["t1", "t2", MISSING]
    assert p["images"].tolist() == [3, 2, 1]
    assert p["dated"].tolist() == [3, 1, 1]
    assert p["median_age_days"].tolist() == [731.0, 1.0, 3653.0]
    assert p.loc["t1", "p90_age_days"] == pytest.approx(731 + 0.8 * (2192 - 731))
    assert p.loc["t1", ["older_1y", "older_2y", "older_5y"]].tolist() == pytest.approx([2 / 3, 2 / 3, 1 / 3])
    assert p.loc[MISSING, "older_5y"] == 1.0
    assert p.loc["t1", "oldest"] == ts("2019-01-01") and p.loc["t1", "newest"] == ts("2024-06-01")
    assert str(p["oldest"].dtype) == "datetime64[ns, UTC]"


def test_age_profile_overall_and_explicit_as_of(small):
    p = imgkit.age_profile(small, as_of="2025-01-02")
    assert list(p.index) == [ALL_IMAGES]
    assert p.attrs["as_of_source"] == "argument"
    assert p.loc[ALL_IMAGES, ["images", "dated"]].tolist() == [6, 5]
    assert p.loc[ALL_IMAGES, "median_age_days"] == 732.0  # ages 2, 215, 732, 2193, 3654


def test_age_profile_group_without_dates_is_nan():
    df = imgkit.read_images([{"id": "x", "owner": "t", "updated_at": "2024-01-01T00:00:00Z"}], errors="ignore")
    p = imgkit.age_profile(df, by="owner")
    assert p.loc["t", "dated"] == 0
    assert np.isnan(p.loc["t", "median_age_days"]) and np.isnan(p.loc["t", "older_1y"])
    assert p.loc["t", "oldest"] is pd.NaT


# --------------------------------------------------------------------------- stale_images
def test_stale_images(small):
    assert ids(imgkit.stale_images(small, older_than="730D")) == ["a1", "a2", "c1"]
    assert ids(imgkit.stale_images(small, older_than=pd.Timedelta(days=731))) == ["a1", "c1"]
    upd = imgkit.stale_images(small, older_than="365D", date_column="updated_at")
    with pytest.warns(DeprecationWarning, match="date_column"):
        old_spelling = imgkit.stale_images(small, older_than="365D", by="updated_at")
    assert old_spelling.equals(upd)
    assert ids(upd) == ["a1", "a2", "c1"]
    assert upd.attrs["as_of_source"] == "latest updated_at"
    assert upd.attrs["imgkit"]["source"] == small.attrs["imgkit"]["source"]
    later = imgkit.stale_images(small, older_than="365D", as_of="2026-01-01")
    assert ids(later) == ["a1", "a2", "a3", "b2", "c1"]  # b1 has no created_at: never stale


def test_stale_images_bad_options(small):
    with pytest.raises(ConfigError, match="`date_column` must be one of 'created_at'"):
        imgkit.stale_images(small, older_than="1D", date_column="name")
    with pytest.raises(ConfigError, match="`older_than`"):
        imgkit.stale_images(small, older_than="a while")
    # a bare number was read as nanoseconds: every dated image was "stale"
    with pytest.raises(ConfigError, match="`older_than` must be a duration such as '365D', got the number 365"):
        imgkit.stale_images(small, older_than=365)


@pytest.mark.parametrize(
    "call",
    [
        lambda df: imgkit.resolve_as_of(df, "soon"),
        lambda df: imgkit.age_profile(df, as_of="soon"),
        lambda df: imgkit.stale_images(df, older_than="1D", as_of="soon"),
        lambda df: imgkit.tenant_summary(df, as_of="soon"),
    ],
)
def test_bad_as_of_is_a_config_error_naming_the_option(small, call):
    with pytest.raises(ConfigError, match="`as_of` must be a date/time such as '2025-01-01', got 'soon'"):
        call(small)


# --------------------------------------------------------------------------- creation_timeline
def test_creation_timeline_yearly(small):
    tl = imgkit.creation_timeline(small, freq="YS")
    assert list(tl.columns) == [ALL_IMAGES]
    assert tl.index[0] == ts("2015-01-01") and tl.index[-1] == ts("2024-01-01") and len(tl) == 10
    assert tl.loc[ts("2024-01-01"), ALL_IMAGES] == 2 and tl.loc[ts("2016-01-01"), ALL_IMAGES] == 0
    assert int(tl[ALL_IMAGES].sum()) == 5  # b1 has no created_at


def test_creation_timeline_by_owner_cumulative(small):
    tl = imgkit.creation_timeline(small, freq="YS", by="owner", cumulative=True)
    assert list(tl.columns) == ["t1", "t2", MISSING]
    assert tl.iloc[-1].tolist() == [3, 1, 1]
    assert tl.dtypes.unique().tolist() == [np.dtype("int64")]
    monthly = imgkit.creation_timeline(small, by="owner")
    assert len(monthly) == 12 * 9 + 12  # Jan 2015 .. Dec 2024
    with pytest.raises(ConfigError, match="`freq`"):
        imgkit.creation_timeline(small, freq="fortnightly")
    # ten years of seconds would be a 300-million-row table: refused before it is built
    with pytest.raises(ConfigError, match=r"`freq` 's' makes 315,532,801 periods .*coarser frequency"):
        imgkit.creation_timeline(small, freq="s")
    assert len(imgkit.creation_timeline(small, freq="D")) == 10 * 365 + 3  # 2015-01-01 .. 2024-12-31


# --------------------------------------------------------------------------- feature_support
def test_feature_names_derive_from_the_schema():
    names = list(imgkit.feature_labels())
    flags = [f.column for f in FIELDS if f.kind == "flag"]
    assert [n for n in names if n in flags] == [c for c in flags if c != "support_fc_inject"]
    assert {"lazyloading", "uefi", "cloud_init_injection", "support_kvm_gpu_type", "support_kvm_fpga_type"} <= set(
        names
    )
    assert imgkit.feature_labels()["support_kvm_hi1822_hisriov"] == "KVM Hi1822 SR-IOV NIC"


def test_feature_support_counts(small):
    fs = imgkit.feature_support(small, normalize=False)
    assert list(fs.index) == ["t1", "t2", MISSING, ALL_TENANTS]
    assert list(fs.columns) == list(imgkit.feature_labels())
    assert fs.loc["t1", ["support_kvm", "support_xen", "lazyloading", "uefi", "support_kvm_gpu_type"]].tolist() == [
        1,
        1,
        1,
        1,
        1,
    ]
    assert fs["cloud_init_injection"].tolist() == [2, 2, 1, 5]  # a2 has support_fc_inject = true
    assert fs.loc["t2"].drop("cloud_init_injection").sum() == 0  # lazyloading "false" is not support
    assert fs.loc[MISSING, "support_kvm_fpga_type"] == 1
    assert fs.loc[ALL_TENANTS].tolist() == fs.iloc[:-1].sum().tolist()
    assert fs["support_largememory"].sum() == 0  # absent flags


def test_feature_support_shares_and_selection(small):
    fs = imgkit.feature_support(small, features=["cloud_init_injection", "uefi"])
    assert list(fs.columns) == ["cloud_init_injection", "uefi"]
    assert fs["cloud_init_injection"].tolist() == pytest.approx([2 / 3, 1.0, 1.0, 5 / 6])
    by_type = imgkit.feature_support(small, by="imagetype", features="uefi")
    assert list(by_type.index) == ["gold", "private", "shared", "market", MISSING, ALL_IMAGES]
    assert by_type["uefi"].tolist() == pytest.approx([0.5, 0, 0, 0, 0, 1 / 6])
    overall = imgkit.feature_support(small, by=None, normalize=False)
    assert list(overall.index) == [ALL_IMAGES] and overall.loc[ALL_IMAGES, "cloud_init_injection"] == 5
    with pytest.raises(ConfigError, match="`features` must be one of"):
        imgkit.feature_support(small, features=["warp_drive"])


# --------------------------------------------------------------------------- tenant_summary
def test_tenant_summary_exact(small):
    t = imgkit.tenant_summary(small)
    assert list(t.index) == ["t1", "t2", MISSING]
    assert list(t.columns) == [
        "images",
        "public",
        "private",
        "shared",
        "market",
        "platforms",
        "n_platforms",
        "median_age_days",
        "oldest",
        "newest",
        "storage_bytes",
    ]
    assert t[["images", "public", "private", "shared", "market"]].to_numpy().tolist() == [
        [3, 1, 1, 1, 0],
        [2, 0, 0, 1, 1],  # b1: no imagetype, visibility community -> shared
        [1, 1, 0, 0, 0],
    ]
    assert t["platforms"].tolist() == ["Ubuntu, Windows", f"Gentoo, {MISSING}", "CentOS"]
    assert t["n_platforms"].tolist() == [2, 1, 1]
    assert t["median_age_days"].tolist() == [731.0, 1.0, 3653.0]
    assert t["storage_bytes"].dtype == "Int64"
    assert t["storage_bytes"].tolist() == [150, pd.NA, pd.NA]
    assert t.loc["t1", "newest"] == ts("2024-06-01")
    assert t.attrs["as_of_source"] == "latest updated_at"


def test_tenant_summary_many_platforms_are_abbreviated():
    plats = ["Ubuntu", "Ubuntu", "CentOS", "Debian", "SUSE", "Fedora"]
    df = imgkit.read_images(
        [{"id": str(i), "owner": "t", "__platform": p} for i, p in enumerate(plats)], errors="ignore"
    )
    t = imgkit.tenant_summary(df)
    assert t.loc["t", "platforms"] == "Ubuntu, SUSE, CentOS +2 more"  # ties keep the schema's order
    assert t.loc["t", "n_platforms"] == 5


# --------------------------------------------------------------------------- filter_images
@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, ["a1", "a2", "a3", "b1", "b2", "c1"]),
        ({"tenants": "t1"}, ["a1", "a2", "a3"]),
        ({"tenants": ["t2", MISSING]}, ["b1", "b2", "c1"]),
        ({"platforms": ["Ubuntu", MISSING]}, ["a1", "a2", "b2"]),
        ({"platforms": ["Gentoo"]}, ["b1"]),
        ({"os_types": ["Windows"]}, ["a3"]),
        ({"statuses": ["queued"]}, ["b2"]),
        ({"visibilities": ["public"]}, ["a1", "b2", "c1"]),
        ({"imagetypes": ["gold"], "visibilities": "public"}, ["a1", "c1"]),
        ({"created_between": ("2023-01-01", "2024-12-31")}, ["a2", "a3"]),
        ({"created_between": (None, "2020-01-01")}, ["a1", "c1"]),
        ({"created_between": (None, None)}, ["a1", "a2", "a3", "b2", "c1"]),
        ({"features": ["uefi", "support_kvm"]}, ["a1"]),
        ({"features": "cloud_init_injection"}, ["a1", "a3", "b1", "b2", "c1"]),
        ({"platforms": []}, []),
    ],
)
def test_filter_images(small, kwargs, expected):
    out = imgkit.filter_images(small, **kwargs)
    assert ids(out) == expected
    assert list(out.columns) == list(small.columns)
    assert out.attrs["imgkit"]["source"] == small.attrs["imgkit"]["source"]


def test_filter_images_bad_options(small):
    with pytest.raises(ConfigError, match="`features` must be one of"):
        imgkit.filter_images(small, features=["gpu"])
    with pytest.raises(ConfigError, match="`created_between`"):
        imgkit.filter_images(small, created_between="2024")
    with pytest.raises(ConfigError, match="`created_between` must be a date/time .* got 'last year'"):
        imgkit.filter_images(small, created_between=("last year", None))


# --------------------------------------------------------------------------- edge frames
def test_every_analysis_on_an_empty_frame(small):
    empty = small.iloc[:0]
    s = imgkit.os_distribution(empty)
    assert list(s.index) == [*PLATFORMS, "Gentoo"] and int(s.sum()) == 0
    assert imgkit.os_distribution(empty, normalize=True).isna().all()
    assert imgkit.os_distribution(empty, by="owner").shape == (0, len(PLATFORMS) + 1)
    p = imgkit.age_profile(empty)
    assert p.loc[ALL_IMAGES, "images"] == 0 and p.attrs["as_of"] is pd.NaT
    assert imgkit.age_profile(empty, by="owner").empty
    assert imgkit.stale_images(empty, older_than="1D").empty
    assert imgkit.creation_timeline(empty).shape == (0, 0)
    fs = imgkit.feature_support(empty)
    assert list(fs.index) == [ALL_TENANTS] and fs.isna().all().all()
    assert imgkit.feature_support(empty, normalize=False).loc[ALL_TENANTS].sum() == 0
    t = imgkit.tenant_summary(empty)
    assert t.empty and "storage_bytes" in t.columns
    assert imgkit.filter_images(empty, tenants=["t1"], features=["uefi"]).empty


def test_one_tenant_subset_without_attrs(small):
    one = imgkit.filter_images(small, tenants="t1")
    one.attrs = {}
    assert list(imgkit.os_distribution(one, by="owner").index) == ["t1"]
    assert imgkit.tenant_summary(one).loc["t1", "images"] == 3
    assert imgkit.age_profile(one).attrs["as_of"] == ts("2024-06-02")
    assert imgkit.feature_support(one).index.tolist() == ["t1", ALL_TENANTS]


def test_frame_without_the_needed_columns_gets_a_clear_error():
    with pytest.raises(ConfigError, match="lacks the column.*'platform'"):
        imgkit.os_distribution(pd.DataFrame({"owner": ["t"]}))


# --------------------------------------------------------------------------- the bundled demo listing
@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    return imgkit.load_demo()


def test_demo_pinned_figures(demo):
    s = imgkit.os_distribution(demo)
    assert s[["Ubuntu", "CentOS", "Windows", "Other"]].tolist() == [1701, 668, 920, 55]
    assert int(s.sum()) == 5000 and MISSING not in s.index
    assert imgkit.os_distribution(demo, level="os_type").to_dict() == {"Linux": 4062, "Windows": 920, "Other": 18}
    assert imgkit.resolve_as_of(demo) == (ts("2026-06-30"), "latest updated_at")
    assert len(imgkit.stale_images(demo, older_than="1825D")) == 1459
    total = imgkit.feature_support(demo, normalize=False).loc[ALL_TENANTS]
    assert total[["support_kvm", "uefi", "lazyloading", "cloud_init_injection"]].tolist() == [4674, 949, 2551, 3867]
    assert imgkit.creation_timeline(demo, freq="YS").loc[ts("2025-01-01"), ALL_IMAGES] == 852


def test_demo_tables_agree_with_plain_pandas(demo):
    t = imgkit.tenant_summary(demo)
    assert len(t) == 60 and int(t["images"].sum()) == 5000
    assert t["images"].is_monotonic_decreasing
    assert int(t["public"].sum()) == int((demo["imagetype"] == "gold").sum()) == 374
    assert int(t["market"].sum()) == 156
    assert int(t["storage_bytes"].sum()) == int(demo["image_size"].sum())
    by_owner = imgkit.os_distribution(demo, by="owner")
    expected = pd.crosstab(demo["owner"], demo["platform"])
    assert (by_owner.loc[expected.index, [str(c) for c in expected.columns]].to_numpy() == expected.to_numpy()).all()
    shares = imgkit.feature_support(demo)
    assert shares.loc[ALL_TENANTS, "uefi"] == pytest.approx(949 / 5000)


def test_grouping_by_a_list_column_is_a_clear_error(small):
    with pytest.raises(ConfigError, match="'tags' holds lists or dicts"):
        imgkit.os_distribution(small, by="tags")


def test_os_distribution_keeps_documented_order_after_a_dtype_change(small):
    """A user may turn the categorical into text (astype(str)); the documented categories still come first, 0 or not."""
    text = small.astype({"platform": "string", "os_type": object})
    s = imgkit.os_distribution(text)
    assert list(s.index) == [*PLATFORMS, "Gentoo", MISSING]
    assert s.tolist() == imgkit.os_distribution(small).tolist()
    assert imgkit.os_distribution(text, level="os_type").to_dict() == {"Linux": 5, "Windows": 1, "Other": 0}
