"""The bundled demo servers: equal to a fresh generation, matching the demo images, every server's image known."""

from __future__ import annotations

import gzip
import warnings
from pathlib import Path

import orjson

import imgkit
from imgkit.demo import generate_references, generate_servers, load_demo_references, load_demo_servers

DATA = Path(__file__).resolve().parents[2] / "data"


def test_bundled_files_equal_a_fresh_generation():
    servers, volumes = generate_servers()
    assert orjson.loads(gzip.decompress((DATA / "demo_servers.json.gz").read_bytes())) == servers
    assert orjson.loads(gzip.decompress((DATA / "demo_volumes.json.gz").read_bytes())) == volumes
    assert servers["_comment"].startswith("Synthetic server listing")
    refs = generate_references()
    assert (
        orjson.loads(gzip.decompress((DATA / "demo_scaling_configs.json.gz").read_bytes()))
        == refs["scaling_configurations"]
    )
    assert orjson.loads(gzip.decompress((DATA / "demo_members.json.gz").read_bytes())) == refs["members"]


def test_generation_is_deterministic_and_seeded():
    a, _ = generate_servers(seed=1)
    b, _ = generate_servers(seed=1)
    c, _ = generate_servers(seed=0)
    assert a == b and a != c


def test_demo_servers_match_the_demo_images():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        servers = load_demo_servers()
        images = imgkit.load_demo()
    assert len(servers) == 2921
    assert servers["image_id"].notna().all()
    assert servers["image_source"].value_counts().to_dict() == {"image": 2645, "volume": 276, "metadata": 0}
    assert set(servers["tenant_id"]) <= set(images["owner"])
    listed = servers["image_id"].isin(images["id"])
    assert int((~listed).sum()) == 26  # servers of images no longer in the listing
    u = imgkit.image_usage(images, servers)
    assert int(u["in_use"].sum()) == 1242
    # without the volume listing, the servers booted from a volume are said, not silently unused
    bare = load_demo_servers(volumes=False, errors="ignore")
    assert int(bare["image_id"].isna().sum()) == 276
    assert (imgkit.validate(bare)["rule"] == "boot_from_volume").sum() == 276


def test_demo_references_show_every_kind():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        images = imgkit.load_demo()
        refs = load_demo_references()
        usage = imgkit.image_usage(images, load_demo_servers(), **refs)
    volumes = refs["volumes"]
    unattached = volumes[volumes["server_id"].isna()]
    assert len(unattached) == 100 and unattached["image_id"].isin(images["id"]).all()
    assert set(refs["scaling_configs"]["tenant_id"]) <= set(images["owner"])
    assert refs["scaling_configs"]["image_id"].isin(images["id"]).all()
    assert set(refs["members"]["status"]) == {"accepted", "pending", "rejected"}
    assert len(refs["members"].attrs["imgkit"]["images_checked"]) == int((images["visibility"] == "shared").sum())
    kinds = usage["used_by"].str.replace(r" \(\d+\)", "", regex=True).str.split(", ").explode()
    assert kinds[kinds != ""].value_counts().to_dict() == {
        "server": 1242,
        "volume": 327,
        "share": 240,
        "scaling config": 53,
    }
    only_unattached = usage["volumes_using"].gt(0) & usage["servers_using"].eq(0)
    assert int(only_unattached.sum()) > 0  # images kept only by an unattached volume
    assert usage["usage_known"].all()
