"""A second listing profile for the load benchmark and tests, independent of :func:`imgkit.write_listing`.

Shaped like the listings a Huawei Cloud IMS account returns, with its own random stream and
value tables (nothing is taken from :mod:`imgkit.demo`):

* ~1.36 KB of JSON and ~44 keys per image; 54 distinct keys (53 of the schema, one unknown:
  ``hw_disk_bus``), every optional key present with its own probability (:data:`OPTIONAL`);
* 13 string-boolean keys in mixed case (``true`` / ``True`` / ``TRUE``, ``false`` / ...);
* 12 enumerations (``status``, ``visibility``, formats, platform, OS type, image type, ...);
* integers sent as digit strings where IMS does (``__image_size``, ``__os_bit``, ``__sequence_num``,
  ``max_ram``), JSON numbers where Glance does (``min_disk``, ``min_ram``, ``size``);
* ~4% of the names in Chinese;
* ``__whole_image`` in every image: a JSON bool in ~90% of them, a string in ~10%
  (``uniform=True`` sends it as a string everywhere, as the schema documents it: the same listing without
  a field whose JSON type varies).

Deterministic for a given ``seed``: the same call writes the same bytes. Only numpy and orjson.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import orjson

__all__ = ["OPTIONAL", "generate_independent", "write_independent_listing"]

BLOCK = 10_000

_TRUE = ("true", "True", "TRUE")
_FALSE = ("false", "False", "FALSE")
_CASE_P = np.array([0.62, 0.30, 0.08])  # how often each spelling is sent

#: Optional keys and the probability that an image carries each (the other 32 keys are in every image).
OPTIONAL: dict[str, float] = {
    "active_at": 0.88,
    "__description": 0.80,
    "__originalimagename": 0.70,
    "__data_origin": 0.68,
    "enterprise_project_id": 0.85,
    "hw_disk_bus": 0.35,  # a key the schema does not know
    "__support_kvm": 0.80,
    "__support_xen": 0.45,
    "__support_largememory": 0.4,
    "__support_diskintensive": 0.15,
    "__support_highperformance": 0.2,
    "__support_arm": 0.5,
    "__support_amd": 0.3,
    "hw_vif_multiqueue_enabled": 0.7,
    "__is_offshelved": 0.45,
    "__is_config_init": 0.85,
    "__root_origin": 0.45,
    "__support_kvm_gpu_type": 0.05,
    "__support_agent_list": 0.65,
    "__os_feature_list": 0.6,
    "__sequence_num": 0.65,
    "max_ram": 0.45,
}

_PLATFORMS = (  # (platform, os_type, versions)
    ("CentOS", "Linux", ("CentOS 7.6 64bit", "CentOS 7.9 64bit", "CentOS 8.2 64bit", "CentOS 6.10 64bit")),
    ("Ubuntu", "Linux", ("Ubuntu 18.04 server 64bit", "Ubuntu 20.04 server 64bit", "Ubuntu 22.04 server 64bit")),
    (
        "Windows",
        "Windows",
        (
            "Windows Server 2016 Datacenter 64bit",
            "Windows Server 2019 Datacenter 64bit",
            "Windows Server 2022 Standard 64bit",
        ),
    ),
    ("EulerOS", "Linux", ("EulerOS 2.5 64bit", "EulerOS 2.9 64bit")),
    ("Huawei Cloud EulerOS", "Linux", ("Huawei Cloud EulerOS 2.0 Standard 64 bit",)),
    ("Debian", "Linux", ("Debian GNU/Linux 10.0.0 64bit", "Debian GNU/Linux 11.1.0 64bit")),
    ("openEuler", "Linux", ("openEuler 20.03 64bit", "openEuler 22.03 64bit")),
    ("SUSE", "Linux", ("SUSE Linux Enterprise Server 15 SP4 64bit",)),
    ("Other", "Other", ("Other Linux(64 bit)",)),
)
_PLATFORM_P = np.array([0.30, 0.24, 0.16, 0.08, 0.06, 0.05, 0.05, 0.04, 0.02])
_STATUS = ("active", "queued", "saving", "killed", "deactivated")
_STATUS_P = np.array([0.93, 0.02, 0.02, 0.02, 0.01])
_IMAGETYPE = ("private", "gold", "shared", "market")
_IMAGETYPE_P = np.array([0.78, 0.10, 0.08, 0.04])
_VISIBILITY = {"private": "private", "gold": "public", "shared": "shared", "market": "public"}
_ENV = ("FusionCompute", "Ironic", "DataImage", "IsoImage")
_ENV_P = np.array([0.86, 0.03, 0.08, 0.03])
_DISK = ("zvhd2", "zvhd", "vhd", "qcow2", "raw", "iso")
_DISK_P = np.array([0.70, 0.08, 0.08, 0.07, 0.04, 0.03])
_GPUS = ("V100", "P100", "M60", "V100_vGPU", "T4")  # T4: not documented, an open-set value
_BUS = ("scsi", "virtio", "ide")
_AGENTS = ("hss", "hss,ces", "ces,hss,tms", "hss, ces")
_FEATURES = (
    '{"onekey_resetpasswd": "true"}',
    '{"nic_hotplug": "true", "onekey_resetpasswd": "true"}',
    '{"imds_v2": "true", "disk_expansion": "false", "onekey_resetpasswd": "true"}',
)
_ROLES = ("web", "db", "app", "cache", "gateway", "build", "etl", "worker", "bastion", "monitor", "k8s-node", "mq")
_STAGES = ("prod", "test", "dev", "staging", "dr")
_ZH = (
    "生产环境Web服务器镜像",
    "测试数据库整机镜像",
    "开发环境应用服务器",
    "备份镜像",
    "容器节点基础镜像",
    "华为云数据中心版系统盘",
)
_DESC = (
    "golden image for {role} servers, hardened per security baseline v{n}",
    "created from ECS {role}-{n:02d} before the quarterly OS upgrade (snapshot kept 90 days)",
    "base image with monitoring agent, log shipper and the {role} stack preinstalled",
    "nightly build #{n} of the {role} platform image",
    "migrated from on-premises {role} cluster, kernel patched, cloud-init {n}.x installed",
    "",
)
_REGIONS = ("cn-north-4", "cn-east-3", "cn-south-1", "ap-southeast-1", "eu-west-101", "la-south-2")


def _hex(rng: np.random.Generator, n: int, nbytes: int) -> list[str]:
    text = rng.bytes(n * nbytes).hex()
    w = 2 * nbytes
    return [text[i : i + w] for i in range(0, n * w, w)]


def _uuids(rng: np.random.Generator, n: int) -> list[str]:
    return [f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}" for h in _hex(rng, n, 16)]


def _times(seconds: np.ndarray) -> list[str]:
    return [s + "Z" for s in np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s").tolist()]


def _block(seed: int, k: int, n: int, uniform: bool, tenants: list[str]) -> list[dict[str, Any]]:
    rng = np.random.default_rng([seed, k, 0x1D5])
    ids, parents, others = _uuids(rng, n), _uuids(rng, n), _uuids(rng, n)
    checksums = _hex(rng, n, 16)
    created = rng.integers(1_451_606_400, 1_767_225_600, n)  # 2016 .. 2025
    updated = created + rng.integers(60, 400 * 86400, n)
    active = created + rng.integers(30, 3600, n)
    c_s, u_s, a_s = _times(created), _times(updated), _times(active)
    plat = rng.choice(len(_PLATFORMS), n, p=_PLATFORM_P).tolist()
    status = rng.choice(len(_STATUS), n, p=_STATUS_P).tolist()
    itype = rng.choice(len(_IMAGETYPE), n, p=_IMAGETYPE_P).tolist()
    env = rng.choice(len(_ENV), n, p=_ENV_P).tolist()
    disk = rng.choice(len(_DISK), n, p=_DISK_P).tolist()
    case = rng.choice(3, (n, 16), p=_CASE_P).tolist()
    u = rng.random((n, 12)).tolist()
    ri = rng.integers(0, 1 << 30, (n, 8)).tolist()
    present = {key: (rng.random(n) < p).tolist() for key, p in OPTIONAL.items()}
    sizes = rng.lognormal(np.log(3.2e9), 0.9, n).astype(np.int64).tolist()
    owner_ix = np.minimum(rng.zipf(1.6, n) - 1, len(tenants) - 1).tolist()

    def sbool(value: bool, j: int, i: int) -> str:
        return (_TRUE if value else _FALSE)[case[i][j]]

    images = []
    for i in range(n):
        platform, os_type, versions = _PLATFORMS[plat[i]]
        ui, r = u[i], ri[i]
        version = versions[r[0] % len(versions)]
        t = _IMAGETYPE[itype[i]]
        uid = ids[i]
        if ui[0] < 0.04:
            name = f"{_ZH[r[1] % len(_ZH)]}-{r[2] % 100:02d}"
        elif t == "gold":
            name = version
        else:
            name = f"{_ROLES[r[1] % len(_ROLES)]}-{_STAGES[r[2] % len(_STAGES)]}-{platform.split()[0].lower()}-{r[3] % 1000:03d}"
        st = _STATUS[status[i]]
        windows = os_type == "Windows"
        min_disk = (40, 40, 40, 50, 60, 100, 200)[r[4] % 7] if not windows else (40, 50, 100)[r[4] % 3]
        img: dict[str, Any] = {
            "schema": "/v2/schemas/image",
            "min_disk": min_disk,
            "created_at": c_s[i],
            "__image_source_type": "uds" if ui[1] < 0.97 else "swift",
            "container_format": "bare",
            "file": f"/v2/images/{uid}/file",
            "updated_at": u_s[i],
            "protected": t == "gold" or ui[2] < 0.05,
            "checksum": checksums[i],
            "id": uid,
            "__isregistered": sbool(ui[3] < 0.98, 0, i),
            "min_ram": (0, 0, 1024, 2048, 4096, 8192)[r[5] % 6] if not windows else (2048, 4096, 8192)[r[5] % 3],
            "__lazyloading": sbool(ui[4] < 0.9, 1, i),
            "owner": tenants[owner_ix[i]],
            "__os_type": os_type,
            "__imagetype": t,
            "visibility": _VISIBILITY[t],
            "virtual_env_type": _ENV[env[i]],
            "tags": [] if ui[5] < 0.8 else [f"owner={_ROLES[r[6] % 12]}", f"stage={_STAGES[r[6] % 5]}"][: 1 + r[7] % 2],
            "__platform": platform,
            "size": 0 if ui[6] < 0.9 else sizes[i],
            "__os_bit": "64" if ui[7] < 0.97 else "32",
            "__os_version": version,
            "name": name,
            "self": f"/v2/images/{uid}",
            "disk_format": _DISK[disk[i]],
            "virtual_size": None,
            "hw_firmware_type": "uefi" if ui[8] < 0.2 else "bios",
            "status": st,
            "__image_size": str(sizes[i]) if st == "active" else "0",
            "__support_fc_inject": sbool(windows or ui[9] < 0.1, 2, i),
        }
        if not uniform and ui[10] >= 0.10:
            img["__whole_image"] = ui[11] < 0.15
        else:
            img["__whole_image"] = sbool(ui[11] < 0.15, 3, i)
        if present["active_at"][i] and st == "active":
            img["active_at"] = a_s[i]
        if present["__description"][i]:
            img["__description"] = _DESC[r[1] % len(_DESC)].format(role=_ROLES[r[2] % 12], n=r[3] % 40)
        if present["__originalimagename"][i]:
            img["__originalimagename"] = parents[i] if r[4] & 1 else ""
        if present["__data_origin"][i]:
            img["__data_origin"] = (
                f"instance,{others[i]}" if r[5] & 1 else f"image,{_REGIONS[r[6] % len(_REGIONS)]},{parents[i]}"
            )
        if present["enterprise_project_id"][i]:
            img["enterprise_project_id"] = "0" if r[7] & 3 else others[i]
        if present["hw_disk_bus"][i]:
            img["hw_disk_bus"] = _BUS[r[1] % 3]
        for j, key in enumerate(
            (
                "__support_kvm",
                "__support_xen",
                "__support_largememory",
                "__support_diskintensive",
                "__support_highperformance",
                "__support_arm",
                "__support_amd",
                "hw_vif_multiqueue_enabled",
                "__is_offshelved",
                "__is_config_init",
            ),
            start=4,
        ):
            if present[key][i]:
                img[key] = sbool(key in ("__support_kvm", "__is_config_init") or (r[j % 8] >> j) & 3 != 0, j, i)
        if present["__root_origin"][i]:
            img["__root_origin"] = "file"
        if present["__support_kvm_gpu_type"][i]:
            img["__support_kvm_gpu_type"] = _GPUS[r[2] % len(_GPUS)]
        if present["__support_agent_list"][i]:
            img["__support_agent_list"] = _AGENTS[r[3] % len(_AGENTS)]
        if present["__os_feature_list"][i]:
            img["__os_feature_list"] = _FEATURES[r[4] % len(_FEATURES)]
        if present["__sequence_num"][i]:
            img["__sequence_num"] = str(r[5] % 100_000)
        if present["max_ram"][i]:
            img["max_ram"] = ("0", "65536", "524288")[r[6] % 3]
        images.append(img)
    return images


def generate_independent(n: int, *, seed: int = 0, uniform: bool = False) -> Iterator[list[dict[str, Any]]]:
    """The `n` images in lists of at most :data:`BLOCK`."""
    tenants = _hex(np.random.default_rng([seed, 0x7E4]), 200, 16)
    for k, start in enumerate(range(0, n, BLOCK)):
        yield _block(seed, k, min(BLOCK, n - start), uniform, tenants)


def write_independent_listing(path: str | Path, n: int, *, seed: int = 0, uniform: bool = False) -> Path:
    """Write `n` images as one ``{"images": [...]}`` document (compact JSON) to `path`."""
    path = Path(path)
    with open(path, "wb") as out:
        out.write(b'{"images":[')
        for k, block in enumerate(generate_independent(n, seed=seed, uniform=uniform)):
            if k:
                out.write(b",")
            out.write(orjson.dumps(block)[1:-1])
        out.write(b"]}")
    return path
