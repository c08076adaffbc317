"""Snapshots written by a fetch: read back equal, replaced only on success, never over foreign files."""

from __future__ import annotations

import orjson
import pandas as pd
import pytest
from fetch_fakes import IMAGES, Listing, _serve, no_sleep  # noqa: F401  (fixtures)

import imgkit
from imgkit.errors import ApiError, ConfigError
from imgkit.fetch import fetch_images


def test_snapshot_roundtrip(httpserver, tmp_path):
    listing = Listing(IMAGES)
    root = _serve(httpserver, listing)
    snap = tmp_path / "snap"
    df = fetch_images(root, limit=25, save_to=snap, filters={"status": "active"}, progress=False)
    names = sorted(p.name for p in snap.iterdir())
    assert names == ["_imgkit_snapshot.json", "page-000001.json", "page-000002.json", "page-000003.json"]
    raw = [body for _, body in zip(range(3), (resp.get_data() for _, resp in httpserver.log))]
    assert [(snap / f"page-00000{i}.json").read_bytes() for i in (1, 2, 3)] == raw
    meta = orjson.loads((snap / "_imgkit_snapshot.json").read_bytes())
    assert meta["endpoint"] == root and meta["api"] == "images" and meta["filters"] == {"status": "active"}
    assert (meta["pages"], meta["images"], meta["imgkit_version"]) == (3, 57, imgkit.__version__)
    fetched = pd.Timestamp(meta["fetched_at"])
    assert fetched.tz is not None and pd.Timestamp(df.attrs["imgkit"]["fetched_at"]) == fetched
    again = imgkit.read_images(snap)
    pd.testing.assert_frame_equal(again, df)
    assert again.attrs["imgkit"]["fetched_at"] == df.attrs["imgkit"]["fetched_at"]


def test_snapshot_replaces_old_snapshot_only_on_success(httpserver, tmp_path, no_sleep):
    snap = tmp_path / "snap"
    _serve(httpserver, Listing(IMAGES[:3]))
    fetch_images(httpserver.url_for("/"), save_to=snap, progress=False)
    before = {p.name: p.read_bytes() for p in snap.iterdir()}
    httpserver.clear()
    httpserver.expect_request("/v2/images").respond_with_data("down", status=503)
    with pytest.raises(ApiError):
        fetch_images(httpserver.url_for("/"), save_to=snap, retries=0, progress=False)
    assert {p.name: p.read_bytes() for p in snap.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snap"]  # no partial directory left


def test_snapshot_refuses_foreign_directory(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not empty and is not an imgkit snapshot"):
        fetch_images("http://127.0.0.1:9", save_to=tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"
