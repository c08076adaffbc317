"""The column schema: one declarative table that drives parsing, dtypes, docs and tests.

Every known field of an image record -- the seed page "Response Parameters for
Querying Images" plus what real Huawei Cloud IMS / Open Telekom Cloud / OpenStack
Glance responses carry -- is one row of :data:`FIELDS`.  The loader, the validator,
:func:`describe_columns` and the test-suite all read this table; no other module
lists column names or dtypes.

Kinds (the typing contract)
---------------------------
``text``
    pandas ``string`` dtype; ``""`` in an optional field becomes NA.
``enum``
    ``category`` whose categories are the documented values followed by any other
    value seen (open set: unknown values are kept, never rejected).
``bool``
    nullable ``boolean``; JSON booleans, or strings compared case-insensitively
    (``"true"``, ``"True"``, ``"FALSE"``); ``""`` and absent become NA.
``flag``
    a capability flag: nullable ``boolean`` where **absent means False** (the API
    only sends the attribute when the feature is supported).
``int``
    ``Int64``, from JSON numbers or numeric strings (``"449261568"``).
``datetime``
    ``datetime64[ns, UTC]``; accepts ``...Z``, offsets, fractional seconds, no
    zone (read as UTC) and ``yyyy-MM-dd hh:mm:ss``.
``list``
    a list of ``str`` per row (empty list when absent): :class:`imgkit.StringListDtype`,
    Arrow ``list<string>`` storage whose cells read as Python ``list`` s and that hashes,
    sorts and groups (``drop_duplicates``, ``value_counts``...); its name is ``object``
    (what a reader without imgkit gets from a Parquet file). From a JSON array, or a
    comma-separated string for ``support_agent_list``.
``json``
    JSON text parsed into a ``dict`` per row (``None`` when absent).
``object``
    any JSON value kept as its compact JSON text (``locations``: ``'[{"url": ...}]'``), so the
    column prints, hashes and goes to Parquet whatever the nesting; ``json.loads`` gives the value.

Unknown keys (anything not in the table) are kept as columns of their own, typed
conservatively: strings stay text, JSON booleans become ``boolean``, integers
``Int64``, floats ``Float64``; objects, arrays and keys whose JSON type varies become
``string`` holding compact JSON text (text values as they are).

Column names are the API names with leading underscores removed
(``__os_version`` -> ``os_version``, ``_sys_enterprise_project_id`` ->
``sys_enterprise_project_id``); an unknown key whose stripped name would collide
with another column keeps its API name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "DIALECTS",
    "FIELDS",
    "SERVER_FIELDS",
    "KINDS",
    "PENDING_STATUSES",
    "Field",
    "api_to_column",
    "column_to_api",
    "describe_columns",
    "detect_dialect",
    "field_for_api",
    "field_for_column",
    "mandatory_fields",
]

#: The listing dialects: what each server sends, and so which fields a record must carry.
DIALECTS: dict[str, str] = {
    "ims": "Huawei Cloud IMS / Open Telekom Cloud (GET /v2/images or /v2/cloudimages): Huawei's __ keys",
    "glance": "upstream OpenStack Glance v2 (GET /v2/images): no Huawei keys",
}

#: Statuses of an image without data yet: ``size`` and ``checksum`` are legitimately absent or null.
PENDING_STATUSES: tuple[str, ...] = ("queued", "saving", "uploading", "importing")

#: The kinds a field can have, with the pandas dtype each produces.
KINDS: dict[str, str] = {
    "text": "string",
    "enum": "category",
    "bool": "boolean",
    "flag": "boolean",
    "int": "Int64",
    "datetime": "datetime64[ns, UTC]",
    "list": "object",  # imgkit.StringListDtype: a list per cell, named "object" (see imgkit.io.StringListDtype)
    "json": "string",
    "object": "string",
}


@dataclass(frozen=True)
class Field:
    """One row of the schema table.

    Attributes
    ----------
    api : str
        The key in the API's JSON (``"__os_version"``).
    column : str
        The DataFrame column (``"os_version"``).
    kind : str
        One of :data:`KINDS`.
    values : tuple of str
        Documented values of an ``enum`` (the categories, in this order).
    mandatory_in : tuple of str
        The dialects (:data:`DIALECTS`) whose records must carry the key: a record of a
        listing of that dialect without it is a finding (rule ``mandatory``).
    with_data : bool
        Mandatory only once the image has data: absent is no finding while the image's
        ``status`` is one of :data:`PENDING_STATUSES` (``size``, ``checksum``).
    description : str
        One line for the data dictionary.
    json_type : str
        What the API sends (``"string"``, ``"string bool"``, ``"integer"``...).
    valid_range : tuple of int or None
        Inclusive ``(low, high)`` bounds for an ``int`` field; outside is a finding.
    """

    api: str
    column: str
    kind: str
    values: tuple[str, ...]
    mandatory_in: tuple[str, ...]
    description: str
    json_type: str
    valid_range: tuple[int, int] | None = None
    with_data: bool = False

    @property
    def dtype(self) -> str:
        """The pandas dtype name this field is loaded as."""
        return KINDS[self.kind]

    @property
    def mandatory(self) -> bool:
        """Whether some dialect requires the field (see :attr:`mandatory_in`)."""
        return bool(self.mandatory_in)

    @property
    def ims_only(self) -> bool:
        """A Huawei IMS extension (``__`` keys, ``virtual_env_type``): unknown, not absent, in a Glance listing."""
        return self.api.startswith("__") or self.api == "virtual_env_type"


# --------------------------------------------------------------------------------------
# The table.  Columns: API name | kind | documented values ("|"-separated) | mandatory |
# JSON type as returned | valid range | description.  Order = column order of frames.
# Sources: the seed page, ../reference/ims-api.md (Huawei IMS, OTC, Glance, SDK models).
# --------------------------------------------------------------------------------------
_M, _I, _D, _O = "ims glance", "ims", "ims glance +data", ""
_TABLE: tuple[tuple[str, str, str, str, str, tuple[int, int] | None, str], ...] = (
    # identity
    ("id", "text", "", _M, "string", None, "Image ID (UUID)."),
    ("name", "text", "", _M, "string", None, "Image name (1-128 characters, may be non-ASCII)."),
    ("owner", "text", "", _M, "string", None, "Project (tenant) ID that owns the image."),
    (
        "status",
        "enum",
        "queued|saving|active|killed|deleted|pending_delete|deactivated|uploading|importing",
        _M,
        "string",
        None,
        "Image status; queued = metadata only, killed = upload failed, active = usable.",
    ),
    (
        "visibility",
        "enum",
        "public|private|shared|community",
        _M,
        "string",
        None,
        "Who can see the image: public, private, shared (with members) or community.",
    ),
    ("protected", "bool", "", _M, "boolean", None, "Protected images cannot be deleted."),
    ("tags", "list", "", _M, "array<string>", None, "User tags ('key=value' on Huawei Cloud); empty list when none."),
    # formats and sizes
    ("container_format", "enum", "bare|ovf|ova|ami|ari|aki|docker|compressed", _M, "string", None, "Container format."),
    (
        "disk_format",
        "enum",
        "zvhd2|vhd|zvhd|raw|qcow2|iso|vmdk|vdi|vhdx|ploop|ami|ari|aki",
        _M,
        "string",
        None,
        "Disk format of the image file.",
    ),
    ("min_ram", "int", "", _M, "integer", (0, 2**31 - 1), "Minimum memory (MB) to run the image; 0 = no minimum."),
    (
        "min_disk",
        "int",
        "",
        _M,
        "integer",
        (0, 1024),
        "Minimum disk (GB) to run the image; IMS documents 1-1024, Glance uses 0 for 'no minimum'.",
    ),
    (
        "size",
        "int",
        "",
        _D,
        "integer or null",
        (0, 2**63 - 1),
        "Size in bytes (Glance); IMS documents it as unused. May exceed int32.",
    ),
    ("virtual_size", "int", "", _O, "integer or null", (0, 2**63 - 1), "Virtual size in bytes; usually null."),
    ("checksum", "text", "", _D, "string or null", None, "MD5 of the image data (meaningless on IMS)."),
    ("__image_size", "int", "", _O, "string (int)", (0, 2**63 - 1), "Size of the image file in bytes (__image_size)."),
    # time
    ("created_at", "datetime", "", _O, "string (ISO 8601)", None, "When the image was created (UTC)."),
    ("updated_at", "datetime", "", _M, "string (ISO 8601)", None, "When the image was last updated (UTC)."),
    ("active_at", "datetime", "", _O, "string (ISO 8601)", None, "When the image became active (UTC)."),
    ("deleted_at", "datetime", "", _O, "string (ISO 8601) or null", None, "When the image was deleted (UTC)."),
    ("deleted", "bool", "", _O, "boolean", None, "Whether the image is deleted (2015-era IMS records)."),
    # links
    ("self", "text", "", _M, "string", None, "Relative URL of the image (/v2/images/{id})."),
    ("file", "text", "", _M, "string", None, "Relative URL to upload/download the image file."),
    ("schema", "text", "", _M, "string", None, "Relative URL of the image schema."),
    # operating system
    (
        "__platform",
        "enum",
        "Windows|Ubuntu|RedHat|SUSE|CentOS|Debian|OpenSUSE|Oracle Linux|Fedora|CoreOS|EulerOS|openEuler|"
        "Huawei Cloud EulerOS|Other",
        _O,
        "string",
        None,
        "OS platform (open set: 'Red Hat', 'OracleLinux'... are kept).",
    ),
    ("__os_type", "enum", "Linux|Windows|Other", _O, "string", None, "OS type."),
    ("__os_version", "text", "", _O, "string", None, "OS version, free text ('CentOS 7.3 64bit')."),
    ("__os_bit", "int", "", _O, "string (int)", (32, 64), "OS word size: 32 or 64."),
    (
        "__imagetype",
        "enum",
        "gold|private|shared|market",
        _O,
        "string",
        None,
        "Image type: gold = public, private, shared (in or out), market.",
    ),
    (
        "virtual_env_type",
        "enum",
        "FusionCompute|Ironic|DataImage|IsoImage",
        _I,
        "string",
        None,
        "Where the image is used: FusionCompute = ECS, Ironic = BMS, DataImage = data disk, IsoImage = ISO.",
    ),
    (
        "hw_firmware_type",
        "enum",
        "bios|uefi",
        _O,
        "string",
        None,
        "Boot mode: bios or uefi (the seed page says mandatory; real market images go without).",
    ),
    ("hw_vif_multiqueue_enabled", "bool", "", _O, "string bool", None, "Whether NIC multi-queue is enabled."),
    # Huawei lifecycle and provenance
    ("__isregistered", "bool", "", _O, "string bool", None, "Whether the image is registered."),
    (
        "__lazyloading",
        "bool",
        "",
        _O,
        "string bool",
        None,
        "Whether the image supports lazy loading (the seed page says mandatory; pre-2018 images go without).",
    ),
    ("__image_source_type", "enum", "uds|swift", _O, "string", None, "Backend storage type."),
    ("__description", "text", "", _O, "string", None, "Free-text description (up to 1024 characters)."),
    ("__originalimagename", "text", "", _O, "string", None, "Parent image ID."),
    ("__backup_id", "text", "", _O, "string", None, "Backup the image was created from."),
    ("__productcode", "text", "", _O, "string", None, "Marketplace product ID."),
    (
        "__data_origin",
        "text",
        "",
        _O,
        "string or null",
        None,
        "Where the image came from ('instance,<id>', 'image,<region>,<id>'); empty for public images.",
    ),
    ("__root_origin", "enum", "file", _O, "string", None, "Root origin of the image data."),
    ("__sequence_num", "int", "", _O, "string (int)", None, "Sequence number."),
    ("__account_code", "text", "", _O, "string", None, "Billing account code of a charged image."),
    ("__image_location", "text", "", _O, "string", None, "Storage location of the image file."),
    ("__image_displayname", "text", "", _O, "string", None, "Display name (ListImages only)."),
    ("__system__cmkid", "text", "", _O, "string", None, "KMS key ID of an encrypted image."),
    ("__is_offshelved", "bool", "", _O, "string bool", None, "Whether a market image is taken off the shelf."),
    ("__is_config_init", "bool", "", _O, "string bool", None, "Whether configuration initialisation is done."),
    ("__whole_image", "bool", "", _O, "string bool", None, "Whether this is a full-ECS image."),
    ("__system_support_market", "bool", "", _O, "boolean", None, "Whether the image can be published to the market."),
    ("enterprise_project_id", "text", "", _O, "string", None, "Enterprise project ID ('0' = default project)."),
    ("_sys_enterprise_project_id", "text", "", _O, "string", None, "System enterprise project ID."),
    ("os_shutdown_timeout", "int", "", _O, "string (int)", None, "Seconds to wait for OS shutdown (60-300)."),
    ("max_ram", "int", "", _O, "string (int)", None, "Maximum memory (MB) the image supports."),
    ("tag_resource_type", "text", "", _O, "string", None, "Resource type used for tagging (undocumented)."),
    # capabilities: present only when supported
    (
        "__support_xen",
        "flag",
        "",
        _O,
        "string bool or absent",
        None,
        "Supports Xen. Absent = not supported. Cannot co-exist with the Xen HANA/GPU and KVM InfiniBand flags.",
    ),
    ("__support_kvm", "flag", "", _O, "string bool or absent", None, "Supports KVM. Absent = not supported."),
    ("__support_largememory", "flag", "", _O, "string bool or absent", None, "Supports large-memory ECSs."),
    ("__support_diskintensive", "flag", "", _O, "string bool or absent", None, "Supports disk-intensive ECSs."),
    ("__support_highperformance", "flag", "", _O, "string bool or absent", None, "Supports high-performance ECSs."),
    ("__support_xen_hana", "flag", "", _O, "string bool or absent", None, "Supports HANA ECSs on Xen."),
    (
        "__support_kvm_infiniband",
        "flag",
        "",
        _O,
        "string bool or absent",
        None,
        "Supports ECSs with InfiniBand NICs on KVM.",
    ),
    ("__support_kvm_hi1822_hisriov", "flag", "", _O, "string bool or absent", None, "Supports Hi1822 SR-IOV NICs."),
    ("__support_kvm_hi1822_hivirtionet", "flag", "", _O, "string bool or absent", None, "Supports Hi1822 virtio NICs."),
    (
        "__support_fc_inject",
        "flag",
        "",
        _O,
        "string bool or absent",
        None,
        "INVERTED: True means password/key injection with Cloud-Init is NOT supported (raw flag kept). The seed page "
        "says mandatory; like every flag, absent means False.",
    ),
    ("__support_xen_gpu_type", "enum", "M60_vGPU", _O, "string or absent", None, "GPU type supported on Xen."),
    (
        "__support_kvm_gpu_type",
        "enum",
        "M60|V100_vGPU|P2V_V100|P100|V100",
        _O,
        "string or absent",
        None,
        "GPU type supported on KVM.",
    ),
    (
        "__support_kvm_fpga_type",
        "enum",
        "VU9P|VU9P_COMMON",
        _O,
        "string or absent",
        None,
        "FPGA type supported on KVM.",
    ),
    ("__support_arm", "bool", "", _O, "string bool", None, "Whether the image is for Arm (aarch64)."),
    ("__support_amd", "bool", "", _O, "string bool", None, "Whether the image is for AMD CPUs."),
    (
        "__support_agent_list",
        "list",
        "",
        _O,
        "string (comma list)",
        None,
        "Agents installed in the image ('hss,ces'), as a list.",
    ),
    (
        "__os_feature_list",
        "json",
        "",
        _O,
        "string (JSON text)",
        None,
        'OS features as JSON text (\'{"nic_hotplug":"true"}\'), kept as canonical JSON text (keys sorted); '
        "imgkit.os_features(df) gives one typed column per feature.",
    ),
    # upstream Glance only
    ("os_hidden", "bool", "", _O, "boolean", None, "Hidden from the default image list (Glance)."),
    ("os_hash_algo", "text", "", _O, "string or null", None, "Multihash algorithm (Glance)."),
    ("os_hash_value", "text", "", _O, "string or null", None, "Multihash value (Glance)."),
    ("direct_url", "text", "", _O, "string", None, "Direct storage URL, when the server exposes it (Glance)."),
    ("locations", "object", "", _O, "array<object>", None, "Storage locations, when the server exposes them (Glance)."),
)


def _strip(api: str) -> str:
    return api.lstrip("_")


#: The schema, one :class:`Field` per known API key, in frame column order.
FIELDS: tuple[Field, ...] = tuple(
    Field(
        api=api,
        column=_strip(api),
        kind=kind,
        values=tuple(values.split("|")) if values else (),
        mandatory_in=tuple(d for d in mandatory.split() if d in DIALECTS),
        description=description,
        json_type=json_type,
        valid_range=valid_range,
        with_data="+data" in mandatory.split(),
    )
    for api, kind, values, mandatory, json_type, valid_range, description in _TABLE
)

_BY_API: dict[str, Field] = {f.api: f for f in FIELDS}
_MANDATORY: dict[str, frozenset[str]] = {d: frozenset(f.api for f in FIELDS if d in f.mandatory_in) for d in DIALECTS}


def detect_dialect(keys: Iterable[str], *, sends: Callable[[str], bool] | None = None) -> str:
    """The dialect of a listing from the keys its images carry: ``"ims"`` when any is a Huawei extension.

    `sends`, when given, says whether a key of `keys` really occurs (asked only for Huawei keys).

    Examples
    --------
    >>> detect_dialect(["id", "name", "__os_version"]), detect_dialect(["id", "name", "os_hash_algo"])
    ('ims', 'glance')
    """
    huawei = (k for k in keys if k.startswith("__") or k == "virtual_env_type")
    return "ims" if any(sends is None or sends(k) for k in huawei) else "glance"


def mandatory_fields(dialect: str) -> frozenset[str]:
    """The API keys every image of a listing of `dialect` must carry.

    Examples
    --------
    >>> sorted(mandatory_fields("ims") - mandatory_fields("glance"))
    ['virtual_env_type']
    """
    return _MANDATORY[dialect]


_BY_COLUMN: dict[str, Field] = {f.column: f for f in FIELDS}
assert len(_BY_API) == len(FIELDS) == len(_BY_COLUMN), "duplicate field or column in the schema table"
assert all(f.kind in KINDS for f in FIELDS)


def field_for_api(api: str) -> Field | None:
    """Return the schema row for an API key, or None when the key is unknown."""
    return _BY_API.get(api)


def field_for_column(column: str) -> Field | None:
    """Return the schema row for a column name, or None when the column is unknown."""
    return _BY_COLUMN.get(column)


def api_to_column(api: str, *, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """Map an API key to its column name.

    Known keys map as the table says. Unknown keys lose their leading underscores
    unless that would collide with a known column or a name in `taken`, in which
    case the API name is kept.

    Parameters
    ----------
    api : str
        A key of an image object in the API's JSON (``"__os_version"``).
    taken : set of str, optional
        Column names already in use (for unknown keys).

    Returns
    -------
    str
        The DataFrame column name.

    Examples
    --------
    >>> api_to_column("__os_version")
    'os_version'
    >>> api_to_column("_sys_enterprise_project_id")
    'sys_enterprise_project_id'
    >>> api_to_column("__quick_start")
    'quick_start'
    >>> api_to_column("__id")  # would collide with the known column 'id'
    '__id'
    """
    f = _BY_API.get(api)
    if f is not None:
        return f.column
    stripped = _strip(api) or api
    if stripped != api and (stripped in _BY_COLUMN or stripped in taken):
        return api
    return stripped


def column_to_api(column: str) -> str:
    """Map a column name back to its API key.

    Known columns map as the table says; any other column is its own API name
    (unknown keys keep their API name whenever stripping would be ambiguous, see
    :func:`api_to_column`). For an unknown key that was stripped, use
    ``df.attrs["imgkit"]["unknown_keys"]`` ({column: API key} of the keys the schema does not know).

    Parameters
    ----------
    column : str
        A column of an image frame.

    Returns
    -------
    str
        The API key.

    Examples
    --------
    >>> column_to_api("os_version")
    '__os_version'
    >>> column_to_api("name")
    'name'
    """
    f = _BY_COLUMN.get(column)
    return f.api if f is not None else column


def describe_columns(table: str = "images") -> pd.DataFrame:
    """The data dictionary: one row per known column.

    Parameters
    ----------
    table : {"images", "servers"}, default "images"
        The image schema (:data:`FIELDS`) or the servers schema (:data:`SERVER_FIELDS`).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``column``, with ``api_name``, ``kind``, ``dtype``,
        ``json_type``, ``mandatory`` (the dialects that require the field, e.g. ``"ims, glance"``;
        ``"(once the image has data)"`` for ``size`` and ``checksum``), ``values`` (documented values, ``|``-joined),
        ``valid_range`` and ``description``.

    Examples
    --------
    >>> import imgkit
    >>> d = imgkit.describe_columns()
    >>> d.loc["os_version", ["api_name", "dtype"]].tolist()
    ['__os_version', 'string']
    >>> d.loc["support_xen", "kind"]
    'flag'
    >>> d["mandatory"].value_counts().to_dict()
    {'': 58, 'ims, glance': 15, 'ims, glance (once the image has data)': 2, 'ims': 1}
    >>> imgkit.describe_columns("servers").loc["image_id", "api_name"]
    'image.id'
    """
    import pandas as pd

    from imgkit._validators import check_argument

    fields = {"images": FIELDS, "servers": SERVER_FIELDS}[check_argument("table", ["images", "servers"], table)]

    rows = [
        {
            "column": f.column,
            "api_name": f.api,
            "kind": f.kind,
            "dtype": f.dtype,
            "json_type": f.json_type,
            "mandatory": ", ".join(f.mandatory_in) + (" (once the image has data)" if f.with_data else ""),
            "values": "|".join(f.values),
            "valid_range": "" if f.valid_range is None else f"{f.valid_range[0]}-{f.valid_range[1]}",
            "description": f.description,
        }
        for f in fields
    ]
    return pd.DataFrame(rows).set_index("column")


# --------------------------------------------------------------------------------------
# Servers: the same kinds and the same Field rows, for a Nova / Huawei ECS
# GET /v2.1/servers/detail listing (read by imgkit.read_servers).
# `api` is where the value comes from in a server object: a key, a dotted path into a
# nested object ("image.id"), alternatives separated by " or " (the first present
# wins), "[].id" for the ids of an array of objects, and "(derived)" for columns imgkit
# computes while reading. Sources: Nova api-ref (servers-details-resp.json v2.1-v2.100,
# parameters.yaml), Huawei ECS "Querying Details About ECSs (Native OpenStack API)".
# --------------------------------------------------------------------------------------
_SERVER_TABLE: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    # column, api path, kind, documented values, mandatory (_M: every server carries it), JSON type, description
    ("id", "id", "text", "", _M, "string", "Server ID (UUID)."),
    ("name", "name", "text", "", _M, "string", "Server name."),
    (
        "status",
        "status",
        "enum",
        "ACTIVE|BUILD|DELETED|ERROR|HARD_REBOOT|MIGRATING|PASSWORD|PAUSED|REBOOT|REBUILD|RESCUE|RESIZE|REVERT_RESIZE|"
        "SHELVED|SHELVED_OFFLOADED|SHUTOFF|SOFT_DELETED|SUSPENDED|UNKNOWN|VERIFY_RESIZE",
        _M,
        "string",
        "Server status (UNKNOWN for a server in a cell that is down).",
    ),
    ("tenant_id", "tenant_id", "text", "", _M, "string", "Project (tenant) ID that owns the server."),
    (
        "image_id",
        "image.id",
        "text",
        "",
        _O,
        'object or ""',
        "ID of the image the server was booted from. NA when booted from a volume and not resolved (see image_source).",
    ),
    (
        "flavor",
        "flavor.original_name or flavor.id",
        "text",
        "",
        _M,
        "object",
        "Flavor name (microversion >= 2.47: flavor.original_name; before, and on ECS: flavor.id).",
    ),
    ("created", "created", "datetime", "", _M, "string (ISO 8601)", "When the server was created (UTC)."),
    ("updated", "updated", "datetime", "", _M, "string (ISO 8601)", "When the server was last updated (UTC)."),
    (
        "availability_zone",
        "OS-EXT-AZ:availability_zone",
        "text",
        "",
        _O,
        "string",
        "Availability zone (OS-EXT-AZ extension).",
    ),
    ("user_id", "user_id", "text", "", _O, "string", "User who created the server."),
    ("host_id", "hostId", "text", "", _O, "string", "Obfuscated host ID ('' when not on a host)."),
    (
        "volumes_attached",
        "os-extended-volumes:volumes_attached[].id",
        "list",
        "",
        _O,
        "array<object>",
        "IDs of the attached volumes, in Nova's order.",
    ),
    (
        "metering_image_id",
        "metadata.metering.image_id",
        "text",
        "",
        _O,
        "string",
        "Huawei ECS: the image ID recorded in the server's metadata (also for ECSs booted from an EVS disk).",
    ),
    (
        "boot_from_volume",
        "(derived)",
        "bool",
        "",
        _O,
        "derived",
        'True when Nova reports no image (image is "": the server boots from a volume).',
    ),
    (
        "image_source",
        "(derived)",
        "enum",
        "image|metadata|volume",
        _O,
        "derived",
        "Where image_id came from: image = image.id, metadata = ECS metering.image_id, volume = the boot volume's "
        "volume_image_metadata.image_id; NA = unknown.",
    ),
)

#: The servers schema (:func:`imgkit.read_servers`), one :class:`Field` per column, in frame column order.
SERVER_FIELDS: tuple[Field, ...] = tuple(
    Field(
        api=api,
        column=column,
        kind=kind,
        values=tuple(values.split("|")) if values else (),
        mandatory_in=("nova",) if mandatory else (),
        description=description,
        json_type=json_type,
    )
    for column, api, kind, values, mandatory, json_type, description in _SERVER_TABLE
)
assert len({f.column for f in SERVER_FIELDS}) == len(SERVER_FIELDS), "duplicate column in the servers table"
assert all(f.kind in KINDS for f in SERVER_FIELDS)


# --------------------------------------------------------------------------------------
# Where a row was fetched: the first two columns of a frame fetched from several clouds or
# regions at once (imgkit.fetch_images / fetch_servers with cloud=[...] or regions=...),
# and of read_images / read_servers of such a snapshot.
# --------------------------------------------------------------------------------------
ORIGIN_FIELDS: tuple[Field, ...] = (
    Field(
        api="(fetch)",
        column="cloud",
        kind="enum",
        values=(),
        mandatory_in=(),
        json_type="derived",
        description="The clouds.yaml entry the row was fetched with (NA when none was named).",
    ),
    Field(
        api="(fetch)",
        column="region",
        kind="enum",
        values=(),
        mandatory_in=(),
        json_type="derived",
        description="The region the row was fetched from (the cloud's region_name when no region was named).",
    ),
)
