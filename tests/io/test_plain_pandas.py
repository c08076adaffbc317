"""An imgkit frame is a plain pandas frame: attrs stay small JSON, the list columns survive pandas' own I/O,
everyday calls work, and a frame's own records read back as the same frame."""

from __future__ import annotations

import copy
import json
import pickle
import warnings
from pathlib import Path

import pandas as pd
import pytest
from _plain import plain

import imgkit

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"
IMS = SAMPLES / "05_otc_cloudimages_list_current.json"
GLANCE = SAMPLES / "01_glance_apiref_images_list_response.json"
LISTS = ["tags", "support_agent_list"]


@pytest.fixture
def frame() -> pd.DataFrame:
    """Both samples' images with lists, an unknown object key and one finding."""
    page = json.loads(IMS.read_text(encoding="utf-8"))
    page["images"][0].update(tags=["env=prod", "team=a"], __support_agent_list="hss,ces", extra={"k": [1, {}]})
    page["images"][1]["min_disk"] = "abc"
    return imgkit.read_images(page, errors="ignore")


def test_attrs_are_small_json(frame):
    meta = frame.attrs["imgkit"]
    text = json.dumps(frame.attrs)  # what pandas writes into Parquet / Feather metadata
    assert len(text) < 1500
    assert set(meta) == {"source", "fetched_at", "imgkit_version", "findings", "dialect", "unknown_keys", "engine"}
    assert meta["unknown_keys"] == {"extra": "extra"} and meta["dialect"] == "ims"
    assert imgkit.validate(frame)[["image_id", "column", "rule"]].values.tolist() == [
        [frame["id"].iat[1], "min_disk", "untypable"]
    ]


def test_plain_parquet_round_trip(frame, tmp_path):
    p = tmp_path / "x.parquet"
    frame.to_parquet(p)
    back = plain(pd.read_parquet(p))
    pd.testing.assert_frame_equal(back, frame)
    assert back.attrs == frame.attrs
    assert back["tags"].iat[0] == ["env=prod", "team=a"] and isinstance(back["tags"].iat[0], list)
    assert imgkit.validate(back).equals(imgkit.validate(frame))


def test_plain_feather_round_trip(frame, tmp_path):
    p = tmp_path / "x.feather"
    frame.to_feather(p)
    back = plain(pd.read_feather(p))
    pd.testing.assert_frame_equal(back, frame)
    assert back["support_agent_list"].iat[0] == ["hss", "ces"]


def test_pickle_and_deepcopy(frame):
    for back in (pickle.loads(pickle.dumps(frame)), copy.deepcopy(frame)):
        pd.testing.assert_frame_equal(back, frame)
        assert back.attrs == frame.attrs and imgkit.validate(back).equals(imgkit.validate(frame))


def test_concat_and_merge(frame):
    glance = imgkit.read_images(GLANCE)
    both = pd.concat([frame, glance], ignore_index=True)
    assert len(both) == 4 and both["tags"].dtype == frame["tags"].dtype
    assert both["tags"].tolist()[:2] == [["env=prod", "team=a"], []]
    merged = frame.merge(frame[["id", "tags"]], on="id", suffixes=("", "_again"))
    assert merged["tags_again"].tolist() == frame["tags"].tolist()
    assert imgkit.validate(merged)["rule"].tolist() == ["untypable"]


def test_everyday_calls_work_through_the_readme_one_liner(frame):
    with pytest.raises(Exception):  # pyarrow has no hash kernel for lists: the docs say so (user-guide/pandas.md)
        frame.drop_duplicates()
    flat = frame.assign(**{c: frame[c].astype(object).map(tuple) for c in LISTS})  # docs: the one-liner
    assert len(flat.drop_duplicates()) == 2
    assert flat["tags"].value_counts().to_dict() == {("env=prod", "team=a"): 1, (): 1}
    assert flat["tags"].nunique() == 2
    assert flat.describe(include="all").loc["unique", "tags"] == 2


def test_frame_records_read_back_as_the_same_frame(frame):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas 3.1 deprecates to_json's epoch dates (still its default)
        sources = (frame.to_dict("records"), frame.to_json(orient="records"))
    for records in sources:
        back = imgkit.read_images(records, errors="ignore")
        assert back.shape == frame.shape
        pd.testing.assert_frame_equal(back, frame)
        assert imgkit.validate(back).empty  # min_disk "abc" is NA in the frame: its data is clean


def test_glance_frame_records_keep_the_dialect():
    df = imgkit.read_images(GLANCE, errors="raise")
    back = imgkit.read_images(df.to_dict("records"), errors="raise")
    assert back.attrs["imgkit"]["dialect"] == "glance"
    pd.testing.assert_frame_equal(back, df)


def test_plain_parquet_round_trip_of_feature_lists_empty_and_nested(tmp_path):
    """``os_feature_list`` is canonical JSON text, so plain pandas I/O writes any object (``{}`` included) unchanged."""
    page = json.loads(IMS.read_text(encoding="utf-8"))
    page["images"][0]["__os_feature_list"] = "{}"
    page["images"][1]["__os_feature_list"] = '{"b": "true", "a": {"n": [1, {}]}}'
    df = imgkit.read_images(page, errors="raise")
    p = tmp_path / "f.parquet"
    df.to_parquet(p)
    back = plain(pd.read_parquet(p))
    pd.testing.assert_frame_equal(back, df)
    assert back["os_feature_list"].tolist() == ["{}", '{"a":{"n":[1,{}]},"b":"true"}']


def test_plain_parquet_round_trip_of_the_demo(tmp_path):
    df = imgkit.load_demo()
    p = tmp_path / "demo.parquet"
    df.to_parquet(p)
    pd.testing.assert_frame_equal(plain(pd.read_parquet(p)), df)
