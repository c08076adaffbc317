"""Secrets in server text: the token and password never reach messages, logs or snapshots."""

from __future__ import annotations

import logging

import orjson
import pytest
from fetch_fakes import IMAGES, PASSWORD_ECHOES, TOKEN, _leaks, _password_env, no_sleep  # noqa: F401  (fixtures)

from imgkit.errors import ApiError, AuthError, PaginationError
from imgkit.fetch import fetch_images


@pytest.mark.parametrize("name", list(PASSWORD_ECHOES))
def test_keystone_echo_of_the_password_in_any_form_is_scrubbed(httpserver, monkeypatch, caplog, name):
    password, body, pieces = PASSWORD_ECHOES[name]
    httpserver.expect_request("/v3/auth/tokens", method="POST").respond_with_data(
        body, status=400, content_type="text/html" if body.startswith(b"<") else "application/json"
    )
    _password_env(monkeypatch, httpserver.url_for("/"), password=password)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthError, match="Keystone authentication failed") as info:
        fetch_images(httpserver.url_for("/"), progress=False)
    text = str(info.value) + repr(info.value.__dict__) + caplog.text
    assert _leaks(info.value, password) == []
    assert [p for p in pieces if p in text] == []
    assert "***" in str(info.value)  # the message up to the echo is kept


def test_non_json_201_from_keystone_never_logs_the_password(httpserver, monkeypatch, caplog):
    httpserver.expect_request("/v3/auth/tokens", method="POST").respond_with_data(
        b"<html>welcome alice, your password s3cret-pw is fine</html>",
        status=201,
        content_type="text/html",
        headers={"X-Subject-Token": "tok-1"},
    )
    _password_env(monkeypatch, httpserver.url_for("/"))
    caplog.set_level(logging.DEBUG)
    with pytest.raises(AuthError) as info:
        fetch_images(httpserver.url_for("/"), retries=1, progress=False)
    assert "s3cret" not in caplog.text and "s3cret" not in str(info.value)
    assert "tok-1" not in caplog.text


@pytest.mark.parametrize(
    "body,status",
    [
        (f"bad token {TOKEN}".encode(), 500),
        (f'{{"error": {{"message": "token {TOKEN[:20]}... expired"}}}}'.encode(), 500),
        (f"<html><body>Token &quot;{TOKEN}&quot; is bad</body></html>".encode(), 502),
        (orjson.dumps({"error_code": TOKEN, "error_msg": "x", "request_id": TOKEN}), 400),
    ],
    ids=["plain", "prefix", "html", "code-and-request-id"],
)
def test_token_echoed_by_the_server_is_scrubbed(httpserver, caplog, body, status):
    httpserver.expect_request("/v2/images").respond_with_data(body, status=status)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ApiError) as info:
        fetch_images(httpserver.url_for("/"), token=TOKEN, retries=1, progress=False)
    assert _leaks(info.value, TOKEN, TOKEN[:12]) == []
    assert TOKEN[:12] not in caplog.text


def test_token_echoed_in_a_next_link_is_scrubbed(httpserver):
    httpserver.expect_request("/v2/images").respond_with_json(
        {"images": IMAGES[:1], "next": f"https://elsewhere.example.com/v2/images?token={TOKEN}"}
    )
    with pytest.raises(PaginationError) as info:
        fetch_images(httpserver.url_for("/"), token=TOKEN, progress=False)
    assert _leaks(info.value, TOKEN, TOKEN[:12]) == []
