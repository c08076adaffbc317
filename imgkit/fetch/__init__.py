"""Fetching listings live: Glance/IMS images, Nova servers, Keystone projects, volumes, AS configurations, members.

Layers inside: ``_secrets`` / ``_urls`` / ``_errors`` / ``_retry`` / ``_signing`` / ``_regions`` / ``_config``
(no HTTP) → ``_transport`` (one guarded requests session) → ``_auth`` (clouds.yaml, Keystone, AK/SK) →
``_pagination`` / ``_targets`` → ``_api``.
"""

from imgkit.fetch._api import (
    fetch_images,
    fetch_members,
    fetch_projects,
    fetch_scaling_configs,
    fetch_servers,
    fetch_volumes,
)
from imgkit.fetch._config import FetchConfig

__all__ = [
    "FetchConfig",
    "fetch_images",
    "fetch_members",
    "fetch_projects",
    "fetch_scaling_configs",
    "fetch_servers",
    "fetch_volumes",
]
