"""diff_listings, history and trend on hand-built listings whose every expected row is written out."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pytest

import imgkit
from imgkit import ConfigError, ImgkitWarning
from imgkit.analysis._changes import SUMMARY_COLUMNS, _differs

T = lambda s: pd.Timestamp(s, tz="UTC")  # noqa: E731


def rec(id_, owner="t1", **kw):
    """A raw IMS record with the fields the tests look at (everything else absent)."""
    base = {
        "id": id_,
        "owner": owner,
        "name": f"img-{id_}",
        "status": "active",
        "visibility": "private",
        "__platform": "CentOS",
        "__image_size": "100",
        "min_disk": 40,
        "tags": [],
        "created_at": "2025-01-01T00:00:00Z",
        "updated_at": "2025-06-01T00:00:00Z",
        # the other mandatory fields, the same on every record
        "protected": False,
        "container_format": "bare",
        "disk_format": "zvhd2",
        "min_ram": 0,
        "size": 0,
        "checksum": "d41d8cd98f00b204e9800998ecf8427e",
        "self": f"/v2/images/{id_}",
        "file": f"/v2/images/{id_}/file",
        "schema": "/v2/schemas/image",
        "virtual_env_type": "FusionCompute",
        "hw_firmware_type": "bios",
        "__lazyloading": "true",
        "__support_fc_inject": "false",
    }
    base.update(kw)
    return base


def typed(records, fetched_at=None):
    df = imgkit.read_images(records, errors="ignore")
    if fetched_at is not None:
        df.attrs["imgkit"]["fetched_at"] = fetched_at
    return df


OLD = [
    rec("a", __image_size="100", tags=["env=prod"], __os_feature_list='{"x": "true", "y": "false"}'),
    rec("b", status="queued", __image_size="0"),
    rec("c", owner="t2", tags=["b", "a"], __platform="Ubuntu", __image_size="50"),
    rec("d", owner="t2", __image_size="70"),
    rec("f", owner="t3", __support_kvm="true"),
]
NEW = [
    rec("e", owner="t3", __image_size="30"),
    rec(
        "a",
        __image_size="150",
        tags=["env=prod"],
        visibility="shared",
        updated_at="2025-07-01T00:00:00Z",
        __os_feature_list='{"y": "false", "x": "true"}',
    ),  # same dict, other key order: not a change
    rec("b", status="active", __image_size="20", updated_at="2025-07-02T00:00:00Z"),
    rec("c", owner="t2", tags=["a", "b"], __platform="Ubuntu", __image_size="50"),  # list order: a change
    rec("f", owner="t3", __support_kvm="true"),
]


@pytest.fixture()
def pair():
    return typed(OLD, "2025-07-01T00:00:00+00:00"), typed(NEW, "2025-07-08T00:00:00+00:00")


def changed_rows(d):
    return [tuple(r) for r in d.changed.itertuples(index=False)]


# --- diff_listings -------------------------------------------------------------------
def test_diff_every_row(pair):
    d = imgkit.diff_listings(*pair)
    assert d.added["id"].tolist() == ["e"] and d.removed["id"].tolist() == ["d"]
    assert list(d.added.columns) == list(pair[1].columns) and d.added["image_size"].dtype == "Int64"
    assert changed_rows(d) == [
        ("a", "t1", "visibility", "private", "shared"),
        ("a", "t1", "image_size", 100, 150),
        ("a", "t1", "updated_at", T("2025-06-01"), T("2025-07-01")),
        ("b", "t1", "status", "queued", "active"),
        ("b", "t1", "image_size", 0, 20),
        ("b", "t1", "updated_at", T("2025-06-01"), T("2025-07-02")),
        ("c", "t2", "tags", ["b", "a"], ["a", "b"]),
    ]
    assert list(d.changed.columns) == ["id", "owner", "column", "old", "new"]
    assert d.summary.to_dict("index") == {
        "t1": dict(zip(SUMMARY_COLUMNS, [0, 0, 2, 2, 2, 70])),
        "t2": dict(zip(SUMMARY_COLUMNS, [0, 1, 1, 2, 1, -70])),
        "t3": dict(zip(SUMMARY_COLUMNS, [1, 0, 0, 1, 2, 30])),
        "All tenants": dict(zip(SUMMARY_COLUMNS, [1, 1, 3, 5, 5, 30])),
    }
    assert d.summary.index.name == "owner" and (d.summary.dtypes == "int64").all()
    assert (d.old_as_of, d.old_as_of_source) == (T("2025-07-01"), "fetched_at")
    assert (d.new_as_of, d.new_as_of_source) == (T("2025-07-08"), "fetched_at")
    assert repr(d) == "<ListingDiff 2025-07-01 -> 2025-07-08: 1 added, 1 removed, 3 changed (7 cells) in 3 tenant(s)>"
    assert not d.empty and d.changed_images == 3


def test_diff_ignore(pair):
    d = imgkit.diff_listings(*pair, ignore=["updated_at", "image_size"])
    assert changed_rows(d) == [
        ("a", "t1", "visibility", "private", "shared"),
        ("b", "t1", "status", "queued", "active"),
        ("c", "t2", "tags", ["b", "a"], ["a", "b"]),
    ]
    assert d.ignore == ("updated_at", "image_size")
    with pytest.raises(ConfigError, match="`ignore` must name columns of the listings, got 'colour'"):
        imgkit.diff_listings(*pair, ignore=["colour"])
    with pytest.raises(ConfigError, match="cannot hold 'id'"):
        imgkit.diff_listings(*pair, ignore="id")


def test_listing_diffed_with_itself_is_empty():
    demo = imgkit.load_demo()
    d = imgkit.diff_listings(demo, demo.copy())
    assert d.empty and len(d.added) == len(d.removed) == len(d.changed) == 0
    assert d.summary.loc["All tenants"].tolist() == [0, 0, 0, 5000, 5000, 0]
    assert len(d.summary) == 61
    # the same listing read twice (another parse, other objects) is still empty
    shuffled = demo.sample(frac=1.0, random_state=1).reset_index(drop=True)
    assert imgkit.diff_listings(demo, shuffled).empty


def test_snapshot_folder_fetched_at_is_used(tmp_path):
    for name, when, recs in (("old", "2025-07-01T06:00:00+00:00", OLD), ("new", "2025-07-08T06:00:00+00:00", NEW)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "page-000001.json").write_bytes(orjson.dumps({"images": recs}))
        (folder / "_imgkit_snapshot.json").write_bytes(orjson.dumps({"fetched_at": when}))
    d = imgkit.diff_listings(tmp_path / "old", tmp_path / "new")
    assert (d.old_as_of, d.new_as_of) == (T("2025-07-01 06:00"), T("2025-07-08 06:00"))
    assert d.old_as_of_source == "fetched_at" and d.old_source == str(tmp_path / "old")
    assert len(d.changed) == 7
    assert "2025-07-01 06:00 UTC -> 2025-07-08 06:00 UTC" in repr(d)
    # without fetched_at: the latest updated_at
    d = imgkit.diff_listings(OLD, NEW)
    assert (d.old_as_of, d.old_as_of_source) == (T("2025-06-01"), "latest updated_at")
    assert d.new_as_of == T("2025-07-02")


def test_duplicate_ids_follow_the_loader_rule(tmp_path):
    # in a file: the loader keeps the last record of an id (and records a finding)
    old = [rec("a", status="queued"), rec("a", status="killed"), rec("b")]
    path = tmp_path / "old.json"
    path.write_bytes(orjson.dumps({"images": old}))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImgkitWarning)
        d = imgkit.diff_listings(path, [rec("a", status="active"), rec("b")])
    assert changed_rows(d) == [("a", "t1", "status", "killed", "active")]
    # a frame that still has duplicates: the same rule, with a warning
    frame = pd.concat(
        [typed([rec("a", status="queued")]), typed([rec("a", status="killed"), rec("b")])], ignore_index=True
    )
    with pytest.warns(
        ImgkitWarning, match="old: 1 record\\(s\\) share an id with a later record \\('a'\\); the last record"
    ):
        d = imgkit.diff_listings(frame, [rec("a", status="active"), rec("b")])
    assert changed_rows(d) == [("a", "t1", "status", "killed", "active")]
    assert d.summary.loc["All tenants", "images_old"] == 2


def test_images_without_id_are_left_out_with_a_warning():
    nameless = rec("x")
    del nameless["id"]
    old = typed([rec("a"), nameless])
    with pytest.warns(ImgkitWarning, match="old: 1 image\\(s\\) without an id cannot be matched"):
        d = imgkit.diff_listings(old, [rec("a")])
    assert d.empty


def test_typed_comparison_is_na_aware_and_by_value():
    a = pd.DataFrame(
        {
            "when": pd.Series(pd.to_datetime(["2025-01-01", None, "2025-01-02"], utc=True)),
            "n": pd.array([1, None, 3], dtype="Int64"),
            "s": pd.array(["x", None, None], dtype="string"),
            "c": pd.Categorical(["A", "B", None]),
            "obj": pd.Series([{"k": [1, 2]}, None, [1]], dtype=object),
            "f": [1.0, np.nan, np.nan],
        }
    )
    b = pd.DataFrame(
        {
            "when": pd.Series(
                pd.to_datetime(["2025-01-01T08:00", None, "2025-01-02T08:00"]).tz_localize("Asia/Shanghai").as_unit("s")
            ),
            "n": pd.array([1, None, None], dtype="Int64"),
            "s": pd.array(["x", None, "y"], dtype="string"),
            "c": pd.Categorical(["A", "C", None], categories=["C", "A"]),
            "obj": pd.Series([{"k": [1, 2]}, None, (1,)], dtype=object),
            "f": [1.0, np.nan, 2.0],
        }
    )
    assert _differs(a["when"], b["when"]).tolist() == [False, False, False]
    assert _differs(a["n"], b["n"]).tolist() == [False, False, True]
    assert _differs(a["s"], b["s"]).tolist() == [False, False, True]
    assert _differs(a["c"], b["c"]).tolist() == [False, True, False]
    assert _differs(a["obj"], b["obj"]).tolist() == [False, False, False]
    assert _differs(a["f"], b["f"]).tolist() == [False, False, True]
    # lists by value whatever their representation: Arrow lists against Python lists
    arrow = pd.Series(
        [["a"], [], None, ["a", "b"]], dtype=pd.ArrowDtype(__import__("pyarrow").list_(__import__("pyarrow").string()))
    )
    python = pd.Series([["a"], [], None, ["a", "c"]], dtype=object)
    assert _differs(arrow, arrow.copy()).tolist() == [False] * 4
    assert _differs(arrow, python).tolist() == [False, False, False, True]
    imgkit_lists = pd.Series([["a"], [], None, ["a", "b"]], dtype=imgkit.StringListDtype())
    assert _differs(imgkit_lists, imgkit_lists.copy()).tolist() == [False] * 4
    assert _differs(imgkit_lists, python).tolist() == [False, False, False, True]
    assert _differs(imgkit_lists, arrow).tolist() == [False] * 4
    assert _differs(pd.Series([True], dtype=object), pd.Series([1], dtype=object)).tolist() == [True]


def test_column_only_in_one_listing_counts_as_na_on_the_other():
    old = pd.DataFrame({"id": ["a", "b"], "owner": ["t", "t"]})
    new = pd.DataFrame({"id": ["a", "b"], "owner": ["t", "t"], "extra": [None, "v"]})
    assert changed_rows(imgkit.diff_listings(old, new)) == [("b", "t", "extra", None, "v")]


def test_to_frame_writes_as_text(pair, tmp_path):
    table = imgkit.diff_listings(*pair).to_frame()
    assert table["change"].tolist() == ["added", "removed"] + ["changed"] * 7
    assert table.iloc[-1].tolist() == ["changed", "c", "t2", "img-c", "tags", '["b","a"]', '["a","b"]']
    assert table.iloc[4]["old"] == "2025-06-01T00:00:00+00:00"
    table.to_parquet(tmp_path / "d.parquet")
    table.to_csv(tmp_path / "d.csv", index=False)
    assert pd.read_parquet(tmp_path / "d.parquet").shape == (9, 7)


def test_frame_without_id_is_a_config_error():
    with pytest.raises(ConfigError, match="needs an 'id' column"):
        imgkit.diff_listings(pd.DataFrame({"name": ["x"]}), pd.DataFrame({"id": ["a"]}))


# --- history -------------------------------------------------------------------------
S1 = [rec("a", status="queued", __image_size="0"), rec("b"), rec("c", owner="t2")]
S2 = [
    rec("a", status="active", updated_at="2025-07-01T00:00:00Z"),
    rec("b", updated_at="2025-07-02T00:00:00Z"),
    rec("c", owner="t2"),
]
S3 = [rec("a", status="active", updated_at="2025-07-01T00:00:00Z"), rec("c", owner="t2", visibility="shared")]
S4 = [
    rec("a", status="active", updated_at="2025-07-01T00:00:00Z"),
    rec("b", __platform="Ubuntu"),
    rec("c", owner="t2", visibility="shared"),
]
TIMES = ["2025-07-01", "2025-07-08", "2025-07-15", "2025-07-22"]


def scd_rows(h):
    cols = [
        "id",
        "status",
        "visibility",
        "platform",
        "image_size",
        "updated_at",
        "valid_from",
        "valid_to",
        "is_current",
    ]
    return [tuple(None if pd.isna(v) else v for v in r) for r in h[cols].itertuples(index=False)]


def test_history_every_version():
    h = imgkit.history({t: typed(s) for t, s in zip(TIMES, (S1, S2, S3, S4))})
    NaT = None
    assert scd_rows(h) == [
        ("a", "queued", "private", "CentOS", 0, T("2025-06-01"), T("2025-07-01"), T("2025-07-08"), False),
        ("a", "active", "private", "CentOS", 100, T("2025-07-01"), T("2025-07-08"), NaT, True),
        # b: an updated_at change alone is no new version (its row shows the latest updated_at); gone on 07-15;
        # back on 07-22 as Ubuntu: a new version
        ("b", "active", "private", "CentOS", 100, T("2025-07-02"), T("2025-07-01"), T("2025-07-15"), False),
        ("b", "active", "private", "Ubuntu", 100, T("2025-06-01"), T("2025-07-22"), NaT, True),
        ("c", "active", "private", "CentOS", 100, T("2025-06-01"), T("2025-07-01"), T("2025-07-15"), False),
        ("c", "active", "shared", "CentOS", 100, T("2025-06-01"), T("2025-07-15"), NaT, True),
    ]
    assert list(h.columns[-3:]) == ["valid_from", "valid_to", "is_current"]
    assert str(h["valid_to"].dtype) == "datetime64[ns, UTC]" and h["is_current"].dtype == bool
    assert str(h["platform"].dtype) == "category" and str(h["image_size"].dtype) == "Int64"
    assert h.attrs["imgkit"]["snapshots"] == [T(t).isoformat() for t in TIMES]


def test_history_orders_by_time_and_as_of():
    frames = {t: typed(s) for t, s in zip(TIMES, (S1, S2, S3, S4))}
    shuffled = [(t, frames[t]) for t in reversed(TIMES)]  # pairs, any order
    full = imgkit.history(frames)
    pd.testing.assert_frame_equal(imgkit.history(shuffled), full)
    h = imgkit.history(frames, as_of="2025-07-10")
    assert scd_rows(h) == [
        ("a", "queued", "private", "CentOS", 0, T("2025-06-01"), T("2025-07-01"), T("2025-07-08"), False),
        ("a", "active", "private", "CentOS", 100, T("2025-07-01"), T("2025-07-08"), None, True),
        ("b", "active", "private", "CentOS", 100, T("2025-07-02"), T("2025-07-01"), None, True),
        ("c", "active", "private", "CentOS", 100, T("2025-06-01"), T("2025-07-01"), None, True),
    ]
    with pytest.raises(ConfigError, match="no snapshot was taken at or before as_of=2025-01-01"):
        imgkit.history(frames, as_of="2025-01-01")


def test_history_needs_a_time_for_every_snapshot():
    with pytest.raises(ConfigError, match="snapshot #2 has no fetched_at; give its time explicitly"):
        imgkit.history([typed(S1, "2025-07-01T00:00:00+00:00"), typed(S2)])
    with pytest.raises(ConfigError, match="same time 2025-07-01T00:00:00\\+00:00"):
        imgkit.history([("2025-07-01", typed(S1)), ("2025-07-01T00:00:00Z", typed(S2))])
    with pytest.raises(ConfigError, match="`snapshot time` must be a date/time"):
        imgkit.history([("someday", typed(S1))])
    with pytest.raises(ConfigError, match="holds no snapshot"):
        imgkit.history([])


def _write_snapshot(folder: Path, records, when):
    folder.mkdir(parents=True)
    (folder / "page-000001.json").write_bytes(orjson.dumps({"images": records}))
    (folder / "_imgkit_snapshot.json").write_bytes(orjson.dumps({"fetched_at": when}))


def test_history_from_a_folder_of_snapshot_folders_and_parquet(tmp_path):
    root = tmp_path / "snapshots"
    # names sort against time: order comes from fetched_at
    _write_snapshot(root / "b", S1, "2025-07-01T00:00:00+00:00")
    _write_snapshot(root / "a", S2, "2025-07-08T00:00:00+00:00")
    imgkit.to_parquet(typed(S3, "2025-07-15T00:00:00+00:00"), root / "c.parquet")
    _write_snapshot(root / "d", S4, "2025-07-22T00:00:00+00:00")
    expected = imgkit.history({t: typed(s) for t, s in zip(TIMES, (S1, S2, S3, S4))})
    got = imgkit.history(root)
    assert scd_rows(got) == scd_rows(expected)
    assert imgkit.history([root / "d", root / "b"]).attrs["imgkit"]["snapshots"] == [
        "2025-07-01T00:00:00+00:00",
        "2025-07-22T00:00:00+00:00",
    ]


# --- trend ---------------------------------------------------------------------------
def test_trend_counts_each_snapshot():
    frames = {t: typed(s) for t, s in zip(TIMES, (S1, S2, S3, S4))}
    t = imgkit.trend(frames)
    assert t.index.name == "as_of" and t.columns.name == "platform"
    assert t.index.tolist() == [T(x) for x in TIMES]
    assert t.to_dict("list") == {"Ubuntu": [0, 0, 0, 1], "CentOS": [3, 3, 2, 2]}
    assert list(t.columns) == ["Ubuntu", "CentOS"]  # the schema's order
    assert (t.dtypes == "int64").all()
    h = imgkit.history(frames)
    pd.testing.assert_frame_equal(imgkit.trend(h), t)
    # each row equals os_distribution of that snapshot
    for when, frame in frames.items():
        dist = imgkit.os_distribution(frame)
        assert t.loc[T(when)].to_dict() == {k: int(v) for k, v in dist[dist > 0].items() if k in t.columns} | {
            k: 0 for k in t.columns if dist.get(k, 0) == 0
        }
    assert imgkit.trend(h, by="owner").to_dict("list") == {"t1": [2, 2, 1, 2], "t2": [1, 1, 1, 1]}
    assert imgkit.trend(h, by=None).to_dict("list") == {"All images": [3, 3, 2, 3]}
    assert imgkit.trend(h, by="visibility").to_dict("list") == {"private": [3, 3, 1, 2], "shared": [0, 0, 1, 1]}


def test_trend_top_folds_into_other():
    demo = imgkit.load_demo()
    t = imgkit.trend({"2026-06-30": demo}, top=3)
    assert list(t.columns) == ["Ubuntu", "Windows", "CentOS", "Other"]
    assert t.iloc[0].tolist() == [1701, 920, 668, 5000 - 1701 - 920 - 668]
    with pytest.raises(ConfigError, match="`top` must be None or a positive integer, got 0"):
        imgkit.trend({"2026-06-30": demo}, top=0)
    with pytest.raises(ConfigError, match="`by` must be None or a column of the listings, got 'colour'"):
        imgkit.trend({"2026-06-30": demo}, by="colour")


# --- evolve_listing: a synthetic snapshot series ---------------------------------------
def test_evolve_listing_is_deterministic_typed_and_marked_synthetic():
    demo = imgkit.load_demo()
    later = imgkit.evolve_listing(demo, days=30, seed=1)
    assert later.equals(imgkit.evolve_listing(demo, days=30, seed=1))
    assert not later.equals(imgkit.evolve_listing(demo, days=30, seed=2))
    assert later.dtypes.to_dict() == demo.dtypes.to_dict()
    meta = later.attrs["imgkit"]
    assert meta["fetched_at"] == "2026-07-30T00:00:00+00:00" and meta["synthetic"] is True
    assert meta["source"] == f"synthetic: imgkit.evolve_listing({demo.attrs['imgkit']['source']}, days=30, seed=1)"
    assert imgkit.validate(later).empty
    d = imgkit.diff_listings(demo, later)
    assert (len(d.added), len(d.removed), d.changed_images) == (315, 184, 358)
    assert later["id"].is_unique and len(later) == 5000 + 315 - 184
    added = d.added
    assert (added["created_at"] > T("2026-06-30")).all() and (added["created_at"] <= T("2026-07-30")).all()
    assert "CentOS" not in set(added["platform"].astype(str))  # tenants migrate off CentOS
    assert set(added["os_version"].str.replace(" with ARM", "").str.removesuffix(" 64bit")) <= {
        "Ubuntu 24.04 server",
        "Windows Server 2022 Datacenter",
        "Huawei Cloud EulerOS 2.0",
        "openEuler 22.03",
        "Debian GNU/Linux 12.0.0",
        "SUSE Linux Enterprise Server 15 SP4",
        "Redhat Linux Enterprise 8.4",
        "Oracle Linux Server release 8.6",
        "Fedora 36",
        "EulerOS 2.8",
        "OpenSUSE 15.0",
        "CoreOS 2079.6.0",
        "Other",
    }
    # only private/shared images change visibility, the changed columns are the documented ones
    assert set(d.changed["column"]) == {
        "updated_at",
        "status",
        "active_at",
        "image_size",
        "tags",
        "visibility",
        "imagetype",
    }
    # a second step starts at the first one's fetched_at
    assert imgkit.evolve_listing(later, days=7).attrs["imgkit"]["fetched_at"] == "2026-08-06T00:00:00+00:00"


def test_evolve_listing_bad_arguments():
    demo = imgkit.load_demo()
    with pytest.raises(ConfigError, match="`days` must be a number of days in \\(0, 3650\\], got 0"):
        imgkit.evolve_listing(demo, days=0)
    with pytest.raises(ConfigError, match="`seed` must be a non-negative integer, got -1"):
        imgkit.evolve_listing(demo, seed=-1)
    with pytest.raises(ConfigError, match="no time"):
        imgkit.evolve_listing(demo.iloc[:0])


def test_demo_snapshots_series_shows_the_migration():
    from imgkit.demo import demo_snapshots

    snaps = demo_snapshots(7)
    assert [len(s) for s in snaps] == [5000, 5131, 5274, 5422, 5577, 5725, 5903]
    t = imgkit.trend(snaps)
    assert t["CentOS"].tolist() == [668, 620, 570, 531, 494, 443, 408]
    assert t["Huawei Cloud EulerOS"].is_monotonic_increasing
    assert t.sum(axis=1).tolist() == [len(s) for s in snaps]
    h = imgkit.history(snaps)
    assert int(h["is_current"].sum()) == 5903 and len(h) == 7655
    assert imgkit.trend(h).equals(t)
    with pytest.raises(ConfigError, match="`n_snapshots` must be a positive integer, got 0"):
        demo_snapshots(0)


# --- plots and accessor methods --------------------------------------------------------
def _frames():
    return {t: typed(s) for t, s in zip(TIMES, (S1, S2, S3, S4))}


def test_plot_trend_stacks_the_counts():
    import matplotlib.pyplot as plt

    frames = _frames()
    ax = imgkit.plot_trend(frames)
    assert ax.get_title() == "Images per platform over time" and ax.get_ylabel() == "images"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["CentOS", "Ubuntu"]
    assert ax.get_legend().get_title().get_text() == "platform"
    assert len(ax.collections) == 2
    top = ax.collections[1].get_paths()[0].vertices[:, 1].max()
    assert top == 3  # the stack's height: all images
    colors = imgkit.platform_colors(["CentOS", "Ubuntu"])
    assert [plt.matplotlib.colors.to_hex(c.get_facecolor()[0]) for c in ax.collections] == list(colors.values())
    ax = imgkit.plot_trend(imgkit.trend(frames, by="owner"), kind="line")
    assert [line.get_ydata().tolist() for line in ax.lines] == [[2, 2, 1, 2], [1, 1, 1, 1]]
    assert ax.get_title() == "Images per owner over time"
    ax = imgkit.plot_trend({"2026-01-01": typed(S1)})  # one snapshot: points
    assert [line.get_ydata().tolist() for line in ax.lines] == [[3]]
    ax = imgkit.plot_trend({"2026-01-01": typed(S1).iloc[:0]})
    assert ax.texts[0].get_text() == "no images"
    with pytest.raises(ConfigError, match="`kind` must be one of 'area', 'line', got 'pie'"):
        imgkit.plot_trend(frames, kind="pie")


def test_plot_diff_summary_bars(pair):
    d = imgkit.diff_listings(*pair)
    ax = imgkit.plot_diff_summary(d)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["t1", "t2", "t3"]
    # the busiest tenant on top: bars from the bottom up are t3, t2, t1
    assert [p.get_width() for p in ax.patches] == [0, 0, 1, 0, -1, 0]
    assert ax.get_title() == "Images added and removed per tenant, 2025-07-01 to 2025-07-08"
    from imgkit.demo import demo_snapshots

    snaps = demo_snapshots(2)
    d = imgkit.diff_listings(*snaps)
    ax = imgkit.plot_diff_summary(d, top=5)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 6 and labels[-1].startswith("Other (") and labels[-1].endswith(" tenants)")
    added = sum(p.get_width() for p in ax.patches if p.get_width() > 0)
    removed = -sum(p.get_width() for p in ax.patches if p.get_width() < 0)
    assert (added, removed) == (len(d.added), len(d.removed))
    empty = imgkit.diff_listings(snaps[0], snaps[0])
    assert imgkit.plot_diff_summary(empty).texts[0].get_text() == "no images added or removed"
    with pytest.raises(ConfigError, match="`diff` must be a ListingDiff"):
        imgkit.plot_diff_summary(snaps[0])


def test_accessor_methods(pair):
    old, new = pair
    d = old.imgkit.diff_listings(new, ignore=["updated_at"])
    assert changed_rows(d) == changed_rows(imgkit.diff_listings(old, new, ignore=["updated_at"]))
    h = imgkit.history(_frames())
    pd.testing.assert_frame_equal(h.imgkit.trend(by="owner"), imgkit.trend(h, by="owner"))
    assert old.imgkit.evolve_listing(days=3, seed=2).equals(imgkit.evolve_listing(old, days=3, seed=2))
