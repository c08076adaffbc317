"""read_servers: Nova api-ref sample shapes, boot from volume, every source form, findings, bad input."""

from __future__ import annotations

import gzip
import io
import json
import os
import warnings
from pathlib import Path

import pandas as pd
import pytest
from conftest import budget
from factories import server_record
from hypothesis import given
from hypothesis import strategies as st

import imgkit
from imgkit.io._servers import read_volumes
from imgkit.schema import SERVER_FIELDS

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "servers"
V21 = FIX / "nova_apiref_v2.1_servers-details-resp.json"
V247 = FIX / "nova_apiref_v2.47_servers-details-resp.json"
V269 = FIX / "nova_apiref_v2.69_servers-details-resp.json"
V2100 = FIX / "nova_apiref_v2.100_servers-details-resp.json"
BFV = FIX / "bfv_servers-details.json"
VOLS = FIX / "bfv_volumes-detail.json"
COLUMNS = [f.column for f in SERVER_FIELDS]


def _server(i: int, **kw):
    return server_record(i, **kw)


def test_columns_and_dtypes_come_from_the_schema():
    df = imgkit.read_servers(V21)
    assert list(df.columns) == COLUMNS
    assert {c: str(df[c].dtype) for c in df.columns} == {f.column: f.dtype for f in SERVER_FIELDS}
    assert df.attrs["imgkit"]["kind"] == "servers"
    desc = imgkit.describe_columns("servers")
    assert desc.index.tolist() == COLUMNS
    assert desc.loc["availability_zone", "api_name"] == "OS-EXT-AZ:availability_zone"


def test_nova_v21_sample():
    df = imgkit.read_servers(V21, errors="raise")
    assert df.iloc[0][
        ["id", "name", "status", "tenant_id", "image_id", "flavor", "availability_zone", "user_id"]
    ].tolist() == [
        "f5dc173b-6804-445a-a6d8-c705dad5b5eb",
        "new-server-test",
        "ACTIVE",
        "6f70656e737461636b20342065766572",
        "70a599e0-31e7-49b7-b260-868f441e862b",
        "1",
        "us-west",
        "admin",
    ]
    assert df["created"].iat[0] == pd.Timestamp("2013-09-03T04:01:32Z")
    assert df["volumes_attached"].iat[0] == ["volume_id1", "volume_id2"]
    assert df["boot_from_volume"].tolist() == [False]
    assert df["image_source"].tolist() == ["image"]
    assert len(imgkit.validate(df)) == 0


def test_flavor_name_from_microversion_2_47_on():
    assert imgkit.read_servers(V247)["flavor"].tolist() == ["m1.tiny.specs"]
    df = imgkit.read_servers(V2100, errors="raise")
    assert df["flavor"].tolist() == ["m1.tiny"]
    assert df["image_id"].tolist() == ["70a599e0-31e7-49b7-b260-868f441e862b"]


def test_server_in_a_down_cell_is_kept_with_its_missing_fields_recorded():
    with pytest.warns(imgkit.ImgkitWarning, match="4 mandatory"):
        df = imgkit.read_servers(V269)
    assert df["status"].tolist() == ["UNKNOWN"]
    assert df["boot_from_volume"].isna().all()  # no "image" key: unknown, not boot-from-volume
    f = imgkit.validate(df)
    assert sorted(f["column"]) == ["flavor", "image_id", "name", "updated"]  # image_id NA: said, not silent
    assert set(f["image_id"]) == {"b6b0410f-b65f-4473-855e-5d82a71759e0"}
    assert set(f["rule"]) == {"mandatory"}


def test_boot_from_volume_without_volumes_is_said():
    with pytest.warns(imgkit.ImgkitWarning, match="2 boot_from_volume"):
        df = imgkit.read_servers(BFV)
    assert df["image_id"].isna().all()
    assert df["boot_from_volume"].tolist() == [True, True]
    assert df["image_source"].isna().all()
    f = imgkit.validate(df)
    assert f["rule"].tolist() == ["boot_from_volume"] * 2
    assert f["image_id"].tolist() == ["9d2b5a4e-7c1f-4a0e-9e55-1b0c7c9b1a01", "9d2b5a4e-7c1f-4a0e-9e55-1b0c7c9b1a02"]
    assert f["value"].tolist() == ["", ""]
    assert f["action"].str.contains("pass volumes=").all()


def test_boot_from_volume_resolved_from_the_root_device_volume():
    with pytest.warns(imgkit.ImgkitWarning, match="1 validation finding"):
        df = imgkit.read_servers(BFV, volumes=VOLS)
    # server 1: two bootable volumes with image metadata; the one at /dev/vda wins over Nova's first
    assert df["image_id"].tolist()[0] == "70a599e0-31e7-49b7-b260-868f441e862b"
    assert df["image_source"].iloc[0] == "volume"
    assert df["image_source"].isna().tolist() == [False, True]
    # server 2: its only volume is blank
    assert pd.isna(df["image_id"].iat[1])
    f = imgkit.validate(df)
    assert f["image_id"].tolist() == ["9d2b5a4e-7c1f-4a0e-9e55-1b0c7c9b1a02"]
    assert "no attached volume with volume_image_metadata" in f["action"].iat[0]


def test_boot_volume_without_device_is_the_first_attached_with_image_metadata():
    servers = {
        "servers": [_server(1, image="", **{"os-extended-volumes:volumes_attached": [{"id": "va"}, {"id": "vb"}]})]
    }
    vols = [
        {"id": "vb", "volume_image_metadata": {"image_id": "img-b"}},
        {"id": "va", "volume_image_metadata": {"image_id": "img-a"}},
    ]
    df = imgkit.read_servers(servers, volumes={"volumes": vols}, errors="raise")
    assert df["image_id"].tolist() == ["img-a"]


def test_ecs_metering_image_id():
    s = _server(1, image="", metadata={"metering.image_id": "img-ecs", "metering.imagetype": "gold"})
    df = imgkit.read_servers([s], errors="raise")
    assert df[["image_id", "metering_image_id", "image_source"]].iloc[0].tolist() == ["img-ecs", "img-ecs", "metadata"]
    assert df["boot_from_volume"].tolist() == [True]


def test_read_volumes():
    v = read_volumes(VOLS)
    assert v["id"].tolist() == [
        "3f1e0d2c-data-0000-0000-000000000001",
        "3f1e0d2c-boot-0000-0000-000000000001",
        "3f1e0d2c-blank-000-0000-000000000002",
    ]
    assert v["device"].tolist() == ["/dev/vdb", "/dev/vda", "/dev/vda"]
    assert v["bootable"].tolist() == [True, True, False]
    assert v["image_id"].isna().tolist() == [False, False, True]


def test_every_source_form_gives_the_same_frame(tmp_path):
    pages = [
        {"servers": [_server(1), _server(2)], "servers_links": [{"rel": "next", "href": "x"}]},
        {"servers": [_server(3)]},
    ]
    expected = imgkit.read_servers(pages)
    assert expected["id"].tolist() == ["s1", "s2", "s3"]
    text = json.dumps({"servers": [_server(1), _server(2), _server(3)]})
    (tmp_path / "one.json").write_text(text)
    (tmp_path / "one.json.gz").write_bytes(gzip.compress(text.encode()))
    (tmp_path / "l.jsonl").write_text("\n".join(json.dumps(_server(i)) for i in (1, 2, 3)))
    snap = tmp_path / "snap"
    snap.mkdir()
    for i, p in enumerate(pages, 1):
        (snap / f"page-{i:05d}.json").write_text(json.dumps(p))
    (snap / "_imgkit_snapshot.json").write_text(
        json.dumps({"endpoint": "https://ecs.example", "fetched_at": "2026-11-29T10:00:00Z"})
    )
    for source in (
        tmp_path / "one.json",
        str(tmp_path / "one.json.gz"),
        tmp_path / "l.jsonl",
        text,
        text.encode(),
        io.BytesIO(text.encode()),
        json.loads(text),
        [_server(1), _server(2), _server(3)],
        snap,
        [tmp_path / "one.json"],
    ):
        got = imgkit.read_servers(source)
        pd.testing.assert_frame_equal(got, expected, check_like=False)
    got = imgkit.read_servers(snap)
    assert pd.Timestamp(got.attrs["imgkit"]["fetched_at"]) == pd.Timestamp("2026-11-29T10:00:00Z")
    assert got.attrs["imgkit"]["source"] == "https://ecs.example"
    single = imgkit.read_servers({"server": _server(7)})
    assert single["id"].tolist() == ["s7"]


@pytest.mark.parametrize(
    "doc, match",
    [
        ({"images": [{"id": "x"}]}, "read it with imgkit.read_images"),
        ({"volumes": []}, "pass it as volumes="),
        ({"itemNotFound": {"code": 404, "message": "Instance x could not be found."}}, "404 itemNotFound"),
        ({"servers": {"id": "x"}}, "'servers' must be a JSON array"),
        ({"foo": 1}, "no servers found"),
        ("[1, 2", "malformed JSON"),
        ([1, 2], "server #1 is a JSON int"),
    ],
)
def test_bad_input_is_a_clear_source_error(doc, match):
    with pytest.raises(imgkit.SourceError, match=match):
        imgkit.read_servers(doc)


def test_bad_files(tmp_path):
    with pytest.raises(imgkit.SourceError, match="no such file"):
        imgkit.read_servers(tmp_path / "missing.json")
    (tmp_path / "e.json").write_text("")
    with pytest.raises(imgkit.SourceError, match="empty input"):
        imgkit.read_servers(tmp_path / "e.json")
    (tmp_path / "x.csv").write_text("id\n1")
    with pytest.raises(imgkit.SourceError, match="unsupported file type"):
        imgkit.read_servers(tmp_path / "x.csv")
    with pytest.raises(imgkit.SourceError, match="no .json"):
        imgkit.read_servers(tmp_path / "empty_dir" if (tmp_path / "empty_dir").mkdir() is None else None)


def test_untypable_values_and_duplicates_are_findings_never_lost_rows():
    servers = [
        _server(1, created="yesterday"),
        _server(2, flavor={"id": 42}),
        _server(1, name="again"),
        _server(3, status="BRAND_NEW"),
    ]
    with pytest.raises(imgkit.SchemaError) as exc:
        imgkit.read_servers(servers, errors="raise")
    assert set(exc.value.findings["rule"]) == {"untypable", "duplicate_id"}  # flavor.id 42: its text, "42"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = imgkit.read_servers(servers, errors="ignore")
    assert df["id"].tolist() == ["s2", "s1", "s3"]
    assert df["name"].tolist() == ["vm-2", "again", "vm-3"]
    assert df["flavor"].tolist() == ["42", "m1.small", "m1.small"]
    assert df["status"].tolist() == ["ACTIVE", "ACTIVE", "BRAND_NEW"]  # open set: kept
    f = imgkit.validate(df)
    assert f[["image_id", "column", "value", "rule"]].values.tolist() == [
        ["s1", "created", "yesterday", "untypable"],
        ["s1", "id", "s1", "duplicate_id"],
    ]


def test_integer_ids_of_2011_era_nova_are_their_text_without_a_finding():
    servers = [_server(1, id=42, image={"id": 7}, flavor={"id": 1}), _server(2)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = imgkit.read_servers(servers, errors="raise")
    assert df[["id", "image_id", "flavor"]].values.tolist() == [["42", "7", "1"], ["s2", "img-2", "m1.small"]]


def test_a_server_without_an_image_key_is_a_finding():
    bare = _server(1, image=None)  # a bare-metal server: no image key at all
    assert "image" not in bare
    with pytest.raises(imgkit.SchemaError, match="1 mandatory"):
        imgkit.read_servers([bare, _server(2)], errors="raise")
    df = imgkit.read_servers([bare, _server(2)], errors="ignore")
    f = imgkit.validate(df)
    assert f[["image_id", "column", "field", "rule"]].values.tolist() == [["s1", "image_id", "image", "mandatory"]]
    assert df["image_id"].isna().tolist() == [True, False]


def test_read_servers_refuses_a_fifo_like_read_images(tmp_path):
    fifo = tmp_path / "servers.json"
    os.mkfifo(fifo)
    with pytest.raises(imgkit.SourceError, match=r"is a FIFO \(named pipe\), not a file"):
        imgkit.read_servers(fifo)
    with pytest.raises(imgkit.SourceError, match=r"is a FIFO"):
        read_volumes(fifo)
    with pytest.raises(imgkit.SourceError, match=r"is a FIFO"):
        imgkit.read_servers([_server(1, image="")], volumes=fifo)


_value = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=8),
    st.just(""),
    st.lists(st.text(max_size=3), max_size=2),
    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
)


@budget(60)
@given(
    st.lists(
        st.fixed_dictionaries(
            {},
            optional={
                k: _value
                for k in (
                    "name",
                    "status",
                    "tenant_id",
                    "image",
                    "flavor",
                    "created",
                    "updated",
                    "hostId",
                    "OS-EXT-AZ:availability_zone",
                    "os-extended-volumes:volumes_attached",
                    "metadata",
                )
            },
        ),
        max_size=6,
    )
)
def test_any_server_objects_load_with_every_row_kept(records):
    servers = [{"id": f"s{i}", **r} for i, r in enumerate(records)]
    df = imgkit.read_servers({"servers": servers}, errors="ignore")
    assert df["id"].tolist() == [s["id"] for s in servers]
    assert list(df.columns) == COLUMNS
    f = imgkit.validate(df)
    # every created value that is a non-empty string but not a timestamp is recorded
    for s, created in zip(servers, df["created"]):
        raw = s.get("created")
        if pd.isna(created) and isinstance(raw, str) and raw.strip():
            assert ((f["image_id"] == s["id"]) & (f["column"] == "created")).any()


def test_attrs_are_json_values_only():
    with pytest.warns(imgkit.ImgkitWarning):
        df = imgkit.read_servers(BFV)
    back = json.loads(json.dumps(df.attrs))
    assert back["imgkit"]["kind"] == "servers"
    assert len(json.loads(back["imgkit"]["findings"])) == 2
