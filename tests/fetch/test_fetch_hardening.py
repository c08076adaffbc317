"""Hardening: hostile servers (huge, slow, malformed, redirecting) never hang or leak."""

from __future__ import annotations

import gzip
import logging
import socket
import threading

import orjson
import pytest
from fetch_fakes import GOOD, IMAGES, TOKEN, Listing, _fake_session, _ids, _leaks, _password_env, _serve, no_sleep  # noqa: F401  (fixtures)
from werkzeug import Response

from imgkit.errors import ApiError, AuthError, ConfigError, PaginationError
from imgkit.fetch import _retry, _transport, fetch_images


@pytest.mark.parametrize("bad", ["secret-tok\r\nX-Evil: 1", "secret tok", "sécret-tok…", "secret-tok\x00"])
def test_token_that_cannot_be_a_header_is_refused_without_leaking(httpserver, bad):
    _serve(httpserver, Listing(IMAGES[:1]))
    with pytest.raises(ConfigError, match="cannot be sent in an HTTP header") as info:
        fetch_images(httpserver.url_for("/"), token=bad, progress=False)
    assert _leaks(info.value, bad, "secret", "sécret") == []
    assert httpserver.log == []


def test_token_surrounding_whitespace_is_stripped(httpserver, monkeypatch):
    monkeypatch.setenv("OS_AUTH_TOKEN", f" {TOKEN}\n")  # e.g. OS_AUTH_TOKEN="$(cat token.txt)" in a script
    _serve(httpserver, Listing(IMAGES[:1]))
    fetch_images(httpserver.url_for("/"), progress=False)
    assert httpserver.log[0][0].headers.get("X-Auth-Token") == TOKEN


@pytest.mark.parametrize("endpoint", ["https://ims.example.com:99999", "http://ims.example.com:abc", "https://[::1"])
def test_malformed_endpoint_is_a_config_error(endpoint):
    with pytest.raises(ConfigError, match="`endpoint` must be an http"):
        fetch_images(endpoint)


def test_next_with_a_malformed_port_is_a_pagination_error(httpserver):
    httpserver.expect_request("/v2/images").respond_with_json(
        {"images": IMAGES[:2], "next": "http://127.0.0.1:99999/v2/images?marker=x"}
    )
    with pytest.raises(PaginationError, match="page 1: .*not a usable link"):
        fetch_images(httpserver.url_for("/"), token=TOKEN, progress=False)


def test_redirect_with_a_malformed_location_is_an_api_error():
    session, adapter = _fake_session(
        {"https://ims.example.com/v2/images": (302, {"Location": "https://ims.example.com:99999/v2"}, b"")}
    )
    with pytest.raises(
        ApiError, match="refusing a redirect to an unusable Location 'https://ims.example.com:99999/v2'"
    ):
        fetch_images("https://ims.example.com", token=TOKEN, session=session, progress=False)
    assert len(adapter.sent) == 1


@pytest.mark.parametrize("location", ["http://ims.example.com/v2/images", "http://ims.example.com:443/v2/images"])
def test_https_redirect_to_plain_http_is_refused(location):
    session, adapter = _fake_session({"https://ims.example.com/v2/images": (301, {"Location": location}, b"")})
    with pytest.raises(ApiError, match="refusing a redirect from https to plain http") as info:
        fetch_images("https://ims.example.com", token=TOKEN, session=session, progress=False)
    assert [r.url.split("?")[0] for r in adapter.sent] == ["https://ims.example.com/v2/images"]
    assert _leaks(info.value, TOKEN) == []


def test_keystone_redirect_to_plain_http_never_gets_the_password(monkeypatch):
    session, adapter = _fake_session(
        {"https://iam.example.com/v3/auth/tokens": (307, {"Location": "http://iam.example.com/v3/auth/tokens"}, b"")}
    )
    _password_env(monkeypatch, "https://iam.example.com/v3")
    with pytest.raises(AuthError, match="refusing a redirect from https to plain http") as info:
        fetch_images("https://ims.example.com", session=session, progress=False)
    assert [r.url for r in adapter.sent] == ["https://iam.example.com/v3/auth/tokens"]
    assert _leaks(info.value, "s3cret-pw") == []


@pytest.mark.parametrize(
    "image_url,ok", [("https://ims.other-host.example.com", True), ("http://ims.example.com", False)]
)
def test_keystone_catalog_endpoint_never_downgrades_to_http(monkeypatch, image_url, ok):
    catalog = {
        "token": {
            "catalog": [{"type": "image", "endpoints": [{"interface": "public", "region": "r1", "url": image_url}]}]
        }
    }
    session, adapter = _fake_session(
        {
            "https://iam.example.com/v3/auth/tokens": (201, {"X-Subject-Token": "tok-1"}, orjson.dumps(catalog)),
            f"{image_url}/v2/images": (200, {}, orjson.dumps({"images": IMAGES[:1]})),
        }
    )
    _password_env(monkeypatch, "https://iam.example.com/v3")
    if ok:  # another host is normal in a catalog: the token is meant for the services it lists
        assert len(fetch_images(None, session=session, progress=False)) == 1
        assert adapter.sent[-1].headers["X-Auth-Token"] == "tok-1"
    else:
        with pytest.raises(ConfigError, match="plain-http image endpoint 'http://ims.example.com'"):
            fetch_images(None, session=session, progress=False)
        assert [r.url for r in adapter.sent] == ["https://iam.example.com/v3/auth/tokens"]


def test_http_to_https_upgrade_on_the_same_host_is_followed():
    body = orjson.dumps({"images": IMAGES[:2]})
    session, adapter = _fake_session(
        {
            "http://ims.example.com/v2/images": (301, {"Location": "https://ims.example.com/v2/images"}, b""),
            "https://ims.example.com/v2/images": (200, {"Content-Type": "application/json"}, body),
        }
    )
    df = fetch_images("http://ims.example.com", token=TOKEN, session=session, progress=False)
    assert len(df) == 2
    assert [r.headers["X-Auth-Token"] for r in adapter.sent] == [TOKEN, TOKEN]


def test_tls_failure_is_not_retried(no_sleep):
    sock = socket.socket()  # answers plain HTTP at once where the client expects a TLS handshake
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    accepted = []

    def run():
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            accepted.append(1)
            with conn:
                conn.sendall(GOOD)

    threading.Thread(target=run, daemon=True).start()
    try:
        with pytest.raises(ApiError, match="TLS failed.*verify=CA_BUNDLE") as info:
            fetch_images(f"https://127.0.0.1:{sock.getsockname()[1]}", token=TOKEN, progress=False)
    finally:
        sock.close()
    assert no_sleep == [] and len(accepted) == 1
    assert info.value.status is None
    assert _leaks(info.value, TOKEN) == []


@pytest.mark.parametrize(
    "body",
    [
        b"<head" * 200_000,  # 1 MB of unclosed <head: a quadratic regex took minutes on this
        b"<" * 1_000_000,
        b"<html><body>" + b"x" * 5_000_000 + b"</body></html>",
        bytes(range(256)) * 4000,  # binary
    ],
    ids=["unclosed-head", "lt-run", "5MB", "binary"],
)
def test_huge_or_binary_error_body_gives_a_short_api_error(httpserver, body):
    httpserver.expect_request("/v2/images").respond_with_data(body, status=500, content_type="text/html")
    with pytest.raises(ApiError) as info:
        fetch_images(httpserver.url_for("/"), token=TOKEN, progress=False)
    assert info.value.status == 500
    assert 0 < len(str(info.value)) <= 400
    assert str(info.value).isprintable()


def test_binary_error_body_is_described_not_dumped(httpserver):
    httpserver.expect_request("/v2/images").respond_with_data(
        bytes(range(256)) * 4, status=502, content_type="application/octet-stream"
    )
    with pytest.raises(ApiError, match=r"a binary body of 1,024 bytes"):
        fetch_images(httpserver.url_for("/"), retries=0, progress=False)


def test_next_with_new_markers_but_the_same_images_is_a_loop(httpserver):
    calls = {"n": 0}

    def handler(request):
        calls["n"] += 1
        if calls["n"] > 30:  # a safety stop so the unfixed code ends (with duplicates) instead of hanging
            return Response(b'{"images": []}', content_type="application/json")
        return Response(
            orjson.dumps({"images": IMAGES[:2], "next": f"/v2/images?marker=fresh-{calls['n']}"}),
            content_type="application/json",
        )

    httpserver.expect_request("/v2/images").respond_with_handler(handler)
    with pytest.raises(PaginationError, match="page 2: .*again.*pagination loop"):
        fetch_images(httpserver.url_for("/"), token=TOKEN, progress=False)
    assert calls["n"] == 2


def test_slow_drip_response_hits_the_overall_deadline(no_sleep):
    """A server sending one byte at a time never trips the per-read timeout; the per-response deadline ends it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(4)
    stop = threading.Event()

    def drip():
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
                try:
                    while not stop.wait(0.05):
                        conn.sendall(b" ")
                except OSError:
                    pass

    threading.Thread(target=drip, daemon=True).start()
    transport = _transport.Transport(policy=_retry.RetryPolicy(retries=1, timeout=(1.0, 1.0), deadline=0.5))
    try:
        with pytest.raises(ApiError, match="took longer than 0.5 s in all .*not retried"):
            transport.send("GET", f"http://127.0.0.1:{sock.getsockname()[1]}/v2/images")
    finally:
        stop.set()
        sock.close()
        transport.close()
    assert no_sleep == []


@pytest.mark.parametrize("encoding", ["gzip", "chunked"])
def test_streamed_bodies_gzip_and_chunked(httpserver, encoding):
    body = orjson.dumps({"images": IMAGES})
    if encoding == "gzip":
        response = Response(gzip.compress(body), content_type="application/json", headers={"Content-Encoding": "gzip"})
    else:  # no Content-Length: sent with Transfer-Encoding: chunked, in small pieces
        response = Response((body[i : i + 1000] for i in range(0, len(body), 1000)), content_type="application/json")
    httpserver.expect_request("/v2/images").respond_with_response(response)
    df = fetch_images(httpserver.url_for("/"), progress=False)
    assert _ids(df) == [im["id"] for im in IMAGES]


def test_oversized_page_is_refused():
    session, _ = _fake_session({"http://ims.example.com/v2/images": (200, {}, b'{"images": []}' + b" " * 5000)})
    transport = _transport.Transport(session, policy=_retry.RetryPolicy(max_body=4096))
    with pytest.raises(ApiError, match="larger than 4096 bytes"):
        transport.send("GET", "http://ims.example.com/v2/images")


@pytest.mark.parametrize(
    "value,expected",
    [("nan", None), ("inf", None), ("-3", None), ("1e400", None), ("0", None), ("7", 7.0), (" 2.5 ", 2.5)],
)
def test_retry_after_odd_values(value, expected):
    assert _retry.parse_retry_after(value) == expected


def test_429_forever_ends_with_a_clear_error_in_bounded_time(httpserver, no_sleep):
    httpserver.expect_request("/v2/images").respond_with_data(
        '{"error_code":"APIGW.0308","error_msg":"The throttling threshold has been reached"}',
        status=429,
        headers={"Retry-After": "120"},
        content_type="application/json",
    )
    with pytest.raises(ApiError, match="throttling threshold.*gave up after 6 attempts") as info:
        fetch_images(httpserver.url_for("/"), progress=False)
    assert (info.value.status, info.value.code) == (429, "APIGW.0308")
    assert len(httpserver.log) == 6
    assert no_sleep == [120.0] * 5


@pytest.mark.parametrize(
    "name,text",
    [
        ("clouds.yaml", "clouds:\n  c:\n    auth:\n      auth_url: http://k\n      password: s3cret-pw: oops\n"),
        ("clouds.yaml", "clouds:\n  c:\n    auth:\n      password: 's3cret-pw\n"),
        ("clouds.json", '{"clouds": {"c": {"auth": {"password": "s3cret-pw", }}}}'),
    ],
    ids=["yaml-mapping", "yaml-quote", "json"],
)
def test_unreadable_clouds_file_never_shows_the_password(monkeypatch, tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(path))
    with pytest.raises(ConfigError, match=f"cannot read {path}: invalid") as info:
        fetch_images("http://127.0.0.1:9", cloud="c", progress=False)
    assert _leaks(info.value, "s3cret-pw") == []
    assert "line" in str(info.value)


def test_token_never_in_logs_or_errors_on_any_failure_path(httpserver, caplog, no_sleep):
    caplog.set_level(logging.DEBUG)
    httpserver.expect_ordered_request("/v2/images").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/v2/images").respond_with_data(
        "", status=302, headers={"Location": "https://elsewhere.example.com/v2/images"}
    )
    with pytest.raises(ApiError) as info:
        fetch_images(httpserver.url_for("/"), token=TOKEN, progress=False)
    assert _leaks(info.value, TOKEN) == []
    assert TOKEN not in caplog.text
    assert len(caplog.records) >= 2
