"""Credentials for the fetches: a token, an access key pair, ``OS_*`` / ``HUAWEICLOUD_SDK_*`` variables or ``clouds.yaml``.

Private module.  Order of precedence (first match wins):

1. ``token=`` argument;
2. ``ak=`` + ``sk=`` arguments (with ``project_id=``, ``security_token=``): AK/SK signing;
3. ``cloud=`` argument: that entry of ``clouds.yaml`` (``auth_type`` token, password,
   v3applicationcredential, or an access key pair: ``ak``/``access_key`` + ``sk``/``secret_key`` at the
   top level of the entry, where python-otcextensions reads them);
4. ``OS_AUTH_TOKEN``;
5. ``HUAWEICLOUD_SDK_AK`` + ``HUAWEICLOUD_SDK_SK`` (+ ``HUAWEICLOUD_SDK_PROJECT_ID``,
   ``HUAWEICLOUD_SDK_SECURITY_TOKEN``), the official SDK's variables;
6. ``OS_CLOUD``: that entry of ``clouds.yaml``;
7. ``OS_AUTH_URL`` + ``OS_APPLICATION_CREDENTIAL_ID`` (or ``_NAME`` + user) + ``_SECRET``: Keystone v3
   application credential;
8. ``OS_AUTH_URL`` + ``OS_USERNAME``/``OS_USER_ID`` + ``OS_PASSWORD``: Keystone v3 password auth;
9. nothing: requests go without ``X-Auth-Token`` (a Glance without Keystone).

``clouds.yaml`` is looked up like openstacksdk does: ``$OS_CLIENT_CONFIG_FILE``, then
``./clouds.{yaml,yml,json}``, ``~/.config/openstack/clouds.*``, ``/etc/openstack/clouds.*``;
the first file found is used, and ``secure.yaml`` from the same places (or
``$OS_CLIENT_SECURE_FILE``) is merged into it, as openstacksdk does for passwords.

Keystone v3 password auth: ``POST {auth_url}/v3/auth/tokens``; the token is the
``X-Subject-Token`` response header.  The token, password, secret key and security token are kept in
:class:`~imgkit.fetch._secrets.Secret` values.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
import yaml

from imgkit.errors import ApiError, AuthError, ConfigError, ImgkitWarning
from imgkit.fetch import _signing
from imgkit.fetch._secrets import Secret, header_token
from imgkit.fetch._transport import Transport
from imgkit.fetch._urls import redact_url

__all__: list[str] = []

_SUFFIXES = (".yaml", ".yml", ".json")


def _search_dirs() -> list[Path]:
    home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return [Path.cwd(), home / "openstack", Path("/etc/openstack")]


def _find_config(basename: str, override_var: str) -> Path | None:
    override = os.environ.get(override_var)
    candidates = [Path(override)] if override else []
    candidates += [d / f"{basename}{s}" for d in _search_dirs() for s in _SUFFIXES]
    for path in candidates:
        if path.is_file():
            return path
    return None


#: ``auth`` keys read as the text written: YAML would turn ``password: 0123`` into 83 and ``yes`` into True.
_TEXT_KEYS = frozenset(
    {
        "password",
        "token",
        "username",
        "user_id",
        "project_id",
        "project_name",
        "tenant_id",
        "tenant_name",
        "user_domain_id",
        "user_domain_name",
        "project_domain_id",
        "project_domain_name",
        "domain_id",
        "domain_name",
        "default_domain_id",
        "default_domain_name",
        "auth_url",
        "application_credential_id",
        "application_credential_secret",
        "application_credential_name",
        "passcode",
        # AK/SK (otcextensions reads these keys at the top level of a cloud entry) and the region
        "ak",
        "sk",
        "access_key",
        "secret_key",
        "security_token",
        "region_name",
    }
)
#: Cloud-entry settings that must be text when present (a YAML alias bomb is not a region name).
_TEXT_SETTINGS = (
    "region_name",
    "interface",
    "cacert",
    "auth_type",
    "ak",
    "sk",
    "access_key",
    "secret_key",
    "security_token",
    "project_id",
    "iam_endpoint",
)


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, except that a plain scalar under one of :data:`_TEXT_KEYS` stays the text written."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        for key_node, value_node in node.value:
            if (
                isinstance(key_node, yaml.ScalarNode)
                and key_node.value in _TEXT_KEYS
                and isinstance(value_node, yaml.ScalarNode)
                and value_node.tag != "tag:yaml.org,2002:binary"
            ):
                mapping[key_node.value] = value_node.value
        return mapping


def _text_values(entry: Mapping[str, Any], name: str) -> None:
    """ConfigError when an identity value of `entry`'s ``auth`` is not text (a JSON number or boolean)."""
    auth = entry.get("auth") or {}
    if not isinstance(auth, Mapping):
        raise ConfigError(f"cloud {name!r}: auth must be a mapping")
    for key in sorted(_TEXT_KEYS & set(auth)):
        value = auth[key]
        if value is not None and not isinstance(value, str):
            kind = (
                "a number" if isinstance(value, (int, float)) and not isinstance(value, bool) else type(value).__name__
            )
            raise ConfigError(f"cloud {name!r}: auth.{key} must be text, got {kind}; quote it")


def _read_config(path: Path) -> dict[str, Any]:
    """The parsed file; a ConfigError that gives the position of a syntax error, never the text there.

    (PyYAML's messages quote the offending line and JSON errors carry the whole document:
    that line may hold a password, so neither is shown or chained.)
    """
    problem = None
    try:
        text = path.read_bytes()
        doc = orjson.loads(text) if path.suffix == ".json" else yaml.load(text, Loader=_Loader)  # noqa: S506
    except OSError as exc:
        problem = exc.strerror or type(exc).__name__
    except orjson.JSONDecodeError as exc:
        problem = f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        what = getattr(exc, "problem", None) or type(exc).__name__
        problem = f"invalid YAML{where}: {what}"
    if problem is not None:
        raise ConfigError(f"cannot read {path}: {problem}")
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return doc


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in extra.items():
        out[k] = _merge(out[k], v) if isinstance(v, Mapping) and isinstance(out.get(k), dict) else v
    return out


def load_cloud(name: str) -> dict[str, Any]:
    """The ``clouds.yaml`` entry `name` (merged with ``secure.yaml``); ConfigError when missing."""
    path = _find_config("clouds", "OS_CLIENT_CONFIG_FILE")
    if path is None:
        dirs = ", ".join(str(d) for d in _search_dirs())
        raise ConfigError(
            f"cloud {name!r} requested but no clouds.yaml found (looked in $OS_CLIENT_CONFIG_FILE, {dirs})"
        )
    clouds = _read_config(path).get("clouds") or {}
    if not isinstance(clouds, Mapping):
        raise ConfigError(f"{path}: `clouds` must be a mapping of cloud names to settings")
    if name not in clouds:
        known = ", ".join(_short(k) for k in list(clouds)[:20]) or "none"
        raise ConfigError(f"cloud {_short(name)} not found in {path} (clouds there: {known})")
    entry = clouds[name] or {}
    secure = _find_config("secure", "OS_CLIENT_SECURE_FILE")
    if secure is not None:
        extra = _read_config(secure).get("clouds") or {}
        extra = extra.get(name) if isinstance(extra, Mapping) else None
        if extra and isinstance(entry, dict):
            if secure.parent.resolve() != path.resolve().parent:
                # openstacksdk merges them too; a clouds.yaml planted in the working directory would then
                # receive the home directory's password at its own auth_url
                warnings.warn(
                    f"cloud {_short(name)}: {path} and {secure} come from different directories; the "
                    f"secrets of {secure} are merged into the settings of {path} (as openstacksdk does) "
                    f"-- check that {path} is yours",
                    ImgkitWarning,
                    stacklevel=4,
                )
            entry = _merge(entry, extra)
    if not isinstance(entry, dict):
        raise ConfigError(f"cloud {_short(name)} in {path} is not a mapping")
    _check_settings(entry, name)
    _text_values(entry, name)
    return entry


def _env_cloud() -> dict[str, Any]:
    """A clouds.yaml-shaped entry from OS_* variables (only the keys that are set)."""
    env = os.environ
    auth_keys = [
        "auth_url",
        "username",
        "user_id",
        "password",
        "user_domain_name",
        "user_domain_id",
        "project_name",
        "project_id",
        "project_domain_name",
        "project_domain_id",
        "domain_name",
        "domain_id",
        "default_domain_name",
        "default_domain_id",
        "application_credential_id",
        "application_credential_secret",
        "application_credential_name",
    ]
    auth = {k: env[f"OS_{k.upper()}"] for k in auth_keys if env.get(f"OS_{k.upper()}")}
    if env.get("OS_TENANT_NAME") and "project_name" not in auth:
        auth["project_name"] = env["OS_TENANT_NAME"]
    entry: dict[str, Any] = {"auth": auth}
    for key in ("region_name", "interface", "cacert"):
        if env.get(f"OS_{key.upper()}"):
            entry[key] = env[f"OS_{key.upper()}"]
    if env.get("OS_INSECURE", "").lower() in ("1", "true", "yes"):
        entry["verify"] = False
    return entry


def _auth_url(auth: Mapping[str, Any], kind: str) -> str:
    """``auth_url`` ending in ``/v3``; ConfigError for a missing one or one carrying user info (never echoed)."""
    url = str(auth.get("auth_url") or "").strip().rstrip("/")
    if not url:
        raise ConfigError(f"Keystone {kind} auth needs auth_url (OS_AUTH_URL)")
    try:
        netloc = urlsplit(url).netloc
    except ValueError:
        netloc = ""
    if "@" in netloc:
        raise ConfigError(
            f"Keystone {kind} auth: auth_url must not hold user info (user:password@host); put the "
            f"user and password in their own settings"
        )
    return url if url.endswith("/v3") else url + "/v3"


class StaticToken:
    """A fixed token (argument, ``OS_AUTH_TOKEN`` or clouds.yaml ``auth_type: token``)."""

    can_refresh = False

    def __init__(self, token: str | Secret) -> None:
        self._token = header_token(token.reveal() if isinstance(token, Secret) else token)

    def headers(self) -> dict[str, str]:
        return {"X-Auth-Token": self._token.reveal()}

    def secrets(self) -> list[str]:
        return [self._token.reveal()]

    def refresh(self) -> None:  # pragma: no cover - can_refresh is False
        raise AuthError("the token was rejected and cannot be renewed", status=401)

    def __repr__(self) -> str:
        return "StaticToken(<hidden>)"


class AkSk:
    """Huawei Cloud / OTC access key pair: every request is signed ("SDK-HMAC-SHA256").

    The secret key and the security token (temporary credentials from STS or an agency) are
    :class:`Secret` values: never in reprs, errors or logs.  ``project_id`` (``X-Project-Id``) is
    set when known or looked up per region (:func:`imgkit.fetch` does it with IAM
    ``GET /v3/projects?name=<region>``).
    """

    can_refresh = False

    def __init__(
        self,
        ak: str,
        sk: str | Secret,
        *,
        project_id: str | None = None,
        security_token: str | Secret | None = None,
        source: str = "arguments",
    ) -> None:
        for name, value in (("ak", ak), ("sk", sk)):
            if not isinstance(value, (str, Secret)) or not value:
                raise ConfigError(f"AK/SK auth ({source}): `{name}` must be non-empty text")
        self.ak = header_token(ak, "access key (ak)").reveal()
        self._sk = header_token(sk.reveal() if isinstance(sk, Secret) else sk, "secret key (sk)")
        token = security_token.reveal() if isinstance(security_token, Secret) else security_token
        if token is not None and not isinstance(token, str):
            raise ConfigError(f"AK/SK auth ({source}): `security_token` must be text")
        self._security_token = header_token(token, "security token") if token else None
        if project_id is not None and (not isinstance(project_id, str) or not project_id.strip()):
            raise ConfigError(f"AK/SK auth ({source}): `project_id` must be non-empty text")
        self.project_id = project_id.strip() if project_id else None
        self.source = source

    def __repr__(self) -> str:
        token = "<hidden>" if self._security_token is not None else None
        return (
            f"AkSk(ak={self.ak[:4] + '***'!r}, sk=<hidden>, security_token={token}, "
            f"project_id={self.project_id!r}, source={self.source!r})"
        )

    def secrets(self) -> list[str]:
        return [self._sk.reveal()] + ([self._security_token.reveal()] if self._security_token is not None else [])

    def headers(self) -> dict[str, str]:
        return {}  # everything is added by sign(), once the final URL is known

    def refresh(self) -> None:  # pragma: no cover - can_refresh is False
        raise AuthError("the access key was rejected", status=401)

    def sign(self, method: str, url: str, body: bytes = b"") -> tuple[str, dict[str, str]]:
        """(URL to send, headers to add) for one request; a fresh ``X-Sdk-Date`` each time."""
        extra: dict[str, str] = {}
        if self.project_id:
            extra["X-Project-Id"] = self.project_id
        if self._security_token is not None:
            extra["X-Security-Token"] = self._security_token.reveal()
        if body:
            extra["Content-Type"] = "application/json"
        return _signing.sign(method, url, ak=self.ak, sk=self._sk.reveal(), headers=extra, body=body)


class KeystonePassword:
    """Keystone v3 password auth; gets a token lazily, renews it on :meth:`refresh`.

    The password and token are :class:`Secret` values and never appear in reprs or errors.
    """

    can_refresh = True

    kind = "password"

    def __init__(self, auth: Mapping[str, Any], *, transport: Transport | None = None) -> None:
        if not (auth.get("username") or auth.get("user_id")) or not auth.get("password"):
            raise ConfigError("Keystone password auth needs username (or user_id) and password")
        self._setup(auth, auth["password"])

    def _setup(self, auth: Mapping[str, Any], secret: str, transport: Transport | None = None) -> None:
        self.auth_url = _auth_url(auth, self.kind)
        self._password = Secret(secret)
        self._params = {
            k: v for k, v in auth.items() if k not in ("password", "auth_url", "token", "application_credential_secret")
        }
        self._token: Secret | None = None
        self._issued: list[Secret] = []  # every token Keystone gave, for scrubbing server text
        self.catalog: list[Any] = []
        self.transport = transport  # set by fetch once the Transport exists
        self.renewals = 0

    def __repr__(self) -> str:
        who = self._params.get("username") or self._params.get("user_id")
        return f"KeystonePassword(auth_url={redact_url(self.auth_url)!r}, user={who!r}, password=<hidden>)"

    def secrets(self) -> list[str]:
        return [self._password.reveal()] + [t.reveal() for t in self._issued]

    def _body(self) -> dict[str, Any]:
        p = self._params

        def domain(prefix: str) -> dict[str, str] | None:
            for key, out in (
                (f"{prefix}_domain_id", "id"),
                (f"{prefix}_domain_name", "name"),
                ("default_domain_id", "id"),
                ("default_domain_name", "name"),
            ):
                if p.get(key):
                    return {out: str(p[key])}
            return None

        user: dict[str, Any] = {"password": self._password.reveal()}
        if p.get("user_id"):
            user["id"] = str(p["user_id"])
        else:
            user["name"] = str(p["username"])
            user["domain"] = domain("user") or {"id": "default"}
        body: dict[str, Any] = {"auth": {"identity": {"methods": ["password"], "password": {"user": user}}}}
        if p.get("project_id"):
            body["auth"]["scope"] = {"project": {"id": str(p["project_id"])}}
        elif p.get("project_name"):
            body["auth"]["scope"] = {
                "project": {"name": str(p["project_name"]), "domain": domain("project") or {"id": "default"}}
            }
        elif p.get("domain_id") or p.get("domain_name"):
            body["auth"]["scope"] = {
                "domain": {"id": str(p["domain_id"])} if p.get("domain_id") else {"name": str(p["domain_name"])}
            }
        return body

    def _authenticate(self) -> None:
        if self.transport is None:  # pragma: no cover - fetch always sets it
            raise ConfigError("KeystonePassword used without a transport")
        url = self.auth_url + "/auth/tokens"
        failed: ApiError | None = None
        try:
            resp, _body, doc = self.transport.send("POST", url, json_body=self._body(), use_auth=False)
        except ApiError as exc:
            failed = exc
        if failed is not None:
            # Raised here, outside the except block, so the original (whose message may echo
            # the request, e.g. a schema validation error) is not chained; the transport has
            # scrubbed the password from the message in case the server quoted it.
            what = "refused the credentials" if isinstance(failed, AuthError) else "authentication failed"
            raise AuthError(
                f"Keystone {what}: {failed.message}",
                status=failed.status,
                code=failed.code,
                request_id=failed.request_id,
                url=failed.url,
                method="POST",
            )
        token = resp.headers.get("X-Subject-Token")
        if not token:
            raise AuthError(
                "Keystone answered without an X-Subject-Token header",
                status=resp.status_code,
                url=redact_url(url),
                method="POST",
            )
        try:
            self._token = header_token(token, "X-Subject-Token from Keystone")
            self._issued.append(self._token)
        except ConfigError as exc:
            problem: str | None = str(exc)
        else:
            problem = None
        if problem is not None:  # raised here, not in the except block: nothing chained
            raise AuthError(problem, status=resp.status_code, url=redact_url(url), method="POST")
        token_doc = doc.get("token") if isinstance(doc, Mapping) else None
        catalog = token_doc.get("catalog") if isinstance(token_doc, Mapping) else None
        if catalog is not None and not isinstance(catalog, list):
            raise AuthError(
                f"Keystone answered with a token whose catalog is a JSON {type(catalog).__name__}, not a list",
                status=resp.status_code,
                url=redact_url(url),
                method="POST",
            )
        self.catalog = catalog or []

    def headers(self) -> dict[str, str]:
        if self._token is None:
            self._authenticate()
        assert self._token is not None
        return {"X-Auth-Token": self._token.reveal()}

    def refresh(self) -> None:
        self.renewals += 1
        self._token = None
        self._authenticate()

    def service_endpoint(self, service_type: str, *, region: str | None, interface: str = "public") -> str:
        """The endpoint of `service_type` (``image``, ``compute``) from the token's catalog."""
        if self._token is None:
            self._authenticate()
        found = []
        for service in self.catalog:
            if not isinstance(service, Mapping) or service.get("type") != service_type:
                continue
            endpoints = service.get("endpoints")
            for ep in endpoints if isinstance(endpoints, list) else []:
                if not isinstance(ep, Mapping) or ep.get("interface", "public") != interface:
                    continue
                if region and region not in (ep.get("region"), ep.get("region_id")):
                    continue
                if not isinstance(ep.get("url"), str) or not ep["url"]:
                    raise ApiError(
                        f"the Keystone catalog lists a {service_type} endpoint without a URL",
                        url=redact_url(self.auth_url),
                    )
                found.append(ep)
        regions = sorted({str(ep.get("region") or ep.get("region_id")) for ep in found})
        if len(found) != 1 and len(regions) != 1:
            raise ConfigError(
                f"cannot choose the {service_type} endpoint from the Keystone catalog: "
                + (
                    f"several regions {regions}; pass region_name / OS_REGION_NAME"
                    if found
                    else f"no {interface} {service_type!r} endpoint" + (f" in region {region!r}" if region else "")
                )
                + "; or pass the endpoint explicitly"
            )
        return str(found[0]["url"])


class KeystoneAppCredential(KeystonePassword):
    """Keystone v3 application credential (``auth_type: v3applicationcredential``): id (or name + user) and secret."""

    kind = "application credential"

    def __init__(self, auth: Mapping[str, Any], *, transport: Transport | None = None) -> None:
        has_id = bool(auth.get("application_credential_id"))
        has_name = bool(auth.get("application_credential_name")) and bool(auth.get("username") or auth.get("user_id"))
        if not auth.get("application_credential_secret") or not (has_id or has_name):
            raise ConfigError(
                "Keystone application credential auth needs application_credential_id (or "
                "application_credential_name with username/user_id) and application_credential_secret "
                "(OS_APPLICATION_CREDENTIAL_ID, OS_APPLICATION_CREDENTIAL_SECRET)"
            )
        self._setup(auth, auth["application_credential_secret"])

    def __repr__(self) -> str:
        who = self._params.get("application_credential_id") or self._params.get("application_credential_name")
        return f"KeystoneAppCredential(auth_url={redact_url(self.auth_url)!r}, id={who!r}, secret=<hidden>)"

    def _body(self) -> dict[str, Any]:
        p = self._params
        cred: dict[str, Any] = {"secret": self._password.reveal()}
        if p.get("application_credential_id"):
            cred["id"] = str(p["application_credential_id"])
        else:
            cred["name"] = str(p["application_credential_name"])
            if p.get("user_id"):
                cred["user"] = {"id": str(p["user_id"])}
            else:
                domain = p.get("user_domain_id") or p.get("user_domain_name")
                cred["user"] = {
                    "name": str(p["username"]),
                    "domain": {"id" if p.get("user_domain_id") else "name": str(domain)}
                    if domain
                    else {"id": "default"},
                }
        return {"auth": {"identity": {"methods": ["application_credential"], "application_credential": cred}}}


def _short(value: Any, n: int = 60) -> str:
    """A bounded description of `value` for a message: text cut to `n` characters, else its type only.

    >>> _short("eu-de"), _short([[1] * 9] * 9)
    ("'eu-de'", 'a list')
    """
    if isinstance(value, str):
        return repr(value if len(value) <= n else value[: n - 3] + "...")
    return f"a {type(value).__name__}"


def _check_settings(entry: Mapping[str, Any], name: str) -> None:
    for key in _TEXT_SETTINGS:
        value = entry.get(key)
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"cloud {_short(name)}: {key} must be text, got {_short(value)}")


_AKSK_KEYS = (("ak", "access_key"), ("sk", "secret_key"))


def _entry_aksk(entry: Mapping[str, Any], name: str) -> AkSk | None:
    """AK/SK of a clouds.yaml entry (otcextensions' keys ``ak``/``access_key``, ``sk``/``secret_key``), or None."""
    ak, sk = (next((entry[k] for k in keys if entry.get(k)), None) for keys in _AKSK_KEYS)
    if not ak and not sk:
        return None
    if not (ak and sk):
        raise ConfigError(f"cloud {_short(name)}: AK/SK auth needs both ak (access_key) and sk (secret_key)")
    auth = entry.get("auth") or {}
    project = entry.get("project_id") or (auth.get("project_id") if isinstance(auth, Mapping) else None)
    return AkSk(
        ak, sk, project_id=project, security_token=entry.get("security_token"), source=f"clouds.yaml {_short(name)}"
    )


def _env_aksk(project_id: str | None) -> AkSk | None:
    env = os.environ
    ak, sk = env.get("HUAWEICLOUD_SDK_AK"), env.get("HUAWEICLOUD_SDK_SK")
    if not ak and not sk:
        return None
    if not (ak and sk):
        missing = "HUAWEICLOUD_SDK_SK" if ak else "HUAWEICLOUD_SDK_AK"
        raise ConfigError(f"HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK go together: {missing} is not set")
    return AkSk(
        ak,
        sk,
        project_id=project_id or env.get("HUAWEICLOUD_SDK_PROJECT_ID") or None,
        security_token=env.get("HUAWEICLOUD_SDK_SECURITY_TOKEN") or None,
        source="HUAWEICLOUD_SDK_* variables",
    )


def _from_entry(entry: dict[str, Any], name: str, project_id: str | None) -> Any:
    auth = dict(entry.get("auth") or {})
    aksk = _entry_aksk(entry, name)
    keystone = auth.get("password") or auth.get("token") or auth.get("application_credential_secret")
    declared = entry.get("auth_type")
    if aksk is not None and (declared == "aksk" or (declared is None and not keystone)):
        if project_id:
            aksk.project_id = project_id
        return aksk
    if declared == "aksk":
        raise ConfigError(f"cloud {_short(name)}: auth_type aksk needs ak and sk (access_key, secret_key)")
    kind = str(
        declared
        or (
            "token"
            if auth.get("token") and not auth.get("password")
            else "v3applicationcredential"
            if auth.get("application_credential_secret")
            else "password"
        )
    )
    if kind in ("token", "v3token", "admin_token"):
        if not auth.get("token"):
            raise ConfigError(f"cloud {_short(name)}: auth_type {kind} needs auth.token")
        return StaticToken(auth["token"])
    if kind in ("v3applicationcredential", "applicationcredential"):
        return KeystoneAppCredential(auth)
    if kind not in ("password", "v3password"):
        raise ConfigError(
            f"cloud {_short(name)}: auth_type {_short(kind)} is not supported (use password, token, "
            f"v3applicationcredential, or ak/sk keys)"
        )
    return KeystonePassword(auth)


def resolve(
    token: str | None,
    cloud: str | None,
    *,
    ak: str | None = None,
    sk: str | None = None,
    project_id: str | None = None,
    security_token: str | None = None,
) -> tuple[Any, dict[str, Any]]:
    """(auth object or None, cloud settings) following the precedence in the module docstring."""
    env = os.environ
    if token is not None:
        if not isinstance(token, str):  # str(b"...") would send "b'...'"
            raise ConfigError(f"`token` must be a str, got {type(token).__name__}")
        if not token:
            raise ConfigError("`token` is empty")
        return StaticToken(token), {}
    if ak is not None or sk is not None:
        if not ak or not sk:
            raise ConfigError("`ak` and `sk` go together: pass both (or neither)")
        return AkSk(ak, sk, project_id=project_id, security_token=security_token), {}
    if security_token is not None:
        raise ConfigError("`security_token` belongs to an access key: pass it with `ak` and `sk`")
    name = cloud or None
    if name is None and not env.get("OS_AUTH_TOKEN") and not env.get("HUAWEICLOUD_SDK_AK") and env.get("OS_CLOUD"):
        name = env["OS_CLOUD"]
    if name is not None:
        entry = load_cloud(name)
        return _from_entry(entry, name, project_id), entry
    if env.get("OS_AUTH_TOKEN"):
        return StaticToken(env["OS_AUTH_TOKEN"]), _env_cloud()
    aksk = _env_aksk(project_id)
    if aksk is not None:
        entry = _env_cloud()
        entry.pop("auth", None)
        return aksk, entry
    entry = _env_cloud()
    auth = entry["auth"]
    if auth.get("auth_url") and (
        auth.get("application_credential_secret")
        or env.get("OS_AUTH_TYPE", "").lower() in ("v3applicationcredential", "applicationcredential")
    ):
        return KeystoneAppCredential(auth), entry
    if auth.get("auth_url") and auth.get("password"):
        return KeystonePassword(auth), entry
    return None, entry


def verify_setting(entry: Mapping[str, Any]) -> bool | str | None:
    """TLS verification from a cloud entry: ``cacert`` path, ``verify: false``, else None (= default, on)."""
    if entry.get("verify") is False:
        return False
    if entry.get("cacert"):
        return str(entry["cacert"])
    return None
