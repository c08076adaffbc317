"""Endpoints by region for AK/SK auth (no Keystone catalog): one URL template per cloud and service.

Private module.  Huawei Cloud: ``https://{service}.{region}.myhuaweicloud.com`` for the regions
the official SDK lists for IMS (huaweicloud-sdk-go-v3 ``services/ims/v2/region``); Open Telekom
Cloud: ``https://{service}.{region}.otc.t-systems.com`` for ``eu-de`` and ``eu-nl``.  Any other
region: pass its endpoint (``regions={"name": "https://..."}``).
"""

from __future__ import annotations

from dataclasses import dataclass

from imgkit.errors import ConfigError

__all__: list[str] = []


@dataclass(frozen=True)
class Cloud:
    """One provider: its name, domain, regions and the IAM endpoint of a region."""

    name: str
    domain: str
    regions: frozenset[str]
    #: Regions with their own IAM endpoint; the others use ``iam_default``.
    iam_regions: frozenset[str]
    iam_default: str


HUAWEI_CLOUD = Cloud(
    "Huawei Cloud",
    "myhuaweicloud.com",
    frozenset(
        {
            "af-north-1",
            "af-south-1",
            "ae-ad-1",
            "ap-southeast-1",
            "ap-southeast-2",
            "ap-southeast-3",
            "ap-southeast-4",
            "cn-east-2",
            "cn-east-3",
            "cn-east-4",
            "cn-east-5",
            "cn-north-1",
            "cn-north-2",
            "cn-north-4",
            "cn-north-9",
            "cn-south-1",
            "cn-south-2",
            "cn-south-4",
            "cn-southwest-2",
            "eu-west-0",
            "eu-west-101",
            "la-north-2",
            "la-south-2",
            "me-east-1",
            "my-kualalumpur-1",
            "na-mexico-1",
            "ru-moscow-1",
            "sa-brazil-1",
            "tr-west-1",
        }
    ),
    # huaweicloudsdkcore.auth.endpoint: regions with a regional IAM endpoint; the rest use the global one
    frozenset(
        {
            "cn-north-2",
            "cn-north-4",
            "cn-north-1",
            "cn-east-2",
            "cn-east-3",
            "cn-south-1",
            "cn-south-2",
            "cn-southwest-2",
            "ap-southeast-1",
            "ap-southeast-2",
            "ap-southeast-3",
            "af-south-1",
            "sa-brazil-1",
            "la-south-2",
            "na-mexico-1",
            "la-north-2",
            "cn-north-9",
            "eu-west-0",
            "my-kualalumpur-1",
            "ru-moscow-1",
            "me-east-1",
            "ap-southeast-4",
            "ae-ad-1",
            "cn-east-4",
            "cn-east-5",
            "tr-west-1",
        }
    ),
    "https://iam.myhuaweicloud.com/v3",
)
OPEN_TELEKOM_CLOUD = Cloud(
    "Open Telekom Cloud",
    "otc.t-systems.com",
    frozenset({"eu-de", "eu-nl"}),
    frozenset({"eu-de", "eu-nl"}),
    "https://iam.eu-de.otc.t-systems.com/v3",
)
CLOUDS = (HUAWEI_CLOUD, OPEN_TELEKOM_CLOUD)

#: service -> (host prefix, path after the host; ``{project_id}`` filled in).
SERVICES: dict[str, tuple[str, str]] = {
    "image": ("ims", ""),
    "compute": ("ecs", "/v2.1/{project_id}"),
    "volume": ("evs", "/v3/{project_id}"),
    "autoscaling": ("as", "/autoscaling-api/v1/{project_id}"),
    "identity": ("iam", "/v3"),
}


def cloud_of(region: str) -> Cloud:
    """The cloud that has `region`; ConfigError naming the known ones otherwise.

    >>> cloud_of("eu-de").name
    'Open Telekom Cloud'
    >>> cloud_of("mars-north-1")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    imgkit.errors.ConfigError: unknown region 'mars-north-1': not a Huawei Cloud region (ae-ad-1, ...) nor an ...
    """
    if not isinstance(region, str):
        raise ConfigError(f"a region name must be text, got {type(region).__name__}")
    for cloud in CLOUDS:
        if region in cloud.regions:
            return cloud
    shown = region if len(region) <= 64 else region[:61] + "..."
    raise ConfigError(
        f"unknown region {shown!r}: not a Huawei Cloud region ({', '.join(sorted(HUAWEI_CLOUD.regions)[:3])}, ...) "
        f"nor an Open Telekom Cloud region ({', '.join(sorted(OPEN_TELEKOM_CLOUD.regions))}); pass its endpoint "
        f"instead: regions={{{shown!r}: 'https://...'}}"
    )


def endpoint(service: str, region: str, project_id: str | None = None) -> str:
    """The `service` endpoint of `region` (``image``, ``compute``, ``volume``, ``autoscaling``, ``identity``).

    >>> endpoint("image", "eu-west-101")
    'https://ims.eu-west-101.myhuaweicloud.com'
    >>> endpoint("volume", "eu-de", "0123456789abcdef0123456789abcdef")
    'https://evs.eu-de.otc.t-systems.com/v3/0123456789abcdef0123456789abcdef'
    >>> endpoint("identity", "eu-west-101")
    'https://iam.myhuaweicloud.com/v3'
    """
    cloud = cloud_of(region)
    prefix, path = SERVICES[service]
    if service == "identity" and region not in cloud.iam_regions:
        return cloud.iam_default
    if "{project_id}" in path:
        if not project_id:
            raise ConfigError(f"the {service} endpoint of {region} needs the project id")
        path = path.format(project_id=project_id)
    return f"https://{prefix}.{region}.{cloud.domain}{path}"


def region_of(url: str) -> str | None:
    """The region of a known cloud's endpoint URL, or None.

    >>> region_of("https://ims.ap-southeast-3.myhuaweicloud.com/v2")
    'ap-southeast-3'
    >>> region_of("http://127.0.0.1:8080") is None
    True
    """
    from urllib.parse import urlsplit

    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return None
    for cloud in CLOUDS:
        if host.endswith("." + cloud.domain):
            labels = host[: -len(cloud.domain) - 1].split(".")
            if len(labels) == 2 and labels[1] in cloud.regions:
                return labels[1]
    return None
