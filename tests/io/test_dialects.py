"""Dialects: a plain Glance listing is checked and analysed as Glance, an IMS listing as IMS; real samples are clean."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

import imgkit

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"
GLANCE = SAMPLES / "01_glance_apiref_images_list_response.json"
IMS = SAMPLES / "05_otc_cloudimages_list_current.json"
#: Samples that are not listings at all (an error body, the image schema): SourceError, tested in test_load.
NOT_LISTINGS = {"11_otc_error_400_IMG0024.json", "12_otc_native_image_schema_v2_schemas_image.json"}
LISTINGS = sorted(p.name for p in SAMPLES.glob("*.json") if p.name not in NOT_LISTINGS)


@pytest.mark.parametrize("name", LISTINGS)
def test_every_real_sample_loads_clean(name, engine):
    """No sample carries a genuinely wrong value: errors="raise" and not one warning, on both engines."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        df = imgkit.read_images(SAMPLES / name, errors="raise", engine=engine)
    assert len(df) >= 1 and imgkit.validate(df).empty
    expected = "glance" if name.startswith(("01", "02", "14")) else "ims"
    assert df.attrs["imgkit"]["dialect"] == expected


def test_samples_cover_both_dialects():
    assert len(LISTINGS) == 10


def test_dialect_option_is_checked():
    with pytest.raises(imgkit.ConfigError, match="`dialect` must be one of 'auto', 'ims', 'glance', got 'nova'"):
        imgkit.read_images(GLANCE, dialect="nova")


def test_feature_support_on_glance_is_unknown_not_zero():
    df = imgkit.read_images(GLANCE)
    shares = imgkit.feature_support(df, by=None)
    total = shares.iloc[-1]
    assert total["uefi"] == 0.0  # hw_firmware_type is a Glance property too
    assert total.drop("uefi").isna().all()  # Cloud-Init injection read 100% here before
    counts = imgkit.feature_support(df, by=None, normalize=False)
    assert counts["support_kvm"].dtype == "Int64" and counts["support_kvm"].isna().all()
    assert counts["uefi"].dtype == np.int64


def test_feature_support_on_ims_is_known():
    df = imgkit.read_images(IMS)
    counts = imgkit.feature_support(df, by=None, normalize=False)
    assert counts.notna().all().all() and counts.iloc[-1]["cloud_init_injection"] == 0  # fc_inject "true"


def test_heatmap_and_report_say_n_a(tmp_path):
    df = imgkit.read_images(GLANCE)
    ax = imgkit.plot_feature_support(df)
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("n/a") == (len(imgkit.feature_labels()) - 1) * 2 and texts.count("0%") == 2
    imgkit.build_report(df, path=tmp_path / "r.html")
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert re.search(r"KVM</td>\s*<td[^>]*>n/a</td>\s*<td[^>]*>n/a</td>", html)


def test_glance_storage_falls_back_to_size():
    glance = imgkit.read_images(GLANCE)
    ts = imgkit.tenant_summary(glance, as_of="2026-01-01")
    assert ts["storage_bytes"].tolist() == [int(glance["size"].sum())]
    ims = imgkit.read_images(IMS)  # IMS sends size 0 (unused) and __image_size
    page = json.loads(IMS.read_text(encoding="utf-8"))
    expected = sum(int(i.get("__image_size", 0)) for i in page["images"])
    assert imgkit.tenant_summary(ims, as_of="2026-01-01")["storage_bytes"].sum() == expected
