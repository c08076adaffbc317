"""image_usage, cleanup_candidates, storage_cost on hand-built images and servers: every candidate written out."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from conftest import budget

import imgkit
from imgkit.analysis._cleanup import GB, image_family

AS_OF = "2026-06-01"


def _images() -> pd.DataFrame:
    rows = [
        # id,   owner, name,            created,      visibility, imagetype, protected, status,   productcode, GB
        ("i01", "t1", "web-20230101", "2023-01-01", "private", "private", False, "active", None, 10),
        ("i02", "t1", "web-20240101", "2024-01-01", "private", "private", False, "active", None, 10),
        ("i03", "t1", "web-20250101", "2025-01-01", "private", "private", False, "active", None, 10),
        ("i04", "t1", "web-20260101", "2026-01-01", "private", "private", False, "active", None, 10),
        ("i05", "t1", "db-v1", "2020-01-01", "private", "private", True, "active", None, 40),
        ("i06", "t1", "db-v2", "2021-03-01", "private", "private", False, "active", None, 40),
        ("i07", "t1", "db-v3", "2021-06-01", "private", "private", False, "active", None, 40),
        ("i08", "t1", "db_v4", "2021-09-01", "private", "private", False, "active", None, 40),
        ("i09", "t1", "ubuntu-gold", "2019-01-01", "public", "gold", False, "active", None, 5),
        ("i10", "t1", "partner-base-1", "2019-01-01", "shared", "shared", False, "active", None, 5),
        ("i11", "t1", "market-app-1", "2019-01-01", "private", "market", False, "active", "00301-abc", 5),
        ("i12", "t1", "scratch", "2026-03-01", "private", "private", False, "active", None, 1),
        ("i13", "t1", "old-single", "2022-01-01", "private", "private", False, "active", None, 2),
        ("i15", "t1", "gone-1", "2019-01-01", "private", "private", False, "pending_delete", None, 3),
        ("i16", "t1", "bfv-base-1", "2019-01-01", "private", "private", False, "active", None, 3),
        ("i16b", "t1", "bfv-base-2", "2019-02-01", "private", "private", False, "active", None, 3),
        ("i16c", "t1", "bfv-base-3", "2018-12-01", "private", "private", False, "active", None, 3),
        ("i20", "t2", "web-20230101", "2022-01-01", "private", "private", False, "active", None, 7),
        ("i21", "t2", "app-1.0", "2021-01-01", "private", "private", False, "active", None, 6),
        ("i22", "t2", "app-1.1", "2022-01-01", "private", "private", False, "active", None, 6),
        ("i23", "t2", "app-2.0", "2023-01-01", "private", "private", False, "active", None, 6),
    ]
    cols = ["id", "owner", "name", "created_at", "visibility", "imagetype", "protected", "status", "productcode", "gb"]
    df = pd.DataFrame(rows, columns=cols)
    df["created_at"] = pd.to_datetime(df["created_at"], utc=True)
    df["protected"] = df["protected"].astype("boolean")
    df["image_size"] = pd.array(df.pop("gb") * GB, dtype="Int64")
    for c in ("id", "owner", "name", "productcode"):
        df[c] = df[c].astype("string")
    return df


def _servers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["s1", "s2", "s3", "s4", "s5", "s6"],
            "tenant_id": ["t1", "t1", "t2", "t2", "t1", "t1"],
            "image_id": pd.array(["i02", "i16", "i21", "not-listed", "i06", "i21"], dtype="string"),
            "status": ["ACTIVE", "SHUTOFF", "ACTIVE", "ACTIVE", "DELETED", "ERROR"],
            "boot_from_volume": pd.array([False, True, False, False, False, False], dtype="boolean"),
            "created": pd.to_datetime(
                ["2024-02-01", "2020-05-01", "2021-02-01", "2025-01-01", "2021-04-01", "2025-05-05"], utc=True
            ),
        }
    )


def test_image_usage_counts_every_server_but_deleted_ones():
    u = imgkit.image_usage(_images(), _servers())
    used = u.loc[u["in_use"], ["id", "servers_using", "last_server_created"]]
    assert used.values.tolist() == [
        ["i02", 1, pd.Timestamp("2024-02-01", tz="UTC")],
        ["i16", 1, pd.Timestamp("2020-05-01", tz="UTC")],
        ["i21", 2, pd.Timestamp("2025-05-05", tz="UTC")],  # an ERROR server still uses its image
    ]
    assert str(u["servers_using"].dtype) == "Int64" and str(u["in_use"].dtype) == "boolean"
    assert str(u["last_server_created"].dtype) == "datetime64[ns, UTC]"
    assert u.loc[u["id"] == "i06", "servers_using"].item() == 0  # its only server is DELETED
    assert u["last_server_created"].isna().sum() == len(u) - 3
    assert u.attrs["usage"] == {
        "servers": 5,
        "servers_with_unknown_image": 1,
        "boot_from_volume_unresolved": 0,
        "matched_on": ["image_id"],
    }
    assert list(u.columns[:-3]) == list(_images().columns)


def test_image_usage_warns_about_unresolved_boot_from_volume():
    s = _servers()
    s.loc[1, "image_id"] = pd.NA  # s2 booted from a volume, image unknown
    with pytest.warns(imgkit.ImgkitWarning, match="1 server"):
        u = imgkit.image_usage(_images(), s)
    assert u.attrs["usage"]["boot_from_volume_unresolved"] == 1
    assert not u.loc[u["id"] == "i16", "in_use"].item()


def test_image_usage_matches_within_region():
    images = pd.DataFrame({"id": ["x", "x"], "region": ["eu-de", "eu-nl"]})
    servers = pd.DataFrame({"id": ["s"], "image_id": ["x"], "region": ["eu-nl"], "status": ["ACTIVE"]})
    u = imgkit.image_usage(images, servers)
    assert u["in_use"].tolist() == [False, True]
    assert u.attrs["usage"]["matched_on"] == ["region", "image_id"]


def test_cleanup_candidates_every_candidate_and_reason():
    c = imgkit.cleanup_candidates(_images(), servers=_servers(), as_of=AS_OF)
    assert c[["id", "reason"]].values.tolist() == [
        ["i16c", "unused, 2739 days old, not among the newest 2 of its family 'bfv-base'"],
        ["i06", "unused, 1918 days old, not among the newest 2 of its family 'db'"],
        ["i01", "unused, 1247 days old, not among the newest 2 of its family 'web'"],
    ]
    # kept: i03 (2nd newest web), i07/i08 (db), i16b (newest bfv-base; i16 is used), i13/i20 (alone), i22/i23 (app)
    assert c.attrs["cleanup"] == {
        "older_than": "365D",
        "keep_newest": 2,
        "usage": "servers",
        "images": 21,
        "exempt": 5,
        "in_use": 3,
        "too_young": 2,
        "newest_of_family": 8,
        "candidates": 3,
    }
    assert c["age_days"].tolist() == [2739, 1918, 1247]
    assert c.attrs["as_of"] == pd.Timestamp(AS_OF, tz="UTC")


def test_cleanup_without_family_rule_and_any_age():
    c = imgkit.cleanup_candidates(_images(), servers=_servers(), as_of=AS_OF, keep_newest=0, older_than=None)
    assert c[["id", "reason"]].values.tolist() == [
        ["i16c", "unused, 2739 days old"],
        ["i16b", "unused, 2677 days old"],
        ["i06", "unused, 1918 days old"],
        ["i07", "unused, 1826 days old"],
        ["i08", "unused, 1734 days old"],
        ["i13", "unused, 1612 days old"],
        ["i20", "unused, 1612 days old"],
        ["i22", "unused, 1612 days old"],
        ["i01", "unused, 1247 days old"],
        ["i23", "unused, 1247 days old"],
        ["i03", "unused, 516 days old"],
        ["i04", "unused, 151 days old"],
        ["i12", "unused, 92 days old"],
    ]
    # never: protected i05, public/gold i09, shared i10, market i11, pending_delete i15; used i02, i16, i21
    assert not set(c["id"]) & {"i05", "i09", "i10", "i11", "i15", "i02", "i16", "i21"}


def test_cleanup_family_parameter_and_keep_newest_1():
    c = imgkit.cleanup_candidates(_images(), servers=_servers(), as_of=AS_OF, keep_newest=1)
    assert c[["id", "reason"]].values.tolist() == [
        ["i16c", "unused, 2739 days old, not among the newest 1 of its family 'bfv-base'"],
        ["i06", "unused, 1918 days old, not among the newest 1 of its family 'db'"],
        ["i07", "unused, 1826 days old, not among the newest 1 of its family 'db'"],
        ["i22", "unused, 1612 days old, not among the newest 1 of its family 'app'"],
        ["i01", "unused, 1247 days old, not among the newest 1 of its family 'web'"],
        ["i03", "unused, 516 days old, not among the newest 1 of its family 'web'"],
    ]
    # family=None: the exact name; every name is unique per owner here, so every image is the newest of its family
    assert imgkit.cleanup_candidates(_images(), servers=_servers(), as_of=AS_OF, family=None).empty
    # a family rule of one's own: the first word
    c = imgkit.cleanup_candidates(
        _images(), servers=_servers(), as_of=AS_OF, family=lambda name: str(name).split("-")[0].split("_")[0]
    )
    assert c["family"].tolist()[:2] == ["bfv", "db"]


def test_cleanup_without_servers_says_usage_unknown():
    c = imgkit.cleanup_candidates(_images(), as_of=AS_OF)
    assert c["reason"].iloc[0] == "usage unknown, 2739 days old, not among the newest 2 of its family 'bfv-base'"
    assert c.attrs["cleanup"]["usage"] == "unknown"
    # an in_use column (from image_usage) is used when no servers are given
    u = imgkit.image_usage(_images(), _servers())
    pd.testing.assert_frame_equal(
        imgkit.cleanup_candidates(u, as_of=AS_OF)[["id", "reason"]],
        imgkit.cleanup_candidates(_images(), servers=_servers(), as_of=AS_OF)[["id", "reason"]],
    )


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"older_than": 365}, "`older_than` must be a duration"),
        ({"older_than": "soon"}, "`older_than` must be a duration"),
        ({"keep_newest": -1}, "`keep_newest` must be a non-negative integer"),
        ({"keep_newest": True}, "`keep_newest` must be a non-negative integer"),
        ({"family": "name"}, "`family` must be a function"),
    ],
)
def test_cleanup_option_errors(kw, match):
    with pytest.raises(imgkit.ConfigError, match=match):
        imgkit.cleanup_candidates(_images(), as_of=AS_OF, **kw)


def test_cleanup_deletes_nothing_and_keeps_the_input():
    images, servers = _images(), _servers()
    before = images.copy()
    imgkit.cleanup_candidates(images, servers=servers, as_of=AS_OF)
    pd.testing.assert_frame_equal(images, before)


@pytest.mark.parametrize(
    "name, family",
    [
        ("web-20240101", "web"),
        ("web_v2", "web"),
        ("web-1.4.0-20231201", "web"),
        ("app 2024.01", "app"),
        ("nightly-20240131T1200Z", "nightly"),
        ("api-rc2", "api"),
        ("svc-build42", "svc"),
        ("db-latest", "db"),
        ("db-old", "db"),
        ("CentOS 7.9 k8s-node image", "CentOS 7.9 k8s-node image"),
        ("v2", "v2"),
        ("", ""),
        ("备份-Ubuntu 20.04-20220225", "备份-Ubuntu"),
        ("gateway-prod-hce20", "gateway-prod-hce20"),
    ],
)
def test_image_family(name, family):
    assert image_family(name) == family


def test_storage_cost_with_candidates():
    images = _images()
    c = imgkit.cleanup_candidates(images, servers=_servers(), as_of=AS_OF)
    cost = imgkit.storage_cost(images, price_per_gb_month=0.1, candidates=c)
    assert cost.index.tolist() == ["t1", "t2", "All tenants"]
    assert cost["images"].tolist() == [17, 4, 21]
    assert cost["gb"].tolist() == [230.0, 25.0, 255.0]
    assert cost["cost"].round(6).tolist() == [23.0, 2.5, 25.5]
    assert cost["candidates"].tolist() == [3, 0, 3]
    assert cost["candidate_gb"].tolist() == [53.0, 0.0, 53.0]  # i16c 3 + i06 40 + i01 10
    assert cost["candidate_cost"].round(6).tolist() == [5.3, 0.0, 5.3]
    by_type = imgkit.storage_cost(images, price_per_gb_month=1, by="imagetype")
    assert by_type.index[-1] == "All images"
    assert imgkit.storage_cost(images, price_per_gb_month=1, by=None)["gb"].tolist() == [255.0]


def test_storage_cost_sizes_and_errors():
    df = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "owner": ["t", "t", "t"],
            "image_size": pd.array([None, 0, None], dtype="Int64"),
            "size": pd.array([GB, 2 * GB, None], dtype="Int64"),
        }
    )
    cost = imgkit.storage_cost(df, price_per_gb_month=2)
    assert cost.loc["t", ["images", "gb", "unsized"]].tolist() == [3, 3.0, 1]
    for bad in (-1, "0.1", float("nan"), True):
        with pytest.raises(imgkit.ConfigError, match="`price_per_gb_month` must be a non-negative number"):
            imgkit.storage_cost(df, price_per_gb_month=bad)
    with pytest.raises(imgkit.ConfigError, match="`by` must be None or a column"):
        imgkit.storage_cost(df, price_per_gb_month=1, by="nope")


def test_storage_cost_names_tenants():
    named = imgkit.label_tenants(_images(), {"t1": "Finance"})
    cost = imgkit.storage_cost(named, price_per_gb_month=1)
    assert cost.columns[0] == "owner_name"
    assert cost.index.tolist() == ["t1", "t2", "All tenants"]
    assert cost["owner_name"].iloc[0] == "Finance"
    assert cost["owner_name"].isna().tolist() == [False, True, True]


def test_demo_has_no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        imgkit.cleanup_candidates(_images(), servers=_servers(), as_of=AS_OF)


def test_accessor_methods():
    images, servers = _images(), _servers()
    pd.testing.assert_frame_equal(
        images.imgkit.cleanup_candidates(servers=servers, as_of=AS_OF),
        imgkit.cleanup_candidates(images, servers=servers, as_of=AS_OF),
    )
    pd.testing.assert_frame_equal(images.imgkit.image_usage(servers), imgkit.image_usage(images, servers))
    assert images.imgkit.storage_cost(price_per_gb_month=1)["gb"].iloc[-1] == 255.0
    assert images.imgkit.label_tenants({"t1": "A"})["owner_name"].iloc[0] == "A"


# ---------------------------------------------------------------- properties
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@budget(200)
@given(st.text(max_size=30))
def test_image_family_is_a_prefix_and_idempotent(name):
    fam = image_family(name)
    assert name.strip().startswith(fam)
    assert image_family(fam) == fam
    assert (fam == "") == (name.strip() == "")


_row = st.fixed_dictionaries(
    {
        "owner": st.sampled_from(["t1", "t2"]),
        "name": st.sampled_from(["web-1", "web-2", "web-20240101", "db", "db-v3", "app 1.2", "x"]),
        "days": st.integers(0, 4000),
        "visibility": st.sampled_from(["private", "public", "shared", "community"]),
        "imagetype": st.sampled_from(["private", "gold", "shared", "market", None]),
        "protected": st.sampled_from([True, False, None]),
        "status": st.sampled_from(["active", "queued", "killed", "pending_delete"]),
    }
)


@budget(60)
@given(st.lists(_row, min_size=1, max_size=25), st.lists(st.integers(0, 30), max_size=10), st.integers(0, 3))
def test_cleanup_rules_hold_on_any_frame(rows, used, keep):
    n = len(rows)
    images = pd.DataFrame(
        {
            "id": [f"i{k}" for k in range(n)],
            "owner": [r["owner"] for r in rows],
            "name": [r["name"] for r in rows],
            "created_at": pd.Timestamp("2026-06-01", tz="UTC") - pd.to_timedelta([r["days"] for r in rows], unit="D"),
            "visibility": [r["visibility"] for r in rows],
            "imagetype": [r["imagetype"] for r in rows],
            "protected": pd.array([r["protected"] for r in rows], dtype="boolean"),
            "status": [r["status"] for r in rows],
        },
        index=[7] * n,
    )  # a duplicated index must not matter
    servers = pd.DataFrame(
        {"id": [f"s{k}" for k in range(len(used))], "image_id": [f"i{u}" for u in used], "status": "ACTIVE"}
    )
    c = imgkit.cleanup_candidates(images, servers=servers, as_of=AS_OF, keep_newest=keep)
    a = c.attrs["cleanup"]
    assert a["exempt"] + a["in_use"] + a["too_young"] + a["newest_of_family"] + a["candidates"] == n
    assert not (c["protected"].fillna(False)).any()
    assert not c["visibility"].isin(["public", "shared", "community"]).any()
    assert not c["imagetype"].isin(["gold", "shared", "market"]).any()
    assert not c["id"].isin(servers["image_id"]).any()
    assert (c["age_days"] > 365).all()
    fam = images.assign(family=[image_family(x) for x in images["name"]]).reset_index(drop=True)
    newest = fam.sort_values("created_at", ascending=False, kind="stable").groupby(["owner", "family"]).head(keep)
    assert not c["id"].isin(newest["id"]).any()


def test_empty_frame():
    empty = _images().iloc[:0]
    c = imgkit.cleanup_candidates(empty, servers=_servers(), as_of=AS_OF)
    assert c.empty and "reason" in c.columns and c.attrs["cleanup"]["images"] == 0
    assert imgkit.storage_cost(empty, price_per_gb_month=1).index.tolist() == ["All tenants"]
