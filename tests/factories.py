"""Shared builders of test inputs: one valid IMS image, listings as objects or bytes, Nova servers.

Every builder takes overrides as keywords; ``None`` drops a key (an absent field), anything else replaces it.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from typing import Any

import orjson


def _apply(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    for key, value in overrides.items():
        if value is None:
            base.pop(key, None)
        else:
            base[key] = value
    return base


def image_record(**overrides: Any) -> dict[str, Any]:
    """A valid Huawei Cloud IMS image (every mandatory field of the ``ims`` dialect), with `overrides`."""
    image_id = overrides.get("id") or "img-1"
    base = {
        "id": image_id,
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
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-02T00:00:00Z",
        "self": f"/v2/images/{image_id}",
        "file": f"/v2/images/{image_id}/file",
        "schema": "/v2/schemas/image",
        "virtual_env_type": "FusionCompute",
        "__platform": "Ubuntu",
        "__os_type": "Linux",
    }
    return _apply(base, overrides)


def listing(images: Iterable[dict[str, Any]], **page: Any) -> dict[str, Any]:
    """A ``GET /v2/images`` page: ``{"images": [...], **page}`` (``next``, ``first``, ``schema``...)."""
    return {"images": list(images), **page}


def listing_bytes(images: Iterable[dict[str, Any]], *, ndjson: bool = False, gz: bool = False, **page: Any) -> bytes:
    """A listing as the bytes of a saved file: one JSON page, or one image per line (`ndjson`); gzip'ed with `gz`."""
    items = list(images)
    data = b"\n".join(orjson.dumps(i) for i in items) + b"\n" if ndjson else orjson.dumps(listing(items, **page))
    return gzip.compress(data, mtime=0) if gz else data


def server_record(i: int = 0, **overrides: Any) -> dict[str, Any]:
    """A Nova ``GET /v2.1/servers/detail`` server booted from image ``img-{i}``, with `overrides`."""
    base = {
        "id": f"s{i}",
        "name": f"vm-{i}",
        "status": "ACTIVE",
        "tenant_id": "t1",
        "image": {"id": f"img-{i}"},
        "flavor": {"id": "m1.small"},
        "created": "2026-01-01T00:00:00Z",
        "updated": "2026-01-02T00:00:00Z",
    }
    return _apply(base, overrides)


def servers_page(servers: Iterable[dict[str, Any]], **page: Any) -> dict[str, Any]:
    """A Nova servers page: ``{"servers": [...], **page}`` (``servers_links``...)."""
    return {"servers": list(servers), **page}
