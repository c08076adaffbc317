"""Both engines on the load benchmark's second listing profile, and the fast engine's group-to-group schema."""

from __future__ import annotations

import json
from collections import Counter

import orjson
import pandas as pd
import pytest
from factories import image_record
from independent_listing import OPTIONAL, write_independent_listing

import imgkit
import imgkit.io._fast
from imgkit.schema import field_for_api


@pytest.fixture
def small_groups(monkeypatch):
    """Several parse groups (and the small first one) in a listing of a few thousand images."""
    monkeypatch.setattr(imgkit.io._fast, "GROUP", 500)
    monkeypatch.setattr(imgkit.io._fast, "PROBE", 100)


def _read_both(path):
    fast = imgkit.read_images(path, engine="fast", errors="ignore")
    exact = imgkit.read_images(path, engine="exact", errors="ignore")
    assert fast.attrs["imgkit"]["engine"]["ran"] == "fast"
    pd.testing.assert_frame_equal(fast, exact)
    pd.testing.assert_frame_equal(imgkit.validate(fast), imgkit.validate(exact))
    return fast


def test_the_profile_is_shaped_as_the_benchmark_says(tmp_path):
    images = orjson.loads(write_independent_listing(tmp_path / "l.json", 2_000, seed=1).read_bytes())["images"]
    keys = Counter(k for img in images for k in img)
    assert len(keys) == 54 and len(OPTIONAL) == 54 - 32
    assert [k for k in keys if field_for_api(k) is None] == ["hw_disk_bus"]
    assert 42 < sum(map(len, images)) / len(images) < 46
    text_bools = {k for k in keys if field_for_api(k) and field_for_api(k).kind in ("bool", "flag")}
    text_bools = {k for k in text_bools if k != "__whole_image" and any(isinstance(i.get(k), str) for i in images)}
    assert len(text_bools) == 13
    assert {v for i in images for k in text_bools if isinstance(v := i.get(k), str)} == {
        "true", "True", "TRUE", "false", "False", "FALSE"}  # fmt: skip
    assert len({k for k in keys if field_for_api(k) and field_for_api(k).kind == "enum"}) == 12
    kinds = Counter(type(i["__whole_image"]).__name__ for i in images)
    assert kinds.keys() == {"bool", "str"} and 0.05 < kinds["str"] / len(images) < 0.15


@pytest.mark.parametrize("uniform", [False, True])
def test_both_engines_give_one_frame_on_the_independent_profile(tmp_path, small_groups, uniform):
    p = write_independent_listing(tmp_path / "l.json", 2_000, seed=2, uniform=uniform)
    images = orjson.loads(p.read_bytes())["images"]
    df = _read_both(p)
    exact_columns = df.attrs["imgkit"]["engine"].get("exact_columns")
    assert exact_columns == (None if uniform else {"__whole_image": "JSON string and boolean values"})

    def truth(v):
        return None if v is None else v if isinstance(v, bool) else v.lower() == "true"

    assert df["whole_image"].tolist() == [truth(i["__whole_image"]) for i in images]
    assert df["lazyloading"].tolist() == [truth(i["__lazyloading"]) for i in images]
    assert df["support_xen"].tolist() == [bool(truth(i.get("__support_xen"))) for i in images]  # a flag
    assert df["image_size"].tolist() == [int(i["__image_size"]) for i in images]
    features = [i.get("__os_feature_list") for i in images]
    expected = [
        None if t is None else orjson.dumps(json.loads(t), option=orjson.OPT_SORT_KEYS).decode() for t in features
    ]
    assert [None if pd.isna(v) else v for v in df["os_feature_list"]] == expected
    assert df["deleted_at"].isna().all() and df["backup_id"].isna().all()  # keys the profile never sends
    assert df.attrs["imgkit"]["unknown_keys"] == {"hw_disk_bus": "hw_disk_bus"}


def test_a_known_key_first_sent_in_a_later_group_is_read_as_declared(tmp_path, small_groups):
    """Later groups declare only the keys sent before; pyarrow would read a new key's ISO text as times, an
    array of nothing but empty lists as list<null>, text as (small) string: all are typed as declared."""
    images = [image_record(id=f"i{k}", tags=None) for k in range(1_500)]
    for k, img in enumerate(images[700:], start=700):
        img["deleted_at"] = "2024-02-29T10:00:00Z" if k % 2 else "2024-03-01T00:00:00+01:00"
        img["tags"] = []
        img["__description"] = f"d{k}"
        img["max_ram"] = str(k)
    images[1_400]["deleted_at"] = "yesterday"  # a finding, at the same row in both engines
    p = tmp_path / "l.json"
    p.write_bytes(orjson.dumps({"images": images}))
    df = _read_both(p)
    assert "exact_columns" not in df.attrs["imgkit"]["engine"]
    assert df["deleted_at"].iloc[700:702].tolist() == [
        pd.Timestamp("2024-03-01T00:00:00+01:00", tz="UTC"), pd.Timestamp("2024-02-29T10:00:00Z")]  # fmt: skip
    assert df["tags"].map(len).sum() == 0 and df["max_ram"].iloc[-1] == 1_499
    found = imgkit.validate(df)
    assert found.query("rule == 'mandatory'")["image_id"].tolist() == [f"i{k}" for k in range(700)]  # no tags
    untypable = found.query("rule == 'untypable'")
    assert untypable[["image_id", "column", "value"]].values.tolist() == [["i1400", "deleted_at", "yesterday"]]


def test_repeated_json_texts_give_a_finding_in_every_row(tmp_path, small_groups):
    """The JSON-text column is typed once per distinct text; its findings stay one per row, in row order."""
    texts = ["not json", '{"b": 1, "a": 2}', "[1]", "not json", None, "", '{"a": 2, "b": 1}'] * 200
    images = [image_record(id=f"i{k}", __os_feature_list=t) for k, t in enumerate(texts)]
    p = tmp_path / "l.json"
    p.write_bytes(orjson.dumps({"images": images}))
    df = _read_both(p)
    assert df["os_feature_list"].value_counts().to_dict() == {'{"a":2,"b":1}': 400}
    found = imgkit.validate(df)
    bad = [f"i{k}" for k, t in enumerate(texts) if t in ("not json", "[1]")]
    assert found["image_id"].tolist() == bad and len(bad) == 600
    assert found["action"].value_counts().to_dict() == {
        "set to NA (not JSON)": 400,
        "set to NA (not a JSON object)": 200,
    }
