"""Where credentials come from, in the documented precedence; Keystone application credentials."""

from __future__ import annotations

import orjson
import pytest
from werkzeug import Response

import imgkit
from imgkit.errors import ConfigError
from imgkit.fetch import _auth

_VARS = (
    "OS_CLOUD",
    "OS_AUTH_TOKEN",
    "OS_AUTH_URL",
    "OS_USERNAME",
    "OS_PASSWORD",
    "OS_AUTH_TYPE",
    "OS_APPLICATION_CREDENTIAL_ID",
    "OS_APPLICATION_CREDENTIAL_SECRET",
    "OS_REGION_NAME",
    "HUAWEICLOUD_SDK_AK",
    "HUAWEICLOUD_SDK_SK",
    "HUAWEICLOUD_SDK_PROJECT_ID",
    "HUAWEICLOUD_SDK_SECURITY_TOKEN",
    "OS_CLIENT_CONFIG_FILE",
    "OS_CLIENT_SECURE_FILE",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for var in _VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home-config"))


def _clouds(tmp_path, monkeypatch, text):
    path = tmp_path / "conf" / "clouds.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(path))
    return path


def _kind(monkeypatch=None, **kwargs):
    auth, _ = _auth.resolve(kwargs.pop("token", None), kwargs.pop("cloud", None), **kwargs)
    return type(auth).__name__ if auth is not None else None


# ----------------------------------------------------------------------------- precedence, one rung at a time


def test_precedence_of_every_source(monkeypatch, tmp_path):
    _clouds(
        tmp_path,
        monkeypatch,
        "clouds:\n  hw:\n    region_name: eu-de\n    ak: CLOUDAK01\n    sk: cloud-sk-secret\n"
        "  pw:\n    auth: {auth_url: 'https://iam.example.com/v3', username: u, password: p}\n",
    )
    monkeypatch.setenv("OS_AUTH_URL", "https://iam.example.com/v3")
    monkeypatch.setenv("OS_USERNAME", "u")
    monkeypatch.setenv("OS_PASSWORD", "p")
    assert _kind() == "KeystonePassword"  # 8. OS_AUTH_URL + password
    monkeypatch.setenv("OS_APPLICATION_CREDENTIAL_ID", "ac1")
    monkeypatch.setenv("OS_APPLICATION_CREDENTIAL_SECRET", "ac-secret")
    assert _kind() == "KeystoneAppCredential"  # 7. OS_AUTH_URL + application credential
    monkeypatch.setenv("OS_CLOUD", "pw")
    assert _kind() == "KeystonePassword"  # 6. OS_CLOUD
    monkeypatch.setenv("HUAWEICLOUD_SDK_AK", "ENVAK0001")
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", "env-sk-secret")
    auth, _ = _auth.resolve(None, None)
    assert type(auth).__name__ == "AkSk" and auth.ak == "ENVAK0001"  # 5. HUAWEICLOUD_SDK_AK/SK
    monkeypatch.setenv("OS_AUTH_TOKEN", "tok-env")
    assert _kind() == "StaticToken"  # 4. OS_AUTH_TOKEN
    auth, settings = _auth.resolve(None, "hw")
    assert auth.ak == "CLOUDAK01" and settings["region_name"] == "eu-de"  # 3. cloud= (otcextensions' ak/sk keys)
    auth, _ = _auth.resolve(None, "hw", ak="ARGAK0001", sk="arg-sk-secret")
    assert auth.ak == "ARGAK0001"  # 2. ak=/sk=
    assert _kind(token="tok-arg", ak="ARGAK0001", sk="x") == "StaticToken"  # 1. token=


def test_sdk_variables_carry_project_and_security_token(monkeypatch):
    monkeypatch.setenv("HUAWEICLOUD_SDK_AK", "ENVAK0001")
    monkeypatch.setenv("HUAWEICLOUD_SDK_SK", "env-sk-secret")
    monkeypatch.setenv("HUAWEICLOUD_SDK_PROJECT_ID", "p-env")
    monkeypatch.setenv("HUAWEICLOUD_SDK_SECURITY_TOKEN", "sec-token-value-0123456789")
    auth, _ = _auth.resolve(None, None)
    assert auth.project_id == "p-env" and auth.secrets() == ["env-sk-secret", "sec-token-value-0123456789"]
    assert "env-sk-secret" not in repr(auth) and "sec-token" not in repr(auth)
    auth, _ = _auth.resolve(None, None, project_id="p-arg")
    assert auth.project_id == "p-arg"  # project_id= overrides the variable


@pytest.mark.parametrize(
    ("kwargs", "env", "match"),
    [
        ({"ak": "A"}, {}, "`ak` and `sk` go together"),
        ({"security_token": "t"}, {}, "`security_token` belongs to an access key"),
        ({}, {"HUAWEICLOUD_SDK_AK": "A"}, "HUAWEICLOUD_SDK_SK is not set"),
        ({"ak": "A", "sk": "s p"}, {}, "secret key \\(sk\\) cannot be sent in an HTTP header"),
    ],
)
def test_incomplete_key_pairs_are_config_errors(monkeypatch, kwargs, env, match):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(ConfigError, match=match) as info:
        _auth.resolve(None, None, **kwargs)
    assert "s p" not in str(info.value)


def test_clouds_yaml_password_entry_with_obs_keys_keeps_keystone(monkeypatch, tmp_path):
    """otcextensions documents ak/sk beside password auth for OBS: imgkit keeps Keystone unless auth_type: aksk."""
    _clouds(
        tmp_path,
        monkeypatch,
        "clouds:\n  otc:\n    auth: {auth_url: 'https://iam.eu-de.otc.t-systems.com/v3', "
        "username: u, password: p, project_name: eu-de}\n    ak: OBSAK\n    sk: obs-sk\n"
        "  otc-aksk:\n    auth_type: aksk\n    auth: {project_id: p1, password: p}\n"
        "    access_key: K2\n    secret_key: s2-secret\n    security_token: tok2-value\n",
    )
    assert _kind(cloud="otc") == "KeystonePassword"
    auth, _ = _auth.resolve(None, "otc-aksk")
    assert (auth.ak, auth.project_id, auth.secrets()) == ("K2", "p1", ["s2-secret", "tok2-value"])


# ----------------------------------------------------------------------------- application credentials


def _keystone(httpserver, seen):
    def tokens(request):
        body = orjson.loads(request.data)
        seen.append(body)
        return Response(
            orjson.dumps(
                {
                    "token": {
                        "catalog": [
                            {
                                "type": "image",
                                "endpoints": [
                                    {"interface": "public", "region": "r1", "url": httpserver.url_for("/image")}
                                ],
                            }
                        ]
                    }
                }
            ),
            status=201,
            headers={"X-Subject-Token": "tok-from-app-cred-0123456789"},
            content_type="application/json",
        )

    httpserver.expect_request("/v3/auth/tokens", method="POST").respond_with_handler(tokens)
    httpserver.expect_request("/image/v2/images").respond_with_json({"images": []})


def test_application_credential_from_clouds_yaml(httpserver, monkeypatch, tmp_path):
    seen: list = []
    _keystone(httpserver, seen)
    _clouds(
        tmp_path,
        monkeypatch,
        f"clouds:\n  ac:\n    auth_type: v3applicationcredential\n    auth:\n"
        f"      auth_url: {httpserver.url_for('/v3')}\n      application_credential_id: "
        f"'0123'\n      application_credential_secret: app-secret-value\n",
    )
    df = imgkit.fetch_images(None, cloud="ac", progress=False)
    assert len(df) == 0
    assert seen == [
        {
            "auth": {
                "identity": {
                    "methods": ["application_credential"],
                    "application_credential": {"id": "0123", "secret": "app-secret-value"},
                }
            }
        }
    ]
    request = httpserver.log[-1][0]
    assert request.headers["X-Auth-Token"] == "tok-from-app-cred-0123456789"


def test_application_credential_from_os_variables(httpserver, monkeypatch):
    seen: list = []
    _keystone(httpserver, seen)
    monkeypatch.setenv("OS_AUTH_URL", httpserver.url_for("/v3"))
    monkeypatch.setenv("OS_AUTH_TYPE", "v3applicationcredential")
    monkeypatch.setenv("OS_APPLICATION_CREDENTIAL_ID", "ac-7")
    monkeypatch.setenv("OS_APPLICATION_CREDENTIAL_SECRET", "app-secret-value")
    imgkit.fetch_images(None, progress=False)
    assert seen[0]["auth"]["identity"]["application_credential"] == {"id": "ac-7", "secret": "app-secret-value"}
    auth, _ = _auth.resolve(None, None)
    assert "app-secret-value" not in repr(auth)
