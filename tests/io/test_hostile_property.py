"""Property: random image dicts (real keys, values of random JSON types) never break the loader.

For a list of records, its JSON bytes and a file of them, on both engines: only imgkit errors and
warnings escape, no row is lost (rows + dropped duplicate ids = images), the frame prints and writes to
CSV and Parquet, and both engines give the same frame and findings.

CI runs the bounded, derandomized ``ci`` profile. For a longer local run::

    IMGKIT_HYPOTHESIS=long python -m pytest tests/io/test_hostile_property.py     # 2,000 random listings, not derandomized
"""

from __future__ import annotations

import io
import json
import os
import warnings

import pandas as pd
import pytest
from conftest import budget
from hypothesis import given, settings
from hypothesis import strategies as st

import imgkit
from imgkit.schema import FIELDS
from imgkit.validate import loaded_findings

PROFILE = budget(30)

# (issue 19: a custom "images" property, Glance/Nova properties named like Huawei columns, a DEL in a key)
KEYS = [f.api for f in FIELDS] + [
    "hw_qemu_guest_agent",
    "os_distro",
    "__quick_start",
    "",
    "__",
    "images",
    "os_type",
    "description",
    "image_location",
    "min_dis\x7f",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([40.0, -0.0, 3e9, 1704067200000, 2**63 + 5, 2**64 + 5]),  # integral floats, epoch ms, uint64
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            "true",
            "False",
            "22",
            "2024-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "active",
            "hss,ces",
            '{"nic_hotplug": "true"}',
            "{nope",
            "-1",
            " 40 ",
            "0x10",
            "2024-01-01t08:00:00z",
            "2024-01-02T08:00:00.5+08:00",
        ]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=6,
)
image = st.dictionaries(st.sampled_from(KEYS), values, max_size=12).map(
    lambda d: {**d, "id": d["id"]} if "id" in d else d
)
listing = st.lists(image, min_size=1, max_size=6)


def _load(source, engine: str) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # errors="ignore": nothing may warn, imgkit or not
        return imgkit.read_images(source, engine=engine, errors="ignore")


def _check(df: pd.DataFrame, n_images: int) -> None:
    f = loaded_findings(df)
    dropped = int((f["rule"] == "duplicate_id").sum())  # each names the image dropped for a later one
    assert len(df) + dropped == n_images
    repr(df), df.to_string()
    df.to_csv(io.StringIO())
    buf = io.BytesIO()
    df.to_parquet(buf)
    assert len(pd.read_parquet(io.BytesIO(buf.getvalue()))) == len(df)


def _safe(load, *args):
    """The frame, or None when the loader refused the input with an imgkit error (anything else fails)."""
    try:
        return load(*args)
    except imgkit.ImgkitError:
        return None


@settings(PROFILE)
@given(listing)
def test_random_images_never_break_the_loader(tmp_path_factory, images):
    data = json.dumps({"images": images}, ensure_ascii=False).encode("utf-8")
    p = tmp_path_factory.mktemp("prop") / "listing.json"
    p.write_bytes(data)
    frames = {}
    sources = (
        ("list", images, "exact"),
        ("bytes-fast", data, "fast"),
        ("file-fast", p, "fast"),
        ("file-exact", p, "exact"),
    )
    for name, source, engine in sources:
        df = _safe(_load, source, engine)
        if df is not None:
            _check(df, len(images))
        frames[name] = df
    for a, b in (("bytes-fast", "file-exact"), ("file-fast", "file-exact")):
        if frames[a] is None or frames[b] is None:
            assert frames[a] is None and frames[b] is None, (a, b)
            continue
        fast, exact = frames[a], frames[b]
        pd.testing.assert_frame_equal(fast, exact)
        pd.testing.assert_frame_equal(
            imgkit.validate(fast).drop(columns="source"), imgkit.validate(exact).drop(columns="source")
        )


def test_profiles_are_bounded_and_derandomized_in_ci():
    ci = settings.get_profile("ci")
    assert ci.derandomize and ci.deadline is None and settings.get_profile("long").max_examples == 2000
    if os.environ.get("IMGKIT_HYPOTHESIS", "ci") == "ci":
        assert PROFILE.max_examples == 30 and PROFILE.derandomize


@pytest.mark.parametrize("engine", ["fast", "exact"])
def test_a_found_example_stays_fixed(engine):
    """An example hypothesis found here: an array in `name` and a number in `status` are kept with `type` findings."""
    data = json.dumps({"images": [{"id": "a", "name": ["x"], "status": 5}]}).encode()
    df = imgkit.read_images(data, engine=engine, errors="ignore")
    assert df["name"].tolist() == ['["x"]'] and df["status"].astype(str).tolist() == ["5"]
    assert sorted(imgkit.validate(df).query("rule == 'type'")["column"]) == ["name", "status"]


def test_found_example_array_id_has_one_finding_on_both_engines():
    """Found by the property test: `"id": [""]` got different finding actions from the two engines."""
    data = json.dumps({"images": [{"id": [""]}]}).encode()
    fast, exact = (imgkit.validate(imgkit.read_images(data, engine=e, errors="ignore")) for e in ("fast", "exact"))
    pd.testing.assert_frame_equal(fast.drop(columns="source"), exact.drop(columns="source"))
    assert fast.query("rule == 'type'")[["column", "value", "action"]].values.tolist() == [
        ["id", '[""]', "converted to text"]
    ]
