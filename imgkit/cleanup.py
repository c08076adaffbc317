"""Cleanup and cost advice as one namespace: ``imgkit.cleanup.image_family`` and friends.

The functions live in :mod:`imgkit.analysis`; this module gathers the ones an operator uses
together when deciding what to delete (imgkit never deletes anything).
"""

from imgkit.analysis import (
    GIB,
    IMAGE_KINDS,
    cleanup_candidates,
    huawei_cloud_prices,
    image_family,
    image_kind,
    image_usage,
    storage_cost,
)
from imgkit.io import read_members, read_scaling_configs, read_volumes

__all__ = [
    "GIB",
    "IMAGE_KINDS",
    "cleanup_candidates",
    "huawei_cloud_prices",
    "image_family",
    "image_kind",
    "image_usage",
    "read_members",
    "read_scaling_configs",
    "read_volumes",
    "storage_cost",
]
