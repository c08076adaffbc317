"""read_images: sources, the typing contract, validation findings, errors, Parquet."""

from __future__ import annotations

import gzip
import io
import json
import warnings
from pathlib import Path

import numpy as np
import orjson
import pandas as pd
import pytest

import imgkit
from imgkit.schema import FIELDS, KINDS

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "tests" / "fixtures" / "samples"

SEED = REPO / "data" / "seed_example_response.json"


def load(source, **kw):
    kw.setdefault("errors", "ignore")
    return imgkit.read_images(source, **kw)


NULL = object()  # rec(field=NULL) sends a JSON null


def rec(**kw):
    """A record with every mandatory field, valid values; override with kw (None = drop the key, NULL = null)."""
    base = {
        "id": "img-1",
        "name": "n",
        "owner": "o" * 32,
        "status": "active",
        "visibility": "private",
        "protected": False,
        "tags": [],
        "container_format": "bare",
        "disk_format": "zvhd2",
        "min_ram": 0,
        "min_disk": 40,
        "size": 0,
        "checksum": "d41d8cd98f00b204e9800998ecf8427e",
        "updated_at": "2024-01-01T00:00:00Z",
        "self": "/v2/images/img-1",
        "file": "/v2/images/img-1/file",
        "schema": "/v2/schemas/image",
        "virtual_env_type": "FusionCompute",
        "__lazyloading": "true",
        "hw_firmware_type": "bios",
        "__support_fc_inject": "false",
    }
    for k, v in kw.items():
        if v is None:
            base.pop(k, None)
        else:
            base[k] = None if v is NULL else v
    return base


# ----------------------------------------------------------------------------- dtypes
def test_every_known_column_present_in_schema_order_with_its_dtype(read):
    df = read(SEED)
    assert list(df.columns) == [f.column for f in FIELDS]
    for f in FIELDS:
        dtype = df[f.column].dtype
        if f.kind == "enum":
            assert isinstance(dtype, pd.CategoricalDtype), f.column
            assert list(dtype.categories[: len(f.values)]) == list(f.values), f.column
        elif f.kind == "text":
            assert isinstance(dtype, pd.StringDtype), f.column
        else:
            assert str(dtype) == KINDS[f.kind], (f.column, dtype)


def test_seed_example_cell_by_cell():
    df = imgkit.read_images(SEED)  # a complete, valid IMS listing: no warning
    assert len(df) == 2
    r = df.iloc[0]
    assert r["id"] == "bc6bed6e-ba3a-4447-afcc-449174a3eb52"
    assert r["name"] == "CentOS 7.3 64bit vivado"
    assert r["created_at"] == pd.Timestamp("2018-09-06T14:03:27Z")
    assert r["updated_at"] == pd.Timestamp("2018-09-06T15:17:33Z")
    assert r["min_disk"] == 100 and r["min_ram"] == 2048 and r["size"] == 0
    assert r["virtual_size"] is pd.NA
    assert r["os_bit"] == 64 and r["platform"] == "CentOS" and r["os_type"] == "Linux"
    assert r["imagetype"] == "gold" and r["visibility"] == "public" and r["protected"] is np.True_
    assert r["isregistered"] and r["lazyloading"]
    assert r["support_fc_inject"]  # raw flag kept (inverted meaning documented)
    assert not r["support_xen"] and not r["support_kvm"]  # absent -> False
    assert r["tags"] == [] and r["support_agent_list"] == []
    assert df.attrs["imgkit"]["source"] == str(SEED)
    assert imgkit.validate(df).empty


# ----------------------------------------------------------------------------- samples
def test_sample_01_upstream_glance_page(read):
    df = read(SAMPLES / "01_glance_apiref_images_list_response.json")
    assert df["id"].tolist() == ["1bea47ed-f6a9-463b-b423-14b9cca9ad27", "781b3762-9469-4cec-b58d-3349e5de4e9c"]
    assert df["size"].tolist() == [13167616, 476704768]
    assert df["os_hidden"].tolist() == [False, False]
    assert df["os_hash_algo"].tolist() == ["sha512", "sha512"]
    assert df["min_disk"].tolist() == [0, 0]
    assert df["platform"].isna().all()
    # a plain Glance listing is checked against Glance's mandatory fields: Huawei-only ones are not "missing"
    assert df.attrs["imgkit"]["dialect"] == "glance" and imgkit.validate(df).empty


def test_sample_01_as_ims_listing_names_the_missing_huawei_field():
    with pytest.warns(imgkit.ImgkitWarning, match=r"2 validation finding\(s\): 2 mandatory\. See imgkit") as rec_:
        df = imgkit.read_images(SAMPLES / "01_glance_apiref_images_list_response.json", dialect="ims")
    assert len(rec_) == 1 and "set to NA" not in str(rec_[0].message)
    assert imgkit.validate(df)["column"].tolist() == ["virtual_env_type", "virtual_env_type"]
    assert df.attrs["imgkit"]["dialect"] == "ims"


def test_sample_02a_single_image_with_tags(read):
    df = read(SAMPLES / "02a_glance_apiref_image_update_response_single.json")
    assert len(df) == 1
    assert df["tags"].iat[0] == ["beefy", "fedora"]
    assert df["container_format"].iat[0] == "ovf" and df["disk_format"].iat[0] == "vhd"
    assert df["min_ram"].iat[0] == 512 and df["size"].iat[0] == 21909


def test_sample_02c_queued_nulls(read):
    df = read(SAMPLES / "02c_glance_apiref_image_create_queued_single.json")
    assert df["status"].iat[0] == "queued"
    assert df["size"].iat[0] is pd.NA and df["checksum"].iat[0] is pd.NA
    assert df["os_hash_value"].iat[0] is pd.NA
    assert df["locations"].iat[0] == "[]"  # JSON text: prints, hashes and goes to Parquet
    # a null value is not a missing field, and a Glance listing needs no Huawei field
    assert imgkit.validate(df).empty


def test_sample_03_native_page_with_next(read):
    df = read(SAMPLES / "03_otc_native_v2_images_list_current.json")
    assert df["name"].tolist() == ["CentOS 7.3 64bit vivado", "CentOS 7.3 64bit with sdx"]
    assert df["hw_firmware_type"].tolist() == ["bios", "bios"]
    assert not df["support_fc_inject"].any()  # absent here


def test_sample_05_cloudimages_equals_seed():
    a = imgkit.read_images(SAMPLES / "05_otc_cloudimages_list_current.json")
    b = imgkit.read_images(SEED)
    pd.testing.assert_frame_equal(a, b)


def test_sample_06_2015_private_image(read):
    df = read(SAMPLES / "06_otcdocs2020_cloudimages_update_private_single.json")
    r = df.iloc[0]
    assert r["deleted"] is np.False_
    assert r["deleted_at"] is pd.NaT
    assert r["data_origin"] is pd.NA  # null
    assert r["backup_id"] is pd.NA and r["productcode"] is pd.NA  # "" in an optional field
    assert r["virtual_size"] == 0 and r["image_size"] == 449261568
    assert r["description"] == "ims test" and r["imagetype"] == "private"
    assert r["originalimagename"] == "33ad552d-1149-471c-8190-ff6776174a00"


def test_sample_07_queued_metadata(read):
    df = read(SAMPLES / "07_otcdocs2020_native_create_metadata_queued_single.json")
    assert df["tags"].iat[0] == ["test", "image"]
    assert df["image_size"].iat[0] == 0 and df["min_disk"].iat[0] == 1
    assert df["created_at"].iat[0] == pd.Timestamp("2016-06-02T07:49:48Z")


@pytest.mark.parametrize(
    "name, message",
    [
        ("11_otc_error_400_IMG0024.json", "API error response.*IMG.0024 The imagetype is invalid"),
        ("12_otc_native_image_schema_v2_schemas_image.json", "JSON schema"),
    ],
)
def test_non_listing_samples_give_clear_errors(name, message):
    with pytest.raises(imgkit.SourceError, match=message) as exc:
        imgkit.read_images(SAMPLES / name)
    assert name in str(exc.value)


# ----------------------------------------------------------------------------- typing rules
def test_empty_string_is_na_in_every_known_column(read):
    df = read(
        [
            rec(
                name="", owner="", disk_format="", __description="", __os_version="CentOS 7", enterprise_project_id="0"
            ),
            rec(id="b", min_disk="", created_at="", __support_kvm="", tags="", note=""),
        ]
    )
    assert [df[c].iat[0] is pd.NA for c in ("name", "owner", "description")] == [True] * 3
    assert pd.isna(df["disk_format"].iat[0]) and df["min_disk"].iat[1] is pd.NA and df["support_kvm"].iat[1] is pd.NA
    assert df["created_at"].iat[1] is pd.NaT and df["tags"].iat[1] == []
    assert df["note"].iat[1] == ""  # a key the schema does not know: as sent
    assert len(imgkit.validate(df)) == 0
    assert df["enterprise_project_id"].iat[0] == "0"  # an id, stays text
    assert df["os_version"].dtype == "string"


def test_number_in_text_field_is_kept_as_text_and_recorded(read):
    df = read([rec(name=123)])
    assert df["name"].iat[0] == "123"
    f = imgkit.validate(df)
    assert f[["column", "value", "rule", "action"]].values.tolist() == [["name", "123", "type", "converted to text"]]


def test_open_enums_keep_unknown_values_after_documented_ones(read):
    df = read([rec(id="a", __platform="Red Hat"), rec(id="b", __platform="CentOS"), rec(id="c", __platform="")])
    cats = list(df["platform"].cat.categories)
    assert cats[:3] == ["Windows", "Ubuntu", "RedHat"]
    assert cats[-1] == "Red Hat"
    assert df["platform"].tolist()[:2] == ["Red Hat", "CentOS"] and df["platform"].isna().tolist()[2]
    assert df["platform"].value_counts()["Fedora"] == 0  # documented, empty, still shown


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ("false", False),
        ("False", False),
        ("FALSE", False),
        (" true ", True),
        (True, True),
        (False, False),
        ("", pd.NA),
    ],
)
def test_string_booleans_case_insensitive(raw, expected, read):
    df = read([rec(__isregistered=raw, __lazyloading=raw, protected=raw)])
    for c in ("isregistered", "lazyloading", "protected"):
        assert df[c].dtype == "boolean"
        assert df[c].iat[0] is expected if expected is pd.NA else df[c].iat[0] == expected


def test_untypable_boolean_is_na_and_recorded(read):
    df = read([rec(id="x", __isregistered="yes")])
    assert df["isregistered"].iat[0] is pd.NA
    f = imgkit.validate(df)
    assert f[["image_id", "field", "value", "rule"]].values.tolist() == [["x", "__isregistered", "yes", "untypable"]]


def test_capability_flags_absent_means_false(read):
    df = read(
        [
            rec(id="a", __support_kvm="True", __support_xen=None),
            rec(id="b", __support_xen="true"),
            rec(id="c", __support_kvm=""),
        ]
    )
    assert df["support_kvm"].tolist()[:2] == [True, False]
    assert df["support_kvm"].iat[2] is pd.NA  # "" is unknown, not False
    assert df["support_xen"].tolist() == [False, True, False]
    flags = [f.column for f in FIELDS if f.kind == "flag"]
    assert len(flags) == 10
    assert df[flags].dtypes.eq("boolean").all()
    assert df.loc[0, [c for c in flags if c not in ("support_kvm", "support_fc_inject")]].eq(False).all()


def test_integers_from_numbers_and_numeric_strings(read):
    df = read(
        [
            rec(
                id="a",
                size=2**40,
                __image_size="449261568",
                __os_bit="64",
                max_ram="512",
                __sequence_num=" 1 ",
                os_shutdown_timeout="300",
                virtual_size=None,
            ),
            rec(id="b", size=None, __image_size="", __os_bit="32", virtual_size=None),
        ]
    )
    assert df["size"].tolist()[0] == 2**40 and df["size"].dtype == "Int64"
    assert df["image_size"].tolist()[0] == 449261568 and df["image_size"].iat[1] is pd.NA
    assert df["os_bit"].tolist() == [64, 32]
    assert df["max_ram"].iat[0] == 512 and df["sequence_num"].iat[0] == 1 and df["os_shutdown_timeout"].iat[0] == 300
    assert len(imgkit.validate(df)) == 1  # only b's missing mandatory `size`


def test_untypable_integer_is_na_and_recorded(read):
    df = read([rec(id="x", min_disk="abc", __image_size="12.5", min_ram=1.5)])
    assert df[["min_disk", "image_size", "min_ram"]].isna().all(axis=None)
    f = imgkit.validate(df).sort_values("column")
    assert f[["column", "value", "rule"]].values.tolist() == [
        ["image_size", "12.5", "untypable"],
        ["min_disk", "abc", "untypable"],
        ["min_ram", "1.5", "untypable"],
    ]


@pytest.mark.parametrize("parser", ["fast", "exact"])
def test_numeric_strings_digits_sign_and_space_but_not_hex_or_huge(tmp_path, parser):
    """Arrow's own string-to-int cast would read "0x10" as 16: only [+-]digits (space around) count."""
    values = ["0012", "+5", " 7 ", "-3", "0x10", "1_000", "1e3", "99999999999999999999", "٣", ""]
    records = [rec(id=f"i{k}", __image_size=v) for k, v in enumerate(values)]
    if parser == "fast":
        p = tmp_path / "l.json"
        p.write_text(json.dumps({"images": records}), encoding="utf-8")
        df = imgkit.read_images(p, errors="ignore")
    else:
        df = imgkit.read_images(records, errors="ignore")
    assert df.attrs["imgkit"]["engine"]["ran"] == parser
    assert df["image_size"].tolist() == [12, 5, 7, -3, pd.NA, pd.NA, pd.NA, pd.NA, pd.NA, pd.NA]
    found = imgkit.validate(df).query("column == 'image_size' and rule == 'untypable'")
    assert sorted(found["value"]) == sorted(["0x10", "1_000", "1e3", "99999999999999999999", "٣"])
    hex_only = imgkit.read_images([rec(id="h", __image_size="0x10"), rec(id="d", __image_size="7")], errors="ignore")
    assert hex_only["image_size"].tolist() == [pd.NA, 7]  # every value castable by Arrow, one not a decimal
    clean = [rec(id=f"c{k}", __image_size=v) for k, v in enumerate(["1", "20", None, "9223372036854775807"])]
    assert imgkit.read_images(clean)["image_size"].tolist() == [1, 20, pd.NA, 2**63 - 1]


def test_timestamps_all_accepted_forms_to_utc(read):
    forms = [
        "2018-09-06T14:03:27Z",
        "2018-09-06T16:03:27+02:00",
        "2018-09-06T14:03:27.000000Z",
        "2018-09-06T14:03:27",
        "2018-09-06 14:03:27",
    ]
    df = read([rec(id=str(i), created_at=v) for i, v in enumerate(forms)])
    assert str(df["created_at"].dtype) == "datetime64[ns, UTC]"
    assert df["created_at"].tolist() == [pd.Timestamp("2018-09-06T14:03:27Z")] * 5
    df = read([rec(created_at="2020-01-01T00:00:00.123456Z")])
    assert df["created_at"].iat[0].microsecond == 123456


def test_untypable_timestamp(read):
    df = read([rec(id="x", created_at="yesterday", deleted_at=None)])
    assert df["created_at"].iat[0] is pd.NaT
    f = imgkit.validate(df)
    assert f[["image_id", "column", "value", "rule", "action"]].values.tolist() == [
        ["x", "created_at", "yesterday", "untypable", "set to NA"]
    ]


def test_lists_tags_and_agent_list(read):
    df = read(
        [
            rec(id="a", tags=["k=v", "x.y"], __support_agent_list="hss,ces"),
            rec(id="b", tags=None, __support_agent_list="hss"),
            rec(id="c", __support_agent_list=""),
        ]
    )
    assert df["tags"].tolist() == [["k=v", "x.y"], [], []]
    assert df["support_agent_list"].tolist() == [["hss", "ces"], ["hss"], []]


def test_os_feature_list_canonical_json_text_and_os_features(read):
    df = read(
        [
            rec(id="a", __os_feature_list='{"onekey_resetpasswd": "true", "nic_hotplug":"TRUE"}'),
            rec(id="b", __os_feature_list="{not json"),
            rec(id="c"),
            rec(id="d", __os_feature_list={"nic_hotplug": "false", "x": {"y": 1}}),
        ]
    )
    assert isinstance(df["os_feature_list"].dtype, pd.StringDtype)
    assert df["os_feature_list"].iat[0] == '{"nic_hotplug":"TRUE","onekey_resetpasswd":"true"}'  # keys sorted
    assert df["os_feature_list"].iat[3] == '{"nic_hotplug":"false","x":{"y":1}}'
    assert df["os_feature_list"].iloc[1:3].isna().all()
    f = imgkit.validate(df)
    assert f[["image_id", "value", "rule"]].values.tolist() == [["b", "{not json", "untypable"]]
    feats = imgkit.os_features(df)
    assert feats.columns.tolist() == ["id", "nic_hotplug", "onekey_resetpasswd", "x"]
    assert str(feats["nic_hotplug"].dtype) == "boolean" and str(feats["x"].dtype) == "string"
    assert feats["nic_hotplug"].tolist() == [True, pd.NA, pd.NA, False]
    assert feats["onekey_resetpasswd"].tolist() == [True, pd.NA, pd.NA, pd.NA]
    assert feats["x"].tolist() == [pd.NA, pd.NA, pd.NA, '{"y":1}']


def test_unknown_keys_kept_and_typed_conservatively(read):
    df = read(
        [
            rec(
                id="a",
                __quick_start="False",
                hw_disk_bus="scsi",
                custom_int=3,
                custom_bool=True,
                custom_obj={"a": 1},
                os_version="22.04",
                __zeta="z",
                zeta="zz",
            ),
            rec(id="b"),
        ]
    )
    extra = list(df.columns[len(FIELDS) :])
    assert extra == [
        "quick_start",
        "hw_disk_bus",
        "custom_int",
        "custom_bool",
        "custom_obj",
        "os_version_",
        "__zeta",
        "zeta",
    ]
    assert df["quick_start"].dtype == "string" and df["quick_start"].iat[0] == "False"
    assert df["custom_int"].dtype == "Int64" and df["custom_bool"].dtype == "boolean"
    assert df["custom_obj"].iat[0] == '{"a":1}' and df["custom_obj"].iat[1] is pd.NA  # JSON text
    assert df["os_version_"].iat[0] == "22.04"  # upstream free-form property, not IMS's __os_version
    cols = df.attrs["imgkit"]["unknown_keys"]  # only the keys the schema does not know: attrs stay small
    assert cols == {
        "quick_start": "__quick_start",
        "hw_disk_bus": "hw_disk_bus",
        "custom_int": "custom_int",
        "custom_bool": "custom_bool",
        "custom_obj": "custom_obj",
        "os_version_": "os_version",
        "__zeta": "__zeta",
        "zeta": "zeta",
    }


# ----------------------------------------------------------------------------- validation
def test_missing_mandatory_recorded_not_dropped(read):
    df = read([rec(id="x", name=None, owner=None)])
    assert len(df) == 1
    f = imgkit.validate(df)
    assert sorted(f["column"]) == ["name", "owner"] and set(f["rule"]) == {"mandatory"}


def test_range_and_coexistence(read):
    df = read(
        [
            rec(id="a", min_disk=2000),
            rec(id="b", __support_xen="true", __support_xen_gpu_type="M60_vGPU", __support_kvm_infiniband="true"),
        ]
    )
    f = imgkit.validate(df)
    assert f[["image_id", "column", "rule"]].values.tolist() == [
        ["a", "min_disk", "range"],
        ["b", "support_xen_gpu_type", "coexistence"],
        ["b", "support_kvm_infiniband", "coexistence"],
    ]
    assert df["min_disk"].iat[0] == 2000  # kept


def test_duplicate_ids_keep_last_and_record_others(read):
    df = read([rec(id="a", name="first"), rec(id="b"), rec(id="a", name="second")])
    assert df["id"].tolist() == ["b", "a"] and df.loc[df["id"] == "a", "name"].item() == "second"
    f = imgkit.validate(df)
    assert f[["image_id", "row", "rule"]].values.tolist() == [["a", 0, "duplicate_id"]]


def test_errors_modes():
    bad = [rec(id="x", min_disk="abc"), rec(id="y", created_at="yesterday")]
    with pytest.warns(imgkit.ImgkitWarning, match=r"2 validation finding\(s\): 2 untypable") as w:
        df = imgkit.read_images(bad)
    assert len(w) == 1 and "image x" in str(w[0].message) and "min_disk=abc" in str(w[0].message)
    assert df["min_disk"].isna().iat[0]
    with pytest.raises(imgkit.SchemaError) as exc:
        imgkit.read_images(bad, errors="raise")
    assert len(exc.value.findings) == 2 and isinstance(exc.value, ValueError)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = imgkit.read_images(bad, errors="ignore")
    assert len(imgkit.validate(df)) == 2
    with pytest.raises(imgkit.ConfigError, match="`errors` must be one of 'warn', 'raise', 'ignore', got 'loud'"):
        imgkit.read_images(bad, errors="loud")


def test_findings_survive_pandas_operations(read):
    df = read([rec(id="x", min_disk="abc"), rec(id="y")])
    assert isinstance(df.attrs["imgkit"]["findings"], str)  # JSON text: JSON-serialisable, O(1) to deep-copy
    merged = df.merge(df[["id"]], on="id")  # a DataFrame in attrs would make this raise
    sub = merged[merged["id"] == "x"]
    assert imgkit.validate(sub)["image_id"].tolist() == ["x"]
    assert imgkit.validate(merged[merged["id"] == "y"]).empty


# ----------------------------------------------------------------------------- sources
def _page(images, **extra):
    return {"images": images, **extra}


@pytest.fixture
def records():
    return [
        rec(id=f"i{i}", name=f"名称-{i}", __platform=p, tags=["a=b"] if i % 2 else [])
        for i, p in enumerate(["CentOS", "Ubuntu", "Windows", "openEuler", "Foo"])
    ]


def test_every_source_form_gives_the_same_frame(records, tmp_path):
    expected = imgkit.read_images(records)
    text = json.dumps(_page(records), ensure_ascii=False)
    ndjson = "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n"
    (tmp_path / "a.json").write_text(text, encoding="utf-8")
    (tmp_path / "a.json.gz").write_bytes(gzip.compress(text.encode()))
    (tmp_path / "a.jsonl").write_text(ndjson, encoding="utf-8")
    (tmp_path / "a.ndjson.gz").write_bytes(gzip.compress(ndjson.encode()))
    pages = tmp_path / "pages"
    pages.mkdir()
    for i, chunk in enumerate([records[:2], records[2:4], records[4:]]):
        (pages / f"page-{i + 1:06d}.json").write_text(json.dumps(_page(chunk, next="/v2/images?marker=x")))
    sources = [
        tmp_path / "a.json",
        str(tmp_path / "a.json.gz"),
        tmp_path / "a.jsonl",
        tmp_path / "a.ndjson.gz",
        pages,
        io.BytesIO(text.encode()),
        io.StringIO(text),
        text,
        text.encode(),
        _page(records),
        {"data": _page(records)},
        {"data": {"value": _page(records)}},
        records,
        [_page(records[:3]), _page(records[3:])],
        iter([_page(records[:1]), _page([]), _page(records[1:])]),
    ]
    for s in sources:
        got = imgkit.read_images(s)
        pd.testing.assert_frame_equal(got, expected, check_dtype=True, obj=repr(s)[:60])


def test_single_image_object():
    df = imgkit.read_images(rec(id="solo"))
    assert df["id"].tolist() == ["solo"]


def test_empty_page_gives_empty_typed_frame():
    df = imgkit.read_images({"images": []})
    assert len(df) == 0 and list(df.columns) == [f.column for f in FIELDS]
    assert str(df["created_at"].dtype) == "datetime64[ns, UTC]" and df["support_xen"].dtype == "boolean"


def test_snapshot_directory_restores_fetched_at(records, tmp_path):
    (tmp_path / "page-000001.json").write_text(json.dumps(_page(records)))
    (tmp_path / "_imgkit_snapshot.json").write_text(
        json.dumps(
            {
                "endpoint": "https://ims.example.com",
                "api": "images",
                "filters": {"status": "active"},
                "fetched_at": "2026-05-01T12:00:00Z",
                "pages": 1,
            }
        )
    )
    df = imgkit.read_images(tmp_path)
    meta = df.attrs["imgkit"]
    assert meta["fetched_at"] == "2026-05-01T12:00:00+00:00"  # ISO text: attrs stay JSON-serialisable
    assert meta["source"] == "https://ims.example.com" and meta["api"] == "images"
    assert meta["files"] == ["page-000001.json"]
    assert len(df) == 5


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "content, match, line",
    [
        (b'{"images": [\n  {"id": "a",}\n]}', "malformed JSON", 2),
        (b"", "empty input", None),
        (b"   \n", "empty input", None),
        (b'{"foo": 1}', "no images found", None),
        (b'{"images": {"id": 1}}', "'images' must be a JSON array", None),
        (b'{"images": [1, 2]}', r"image #1 is a number, not an object", None),
        (b'"just a string"', "expected a JSON object or array", None),
        (
            b'{"error_code": "APIGW.0301", "error_msg": "Incorrect IAM authentication information"}',
            "API error response.*APIGW.0301",
            None,
        ),
    ],
)
def test_bad_files_raise_source_error_naming_the_file(tmp_path, content, match, line):
    p = tmp_path / "listing.json"
    p.write_bytes(content)
    with pytest.raises(imgkit.SourceError, match=match) as exc:
        imgkit.read_images(p)
    assert str(p) in str(exc.value)
    assert exc.value.line == line
    assert isinstance(exc.value, ValueError)


def test_ndjson_error_names_the_line(tmp_path):
    p = tmp_path / "x.jsonl"
    p.write_text('{"id": "a"}\n\n{"id": "b"\n')
    with pytest.raises(imgkit.SourceError, match=r"x.jsonl, line 3") as exc:
        imgkit.read_images(p)
    assert exc.value.line == 3


def test_unsupported_and_missing_files(tmp_path):
    p = tmp_path / "listing.csv"
    p.write_text("id\n1\n")
    with pytest.raises(imgkit.SourceError, match=r"unsupported file type '.csv'"):
        imgkit.read_images(p)
    with pytest.raises(imgkit.SourceError, match="no such file"):
        imgkit.read_images(tmp_path / "nope.json")
    (tmp_path / "bad.json.gz").write_bytes(b"\x1f\x8bnot gzip")
    with pytest.raises(imgkit.SourceError, match="corrupt gzip"):
        imgkit.read_images(tmp_path / "bad.json.gz")
    empty = tmp_path / "empty_dir"
    empty.mkdir()
    with pytest.raises(imgkit.SourceError, match="no .json"):
        imgkit.read_images(empty)
    with pytest.raises(imgkit.SourceError, match="unsupported source type int"):
        imgkit.read_images(42)


# ----------------------------------------------------------------------------- parquet
def test_parquet_round_trip_keeps_every_dtype_and_metadata(tmp_path, records):
    records[0]["__os_feature_list"] = '{"nic_hotplug": "true"}'
    records[1]["__support_agent_list"] = "hss,ces"
    records[2]["min_disk"] = "abc"
    records[3]["custom_obj"] = {"x": [1, 2]}
    df = imgkit.read_images(records, errors="ignore")
    p = tmp_path / "x.parquet"
    imgkit.to_parquet(df, p)
    back = imgkit.read_images(p)
    pd.testing.assert_frame_equal(back, df)
    assert back["os_feature_list"].iat[0] == '{"nic_hotplug":"true"}'
    assert back["tags"].iat[1] == ["a=b"] and isinstance(back["tags"].iat[1], list)
    assert imgkit.validate(back)["value"].tolist() == ["abc"]
    assert back.attrs["imgkit"] == df.attrs["imgkit"]


# ----------------------------------------------------------------------------- fast parser == exact parser
def _both(tmp_path, records, *, pretty=False):
    """(fast-parsed frame from a file, exact-parsed frame from the records)."""
    p = tmp_path / "listing.json"
    p.write_text(json.dumps({"images": records}, indent=2 if pretty else None, ensure_ascii=False), encoding="utf-8")
    fast = imgkit.read_images(p, errors="ignore")
    exact = imgkit.read_images(records, errors="ignore")
    assert exact.attrs["imgkit"]["engine"]["ran"] == "exact"
    return fast, exact


@pytest.mark.parametrize("pretty", [False, True])
def test_fast_parser_gives_the_exact_frame(tmp_path, pretty):
    records = [
        rec(
            id="a",
            __platform="CentOS",
            tags=["x=y"],
            __support_kvm="True",
            __os_bit="64",
            created_at="2020-01-01T00:00:00Z",
            __os_feature_list='{"nic_hotplug": "true"}',
            __support_agent_list="hss, ces",
            extra_int=1,
            extra_list=["p"],
        ),
        rec(
            id="b",
            __platform="Foo OS",
            __isregistered="FALSE",
            checksum=NULL,
            size=NULL,
            extra_int=NULL,
            created_at="2020-01-01T01:00:00+01:00",
            __image_size="",
            __quick_start="False",
        ),
        rec(id="c", name="镜像", checksum=NULL, protected=True, deleted_at=NULL, virtual_env_type=None),  # absent
        rec(id="a", name="later a"),  # duplicate id
    ]
    fast, exact = _both(tmp_path, records, pretty=pretty)
    assert fast.attrs["imgkit"]["engine"]["ran"] == "fast"
    pd.testing.assert_frame_equal(fast, exact)
    fe, ee = imgkit.validate(fast), imgkit.validate(exact)
    pd.testing.assert_frame_equal(fe.drop(columns="source"), ee.drop(columns="source"))
    # null checksum is not a missing field; an absent virtual_env_type is
    assert fe[["image_id", "column", "rule"]].values.tolist() == [
        ["c", "virtual_env_type", "mandatory"],
        ["a", "id", "duplicate_id"],
    ]


@pytest.mark.parametrize(
    "odd",
    [
        {"min_disk": "abc"},  # a string where the schema says integer
        {"name": 123},  # a number where it says string
        {"protected": "true"},  # a string bool where a JSON bool is documented
        {"created_at": "yesterday"},
        {"custom_time": "2020-01-01T00:00:00Z"},  # pyarrow would infer a timestamp
        {"custom_obj": {"k": 1}},  # nested objects
        {"custom_mixed": "x"},  # unknown key that changes type (int in the other row)
    ],
)
def test_fast_parser_hands_over_anything_it_cannot_type_exactly(tmp_path, odd):
    records = [rec(id="a", custom_mixed=1), rec(id="b", **odd)]
    fast, exact = _both(tmp_path, records)
    pd.testing.assert_frame_equal(fast, exact)
    pd.testing.assert_frame_equal(
        imgkit.validate(fast).drop(columns="source"), imgkit.validate(exact).drop(columns="source")
    )


def test_fast_parser_on_the_demo_listing_equals_exact(tmp_path):
    from imgkit.demo import generate_listing

    page = generate_listing(800, seed=3)
    fast, exact = _both(tmp_path, page["images"])
    assert fast.attrs["imgkit"]["engine"]["ran"] == "fast"
    pd.testing.assert_frame_equal(fast, exact)


def test_fast_parser_groups_unify_columns_and_leave_type_conflicts_to_the_exact_route(tmp_path, monkeypatch):
    import imgkit.io._fast

    monkeypatch.setattr(imgkit.io._fast, "GROUP", 2)
    records = [
        rec(id="a"),
        rec(id="b", late_key=None),
        rec(id="c", late_key="x", late_int=5),
        rec(id="d", late_int=None),
        rec(id="e", late_list=["u"]),
    ]
    fast, exact = _both(tmp_path, records)
    assert fast.attrs["imgkit"]["engine"]["ran"] == "fast"
    pd.testing.assert_frame_equal(fast, exact)
    assert list(fast.columns[len(FIELDS) :]) == ["late_key", "late_int", "late_list"]
    records.append(rec(id="f", late_int="five"))  # int in one group, string in another
    fast, exact = _both(tmp_path, records)
    assert fast.attrs["imgkit"]["engine"] == {
        "requested": "auto",
        "ran": "fast",
        "exact_columns": {"late_int": "JSON int64 and string values in different images"},
    }
    pd.testing.assert_frame_equal(fast, exact)
    assert fast["late_int"].tolist() == [pd.NA, pd.NA, "5", pd.NA, pd.NA, "five"]  # JSON types vary: JSON text


def test_fast_parser_over_many_chunks_equals_exact(tmp_path, monkeypatch):
    """Every kind typed from chunked Arrow columns (one chunk per group) gives the exact frame."""
    import imgkit.io._fast
    from imgkit.demo import generate_listing

    monkeypatch.setattr(imgkit.io._fast, "GROUP", 37)
    images = generate_listing(400, seed=5)["images"]
    images[100]["__platform"] = "Plan 9"  # an unknown category in a middle chunk
    images[250]["__support_agent_list"] = " hss ,, ces"
    fast, exact = _both(tmp_path, images)
    assert fast.attrs["imgkit"]["engine"]["ran"] == "fast"
    pd.testing.assert_frame_equal(fast, exact)
    assert fast["platform"].iat[100] == "Plan 9" and fast["support_agent_list"].iat[250] == ["hss", "ces"]


def test_a_type_conflict_found_by_a_parse_thread_sends_that_column_to_the_exact_route(tmp_path, monkeypatch):
    """Groups are parsed in a worker thread while the next one is joined; its error still reaches the loader."""
    import imgkit.io._fast
    from imgkit.demo import generate_listing

    monkeypatch.setattr(imgkit.io._fast, "GROUP", 37)
    images = generate_listing(300, seed=8)["images"]
    images[150]["min_disk"] = "abc"  # a string where the Arrow schema says integer, in group 5 of 9
    fast, exact = _both(tmp_path, images)
    assert fast.attrs["imgkit"]["engine"]["exact_columns"] == {"min_disk": "JSON number and string values"}
    pd.testing.assert_frame_equal(fast, exact)
    found = imgkit.validate(fast).query("rule == 'untypable'")
    assert found[["image_id", "column", "value"]].values.tolist() == [[images[150]["id"], "min_disk", "abc"]]


def test_findings_do_not_depend_on_the_number_of_typing_threads(tmp_path, monkeypatch):
    import imgkit.io._fast

    images = [
        rec(
            id=f"i{i}",
            __os_bit="x64" if i % 3 == 0 else "64",
            __lazyloading="maybe" if i % 4 == 0 else "true",
            created_at="yesterday" if i % 5 == 0 else "2024-01-01T00:00:00Z",
            name=None if i % 7 == 0 else "n",
        )
        for i in range(60)
    ]
    p = tmp_path / "listing.json"
    p.write_text(json.dumps({"images": images}), encoding="utf-8")
    frames = []
    for workers in (1, 4):
        monkeypatch.setattr(imgkit.io._fast, "_TYPING_WORKERS", workers)
        frames.append(imgkit.read_images(p, errors="ignore"))
    assert frames[1].attrs["imgkit"]["engine"]["ran"] == "fast"
    one, four = (imgkit.validate(df) for df in frames)
    assert len(one) == 20 + 15 + 12 + 9  # os_bit, lazyloading, created_at, missing mandatory name
    pd.testing.assert_frame_equal(one, four)
    pd.testing.assert_frame_equal(frames[0], frames[1])


@pytest.mark.parametrize(
    "body",
    [
        '[{"id":"a"}{"id":"b"}]',
        '[{"id":"a"},]',
        '[{"id":"a"},,{"id":"b"}]',
        '[{"id":"a"}, x {"id":"b"}]',
        '[{"id":"a"}] ]',
        '[{"id":"a"},{"id":"b"',
    ],
)
def test_invalid_image_arrays_are_errors_not_rows(tmp_path, body):
    p = tmp_path / "bad.json"
    p.write_text('{"images":' + body + "}", encoding="utf-8")
    with pytest.raises(imgkit.SourceError, match="bad.json"):
        imgkit.read_images(p)


@pytest.mark.parametrize(
    "text, ids",
    [
        ('{"images":[{"id":"a"}]}', ["a"]),
        ('  {"images":[ {"id":"a"} , {"id":"b"} ] , "next":null}  ', ["a", "b"]),
        ('{"images":[{"id":"a","d":"},{"},{"id":"b","d":"}, {"}]}', ["a", "b"]),
    ],
)
def test_compact_document_shapes(tmp_path, text, ids):
    p = tmp_path / "e.json"
    p.write_text(text, encoding="utf-8")
    df = imgkit.read_images(p, errors="ignore")
    assert df["id"].tolist() == ids and df.attrs["imgkit"]["engine"]["ran"] == "fast"


def test_a_lone_surrogate_escape_is_an_error_naming_the_file(tmp_path):
    """pyarrow and orjson both reject it; a parser that turned it into some character would lose data."""
    p = tmp_path / "surrogate.json"
    p.write_text('{"images":[{"id":"a","name":"x\\ud800y"}]}', encoding="utf-8")
    with pytest.raises(imgkit.SourceError, match="surrogate.json"):
        imgkit.read_images(p)
    p.write_text('{"images":[{"id":"a","name":"x\\ud83d\\ude00y"}]}', encoding="utf-8")  # a valid pair
    assert imgkit.read_images(p, errors="ignore")["name"].tolist() == ["x\U0001f600y"]


@pytest.mark.parametrize(
    "texts",
    [
        [
            '{"onekey_resetpasswd": "true"}',
            '{"a": {"b": [1, 2]}}',
            "",
            '{"x":"},{"}',
        ],  # all objects (one with a separator inside a string)
        ['1,{"a":[1', "2]}", '{"ok": 1}'],  # neither text is JSON on its own
        ['{"a":1}, {"b":2}', "[]", '{"c": 3}'],  # two objects in one text, then an empty array
        [' {"a": 1}', '{"b": 2} ', "not json", "[1]", '"text"', "{}"],
    ],
)
def test_json_text_column_parsed_alike_by_both_parsers(tmp_path, texts):
    images = [rec(id=f"i{k}", __os_feature_list=t) for k, t in enumerate(texts)] + [rec(id="none")]
    fast, exact = _both(tmp_path, images)
    assert fast.attrs["imgkit"]["engine"]["ran"] == "fast"
    pd.testing.assert_frame_equal(fast, exact)
    pd.testing.assert_frame_equal(
        imgkit.validate(fast).drop(columns="source"), imgkit.validate(exact).drop(columns="source")
    )
    expected = []
    for t in texts:
        try:
            v = json.loads(t)
        except ValueError:
            v = None
        expected.append(orjson.dumps(v, option=orjson.OPT_SORT_KEYS).decode() if isinstance(v, dict) else None)
    assert [None if pd.isna(v) else v for v in fast["os_feature_list"]] == expected + [None]


def test_timestamp_beyond_nanosecond_range_is_untypable_not_a_crash():
    df = imgkit.read_images(
        [{"id": "a", "created_at": -1}, {"id": "b", "created_at": "2020-01-01T00:00:00Z"}], errors="ignore"
    )
    assert df["created_at"].isna().tolist() == [True, False]
    f = imgkit.validate(df)
    assert f.loc[f["rule"] == "untypable", ["image_id", "value"]].values.tolist() == [["a", "-1"]]


# ----------------------------------------------------------------------------- engine=
def test_engine_option_and_what_ran(tmp_path):
    p = tmp_path / "l.json"
    p.write_text(json.dumps({"images": [rec(id="a"), rec(id="b")]}), encoding="utf-8")
    assert load(p).attrs["imgkit"]["engine"] == {"requested": "auto", "ran": "fast"}
    assert load(p, engine="fast").attrs["imgkit"]["engine"] == {"requested": "fast", "ran": "fast"}
    assert load(p, engine="exact").attrs["imgkit"]["engine"] == {"requested": "exact", "ran": "exact"}
    pd.testing.assert_frame_equal(load(p, engine="fast"), load(p, engine="exact"))
    records = [rec(id="a")]
    assert load(records).attrs["imgkit"]["engine"] == {
        "requested": "auto",
        "ran": "exact",
        "reason": "the fast engine reads JSON text (paths, directories, str, bytes), not a list",
    }
    with pytest.raises(imgkit.ConfigError, match="engine='fast' reads JSON text .* not a list; use engine='auto'"):
        load(records, engine="fast")
    with pytest.raises(imgkit.ConfigError, match="`engine` must be one of 'auto', 'fast', 'exact', got 'pyarrow'"):
        load(p, engine="pyarrow")
    assert json.loads(json.dumps(load(p).attrs["imgkit"]["engine"]))  # plain JSON


@pytest.mark.parametrize("pretty", [False, True])
def test_type_variation_stays_local_and_gives_the_exact_engines_frame(tmp_path, monkeypatch, pretty):
    """Only the keys whose JSON type varies take the exact route; frame and findings equal the exact engine's."""
    import imgkit.io._fast

    monkeypatch.setattr(imgkit.io._fast, "GROUP", 500)  # several groups: conflicts met in different parse calls
    images = imgkit.generate_listing(3000, seed=4, type_variation=True)["images"]
    images[10]["min_ram"] = 1.5  # a number that is not an int64, in an int column
    images[2500]["__os_bit"] = 64  # a JSON number in a string(int) column, in a late group only
    p = tmp_path / "varied.json"
    p.write_bytes(json.dumps({"images": images}, indent=1).encode() if pretty else orjson.dumps({"images": images}))
    fast = imgkit.read_images(p, engine="fast", errors="ignore")
    exact = imgkit.read_images(p, engine="exact", errors="ignore")
    assert fast.attrs["imgkit"]["engine"] == {
        "requested": "fast",
        "ran": "fast",
        "exact_columns": {
            "protected": "JSON boolean and string values",
            "min_disk": "JSON number and string values",
            "min_ram": "JSON number and string values",
            "hw_qemu_guest_agent": "JSON string and boolean values",
            "__whole_image": "JSON string and boolean values",
            "__os_bit": "JSON string and number values",
        },
    }
    pd.testing.assert_frame_equal(fast, exact)
    pd.testing.assert_frame_equal(imgkit.validate(fast), imgkit.validate(exact))
    assert fast["whole_image"].value_counts().to_dict() == exact["whole_image"].value_counts().to_dict()
    assert fast["hw_qemu_guest_agent"].dtype == "string"  # "yes"/"no" and JSON bools: kept, as JSON text
    found = imgkit.validate(fast).query("rule == 'untypable'")
    assert found[["image_id", "column", "value"]].values.tolist() == [[images[10]["id"], "min_ram", "1.5"]]
