"""Bounds: per-request and whole-fetch deadlines, body caps, Retry-After limits, max_pages."""

from __future__ import annotations

import time

import orjson
import pytest
from fetch_fakes import IMAGES, DripServer, Keystone, Listing, _image, _serve, no_sleep  # noqa: F401  (fixtures)
from werkzeug import Response

from imgkit.errors import ApiError, AuthError, ConfigError, PaginationError
from imgkit.fetch import _retry, _transport, fetch_images


@pytest.mark.parametrize(
    "head,drip,retries",
    [
        (b"HTTP/1.1 200 OK\r\nX-Slow: ", b"a", 3),  # headers one byte at a time: every read succeeds
        (b"", b"", 0),  # the status line never comes (read timeout 3 s)
    ],
    ids=["header-drip", "no-status-line"],
)
def test_slow_headers_or_status_line_hit_the_request_deadline(no_sleep, head, drip, retries):
    server = DripServer(head, drip=drip)
    transport = _transport.Transport(policy=_retry.RetryPolicy(retries=retries, timeout=(1.0, 3.0), deadline=0.5))
    started = time.monotonic()
    try:
        with pytest.raises(ApiError, match=r"took longer than 0.5 s in all .*not retried"):
            transport.send("GET", f"{server.url}/v2/images")
    finally:
        server.close()
        transport.close()
    assert time.monotonic() - started < 3.0  # the server drips for 4 s
    assert server.connections == 1 and no_sleep == []  # a too-slow answer is not retried


def test_fetch_deadline_bounds_the_whole_fetch(httpserver):
    def slow(request):
        time.sleep(0.2)
        n = int(request.args.get("marker", "0"))
        return Response(
            orjson.dumps({"images": [_image(n + 1)], "next": f"/v2/images?marker={n + 1}"}),
            content_type="application/json",
        )

    httpserver.expect_request("/v2/images").respond_with_handler(slow)
    started = time.monotonic()
    with pytest.raises(ApiError, match=r"the fetch deadline of 1 s passed"):
        fetch_images(httpserver.url_for("/"), deadline=1, progress=False)
    assert time.monotonic() - started < 4  # (the server would go on for 2,000 pages of 0.2 s)
    time.sleep(0.3)  # the request cut short is still being answered: let it finish before the server is reused
    assert 1 <= len(httpserver.log) <= 6


def test_fetch_deadline_never_sleeps_past_itself(httpserver, no_sleep):
    httpserver.expect_request("/v2/images").respond_with_data("busy", status=503, headers={"Retry-After": "30"})
    with pytest.raises(ApiError, match=r"HTTP 503: busy .*the fetch deadline of 5 s would pass"):
        fetch_images(httpserver.url_for("/"), deadline=5, progress=False)
    assert no_sleep == [] and len(httpserver.log) == 1


@pytest.mark.parametrize("value", [0, -1, float("nan"), float("inf"), True])
def test_bad_fetch_deadline_is_a_config_error(value):
    with pytest.raises(ConfigError, match="`deadline` must be a positive number of seconds or None"):
        fetch_images("http://127.0.0.1:9", deadline=value)


def test_body_in_tiny_chunks_stays_near_the_cap_in_memory():
    import tracemalloc

    cap = 256 * 1024
    chunk = b"2\r\n  \r\n"
    server = DripServer(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk * 4096,
        drip=chunk * 4096,
        every=0.0005,
        seconds=20,
    )
    transport = _transport.Transport(policy=_retry.RetryPolicy(retries=0, max_body=cap, deadline=30))
    tracemalloc.start()
    try:
        with pytest.raises(ApiError, match=f"larger than {cap} bytes"):
            transport.send("GET", f"{server.url}/v2/images")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        server.close()
        transport.close()
    assert peak < 3 * cap, f"peak {peak:,} bytes for a cap of {cap:,}"


@pytest.mark.parametrize("value", ["-5", "0", "inf", "nan", "1e400", "Wed, 21 Oct 2015 07:28:00 GMT", "soon"])
def test_useless_retry_after_falls_back_to_backoff(httpserver, no_sleep, value):
    httpserver.expect_request("/v2/images").respond_with_data("slow down", status=429, headers={"Retry-After": value})
    with pytest.raises(ApiError, match="gave up after 4 attempts"):
        fetch_images(httpserver.url_for("/"), retries=3, progress=False)
    assert len(no_sleep) == 3
    for i, wait in enumerate(no_sleep):  # equal jitter: between half and all of 1, 2, 4 s
        assert 2**i / 2 <= wait <= 2**i


@pytest.mark.parametrize(
    "written,sent",
    [
        ("0123", "0123"),
        ("yes", "yes"),
        ("1e3", "1e3"),
        ("0x1F", "0x1F"),
        ("'007'", "007"),
        ("null", "null"),
        ("12:30", "12:30"),
    ],
)
def test_clouds_yaml_password_is_the_text_written(httpserver, monkeypatch, tmp_path, written, sent):
    ks = Keystone()
    httpserver.expect_request("/v3/auth/tokens", method="POST").respond_with_handler(ks.tokens)
    path = tmp_path / "clouds.yaml"
    path.write_text(
        f"clouds:\n  c:\n    auth:\n      auth_url: {httpserver.url_for('/v3')}\n      username: alice\n"
        f"      password: {written}\n      project_id: 0123\n"
    )
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(path))
    with pytest.raises(AuthError):
        fetch_images(httpserver.url_for("/"), cloud="c", retries=0, progress=False)
    user = ks.bodies[0]["auth"]["identity"]["password"]["user"]
    assert user["password"] == sent
    assert ks.bodies[0]["auth"]["scope"] == {"project": {"id": "0123"}}


def test_clouds_json_password_must_be_a_string(monkeypatch, tmp_path):
    path = tmp_path / "clouds.json"
    path.write_text('{"clouds": {"c": {"auth": {"auth_url": "http://127.0.0.1:9", "username": "a", "password": 123}}}}')
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(path))
    with pytest.raises(ConfigError, match=r"cloud 'c': auth.password must be text, got a number; quote it"):
        fetch_images("http://127.0.0.1:9", cloud="c", progress=False)


def test_max_pages_stops_an_endless_listing(httpserver):
    def endless(request):
        n = int(request.args.get("marker", "0"))
        return Response(
            orjson.dumps({"images": [_image(n + 1)], "next": f"/v2/images?marker={n + 1}"}),
            content_type="application/json",
        )

    httpserver.expect_request("/v2/images").respond_with_handler(endless)
    with pytest.raises(PaginationError, match=r"more than 40 pages .*max_pages="):
        fetch_images(httpserver.url_for("/"), max_pages=40, progress=False)
    assert len(httpserver.log) == 40


def test_max_pages_default_is_documented():
    from imgkit import FetchConfig

    assert FetchConfig().max_pages == 2000
    assert "max_pages : int, default 2000" in FetchConfig.__doc__


def test_cli_fetch_max_pages_and_deadline(httpserver, tmp_path, capsys):
    from imgkit.cli import main

    _serve(httpserver, Listing(IMAGES))
    rc = main(
        [
            "fetch",
            httpserver.url_for("/"),
            "-o",
            str(tmp_path / "s"),
            "--limit",
            "20",
            "--max-pages",
            "2",
            "--no-progress",
        ]
    )
    assert rc == 1
    assert "imgkit: error: page 3: the listing has more than 2 pages (40 images so far)" in capsys.readouterr().err
    assert main(["fetch", httpserver.url_for("/"), "-o", str(tmp_path / "s"), "--deadline", "-1"]) == 1
    assert "`deadline` must be a positive number of seconds or None, got -1.0" in capsys.readouterr().err
