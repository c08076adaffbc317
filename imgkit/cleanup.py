"""Cleanup and cost advice as one namespace: ``imgkit.cleanup.image_family`` and friends.

The functions live in :mod:`imgkit.analysis`; this module gathers the ones an operator uses
together when deciding what to delete (imgkit never deletes anything).
"""

from imgkit.analysis import cleanup_candidates, image_family, image_usage, storage_cost

__all__ = ["cleanup_candidates", "image_family", "image_usage", "storage_cost"]
