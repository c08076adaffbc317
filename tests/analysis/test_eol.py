"""The end-of-life table shipped with imgkit and the images it flags, as of a given day."""

from __future__ import annotations

import re

import pandas as pd

import imgkit


def test_eol_table_is_well_formed():
    table = imgkit.os_eol_table()
    assert list(table.columns) == ["release", "match", "eol", "support", "source"]
    assert table["release"].is_unique and table["source"].str.startswith("https://").all()
    assert str(table["eol"].dtype) == "datetime64[ns, UTC]"
    demo = imgkit.load_demo()
    versions = demo["os_version"].dropna().astype(str).unique()
    for v in versions:
        hits = [r for r, m in zip(table["release"], table["match"]) if re.search(m, v, re.IGNORECASE)]
        assert len(hits) <= 1, (v, hits)


def test_eol_images_on_a_small_frame():
    df = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "os_version": ["CentOS 7.9 64bit", "Ubuntu 24.04 server 64bit", "Other 64bit", None],
        }
    )
    e = imgkit.eol_images(df, as_of="2026-01-01")
    assert e["id"].tolist() == ["a"] and e["days_past_eol"].tolist() == [550]
    assert e.attrs["imgkit"]["unknown_release"] == 1
    soon = imgkit.eol_images(df, as_of="2029-01-01", within="180D")
    assert soon["id"].tolist() == ["a", "b"] and soon["days_past_eol"].tolist()[1] < 0
