"""Retries: 429 with and without Retry-After, 5xx, transient socket faults, timeouts."""

from __future__ import annotations

import socket

import orjson
import pytest
from fetch_fakes import GOOD, IMAGES, TOKEN, Listing, RawServer, _http_response, _serve, no_sleep  # noqa: F401  (fixtures)

from imgkit.errors import ApiError
from imgkit.fetch import _transport, fetch_images


def test_429_with_retry_after_is_honoured(httpserver, no_sleep):
    httpserver.expect_ordered_request("/v2/images").respond_with_data(
        '{"error_code":"APIGW.0308","error_msg":"The throttling threshold has been reached"}',
        status=429,
        headers={"Retry-After": "3"},
        content_type="application/json",
    )
    httpserver.expect_ordered_request("/v2/images").respond_with_json({"images": IMAGES[:3]})
    df = fetch_images(httpserver.url_for("/"), progress=False)
    assert len(df) == 3
    assert no_sleep == [3.0]


def test_429_without_retry_after_backs_off_exponentially(httpserver, no_sleep):
    body = '{"error_code":"APIGW.0308","error_msg":"The throttling threshold has been reached: policy user over ratelimit,limit:10,time:1 minute"}'
    for _ in range(3):
        httpserver.expect_ordered_request("/v2/images").respond_with_data(
            body, status=429, content_type="application/json"
        )
    httpserver.expect_ordered_request("/v2/images").respond_with_json({"images": IMAGES[:3]})
    df = fetch_images(httpserver.url_for("/"), progress=False)
    assert len(df) == 3
    assert len(no_sleep) == 3
    for attempt, wait in enumerate(no_sleep):  # equal jitter: between half and all of 1, 2, 4 s
        assert 2**attempt / 2 <= wait <= 2**attempt


def test_429_gives_up_after_retries_with_gateway_code(httpserver, no_sleep):
    httpserver.expect_request("/v2/images").respond_with_data(
        '{"error_code":"APIGW.0308","error_msg":"throttled","request_id":"abc123"}',
        status=429,
        content_type="application/json",
    )
    with pytest.raises(ApiError) as info:
        fetch_images(httpserver.url_for("/"), retries=2, progress=False)
    err = info.value
    assert (err.status, err.code, err.message, err.request_id) == (
        429,
        "APIGW.0308",
        "throttled (gave up after 3 attempts)",
        "abc123",
    )
    assert len(no_sleep) == 2
    assert len(httpserver.log) == 3


def test_retry_after_too_long_fails_at_once(httpserver, no_sleep):
    httpserver.expect_request("/v2/images").respond_with_data("slow down", status=429, headers={"Retry-After": "3600"})
    with pytest.raises(ApiError) as info:
        fetch_images(httpserver.url_for("/"), progress=False)
    assert info.value.retry_after == 3600.0
    assert no_sleep == []


@pytest.mark.parametrize("status", [502, 503, 504])
def test_5xx_then_success(httpserver, no_sleep, status):
    httpserver.expect_ordered_request("/v2/images").respond_with_data("busy", status=status)
    httpserver.expect_ordered_request("/v2/images").respond_with_json({"images": IMAGES[:2]})
    df = fetch_images(httpserver.url_for("/"), progress=False)
    assert len(df) == 2
    assert len(no_sleep) == 1


def test_500_is_not_retried(httpserver, no_sleep):
    httpserver.expect_request("/v2/images").respond_with_data("boom", status=500)
    with pytest.raises(ApiError, match="HTTP 500: boom"):
        fetch_images(httpserver.url_for("/"), progress=False)
    assert no_sleep == []


@pytest.mark.parametrize(
    "fault",
    [
        "reset",
        _http_response(orjson.dumps({"images": IMAGES[:3]})[:40], length=400),  # truncated body
        _http_response(b'{"images": [{"id": '),  # invalid JSON (complete but cut document)
        _http_response(b"<html>gateway says hello</html>"),  # not JSON at all
    ],
    ids=["reset", "truncated", "cut-json", "html-200"],
)
def test_transient_faults_are_retried(no_sleep, fault):
    server = RawServer([fault, GOOD])
    try:
        df = fetch_images(server.url, progress=False)
    finally:
        server.close()
    assert len(df) == 3
    assert len(server.requests) == 2
    assert len(no_sleep) == 1


def test_persistent_invalid_json_is_an_api_error(no_sleep):
    bad = _http_response(b'{"images": [}')
    server = RawServer([bad] * 3)
    try:
        with pytest.raises(ApiError, match="not valid JSON.*gave up after 3 attempts") as info:
            fetch_images(server.url, retries=2, progress=False)
    finally:
        server.close()
    assert info.value.status == 200


def test_persistent_connection_failure_is_an_api_error(no_sleep):
    server = RawServer(["reset"] * 2)
    try:
        with pytest.raises(ApiError, match="gave up after 2 attempts") as info:
            fetch_images(server.url, retries=1, token=TOKEN, progress=False)
    finally:
        server.close()
    assert info.value.status is None
    assert TOKEN not in str(info.value)


def test_connection_refused_is_an_api_error(no_sleep):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    with pytest.raises(ApiError, match="ConnectionError"):
        fetch_images(f"http://127.0.0.1:{port}", retries=1, progress=False)
    assert len(no_sleep) == 1


def test_every_request_has_a_timeout(httpserver, monkeypatch):
    seen = []
    real = _transport.requests.Session.send

    def spy(self, request, **kw):
        seen.append(kw.get("timeout"))
        return real(self, request, **kw)

    monkeypatch.setattr(_transport.requests.Session, "send", spy)
    _serve(httpserver, Listing(IMAGES))
    fetch_images(httpserver.url_for("/"), limit=20, timeout=7.5, progress=False)
    assert seen == [7.5, 7.5, 7.5]
