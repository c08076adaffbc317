"""The bundled demo servers: equal to a fresh generation, matching the demo images, every server's image known."""

from __future__ import annotations

import gzip
import warnings
from pathlib import Path

import orjson

import imgkit
from imgkit.demo._servers import generate_servers, load_demo_servers

DATA = Path(__file__).resolve().parents[2] / "data"


def test_bundled_files_equal_a_fresh_generation():
    servers, volumes = generate_servers()
    assert orjson.loads(gzip.decompress((DATA / "demo_servers.json.gz").read_bytes())) == servers
    assert orjson.loads(gzip.decompress((DATA / "demo_volumes.json.gz").read_bytes())) == volumes
    assert servers["_comment"].startswith("Synthetic server listing")


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
