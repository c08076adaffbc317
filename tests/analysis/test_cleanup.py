"""image_usage, cleanup_candidates, storage_cost on hand-built images and references: every candidate written out."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from conftest import budget
from hypothesis import given
from hypothesis import strategies as st

import imgkit
from imgkit.cleanup import GIB, huawei_cloud_prices, image_family, image_kind
from imgkit.io import read_volumes

AS_OF = "2026-06-01"


def _images() -> pd.DataFrame:
    rows = [
        # id,   owner, name,            created,      visibility, imagetype, protected, status,   productcode, GiB
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
    return _frame(rows)


def _frame(rows: list[tuple]) -> pd.DataFrame:
    cols = ["id", "owner", "name", "created_at", "visibility", "imagetype", "protected", "status", "productcode", "gib"]
    df = pd.DataFrame(rows, columns=cols)
    df["created_at"] = pd.to_datetime(df["created_at"], utc=True)
    df["protected"] = df["protected"].astype("boolean")
    df["image_size"] = pd.array([None if pd.isna(g) else int(g * GIB) for g in df.pop("gib")], dtype="Int64")
    for c in ("id", "owner", "name", "productcode", "status", "visibility", "imagetype"):
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


# ---------------------------------------------------------------- usage and references
def test_image_usage_counts_every_server_but_deleted_ones():
    u = imgkit.image_usage(_images(), _servers())
    used = u.loc[u["in_use"], ["id", "servers_using", "last_server_created", "used_by"]]
    assert used.values.tolist() == [
        ["i02", 1, pd.Timestamp("2024-02-01", tz="UTC"), "server (1)"],
        ["i16", 1, pd.Timestamp("2020-05-01", tz="UTC"), "server (1)"],
        ["i21", 2, pd.Timestamp("2025-05-05", tz="UTC"), "server (2)"],  # an ERROR server still uses its image
    ]
    assert str(u["servers_using"].dtype) == "Int64" and str(u["in_use"].dtype) == "boolean"
    assert str(u["last_server_created"].dtype) == "datetime64[ns, UTC]"
    assert str(u["usage_known"].dtype) == "boolean" and u["usage_known"].all()  # servers of t1 and t2
    assert u.loc[u["id"] == "i06", "servers_using"].item() == 0  # its only server is DELETED
    assert u["last_server_created"].isna().sum() == len(u) - 3
    assert u["used_by"][~u["in_use"]].eq("").all()
    info = u.attrs["usage"]
    assert (info["servers"], info["servers_with_unknown_image"], info["boot_from_volume_unresolved"]) == (5, 1, 0)
    assert info["matched_on"] == ["image_id"] and u.attrs["imgkit"]["usage"] == info
    assert list(u.columns[: len(_images().columns)]) == list(_images().columns)


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
    with pytest.warns(imgkit.ImgkitWarning, match="usage unknown for 1 image"):
        u = imgkit.image_usage(images, servers)
    assert u["in_use"].tolist() == [False, True]
    assert u["usage_known"].tolist() == [False, True]  # no server listing of eu-de
    assert u.attrs["usage"]["matched_on"] == ["region", "image_id"]


def test_partial_coverage_is_said_and_never_a_candidate():
    images = _images()
    images.loc[images["owner"] == "t2", "owner"] = "t3"  # a tenant the servers listing does not hold
    servers = _servers()
    servers = servers[servers["tenant_id"] == "t1"]  # e.g. a non-admin listing (all_tenants=False) of t1
    with pytest.warns(imgkit.ImgkitWarning) as seen:
        u = imgkit.image_usage(images, servers)
    assert [str(w.message) for w in seen] == [
        (
            "usage unknown for 4 image(s) of 1 tenant(s) in 1 region(s) that could otherwise be cleanup candidates: "
            "the servers listing (the tenants listed) does not cover them; list every tenant's servers "
            "(fetch_servers(all_tenants=True)) and every region's"
        )
    ]
    assert u.loc[~u["usage_known"], "id"].tolist() == ["i20", "i21", "i22", "i23"]
    c = imgkit.cleanup_candidates(u, as_of=AS_OF, keep_newest=0)
    assert not c["id"].isin(["i20", "i21", "i22", "i23"]).any()
    assert c.attrs["imgkit"]["cleanup"]["usage_unknown"] == 4
    # an all-tenants listing covers every tenant of its region, servers or not
    servers.attrs["imgkit"] = {"all_tenants": True}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        u = imgkit.image_usage(images, servers)
    assert u["usage_known"].all() and u.attrs["usage"]["coverage"] == "all tenants"


def test_no_servers_no_known_usage_and_no_candidate():
    with pytest.warns(imgkit.ImgkitWarning, match="no servers listing was given"):
        u = imgkit.image_usage(_images(), in_use=["i01"])
    assert not u["usage_known"].any() and u.loc[u["id"] == "i01", "used_by"].item() == "your list"
    c = imgkit.cleanup_candidates(u, as_of=AS_OF)
    assert c.empty and c.attrs["cleanup"]["usage_unknown"] == 16  # every image not exempt
    assert imgkit.cleanup_candidates(_images(), as_of=AS_OF).empty  # no usage columns at all: unknown


def test_regions_covered_by_the_listing_and_its_empty_parts():
    images = pd.DataFrame({"id": ["a", "b", "c"], "owner": "t1", "region": ["r1", "r2", "r3"]})
    servers = pd.DataFrame(
        {"id": ["s1"], "tenant_id": ["t1"], "image_id": ["a"], "status": ["ACTIVE"], "region": ["r1"]}
    )
    servers.attrs["imgkit"] = {
        "all_tenants": True,
        "parts": [{"cloud": None, "region": "r1"}, {"cloud": None, "region": "r2"}],
    }
    with pytest.warns(imgkit.ImgkitWarning, match="usage unknown for 1 image"):
        u = imgkit.image_usage(images, servers)
    assert u["usage_known"].tolist() == [True, True, False]  # r2 was listed and had no server; r3 was not listed
    # a servers listing that does not say its region covers images of one region, not of several
    plain = servers.drop(columns="region")
    with pytest.warns(imgkit.ImgkitWarning, match="does not say its cloud/region"):
        assert not imgkit.image_usage(images, plain)["usage_known"].any()
    assert imgkit.image_usage(images.iloc[:1], plain)["usage_known"].all()


def test_every_kind_of_reference():
    images = _frame(
        [
            ("v1", "t1", "data-1", "2021-01-01", "private", "private", False, "active", None, 1),
            ("v2", "t1", "data-2", "2021-01-01", "private", "private", False, "active", None, 1),
            ("a1", "t1", "as-sys", "2021-01-01", "private", "private", False, "active", None, 1),
            ("a2", "t1", "as-data", "2021-01-01", "private", "private", False, "active", None, 1),
            ("sh", "t1", "web-shelved", "2021-01-01", "private", "private", False, "active", None, 1),
            ("sn", "t1", "web-snap", "2021-01-01", "private", "private", False, "active", None, 1),
            ("m1", "t1", "tool", "2021-01-01", "private", "private", False, "active", None, 1),
            ("y1", "t1", "iac-base", "2021-01-01", "private", "private", False, "active", None, 1),
            ("y2", "t1", "cce-node", "2021-01-01", "private", "private", False, "active", None, 1),
            ("no", "t1", "nothing", "2021-01-01", "private", "private", False, "active", None, 1),
        ]
    )
    images["instance_uuid"] = pd.array([None] * 4 + ["srv-shelved", "srv-live"] + [None] * 4, dtype="string")
    images["in_use"] = pd.array([False] * 8 + [True, False], dtype="boolean")  # the user's own column: kept
    servers = pd.DataFrame(
        {
            "id": ["srv-shelved", "srv-live"],
            "tenant_id": "t1",
            "image_id": ["zz", "zz"],
            "status": ["SHELVED_OFFLOADED", "ACTIVE"],
        }
    )
    volumes = read_volumes(
        {
            "volumes": [
                {"id": "vol-a", "status": "available", "volume_image_metadata": {"image_id": "v1"}, "attachments": []},
                {"id": "vol-b", "status": "deleted", "volume_image_metadata": {"image_id": "v2"}, "attachments": []},
            ]
        }
    )
    configs = imgkit.read_scaling_configs(
        {
            "scaling_configurations": [
                {
                    "scaling_configuration_id": "cfg",
                    "tenant": "t1",
                    "instance_config": {"imageRef": "a1", "disk": [{"disk_type": "DATA", "data_disk_image_id": "a2"}]},
                }
            ]
        }
    )
    members = imgkit.read_members(
        [
            {
                "image_id": "m1",
                "members": [
                    {"image_id": "m1", "member_id": "p2", "status": "accepted"},
                    {"image_id": "m1", "member_id": "p3", "status": "rejected"},
                ],
            },
            {"image_id": "no", "members": []},
        ]
    )
    u = imgkit.image_usage(
        images, servers, volumes=volumes, scaling_configs=configs, members=members, in_use=pd.Series(["y1"])
    )
    assert u[["id", "in_use", "used_by"]].values.tolist() == [
        ["v1", True, "volume (1)"],  # unattached, available
        ["v2", False, ""],  # its only volume is deleted
        ["a1", True, "scaling config (1)"],
        ["a2", True, "scaling config (1)"],  # a data-disk image of the configuration
        ["sh", True, "shelved server (1)"],
        ["sn", True, "snapshot of a live server (1)"],
        ["m1", True, "share (1)"],  # one accepted member; the rejected one does not count
        ["y1", True, "your list"],
        ["y2", True, "your list"],  # in_use=True in the frame: OR'ed, never overwritten
        ["no", False, ""],
    ]
    assert u["accepted_members"].tolist() == [pd.NA] * 6 + [1] + [pd.NA] * 2 + [0]
    assert u["volumes_using"].sum() == 1 and u["configs_using"].sum() == 2
    # raw sources are read for you
    again = imgkit.image_usage(
        images,
        servers,
        volumes={
            "volumes": [
                {"id": "vol-a", "status": "available", "volume_image_metadata": {"image_id": "v1"}, "attachments": []}
            ]
        },
    )
    assert again.loc[again["id"] == "v1", "used_by"].item() == "volume (1)"
    with pytest.raises(imgkit.ConfigError, match="`in_use` must be an iterable of image ids"):
        imgkit.image_usage(images, servers, in_use="y1")


# ---------------------------------------------------------------- candidates
def test_cleanup_candidates_every_candidate_and_reason():
    c = imgkit.cleanup_candidates(_images(), servers=_servers(), as_of=AS_OF)
    assert c[["id", "reclaimable_bytes", "reason"]].values.tolist() == [
        ["i06", 40 * GIB, "unused, 1918 days old, not among the newest 2 active unused images of its family 'db'"],
        ["i01", 10 * GIB, "unused, 1247 days old, not among the newest 2 active unused images of its family 'web'"],
    ]
    # kept: the web family's unused active images are i03, i04 (newest 2: i02 is used, so i01 goes)
    #       db: i07, i08 (i05 protected); bfv-base: i16b, i16c (i16 is used, so neither is the 3rd unused)
    assert (
        c.attrs["cleanup"]
        == c.attrs["imgkit"]["cleanup"]
        == {
            "older_than": "365D",
            "keep_newest": 2,
            "usage": "servers",
            "images": 21,
            "exempt": 5,
            "usage_unknown": 0,
            "in_use": 3,
            "too_young": 2,
            "newest_of_family": 9,
            "candidates": 2,
            "reclaimable_bytes": 50 * GIB,
        }
    )
    assert c["age_days"].tolist() == [1918, 1247]
    assert c["image_kind"].tolist() == ["system", "system"]
    assert c.attrs["as_of"] == pd.Timestamp(AS_OF, tz="UTC")


def test_cleanup_without_family_rule_and_any_age_is_sorted_by_size():
    c = imgkit.cleanup_candidates(_images(), servers=_servers(), as_of=AS_OF, keep_newest=0, older_than=None)
    assert c[["id", "reason"]].values.tolist() == [
        ["i06", "unused, 1918 days old"],
        ["i07", "unused, 1826 days old"],
        ["i08", "unused, 1734 days old"],
        ["i01", "unused, 1247 days old"],
        ["i03", "unused, 516 days old"],
        ["i04", "unused, 151 days old"],
        ["i20", "unused, 1612 days old"],
        ["i22", "unused, 1612 days old"],
        ["i23", "unused, 1247 days old"],
        ["i16c", "unused, 2739 days old"],
        ["i16b", "unused, 2677 days old"],
        ["i13", "unused, 1612 days old"],
        ["i12", "unused, 92 days old"],
    ]
    assert c["reclaimable_bytes"].is_monotonic_decreasing
    # never: protected i05, public/gold i09, shared i10, market i11, pending_delete i15; used i02, i16, i21
    assert not set(c["id"]) & {"i05", "i09", "i10", "i11", "i15", "i02", "i16", "i21"}


def test_family_keeps_versions_apart():
    images = _frame(
        [
            ("u1", "t1", "ubuntu-20.04-20220101", "2022-01-01", "private", "private", False, "active", None, 3),
            ("u2", "t1", "ubuntu-20.04-20230101", "2023-01-01", "private", "private", False, "active", None, 3),
            ("u3", "t1", "ubuntu-20.04-20240101", "2024-01-01", "private", "private", False, "active", None, 3),
            ("u4", "t1", "ubuntu-22.04-20250101", "2025-01-01", "private", "private", False, "active", None, 3),
            ("u5", "t1", "ubuntu-22.04-20250201", "2025-02-01", "private", "private", False, "active", None, 3),
            ("k1", "t1", "k8s-node-1.27", "2023-01-01", "private", "private", False, "active", None, 5),
            ("k2", "t1", "k8s-node-1.28", "2024-01-01", "private", "private", False, "active", None, 5),
            ("k3", "t1", "k8s-node-1.29", "2025-01-01", "private", "private", False, "active", None, 5),
            ("m1", "t1", "mysql-5.7", "2022-01-01", "private", "private", False, "active", None, 4),
            ("m2", "t1", "mysql-8.0", "2023-01-01", "private", "private", False, "active", None, 4),
            ("m3", "t1", "mysql-8.0-build7", "2024-01-01", "private", "private", False, "active", None, 4),
        ]
    )
    servers = pd.DataFrame({"id": ["s"], "tenant_id": ["t1"], "image_id": ["none"], "status": ["ACTIVE"]})
    c = imgkit.cleanup_candidates(images, servers=servers, as_of=AS_OF)
    # only the third 20.04 image goes: the 22.04 ones are another family, every k8s and mysql version its own
    assert c[["id", "family"]].values.tolist() == [["u1", "ubuntu-20.04"]]
    # a column of your own as the family (e.g. from a tag), or a function of the row
    tagged = images.assign(role=["os"] * 5 + ["k8s"] * 3 + ["db"] * 3)
    c = imgkit.cleanup_candidates(tagged, servers=servers, as_of=AS_OF, family="role")
    assert c[["id", "family"]].values.tolist() == [
        ["k1", "k8s"],
        ["m1", "db"],
        ["u1", "os"],
        ["u2", "os"],
        ["u3", "os"],
    ]
    c = imgkit.cleanup_candidates(images, servers=servers, as_of=AS_OF, family=lambda row: row["name"].split("-")[0])
    assert set(c["family"]) == {"ubuntu", "k8s", "mysql"} and len(c) == 5
    # family=None: the exact name; every name is unique here, so every image is the newest of its family
    assert imgkit.cleanup_candidates(images, servers=servers, as_of=AS_OF, family=None).empty


def test_keep_newest_ranks_active_unused_images_only():
    images = _frame(
        [
            ("g1", "t1", "app-20220101", "2022-01-01", "private", "private", False, "active", None, 8),
            ("g2", "t1", "app-20230101", "2023-01-01", "private", "private", False, "active", None, 8),
            ("g3", "t1", "app-20240101", "2024-01-01", "private", "private", False, "active", None, 8),
            ("kil", "t1", "app-20240201", "2024-02-01", "private", "private", False, "killed", None, None),
            ("que", "t1", "app-20240301", "2024-03-01", "private", "private", False, "queued", None, None),
            ("u1", "t1", "app-20240401", "2024-04-01", "private", "private", False, "active", None, 8),
            ("u2", "t1", "app-20240501", "2024-05-01", "private", "private", False, "active", None, 8),
        ]
    )
    servers = pd.DataFrame({"id": ["s1", "s2"], "tenant_id": "t1", "image_id": ["u1", "u2"], "status": "ACTIVE"})
    c = imgkit.cleanup_candidates(images, servers=servers, as_of=AS_OF)
    # the two newest are in use and the two before are a failed and a stuck build: g3 and g2 are the rollback images
    assert c[["id", "reclaimable_bytes", "reason"]].astype(object).values.tolist() == [
        ["g1", 8 * GIB, "unused, 1612 days old, not among the newest 2 active unused images of its family 'app'"],
        ["kil", pd.NA, "unused, 851 days old, status killed (never a rollback image)"],  # size unknown: last
        ["que", pd.NA, "unused, 822 days old, status queued (never a rollback image)"],
    ]


def test_shared_images_and_members():
    images = _frame(
        [
            ("sh1", "t1", "partner-a", "2020-01-01", "shared", "shared", False, "active", None, 2),
            ("sh2", "t1", "partner-b", "2020-01-01", "shared", "private", False, "active", None, 2),
            ("sh3", "t1", "partner-c", "2020-01-01", "shared", "private", False, "active", None, 2),
            ("pr1", "t1", "private-d", "2020-01-01", "private", "private", False, "active", None, 2),
        ]
    )
    servers = pd.DataFrame({"id": ["s"], "tenant_id": ["t1"], "image_id": ["none"], "status": ["ACTIVE"]})
    members = imgkit.read_members(
        [
            {
                "image_id": "sh1",
                "members": [
                    {"image_id": "sh1", "member_id": "p2", "status": "rejected"},
                    {"image_id": "sh1", "member_id": "p3", "status": "pending"},
                ],
            },
            {"image_id": "sh2", "members": []},
            {"image_id": "pr1", "members": [{"image_id": "pr1", "member_id": "p4", "status": "accepted"}]},
        ]
    )
    u = imgkit.image_usage(images, servers, members=members)
    c = imgkit.cleanup_candidates(u, as_of=AS_OF, keep_newest=0)
    # sh3's members were not read: exempt as before; pr1 is private but used by an accepted member
    assert c[["id", "reason"]].values.tolist() == [
        ["sh1", "shared, but no accepted member remains, 2343 days old"],
        ["sh2", "shared, but no accepted member remains, 2343 days old"],
    ]
    assert u.loc[u["id"] == "pr1", "used_by"].item() == "share (1)"
    # an image whose members could not be read (the fetch says so) stays exempt
    members.attrs["imgkit"]["not_checked"] = [{"image_id": "sh2", "status": 403}]  # as fetch_members records it
    u = imgkit.image_usage(images, servers, members=members)
    assert imgkit.cleanup_candidates(u, as_of=AS_OF, keep_newest=0)["id"].tolist() == ["sh1"]


def test_reasons_say_what_to_know_before_deleting():
    images = _frame(
        [
            ("p", "t1", "golden-20200101", "2020-01-01", "private", "private", False, "active", None, 20),
            ("c1", "t1", "golden-20210101", "2021-01-01", "private", "private", False, "active", None, 20),
            ("c2", "t1", "golden-20220101", "2022-01-01", "private", "private", False, "active", None, 20),
            ("f", "t1", "full-ecs-2020", "2020-06-01", "private", "private", False, "active", None, 60),
            ("f2", "t1", "full-ecs-2021", "2021-06-01", "private", "private", False, "active", None, 60),
            ("e", "t1", "enc", "2020-01-01", "private", "private", False, "active", None, 5),
        ]
    )
    images["originalimagename"] = pd.array([None, "p", "p", None, None, None], dtype="string")
    images["whole_image"] = pd.array([None, None, None, True, True, None], dtype="boolean")
    images["backup_id"] = pd.array([None, None, None, "bk-7", "", None], dtype="string")
    images["system__cmkid"] = pd.array([None] * 5 + ["key-9"], dtype="string")
    servers = pd.DataFrame({"id": ["s"], "tenant_id": ["t1"], "image_id": ["none"], "status": ["ACTIVE"]})
    c = imgkit.cleanup_candidates(images, servers=servers, as_of=AS_OF, keep_newest=0)
    assert c[["id", "image_kind", "reason"]].values.tolist() == [
        ["f", "whole", "unused, 2191 days old, full-ECS image: delete backup bk-7 too to stop its charge"],
        ["f2", "whole", "unused, 1826 days old, full-ECS image: its CSBS/CBR backup is billed until deleted too"],
        ["p", "system", "unused, 2343 days old, parent of 2 listed images"],
        ["c1", "system", "unused, 1977 days old"],
        ["c2", "system", "unused, 1612 days old"],
        ["e", "system", "unused, 2343 days old, encrypted with key key-9"],
    ]


def test_cleanup_with_an_in_use_column_of_ones_own():
    images = _images().assign(in_use=lambda d: d["id"].isin(["i02", "i16", "i21"]).astype("boolean"))
    c = imgkit.cleanup_candidates(images, as_of=AS_OF)
    assert c.attrs["cleanup"]["usage"] == "in_use column"
    assert c["id"].tolist() == ["i06", "i01"]


@pytest.mark.parametrize(
    "kw, match",
    [
        ({"older_than": 365}, "`older_than` must be a duration"),
        ({"older_than": "soon"}, "`older_than` must be a duration"),
        ({"keep_newest": -1}, "`keep_newest` must be a non-negative integer"),
        ({"keep_newest": True}, "`keep_newest` must be a non-negative integer"),
        ({"family": 3}, "`family` must be a column name, a function of the row or None"),
        ({"family": "nope"}, "`family` names a column that is not in the frame: 'nope'"),
    ],
)
def test_cleanup_option_errors(kw, match):
    with pytest.raises(imgkit.ConfigError, match=match):
        imgkit.cleanup_candidates(_images(), servers=_servers(), as_of=AS_OF, **kw)


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
        ("web-1.4.0-20231201", "web-1.4"),
        ("app 2024.01", "app"),
        ("nightly-20240131T1200Z", "nightly"),
        ("api-rc2", "api"),
        ("svc-build42", "svc"),
        ("db-latest", "db"),
        ("db-old", "db"),
        ("CentOS 7.9 k8s-node image", "CentOS 7.9 k8s-node image"),
        ("v2", "v2"),
        ("", ""),
        ("备份-Ubuntu 20.04-20220225", "备份-Ubuntu 20.04"),
        ("gateway-prod-hce20", "gateway-prod-hce20"),
        ("ubuntu-20.04-20240101", "ubuntu-20.04"),
        ("ubuntu-22.04-20250101", "ubuntu-22.04"),
        ("k8s-node-1.27", "k8s-node-1.27"),
        ("k8s-node-1.27.3-20240101", "k8s-node-1.27"),
        ("mysql-5.7", "mysql-5.7"),
        ("mysql-8.0", "mysql-8.0"),
        ("redis-01", "redis"),
        ("1.2.3", "1.2.3"),
    ],
)
def test_image_family(name, family):
    assert image_family(name) == family


# ---------------------------------------------------------------- cost
def _kinds() -> pd.DataFrame:
    df = _images().iloc[:4].copy()
    df["virtual_env_type"] = pd.array(["FusionCompute", "DataImage", "IsoImage", "FusionCompute"], dtype="string")
    df["disk_format"] = pd.array(["zvhd2", "zvhd2", "iso", "zvhd2"], dtype="string")
    df["whole_image"] = pd.array([None, None, None, True], dtype="boolean")
    df["region"] = ["r1", "r1", "r2", "r2"]
    return df


def test_image_kind_rule():
    assert image_kind(_kinds()).tolist() == ["system", "data", "iso", "whole"]


def test_storage_cost_with_candidates():
    images = _images()
    c = imgkit.cleanup_candidates(images, servers=_servers(), as_of=AS_OF)
    cost = imgkit.storage_cost(images, prices=0.1, currency="EUR", candidates=c)
    assert cost.index.tolist() == ["t1", "t2", "All tenants"]
    assert cost["images"].tolist() == [17, 4, 21]
    assert cost["gib"].tolist() == [230.0, 25.0, 255.0]
    assert cost["cost"].round(6).tolist() == [23.0, 2.5, 25.5]
    assert cost["candidates"].tolist() == [2, 0, 2]
    assert cost["candidate_gib"].tolist() == [50.0, 0.0, 50.0]  # i06 40 + i01 10
    assert cost["candidate_cost"].round(6).tolist() == [5.0, 0.0, 5.0]
    assert cost.attrs["imgkit"]["currency"] == "EUR"
    assert imgkit.storage_cost(images, prices=1, by="imagetype").index[-1] == "All images"
    assert imgkit.storage_cost(images, prices=1, by=None)["gib"].tolist() == [255.0]


def test_storage_cost_prices_by_kind_region_and_the_huawei_rule():
    df = _kinds()  # 10 GiB each
    huawei = imgkit.storage_cost(df, prices=huawei_cloud_prices(0.05), currency="CNY", by="image_kind")
    assert huawei["cost"].round(6).to_dict() == {
        "whole": 0.5,
        "system": 0.0,
        "data": 0.0,
        "iso": 0.0,
        "All images": 0.5,
    }
    table = pd.DataFrame(
        {
            "region": ["r1", "r1", "r2", "r2"],
            "image_kind": ["system", "data", "iso", "whole"],
            "price_per_gib_month": [0.1, 0.2, 0.3, 0.4],
        }
    )
    assert imgkit.storage_cost(df, prices=table, by=None)["cost"].round(6).tolist() == [10.0]
    by_region = pd.DataFrame({"region": ["r1", "r2"], "price_per_gib_month": [1.0, 2.0]})
    assert imgkit.storage_cost(df, prices=by_region, by="region")["cost"].tolist() == [40.0, 20.0, 60.0]
    with pytest.raises(imgkit.ConfigError, match=r"no price for region='r2', image_kind='whole' \(1 image\(s\)\)"):
        imgkit.storage_cost(df, prices=table.iloc[:3])
    with pytest.raises(imgkit.ConfigError, match=r"no price for image_kind='whole' \(1 image\(s\)\)"):
        imgkit.storage_cost(df, prices={"system": 0, "data": 0, "iso": 0})
    with pytest.raises(imgkit.ConfigError, match="keys must be image kinds"):
        imgkit.storage_cost(df, prices={"gold": 1})
    with pytest.raises(imgkit.ConfigError, match="several prices for region='r1'"):
        imgkit.storage_cost(df, prices=pd.DataFrame({"region": ["r1", "r1", "r2"], "price_per_gib_month": [1, 2, 3]}))
    with pytest.raises(imgkit.ConfigError, match="has a 'cloud' column but the images have none"):
        imgkit.storage_cost(df, prices=pd.DataFrame({"cloud": ["c"], "price_per_gib_month": [1]}))
    with pytest.raises(imgkit.ConfigError, match="`prices` is required"):
        imgkit.storage_cost(df)


def test_storage_cost_sizes_errors_and_the_deprecated_price():
    df = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "owner": ["t", "t", "t"],
            "image_size": pd.array([None, 0, None], dtype="Int64"),
            "size": pd.array([GIB, 2 * GIB, None], dtype="Int64"),
        }
    )
    cost = imgkit.storage_cost(df, prices=2)
    assert cost.loc["t", ["images", "gib", "unsized"]].tolist() == [3, 3.0, 1]
    for bad in (-1, "0.1", float("nan"), True):
        with pytest.raises(imgkit.ConfigError, match="must be a non-negative number|`prices` must be a number"):
            imgkit.storage_cost(df, prices=bad)
    with pytest.raises(imgkit.ConfigError, match="`by` must be None or a column"):
        imgkit.storage_cost(df, prices=1, by="nope")
    with pytest.warns(DeprecationWarning, match="price_per_gb_month=X\\) is deprecated"):
        old = imgkit.storage_cost(df, price_per_gb_month=2)
    pd.testing.assert_frame_equal(old, cost)
    with pytest.raises(imgkit.ConfigError, match="not both"):
        imgkit.storage_cost(df, prices=1, price_per_gb_month=1)


def test_storage_cost_names_tenants():
    named = imgkit.label_tenants(_images(), {"t1": "Finance"})
    cost = imgkit.storage_cost(named, prices=1)
    assert cost.columns[0] == "owner_name"
    assert cost.index.tolist() == ["t1", "t2", "All tenants"]
    assert cost["owner_name"].iloc[0] == "Finance"
    assert cost["owner_name"].isna().tolist() == [False, True, True]


def test_no_warnings_when_everything_is_covered():
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
    assert images.imgkit.storage_cost(prices=1)["gib"].iloc[-1] == 255.0
    assert images.imgkit.label_tenants({"t1": "A"})["owner_name"].iloc[0] == "A"


def test_empty_frame():
    empty = _images().iloc[:0]
    c = imgkit.cleanup_candidates(empty, servers=_servers(), as_of=AS_OF)
    assert c.empty and "reason" in c.columns and c.attrs["cleanup"]["images"] == 0
    assert imgkit.storage_cost(empty, prices=1).index.tolist() == ["All tenants"]


# ---------------------------------------------------------------- properties


@budget(200)
@given(st.text(max_size=30))
def test_image_family_is_a_prefix_and_idempotent(name):
    fam = image_family(name)
    assert name.strip().startswith(fam)
    assert image_family(fam) == fam
    assert (fam == "") == (name.strip() == "")


_row = st.fixed_dictionaries(
    {
        "owner": st.sampled_from(["t1", "t2", "t3"]),
        "name": st.sampled_from(["web-1", "web-2", "web-20240101", "db", "db-v3", "app 1.2", "app 1.3", "x"]),
        "days": st.integers(0, 4000),
        "visibility": st.sampled_from(["private", "public", "shared", "community"]),
        "imagetype": st.sampled_from(["private", "gold", "shared", "market", None]),
        "protected": st.sampled_from([True, False, None]),
        "status": st.sampled_from(["active", "active", "queued", "killed", "pending_delete"]),
        "members": st.sampled_from([None, 0, 1]),
    }
)


def _case(rows: list[dict]) -> pd.DataFrame:
    n = len(rows)
    return pd.DataFrame(
        {
            "id": [f"i{k}" for k in range(n)],
            "owner": [r["owner"] for r in rows],
            "name": [r["name"] for r in rows],
            "created_at": pd.Timestamp("2026-06-01", tz="UTC") - pd.to_timedelta([r["days"] for r in rows], unit="D"),
            "visibility": [r["visibility"] for r in rows],
            "imagetype": [r["imagetype"] for r in rows],
            "protected": pd.array([r["protected"] for r in rows], dtype="boolean"),
            "status": [r["status"] for r in rows],
            "image_size": pd.array([GIB] * n, dtype="Int64"),
        },
        index=[7] * n,
    )  # a duplicated index must not matter


def _members(rows: list[dict], extra: int | None = None) -> pd.DataFrame:
    recs = [
        {"image_id": f"i{k}", "member_id": "p", "status": "accepted" if r["members"] or k == extra else "rejected"}
        for k, r in enumerate(rows)
        if r["members"] is not None or k == extra
    ]
    m = pd.DataFrame(recs, columns=["image_id", "member_id", "status"])
    m.attrs["imgkit"] = {"images_checked": [f"i{k}" for k, r in enumerate(rows) if r["members"] is not None]}
    return m


def _candidates(images, servers, members, keep, in_use=()):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", imgkit.ImgkitWarning)
        u = imgkit.image_usage(images, servers, members=members, in_use=list(in_use))
    return imgkit.cleanup_candidates(u, as_of=AS_OF, keep_newest=keep)


@budget(60)
@given(
    st.lists(_row, min_size=1, max_size=25),
    st.lists(st.integers(0, 30), max_size=10),
    st.integers(0, 3),
    st.sets(st.sampled_from(["t1", "t2", "t3"])),
    st.integers(0, 30),
    st.sampled_from(["server", "ids", "member"]),
)
def test_cleanup_rules_and_monotonicity_on_any_frame(rows, used, keep, tenants, extra, kind):
    images = _case(rows)
    n = len(rows)
    servers = pd.DataFrame(
        {
            "id": [f"s{k}" for k in range(len(used))],
            "image_id": [f"i{u}" for u in used],
            "tenant_id": "t1",
            "status": "ACTIVE",
        }
    )
    cover = pd.DataFrame(
        {
            "id": [f"c-{t}" for t in sorted(tenants)],
            "image_id": "none",
            "tenant_id": sorted(tenants),
            "status": "ACTIVE",
        }
    )
    servers = pd.concat([servers, cover], ignore_index=True)
    members = _members(rows)
    c = _candidates(images, servers, members, keep)
    a = c.attrs["cleanup"]
    assert (
        a["exempt"] + a["usage_unknown"] + a["in_use"] + a["too_young"] + a["newest_of_family"] + a["candidates"] == n
    )
    assert not (c["protected"].fillna(False)).any()
    assert not c["visibility"].isin(["public", "community"]).any()
    assert not c["imagetype"].isin(["gold", "market"]).any()
    assert c["usage_known"].all() and not c["in_use"].any()
    assert not c["id"].isin(servers["image_id"]).any()
    assert (c["age_days"] > 365).all()
    assert c["reclaimable_bytes"].is_monotonic_decreasing
    # adding a reference never adds a candidate
    if kind == "server":
        more = pd.concat(
            [
                servers,
                pd.DataFrame({"id": ["s-new"], "image_id": [f"i{extra}"], "tenant_id": "t1", "status": "ACTIVE"}),
            ],
            ignore_index=True,
        )
        bigger = _candidates(images, more, members, keep)
    elif kind == "ids":
        bigger = _candidates(images, servers, members, keep, in_use=[f"i{extra}"])
    else:
        bigger = _candidates(
            images, servers, _members(rows, extra if extra < n and rows[extra]["members"] is not None else None), keep
        )
    assert set(bigger["id"]) <= set(c["id"])
    # removing coverage never adds one either
    fewer = servers[servers["tenant_id"] != (min(tenants) if tenants else "t1")]
    assert set(_candidates(images, fewer, members, keep)["id"]) <= set(c["id"])
    assert _candidates(images, None, members, keep).empty
