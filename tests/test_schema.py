"""The schema table: complete against the seed page and fields.csv, consistent, and what drives the frame."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pytest

import imgkit
from imgkit.schema import FIELDS, KINDS, api_to_column, column_to_api, field_for_api, field_for_column

FIXTURES = Path(__file__).parent / "fixtures"


def seed_parameters() -> dict[str, bool]:
    """{api name: mandatory} from the seed page's parameter table."""
    text = (FIXTURES / "seed_response_parameters.rst").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\\?_*[a-z_]+)\s+\| (Yes|No)\s+\|", text, flags=re.M)
    return {name.replace("\\", ""): flag == "Yes" for name, flag in rows}


def test_seed_table_parsed():
    seed = seed_parameters()
    assert len(seed) == 44
    assert seed["__lazyloading"] is True and seed["__os_bit"] is False


#: Seed-page "Mandatory: Yes" fields that real listings go without: optional here, each saying why.
OPTIONAL_IN_PRACTICE = {"__lazyloading", "hw_firmware_type", "__support_fc_inject"}


def test_every_seed_field_is_in_the_schema_with_its_mandatory_flag():
    for api, mandatory in seed_parameters().items():
        f = field_for_api(api)
        assert f is not None, api
        if api in OPTIONAL_IN_PRACTICE:
            assert mandatory and not f.mandatory and "seed page says mandatory" in f.description, api
        else:
            assert f.mandatory == mandatory, api
        if f.kind == "flag":  # absent means False: a flag is never "missing"
            assert not f.mandatory, api


def test_mandatory_sets_per_dialect():
    from imgkit.schema import PENDING_STATUSES, detect_dialect, mandatory_fields

    common = {
        "id",
        "name",
        "owner",
        "status",
        "visibility",
        "protected",
        "tags",
        "container_format",
        "disk_format",
        "min_ram",
        "min_disk",
        "size",
        "checksum",
        "updated_at",
        "self",
        "file",
        "schema",
    }
    assert mandatory_fields("glance") == common
    assert mandatory_fields("ims") == common | {"virtual_env_type"}
    assert {f.api for f in FIELDS if f.with_data} == {"size", "checksum"}
    assert PENDING_STATUSES == ("queued", "saving", "uploading", "importing")
    assert detect_dialect(["id", "os_hidden"]) == "glance" and detect_dialect(["id", "__platform"]) == "ims"
    assert detect_dialect(["id", "__platform"], sends=lambda k: False) == "glance"


def test_every_reference_field_is_in_the_schema():
    with open(FIXTURES / "fields.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 73
    names = [n.strip() for r in rows for n in r["field"].split(" / ")]
    missing = [n for n in names if field_for_api(n) is None]
    assert missing == []
    assert len(FIELDS) == len(names) == 76


def test_kinds_and_enum_values():
    assert {f.kind for f in FIELDS} == set(KINDS)
    for f in FIELDS:
        assert bool(f.values) == (f.kind == "enum"), f.api
        assert f.description.endswith("."), f.api
    flags = [f.column for f in FIELDS if f.kind == "flag"]
    assert flags == [
        "support_xen",
        "support_kvm",
        "support_largememory",
        "support_diskintensive",
        "support_highperformance",
        "support_xen_hana",
        "support_kvm_infiniband",
        "support_kvm_hi1822_hisriov",
        "support_kvm_hi1822_hivirtionet",
        "support_fc_inject",
    ]
    assert field_for_column("enterprise_project_id").kind == "text"  # "0" is an id
    assert field_for_column("min_disk").valid_range == (0, 1024)


def test_column_names_strip_leading_underscores_and_map_both_ways():
    for f in FIELDS:
        assert f.column == f.api.lstrip("_")
        assert api_to_column(f.api) == f.column
        assert column_to_api(f.column) == f.api
    assert api_to_column("_sys_enterprise_project_id") == "sys_enterprise_project_id"
    assert api_to_column("__system__cmkid") == "system__cmkid"
    assert api_to_column("__name") == "__name"  # would collide with the known 'name'
    assert api_to_column("__foo", taken={"foo"}) == "__foo"
    assert column_to_api("not_a_field") == "not_a_field"


def test_describe_columns_is_the_table():
    d = imgkit.describe_columns()
    assert list(d.index) == [f.column for f in FIELDS]
    assert list(d.columns) == [
        "api_name",
        "kind",
        "dtype",
        "json_type",
        "mandatory",
        "values",
        "valid_range",
        "description",
    ]
    assert d.loc["platform", "values"].startswith("Windows|Ubuntu|RedHat")
    assert d.loc["tags", "dtype"] == "object"  # imgkit.StringListDtype (docs/user-guide/compatibility.md)
    assert d.loc["min_disk", "valid_range"] == "0-1024"
    assert (d["mandatory"] != "").sum() == 18 and d.loc["virtual_env_type", "mandatory"] == "ims"


@pytest.mark.parametrize("f", FIELDS, ids=lambda f: f.column)
def test_loaded_dtype_matches_the_table(f):
    df = imgkit.read_images({"images": []})
    dtype = df[f.column].dtype
    if f.kind == "enum":
        assert isinstance(dtype, pd.CategoricalDtype)
    elif f.kind == "text":
        assert dtype == "string"
    else:
        assert str(dtype) == f.dtype
