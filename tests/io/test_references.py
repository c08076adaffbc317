"""read_scaling_configs, read_members, read_volumes and the servers' coverage attribute: sources, types, findings."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import imgkit
from imgkit.io import read_volumes

CONFIG = {
    "scaling_configuration_id": "cfg-1",
    "scaling_configuration_name": "web",
    "tenant": "t1",
    "instance_config": {
        "flavorRef": "s6.large.2",
        "imageRef": "img-1",
        "disk": [{"size": 40, "disk_type": "SYS"}, {"size": 100, "disk_type": "DATA", "data_disk_image_id": "img-9"}],
    },
    "create_time": "2026-01-05T10:00:00Z",
    "scaling_group_id": "grp-1",
}


def _snapshot(tmp_path, name, pages, **meta):
    d = tmp_path / name
    d.mkdir()
    for i, page in enumerate(pages, 1):
        (d / f"page-{i:06d}.json").write_text(json.dumps(page))
    (d / "_imgkit_snapshot.json").write_text(
        json.dumps(
            {"endpoint": "https://as.example.com/autoscaling-api/v1/p1", "fetched_at": "2026-06-01T00:00:00Z", **meta}
        )
    )
    return d


def test_scaling_configs_from_a_snapshot_folder(tmp_path):
    second = {**CONFIG, "scaling_configuration_id": "cfg-2", "instance_config": {"instance_id": "ecs-1"}}
    del second["tenant"]
    d = _snapshot(
        tmp_path,
        "as",
        [
            {"total_number": 2, "start_number": 0, "limit": 1, "scaling_configurations": [CONFIG]},
            {"total_number": 2, "start_number": 1, "limit": 1, "scaling_configurations": [second]},
        ],
        api="scaling_configurations",
        project_id="p1",
    )
    c = imgkit.read_scaling_configs(d)
    assert c.columns.tolist() == [
        "id",
        "name",
        "tenant_id",
        "scaling_group_id",
        "image_id",
        "disk_image_ids",
        "instance_id",
        "created",
    ]
    assert c[["id", "tenant_id", "image_id", "instance_id"]].astype(object).where(c.notna(), None).values.tolist() == [
        ["cfg-1", "t1", "img-1", None],
        ["cfg-2", "p1", None, "ecs-1"],
    ]  # the snapshot's project fills the tenant
    assert c["disk_image_ids"].tolist()[0] == ["img-9"]
    assert str(c["created"].dtype) == "datetime64[ns, UTC]"
    meta = c.attrs["imgkit"]
    assert meta["kind"] == "scaling_configs" and meta["total_number"] == 2
    assert meta["fetched_at"] == "2026-06-01T00:00:00+00:00" and meta["source"].startswith("https://as.example.com")


def test_scaling_configs_findings_and_a_missing_page():
    bad = {**CONFIG, "create_time": "yesterday"}
    del bad["scaling_configuration_id"]
    with pytest.warns(imgkit.ImgkitWarning) as seen:
        c = imgkit.read_scaling_configs({"total_number": 5, "scaling_configurations": [CONFIG, bad, CONFIG]})
    assert len(c) == 2  # the duplicate cfg-1 is dropped (recorded); the record without an id is kept
    found = imgkit.validate(c)
    assert sorted(found["rule"].astype(str)) == ["duplicate_id", "mandatory", "untypable"]
    assert "the API reported 5 scaling configurations, 2 were read" in str(seen[-1].message)
    with pytest.raises(imgkit.SchemaError):
        imgkit.read_scaling_configs({"scaling_configurations": [bad]}, errors="raise")


def test_members_with_and_without_the_page_image_id(tmp_path):
    d = _snapshot(
        tmp_path,
        "members",
        [
            {
                "image_id": "img-1",
                "members": [{"member_id": "p2", "status": "accepted"}],
                "schema": "/v2/schemas/members",
            },
            {
                "members": [
                    {"image_id": "img-2", "member_id": "p3", "status": "rejected", "created_at": "2026-01-01T00:00:00Z"}
                ]
            },
            {"image_id": "img-3", "members": []},
        ],
        image_ids=["img-1", "img-2", "img-3", "img-4"],
    )
    m = imgkit.read_members(d)
    assert m[["image_id", "member_id", "status"]].values.tolist() == [
        ["img-1", "p2", "accepted"],
        ["img-2", "p3", "rejected"],
    ]
    assert m.attrs["imgkit"]["images_checked"] == ["img-1", "img-2", "img-3", "img-4"]
    assert list(m["status"].cat.categories) == ["pending", "accepted", "rejected"]
    with pytest.warns(imgkit.ImgkitWarning, match="mandatory"):
        m = imgkit.read_members({"members": [{"member_id": "p2", "status": "accepted"}]})  # which image?
    assert m["image_id"].isna().all()


@pytest.mark.parametrize(
    "reader, doc, message",
    [
        (imgkit.read_scaling_configs, {"servers": []}, "a listing of servers, not of scaling_configurations"),
        (imgkit.read_members, {"images": []}, "a listing of images, not of members"),
        (imgkit.read_members, {"error": {"code": "IMG.0024", "message": "no"}}, "API error response"),
        (imgkit.read_servers, {"scaling_configurations": []}, "read it with imgkit.read_scaling_configs"),
    ],
)
def test_the_wrong_listing_is_said(reader, doc, message):
    with pytest.raises(imgkit.SourceError, match=message):
        reader(doc)


def test_volumes_keep_status_and_tenant_and_unattached_ones():
    v = read_volumes(
        {
            "volumes": [
                {
                    "id": "v1",
                    "status": "in-use",
                    "os-vol-tenant-attr:tenant_id": "t1",
                    "volume_image_metadata": {"image_id": "img-1"},
                    "attachments": [{"server_id": "s1", "device": "/dev/vda"}],
                },
                {"id": "v2", "status": "available", "volume_image_metadata": {"image_id": "img-2"}, "attachments": []},
            ]
        }
    )
    assert v[["id", "status", "tenant_id", "server_id"]].astype(object).where(v.notna(), None).values.tolist() == [
        ["v1", "in-use", "t1", "s1"],
        ["v2", "available", None, None],
    ]


def test_servers_snapshot_says_whether_it_holds_every_tenant(tmp_path):
    server = {
        "id": "s1",
        "name": "a",
        "status": "ACTIVE",
        "tenant_id": "t1",
        "image": {"id": "i"},
        "flavor": {"id": "f"},
        "created": "2026-01-01T00:00:00Z",
        "updated": "2026-01-01T00:00:00Z",
    }
    admin = _snapshot(tmp_path, "admin", [{"servers": [server]}], filters={"all_tenants": "1"})
    mine = _snapshot(tmp_path, "mine", [{"servers": [server]}], filters={})
    assert imgkit.read_servers(admin).attrs["imgkit"]["all_tenants"] is True
    assert imgkit.read_servers(mine).attrs["imgkit"]["all_tenants"] is False
    images = pd.DataFrame({"id": ["i", "j"], "owner": ["t1", "t2"]})
    assert imgkit.image_usage(images, imgkit.read_servers(admin))["usage_known"].tolist() == [True, True]
    with pytest.warns(imgkit.ImgkitWarning, match="usage unknown for 1 image"):
        assert imgkit.image_usage(images, imgkit.read_servers(mine))["usage_known"].tolist() == [True, False]


def test_a_fetched_servers_frame_keeps_its_filters():
    servers = pd.DataFrame({"id": ["s1"], "tenant_id": ["t1"], "image_id": ["i"], "status": ["ACTIVE"]})
    servers.attrs["imgkit"] = {"filters": {"all_tenants": "1"}}  # what fetch_servers records
    images = pd.DataFrame({"id": ["i", "j"], "owner": ["t1", "t2"]})
    assert imgkit.image_usage(images, servers)["usage_known"].tolist() == [True, True]
