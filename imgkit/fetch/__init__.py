"""Fetching listings live: Glance/IMS images, Nova servers, Keystone projects.

Layers inside: ``_secrets`` / ``_urls`` / ``_errors`` / ``_retry`` (no HTTP) → ``_transport`` (one guarded
requests session) → ``_auth`` (clouds.yaml, Keystone) → ``_pagination`` / ``_targets`` → ``_api``.
"""

from imgkit.fetch._api import fetch_images, fetch_projects, fetch_servers

__all__ = [
    "fetch_images",
    "fetch_projects",
    "fetch_servers",
]
