"""Credentials: static tokens, Keystone password auth, re-authentication, clouds.yaml."""

from __future__ import annotations

import logging

import pytest
from fetch_fakes import IMAGES, TOKEN, Keystone, Listing, _clouds_yaml, _leaks, _password_env, _serve, no_sleep  # noqa: F401  (fixtures)

from imgkit.errors import ApiError, AuthError, ConfigError
from imgkit.fetch import _secrets, fetch_images


def test_token_sent_as_header_and_never_leaked(httpserver, tmp_path, caplog):
    listing = Listing(IMAGES)
    root = _serve(httpserver, listing)
    caplog.set_level(logging.DEBUG)
    snap = tmp_path / "snap"
    df = fetch_images(root, token=TOKEN, limit=20, save_to=snap, progress=False)
    assert {req.headers.get("X-Auth-Token") for req, _ in httpserver.log} == {TOKEN}
    assert len(df) == 57
    assert TOKEN not in caplog.text
    assert any("GET" in r.getMessage() for r in caplog.records)
    for f in snap.iterdir():
        assert TOKEN.encode() not in f.read_bytes()
    assert TOKEN not in repr(df.attrs)


def test_token_from_environment(httpserver, monkeypatch):
    monkeypatch.setenv("OS_AUTH_TOKEN", TOKEN)
    _serve(httpserver, Listing(IMAGES[:2]))
    fetch_images(httpserver.url_for("/"), progress=False)
    assert httpserver.log[0][0].headers.get("X-Auth-Token") == TOKEN


def test_no_credentials_sends_no_token(httpserver):
    _serve(httpserver, Listing(IMAGES[:2]))
    fetch_images(httpserver.url_for("/"), progress=False)
    assert "X-Auth-Token" not in httpserver.log[0][0].headers


def test_secret_and_auth_reprs_hide_the_token():
    from imgkit.fetch._auth import KeystonePassword, StaticToken

    secret = _secrets.Secret(TOKEN)
    assert TOKEN not in repr(secret) + str(secret) + f"{secret}"
    assert TOKEN not in repr(StaticToken(TOKEN))
    kp = KeystonePassword({"auth_url": "http://k", "username": "u", "password": TOKEN})
    assert TOKEN not in repr(kp)
    import pickle

    with pytest.raises(TypeError):
        pickle.dumps(secret)


def test_static_token_401_is_auth_error_without_retry(httpserver):
    httpserver.expect_request("/v2/images").respond_with_data(
        '{"error":{"code":401,"title":"Unauthorized","message":"The request you have made requires authentication."}}',
        status=401,
        content_type="application/json",
    )
    with pytest.raises(AuthError, match="requires authentication"):
        fetch_images(httpserver.url_for("/"), token=TOKEN, progress=False)
    assert len(httpserver.log) == 1


def test_keystone_password_auth_from_env(httpserver, monkeypatch, caplog):
    ks = Keystone()
    ks.valid = {"tok-1"}
    httpserver.expect_request("/identity/v3/auth/tokens", method="POST").respond_with_handler(ks.tokens)
    httpserver.expect_request("/v2/images").respond_with_handler(ks.images)
    _password_env(monkeypatch, httpserver.url_for("/identity"))
    caplog.set_level(logging.DEBUG)
    df = fetch_images(httpserver.url_for("/"), progress=False)
    assert len(df) == 3
    assert ks.bodies == [
        {
            "auth": {
                "identity": {
                    "methods": ["password"],
                    "password": {"user": {"password": "s3cret-pw", "name": "alice", "domain": {"name": "Default"}}},
                },
                "scope": {"project": {"name": "proj", "domain": {"name": "Default"}}},
            }
        }
    ]
    assert "s3cret-pw" not in caplog.text and "tok-1" not in caplog.text


def test_401_then_reauth_once(httpserver, monkeypatch):
    ks = Keystone()
    ks.valid = {"tok-2"}  # the first token is already "expired"
    httpserver.expect_request("/v3/auth/tokens", method="POST").respond_with_handler(ks.tokens)
    httpserver.expect_request("/v2/images").respond_with_handler(ks.images)
    _password_env(monkeypatch, httpserver.url_for("/v3"))
    df = fetch_images(httpserver.url_for("/"), progress=False)
    assert len(df) == 3
    assert len(ks.bodies) == 2
    sent = [req.headers.get("X-Auth-Token") for req, _ in httpserver.log if req.path == "/v2/images"]
    assert sent == ["tok-1", "tok-2"]


def test_401_after_reauth_is_auth_error(httpserver, monkeypatch):
    ks = Keystone()  # no token is ever valid
    httpserver.expect_request("/v3/auth/tokens", method="POST").respond_with_handler(ks.tokens)
    httpserver.expect_request("/v2/images").respond_with_handler(ks.images)
    _password_env(monkeypatch, httpserver.url_for("/"))
    with pytest.raises(AuthError, match="expired") as info:
        fetch_images(httpserver.url_for("/"), progress=False)
    assert len(ks.bodies) == 2
    assert "tok-" not in str(info.value)


def test_keystone_rejects_password(httpserver, monkeypatch):
    ks = Keystone()
    httpserver.expect_request("/v3/auth/tokens", method="POST").respond_with_handler(ks.tokens)
    _password_env(monkeypatch, httpserver.url_for("/"), password="wrong-pw-123")
    with pytest.raises(AuthError, match="Keystone refused the credentials") as info:
        fetch_images(httpserver.url_for("/"), progress=False)
    assert info.value.status == 401
    assert "wrong-pw-123" not in str(info.value)
    assert info.value.method == "POST" and "(POST http" in str(info.value)


def test_error_code_that_repeats_the_status_is_not_repeated(httpserver):
    httpserver.expect_request("/v2/images").respond_with_json(
        {"code": "400 Bad Request", "title": "Bad Request", "message": "Invalid sort key"}, status=400
    )
    with pytest.raises(ApiError) as info:
        fetch_images(httpserver.url_for("/"), token="t", progress=False)
    text = str(info.value)
    assert text.startswith("HTTP 400: Invalid sort key") and "(GET http" in text
    assert info.value.code == "400 Bad Request"


def test_keystone_error_echoing_the_password_does_not_leak_it(httpserver, monkeypatch):
    httpserver.expect_request("/v3/auth/tokens", method="POST").respond_with_data(
        b'{"error": {"code": 400, "title": "Bad Request", "message": "Invalid input for field '
        b"'identity/password/user/password': 's3cret-pw' is too long\"}}",
        status=400,
        content_type="application/json",
    )
    _password_env(monkeypatch, httpserver.url_for("/"))
    with pytest.raises(AuthError, match="Keystone authentication failed: Invalid input for field") as info:
        fetch_images(httpserver.url_for("/"), progress=False)
    assert "'***' is too long" in str(info.value)
    assert _leaks(info.value, "s3cret-pw") == []


def test_clouds_yaml_from_os_client_config_file(httpserver, monkeypatch, tmp_path):
    ks = Keystone(images_url=httpserver.url_for("/"))
    ks.valid = {"tok-1"}
    httpserver.expect_request("/v3/auth/tokens", method="POST").respond_with_handler(ks.tokens)
    httpserver.expect_request("/v2/images").respond_with_handler(ks.images)
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(_clouds_yaml(tmp_path, httpserver.url_for("/v3"))))
    df = fetch_images(None, cloud="mycloud", progress=False)  # endpoint from the catalog
    assert len(df) == 3
    assert ks.bodies[0]["auth"]["scope"] == {"project": {"id": "p-123"}}
    assert ks.bodies[0]["auth"]["identity"]["password"]["user"]["domain"] == {"id": "default"}


def test_clouds_yaml_search_path_and_os_cloud(httpserver, monkeypatch, tmp_path):
    ks = Keystone()
    ks.valid = {"tok-1"}
    httpserver.expect_request("/v3/auth/tokens", method="POST").respond_with_handler(ks.tokens)
    httpserver.expect_request("/v2/images").respond_with_handler(ks.images)
    conf = tmp_path / "xdg" / "openstack"
    conf.mkdir(parents=True)
    _clouds_yaml(tmp_path, httpserver.url_for("/")).rename(conf / "clouds.yaml")
    (conf / "secure.yaml").write_text("clouds:\n  mycloud:\n    auth:\n      password: s3cret-pw\n")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OS_CLOUD", "mycloud")
    df = fetch_images(httpserver.url_for("/"), progress=False)
    assert len(df) == 3


def test_clouds_yaml_errors(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="no clouds.yaml found"):
        fetch_images("http://127.0.0.1:9", cloud="mycloud")
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(_clouds_yaml(tmp_path, "http://127.0.0.1:9")))
    with pytest.raises(ConfigError, match="cloud 'nope' not found .*'mycloud', 'other'"):
        fetch_images("http://127.0.0.1:9", cloud="nope")


def test_clouds_yaml_token_auth(httpserver, monkeypatch, tmp_path):
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(_clouds_yaml(tmp_path, "http://127.0.0.1:9")))
    _serve(httpserver, Listing(IMAGES[:1]))
    fetch_images(httpserver.url_for("/"), cloud="other", progress=False)
    assert httpserver.log[0][0].headers.get("X-Auth-Token") == "x"
