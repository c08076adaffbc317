"""imgkit.fetch against loopback servers the tests start: paging, faults, auth, safety, snapshots."""

from __future__ import annotations

import gzip
import io
import logging
import os
import re
import socket
import threading
import time
from urllib.parse import parse_qs, urlencode

import orjson
import pandas as pd
import pytest
import requests
from conftest import budget
from werkzeug import Request, Response

import imgkit
from imgkit.errors import ApiError, AuthError, ConfigError, PaginationError
from imgkit.fetch import _retry, _secrets, _transport, _urls, fetch_images

TOKEN = "gAAAAAB-very-secret-token-0123456789"


def _image(i: int, owner: str = "p1") -> dict:
    img = {
        "id": f"00000000-0000-0000-0000-{i:012d}",
        "name": f"img-{i}",
        "owner": owner,
        "status": "active",
        "visibility": "private",
        "created_at": f"2024-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}Z",
        "updated_at": "2024-02-01T00:00:00Z",
        "__platform": "Ubuntu",
        "__os_bit": "64",
        "__imagetype": "private",
        "tags": [],
        "protected": False,
        "container_format": "bare",
        "disk_format": "zvhd2",
        "min_ram": 0,
        "min_disk": 40,
        "size": 0,
        "checksum": "d41d8cd98f00b204e9800998ecf8427e",
        "self": f"/v2/images/{i}",
        "file": f"/v2/images/{i}/file",
        "schema": "/v2/schemas/image",
        "virtual_env_type": "FusionCompute",
        "hw_firmware_type": "bios",
        "__lazyloading": "True",
        "__support_fc_inject": "false",
    }
    if i % 2:
        img["__support_kvm"] = "True" if i % 4 == 1 else "true"
    return img


IMAGES = [_image(i, owner=f"p{i % 3}") for i in range(1, 58)]


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    """Record the waits instead of sleeping; the list is returned for assertions."""
    waits: list[float] = []
    monkeypatch.setattr(_transport, "_sleep", waits.append)
    for var in (
        "OS_AUTH_TOKEN",
        "OS_CLOUD",
        "OS_AUTH_URL",
        "OS_USERNAME",
        "OS_PASSWORD",
        "OS_PROJECT_NAME",
        "OS_USER_DOMAIN_NAME",
        "OS_PROJECT_DOMAIN_NAME",
        "OS_CLIENT_CONFIG_FILE",
        "OS_CLIENT_SECURE_FILE",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", "/nonexistent-imgkit-test")
    return waits


class Listing:
    """A Glance-like /v2/images and a Huawei-like /v2/cloudimages over `images` (in list order)."""

    def __init__(self, images, *, default_limit=25, max_limit=1000, cloud_next=False):
        self.images = list(images)
        self.default_limit = default_limit
        self.max_limit = max_limit
        self.cloud_next = cloud_next
        self.queries: list[dict] = []

    def __call__(self, request: Request) -> Response:
        q = parse_qs(request.query_string.decode(), keep_blank_values=True)
        self.queries.append(q)
        limit = min(int(q.get("limit", [self.default_limit])[0]), self.max_limit)
        start = 0
        if "marker" in q:
            ids = [im["id"] for im in self.images]
            if q["marker"][0] not in ids:
                return Response(
                    f"<html><head><title>400 Bad Request</title></head><body>"
                    f"<h1>400 Bad Request</h1>No image found with ID {q['marker'][0]}</body></html>",
                    status=400,
                    content_type="text/html",
                )
            start = ids.index(q["marker"][0]) + 1
        page = self.images[start : start + limit]
        body: dict = {"images": page}
        cloud = request.path.endswith("/cloudimages")
        if len(page) == limit and (not cloud or self.cloud_next):
            rest = [(k, v) for k, vs in q.items() for v in vs if k != "marker"]
            rest.append(("marker", page[-1]["id"]))
            body["next"] = f"/v2/{'cloudimages' if cloud else 'images'}?{urlencode(rest)}"
        if not cloud:
            body["schema"] = "/v2/schemas/images"
            body["first"] = "/v2/images"
        return Response(orjson.dumps(body), content_type="application/json")


def _serve(httpserver, listing, path="/v2/images"):
    httpserver.expect_request(path).respond_with_handler(listing)
    return httpserver.url_for("/").rstrip("/")


def _ids(df):
    return list(df["id"])


# ----------------------------------------------------------------------------- paging


@pytest.mark.parametrize("limit", [1, 10, 19, 57, 1000])
def test_images_paging_follows_next(httpserver, limit):
    listing = Listing(IMAGES)
    root = _serve(httpserver, listing)
    df = fetch_images(root, limit=limit, progress=False)
    assert _ids(df) == [im["id"] for im in IMAGES]
    assert str(df["owner"].dtype) == "string"
    assert df["support_kvm"].tolist() == [bool(i % 2) for i in range(1, 58)]
    assert str(df["support_kvm"].dtype) == "boolean"
    pages = -(-57 // limit) + (1 if 57 % limit == 0 else 0)  # a full last page is followed by an empty one
    assert len(listing.queries) == pages
    assert df.attrs["imgkit"]["pages"] == pages
    assert all(q["limit"] == [str(limit)] for q in listing.queries)


def test_last_full_page_then_empty_page(httpserver):
    listing = Listing(IMAGES[:50])
    root = _serve(httpserver, listing)
    df = fetch_images(root, limit=25, progress=False)
    assert len(df) == 50
    assert [q.get("marker") for q in listing.queries] == [None, [IMAGES[24]["id"]], [IMAGES[49]["id"]]]


def test_empty_first_page_gives_empty_typed_frame(httpserver):
    root = _serve(httpserver, Listing([]))
    df = fetch_images(root, progress=False)
    assert len(df) == 0
    assert {"id", "owner", "support_kvm", "created_at"} <= set(df.columns)
    assert str(df["created_at"].dtype) == "datetime64[ns, UTC]"


def test_default_page_size_is_glance_maximum(httpserver):
    listing = Listing(IMAGES)
    root = _serve(httpserver, listing)
    fetch_images(root, progress=False)
    assert listing.queries[0]["limit"] == ["1000"]


def test_next_resolved_against_endpoint_root_with_prefix(httpserver):
    """Glance's next link is "/v2/images?..."; behind a path prefix it must keep the prefix."""
    listing = Listing(IMAGES[:30])
    httpserver.expect_request("/image/v2/images").respond_with_handler(listing)
    df = fetch_images(httpserver.url_for("/image/v2"), limit=20, progress=False)
    assert len(df) == 30
    assert len(listing.queries) == 2


def test_cloudimages_pages_by_marker_until_empty(httpserver):
    listing = Listing(IMAGES, default_limit=500)
    root = _serve(httpserver, listing, "/v2/cloudimages")
    df = fetch_images(root, api="cloudimages", limit=20, progress=False)
    assert _ids(df) == [im["id"] for im in IMAGES]
    markers = [q.get("marker", [None])[0] for q in listing.queries]
    assert markers == [None, IMAGES[19]["id"], IMAGES[39]["id"], IMAGES[56]["id"]]


def test_cloudimages_default_page_size_is_server_default(httpserver):
    listing = Listing(IMAGES, default_limit=500)
    root = _serve(httpserver, listing, "/v2/cloudimages")
    df = fetch_images(root, api="cloudimages", progress=False)
    assert len(df) == 57
    assert "limit" not in listing.queries[0]
    assert len(listing.queries) == 2  # the 57 images, then the empty page


def test_cloudimages_follows_next_when_present(httpserver):
    listing = Listing(IMAGES, cloud_next=True)
    root = _serve(httpserver, listing, "/v2/cloudimages")
    df = fetch_images(root, api="cloudimages", limit=30, progress=False)
    assert len(df) == 57
    assert len(listing.queries) == 2


def test_filters_and_sort_passed_through(httpserver):
    listing = Listing(IMAGES[:3])
    root = _serve(httpserver, listing)
    filters = {
        "status": "active",
        "visibility": "private",
        "owner": "p1",
        "__platform": "Ubuntu",
        "__imagetype": "private",
        "__support_kvm": True,
        "tag": ["a=b", "c"],
        "created_at": "gt:2024-01-01T00:00:00Z",
        "sort_key": "name",
        "sort_dir": "asc",
        "member_status": None,
    }
    df = fetch_images(root, filters=filters, progress=False)
    q = listing.queries[0]
    assert q == {
        "status": ["active"],
        "visibility": ["private"],
        "owner": ["p1"],
        "__platform": ["Ubuntu"],
        "__imagetype": ["private"],
        "__support_kvm": ["true"],
        "tag": ["a=b", "c"],
        "created_at": ["gt:2024-01-01T00:00:00Z"],
        "sort_key": ["name"],
        "sort_dir": ["asc"],
        "limit": ["1000"],
    }
    assert df.attrs["imgkit"]["filters"]["tag"] == ["a=b", "c"]
    assert df.attrs["imgkit"]["api"] == "images"
    assert df.attrs["imgkit"]["source"] == root


@pytest.mark.parametrize("api", ["images", "cloudimages"])
def test_max_images_caps_and_shrinks_last_request(httpserver, api):
    listing = Listing(IMAGES)
    root = _serve(httpserver, listing, f"/v2/{api}")
    df = fetch_images(root, api=api, limit=20, max_images=45, progress=False)
    assert _ids(df) == [im["id"] for im in IMAGES[:45]]
    assert [q["limit"] for q in listing.queries] == [["20"], ["20"], ["5"]]


def test_max_images_without_limit(httpserver):
    listing = Listing(IMAGES)
    root = _serve(httpserver, listing)
    df = fetch_images(root, max_images=7, progress=False)
    assert len(df) == 7
    assert listing.queries == [{"limit": ["7"]}]


def test_server_ignoring_limit_is_still_capped(httpserver):
    httpserver.expect_request("/v2/images").respond_with_json({"images": IMAGES})
    df = fetch_images(httpserver.url_for("/"), max_images=5, progress=False)
    assert _ids(df) == [im["id"] for im in IMAGES[:5]]


# ----------------------------------------------------------------------------- pagination safety


def test_next_loop_is_a_pagination_error(httpserver):
    httpserver.expect_request("/v2/images").respond_with_json(
        {"images": IMAGES[:2], "next": "/v2/images?marker=" + IMAGES[1]["id"]}
    )
    with pytest.raises(PaginationError, match="loop"):
        fetch_images(httpserver.url_for("/"), progress=False)
    assert len(httpserver.log) == 2


def test_next_repeating_marker_is_a_pagination_error(httpserver):
    calls = {"n": 0}

    def handler(request):
        calls["n"] += 1
        page = IMAGES[2 * calls["n"] : 2 * calls["n"] + 2]  # new images each time: only the marker repeats
        return Response(
            orjson.dumps({"images": page, "next": f"/v2/images?marker=m1&page={calls['n']}"}),
            content_type="application/json",
        )

    httpserver.expect_request("/v2/images").respond_with_handler(handler)
    with pytest.raises(PaginationError, match="marker 'm1' came back again"):
        fetch_images(httpserver.url_for("/"), progress=False)
    assert calls["n"] == 2


def test_cloudimages_image_without_id_cannot_be_paged(httpserver):
    httpserver.expect_request("/v2/cloudimages").respond_with_json({"images": [{"name": "no id"}]})
    with pytest.raises(PaginationError, match="no id to page on"):
        fetch_images(httpserver.url_for("/"), api="cloudimages", progress=False)


def test_cloudimages_marker_loop_is_a_pagination_error(httpserver):
    httpserver.expect_request("/v2/cloudimages").respond_with_json({"images": IMAGES[:2]})
    with pytest.raises(PaginationError, match="loop"):
        fetch_images(httpserver.url_for("/"), api="cloudimages", progress=False)
    assert len(httpserver.log) == 2


@pytest.mark.parametrize(
    "link",
    [
        "https://evil.example.com/v2/images?marker=x",
        "//evil.example.com/v2/images?marker=x",
        "OTHER/v2/images?marker=x",  # same host, other port
        "https://LOCAL/v2/images?marker=x",  # same host/port, other scheme
    ],
)
def test_cross_host_next_is_refused_and_never_contacted(httpserver, link):
    other = socket.socket()
    other.bind(("127.0.0.1", 0))
    other.listen(1)
    other_port = other.getsockname()[1]
    link = link.replace("OTHER", f"http://127.0.0.1:{other_port}").replace("LOCAL", f"127.0.0.1:{httpserver.port}")
    httpserver.expect_request("/v2/images").respond_with_json({"images": IMAGES[:2], "next": link})
    try:
        with pytest.raises(PaginationError, match="refusing to follow") as info:
            fetch_images(httpserver.url_for("/"), token=TOKEN, progress=False)
        other.settimeout(0.2)
        with pytest.raises(socket.timeout):
            other.accept()  # nobody knocked on the other port
    finally:
        other.close()
    assert TOKEN not in str(info.value)


def test_stale_marker_400_is_reported(httpserver):
    calls = {"n": 0}

    def handler(request):
        calls["n"] += 1
        if "marker" in request.args:
            return Response(
                b'{"code": "400 Bad Request", "title": "Bad Request", "message": "No image found with ID abc"}',
                status=400,
                content_type="application/json",
                headers={"X-Openstack-Request-Id": "req-9"},
            )
        return Response(
            orjson.dumps({"images": IMAGES[:2], "next": "/v2/images?limit=2&marker=abc"}),
            content_type="application/json",
        )

    httpserver.expect_request("/v2/images").respond_with_handler(handler)
    with pytest.raises(PaginationError, match="marker 'abc'.*deleted while paging") as info:
        fetch_images(httpserver.url_for("/"), limit=2, progress=False)
    cause = info.value.__cause__
    assert isinstance(cause, ApiError)
    assert (cause.status, cause.code, cause.request_id) == (400, "400 Bad Request", "req-9")
    assert "No image found with ID abc" in str(info.value)


def test_redirect_to_other_host_is_refused(httpserver):
    httpserver.expect_request("/v2/images").respond_with_data(
        "", status=302, headers={"Location": "https://elsewhere.example.com/v2/images"}
    )
    with pytest.raises(ApiError, match="redirect to another host"):
        fetch_images(httpserver.url_for("/"), token=TOKEN, progress=False)


def test_same_host_redirect_is_followed(httpserver):
    listing = Listing(IMAGES[:4])
    httpserver.expect_request("/v2/images").respond_with_data("", status=301, headers={"Location": "/new/v2/images"})
    httpserver.expect_request("/new/v2/images").respond_with_handler(listing)
    df = fetch_images(httpserver.url_for("/"), progress=False)
    assert len(df) == 4


# ----------------------------------------------------------------------------- retries


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


class RawServer:
    """A loopback server answering each connection with the next scripted action.

    Actions: bytes (sent, then the connection closes) or "reset" (closed with RST).
    """

    def __init__(self, actions):
        self.actions = list(actions)
        self.requests: list[bytes] = []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while self.actions:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                self.requests.append(_read_request(conn))
                action = self.actions.pop(0)
                if action == "reset":
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                else:
                    conn.sendall(action)

    def close(self):
        self.sock.close()


def _read_request(conn) -> bytes:
    """One HTTP request from `conn`: the head, and the body when it has a Content-Length."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", data)
    while length and len(data.split(b"\r\n\r\n", 1)[-1]) < int(length.group(1)):
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def _http_response(body: bytes, *, length: int | None = None, status: str = "200 OK") -> bytes:
    n = len(body) if length is None else length
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {n}\r\nConnection: close\r\n\r\n"
    ).encode() + body


GOOD = _http_response(orjson.dumps({"images": IMAGES[:3]}))


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


# ----------------------------------------------------------------------------- error bodies


@pytest.mark.parametrize(
    "body,content_type,status,code,message,rid",
    [
        (
            b'{"error":{"message":"The imagetype is invalid.","code":"IMG.0024"}}',
            "application/json",
            400,
            "IMG.0024",
            "The imagetype is invalid.",
            "hdr-1",
        ),
        (
            b'{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information","request_id":"b1"}',
            "application/json",
            401,
            "APIGW.0301",
            "Incorrect IAM authentication information",
            "b1",
        ),
        (b'{"errorCode":"IAM.0001","errorMsg":"denied"}', "application/json", 403, "IAM.0001", "denied", "hdr-1"),
        (
            b'{"code":"400 Bad Request","title":"Bad Request","message":"Invalid sort key: color."}',
            "application/json",
            400,
            "400 Bad Request",
            "Invalid sort key: color.",
            "hdr-1",
        ),
        (
            b'{"error":{"code":401,"title":"Unauthorized","message":"The request you have made requires authentication."}}',
            "application/json",
            401,
            "401",
            "The request you have made requires authentication.",
            "hdr-1",
        ),
        (
            b"<html>\n <head>\n  <title>403 Forbidden</title>\n </head>\n <body>\n  <h1>403 Forbidden</h1>\n"
            b"  You are not authorized.<br /><br />\n </body>\n</html>",
            "text/html",
            403,
            None,
            "403 Forbidden You are not authorized.",
            "hdr-1",
        ),
        (b"Service temporarily overloaded", "text/plain", 404, None, "Service temporarily overloaded", "hdr-1"),
        (b"", "text/plain", 404, None, "NOT FOUND", "hdr-1"),
    ],
    ids=["ims", "apigw", "camel", "webob", "keystonemiddleware", "html", "text", "empty"],
)
def test_error_body_shapes(httpserver, body, content_type, status, code, message, rid):
    httpserver.expect_request("/v2/images").respond_with_data(
        body, status=status, content_type=content_type, headers={"X-Request-Id": "hdr-1"}
    )
    with pytest.raises(ApiError) as info:
        fetch_images(httpserver.url_for("/"), token=TOKEN, progress=False)
    err = info.value
    assert (err.status, err.code, err.message, err.request_id) == (status, code, message, rid)
    assert isinstance(err, AuthError) == (status == 401)
    assert err.url == httpserver.url_for("/v2/images") + "?limit=1000"
    assert TOKEN not in str(err) and TOKEN not in repr(err)


def test_response_without_images_list(httpserver):
    httpserver.expect_request("/v2/images").respond_with_json({"data": {"value": []}})
    with pytest.raises(ApiError, match="no `images` list"):
        fetch_images(httpserver.url_for("/"), progress=False)


# ----------------------------------------------------------------------------- token handling


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


# ----------------------------------------------------------------------------- Keystone


class Keystone:
    """A fake Keystone v3 issuing tok-1, tok-2, ... and a Glance accepting only `valid` tokens."""

    def __init__(self, images_url: str = ""):
        self.bodies: list[dict] = []
        self.valid: set[str] = set()
        self.images_url = images_url

    def tokens(self, request: Request) -> Response:
        body = orjson.loads(request.data)
        self.bodies.append(body)
        if body["auth"]["identity"]["password"]["user"]["password"] != "s3cret-pw":
            return Response(
                b'{"error":{"code":401,"title":"Unauthorized","message":"The request you have made '
                b'requires authentication."}}',
                status=401,
                content_type="application/json",
            )
        token = f"tok-{len(self.bodies)}"
        catalog = [
            {
                "type": "image",
                "name": "glance",
                "endpoints": [
                    {"interface": "public", "region": "r1", "url": self.images_url},
                    {"interface": "internal", "region": "r1", "url": "http://internal.invalid:9292"},
                ],
            }
        ]
        return Response(
            orjson.dumps({"token": {"catalog": catalog}}),
            status=201,
            content_type="application/json",
            headers={"X-Subject-Token": token},
        )

    def images(self, request: Request) -> Response:
        if request.headers.get("X-Auth-Token") not in self.valid:
            return Response(
                b'{"error":{"code":401,"title":"Unauthorized","message":"expired"}}',
                status=401,
                content_type="application/json",
            )
        return Response(orjson.dumps({"images": IMAGES[:3]}), content_type="application/json")


def _password_env(monkeypatch, url, password="s3cret-pw"):
    monkeypatch.setenv("OS_AUTH_URL", url)
    monkeypatch.setenv("OS_USERNAME", "alice")
    monkeypatch.setenv("OS_PASSWORD", password)
    monkeypatch.setenv("OS_PROJECT_NAME", "proj")
    monkeypatch.setenv("OS_USER_DOMAIN_NAME", "Default")
    monkeypatch.setenv("OS_PROJECT_DOMAIN_NAME", "Default")


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


def _clouds_yaml(tmp_path, auth_url, **extra):
    import yaml

    cloud = {
        "auth": {
            "auth_url": auth_url,
            "username": "alice",
            "password": "s3cret-pw",
            "project_id": "p-123",
            "user_domain_id": "default",
        },
        "region_name": "r1",
    }
    cloud.update(extra)
    path = tmp_path / "clouds.yaml"
    path.write_text(yaml.safe_dump({"clouds": {"mycloud": cloud, "other": {"auth": {"token": "x"}}}}))
    return path


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


# ----------------------------------------------------------------------------- snapshots


def test_snapshot_roundtrip(httpserver, tmp_path):
    listing = Listing(IMAGES)
    root = _serve(httpserver, listing)
    snap = tmp_path / "snap"
    df = fetch_images(root, limit=25, save_to=snap, filters={"status": "active"}, progress=False)
    names = sorted(p.name for p in snap.iterdir())
    assert names == ["_imgkit_snapshot.json", "page-000001.json", "page-000002.json", "page-000003.json"]
    raw = [body for _, body in zip(range(3), (resp.get_data() for _, resp in httpserver.log))]
    assert [(snap / f"page-00000{i}.json").read_bytes() for i in (1, 2, 3)] == raw
    meta = orjson.loads((snap / "_imgkit_snapshot.json").read_bytes())
    assert meta["endpoint"] == root and meta["api"] == "images" and meta["filters"] == {"status": "active"}
    assert (meta["pages"], meta["images"], meta["imgkit_version"]) == (3, 57, imgkit.__version__)
    fetched = pd.Timestamp(meta["fetched_at"])
    assert fetched.tz is not None and pd.Timestamp(df.attrs["imgkit"]["fetched_at"]) == fetched
    again = imgkit.read_images(snap)
    pd.testing.assert_frame_equal(again, df)
    assert again.attrs["imgkit"]["fetched_at"] == df.attrs["imgkit"]["fetched_at"]


def test_snapshot_replaces_old_snapshot_only_on_success(httpserver, tmp_path, no_sleep):
    snap = tmp_path / "snap"
    _serve(httpserver, Listing(IMAGES[:3]))
    fetch_images(httpserver.url_for("/"), save_to=snap, progress=False)
    before = {p.name: p.read_bytes() for p in snap.iterdir()}
    httpserver.clear()
    httpserver.expect_request("/v2/images").respond_with_data("down", status=503)
    with pytest.raises(ApiError):
        fetch_images(httpserver.url_for("/"), save_to=snap, retries=0, progress=False)
    assert {p.name: p.read_bytes() for p in snap.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["snap"]  # no partial directory left


def test_a_page_the_loader_refuses_commits_no_snapshot(httpserver, tmp_path):
    snap = tmp_path / "snap"
    deep = b'{"images": [{"id": "a", "name": "n", "note": ' + b"[" * 990 + b"]" * 990 + b"}]}"
    httpserver.expect_request("/v2/images").respond_with_data(deep, content_type="application/json")
    with pytest.raises(imgkit.SourceError, match="nested deeper than 512 levels"):
        fetch_images(httpserver.url_for("/"), save_to=snap, progress=False)
    assert list(tmp_path.iterdir()) == []  # typed before the commit: nothing left behind


def test_snapshot_refuses_foreign_directory(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not empty and is not an imgkit snapshot"):
        fetch_images("http://127.0.0.1:9", save_to=tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"


# ----------------------------------------------------------------------------- options


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"api": "servers"}, "`api` must be one of 'images', 'cloudimages', got 'servers'"),
        ({"limit": 0}, "`limit` must be a positive integer"),
        ({"max_images": -1}, "`max_images` must be a positive integer"),
        ({"filters": {"marker": "x"}}, "filter 'marker' is managed"),
        ({"filters": [("a", "b")]}, "`filters` must be a mapping"),
        ({"errors": "loud"}, "`errors` must be one of"),
        ({"token": ""}, "`token` is empty"),
        ({"token": "  \n"}, "the token is empty"),
        ({"token": b"gAAAA-secret"}, "`token` must be a str, got bytes"),
    ],
)
def test_bad_options(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        fetch_images("http://127.0.0.1:9", **kwargs)


@pytest.mark.parametrize("endpoint", ["", "ims.example.com", "ftp://x/y", None])
def test_bad_endpoint(endpoint):
    with pytest.raises(ConfigError, match="endpoint"):
        fetch_images(endpoint)


def test_endpoint_credentials_and_version_are_stripped(httpserver):
    _serve(httpserver, Listing(IMAGES[:1]))
    url = httpserver.url_for("/v2/").replace("http://", "http://bob:pw@")
    df = fetch_images(url, progress=False)
    assert df.attrs["imgkit"]["source"] == httpserver.url_for("/").rstrip("/")
    assert "pw" not in repr(df.attrs)


def test_own_session_is_used_and_not_closed(httpserver):
    import requests

    _serve(httpserver, Listing(IMAGES[:2]))
    with requests.Session() as s:
        s.headers["X-Custom"] = "yes"
        fetch_images(httpserver.url_for("/"), session=s, progress=False)
        assert httpserver.log[0][0].headers.get("X-Custom") == "yes"
        assert s.adapters  # still usable
        assert s.get(httpserver.url_for("/v2/images")).status_code == 200


def test_own_session_hooks_may_read_the_response(httpserver):
    _serve(httpserver, Listing(IMAGES[:5]))
    seen = []
    with requests.Session() as s:
        s.hooks["response"].append(lambda resp, *a, **kw: seen.append(len(resp.json()["images"])))
        df = fetch_images(httpserver.url_for("/"), session=s, progress=False)
    assert len(df) == 5 and seen == [5]


def test_progress_bar(httpserver, capsys):
    _serve(httpserver, Listing(IMAGES))
    fetch_images(httpserver.url_for("/"), limit=20, progress=True)
    err = capsys.readouterr().err
    assert "57" in err and "images" in err and "pages=3" in err


# ----------------------------------------------------------------------------- CLI


def test_cli_fetch_writes_snapshot(httpserver, tmp_path, capsys):
    from imgkit.cli import main

    listing = Listing(IMAGES)
    root = _serve(httpserver, listing)
    out = tmp_path / "snap"
    rc = main(
        [
            "fetch",
            root,
            "-o",
            str(out),
            "--limit",
            "20",
            "--filter",
            "status=active",
            "--filter",
            "tag=a=b",
            "--filter",
            "tag=c",
            "--no-progress",
        ]
    )
    assert rc == 0
    assert capsys.readouterr().err.strip() == f"fetched 57 images in 3 page(s) from {root} -> {out}"
    assert listing.queries[0] == {"status": ["active"], "tag": ["a=b", "c"], "limit": ["20"]}
    assert len(imgkit.read_images(out)) == 57
    assert main(["summary", str(out)]) == 0
    assert "images:    57" in capsys.readouterr().out


def test_cli_fetch_errors_are_one_line(httpserver, tmp_path, capsys, monkeypatch):
    from imgkit.cli import main

    monkeypatch.setenv("OS_AUTH_TOKEN", TOKEN)
    httpserver.expect_request("/v2/images").respond_with_data(
        '{"error":{"message":"The imagetype is invalid.","code":"IMG.0024"}}',
        status=400,
        content_type="application/json",
        headers={"X-Request-Id": "rq-1"},
    )
    rc = main(["fetch", httpserver.url_for("/"), "-o", str(tmp_path / "s"), "--filter", "__imagetype=bogus"])
    err = capsys.readouterr().err
    assert rc == 1
    assert err.startswith("imgkit: error: HTTP 400 IMG.0024: The imagetype is invalid.")
    assert "[request id rq-1]" in err and TOKEN not in err
    assert not (tmp_path / "s").exists()
    assert main(["fetch", "http://127.0.0.1:9", "-o", str(tmp_path / "s"), "--filter", "novalue"]) == 1
    assert "--filter must look like KEY=VALUE, got 'novalue'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "entry,expected",
    [
        ({}, None),
        ({"verify": False}, False),
        ({"cacert": "/etc/ssl/my-ca.pem"}, "/etc/ssl/my-ca.pem"),
    ],
)
def test_tls_verification_from_clouds_yaml(httpserver, monkeypatch, tmp_path, entry, expected):
    import yaml

    path = tmp_path / "clouds.yaml"
    path.write_text(yaml.safe_dump({"clouds": {"c": {"auth": {"token": "t"}, **entry}}}))
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(path))
    seen = []
    real = _transport.requests.Session.send

    def spy(self, request, **kw):
        seen.append(kw["verify"])
        return real(self, request, **{**kw, "verify": True})

    monkeypatch.setattr(_transport.requests.Session, "send", spy)
    _serve(httpserver, Listing(IMAGES[:1]))
    fetch_images(httpserver.url_for("/"), cloud="c", progress=False)
    default = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    assert seen == [default if expected is None else expected]  # None: requests' default, on


# ----------------------------------------------------------------------------- hardening (issue 3 "Safety")


def _leaks(exc: BaseException, *secrets: str) -> list[str]:
    """Where in `exc`, its args, attributes, attached request and __cause__/__context__ chain a secret shows."""
    found, seen = [], set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        blob = repr(exc) + str(exc) + repr(exc.args) + repr(getattr(exc, "__dict__", {}))
        req = getattr(exc, "request", None)
        if req is not None:
            blob += repr(getattr(req, "headers", "")) + repr(getattr(req, "body", ""))
        blob += repr(getattr(exc, "doc", "")) + repr(getattr(exc, "object", ""))
        found += [f"{type(exc).__name__} shows {s!r}" for s in secrets if s in blob]
        exc = exc.__cause__ or exc.__context__
    return found


class FakeAdapter(requests.adapters.BaseAdapter):
    """A transport adapter answering every URL (https too) from `routes`: url -> (status, headers, body)."""

    def __init__(self, routes):
        super().__init__()
        self.routes = routes
        self.sent: list[requests.PreparedRequest] = []

    def send(self, request, **kwargs):
        self.sent.append(request)
        status, headers, body = self.routes[request.url.split("?")[0]]
        resp = requests.Response()
        resp.status_code, resp.url, resp.request = status, request.url, request
        resp.headers.update(headers)
        resp.raw = io.BytesIO(body)
        return resp

    def close(self):
        pass


def _fake_session(routes):
    session = requests.Session()
    adapter = FakeAdapter(routes)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session, adapter


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


# ----------------------------------------------------------------------------- issue 10: host confusion


class LoopbackServer:
    """A bounded loopback TCP server on `host`: each connection goes to :meth:`handle`, one at a time."""

    def __init__(self, host="127.0.0.1"):
        self.sock = socket.socket()
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                try:
                    self.handle(conn)
                except OSError:
                    pass

    def handle(self, conn):
        raise NotImplementedError

    def close(self):
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


class Knocks(LoopbackServer):
    """A listener on 127.0.0.2 (another loopback address) recording every connection; nothing is answered."""

    def __init__(self, host="127.0.0.2"):
        self.seen: list[bytes] = []
        super().__init__(host)

    def handle(self, conn):
        self.seen.append(b"")
        conn.settimeout(0.5)
        self.seen[-1] = conn.recv(65536)


@pytest.fixture
def knocks():
    k = Knocks()
    yield k
    k.close()


def url_family(
    a: str = "127.0.0.1:PA", b: str = "127.0.0.2:PB", pa: str = "PA", pb: str = "PB"
) -> list[tuple[str, bool]]:
    """Links/Locations seen from an endpoint on `a` (127.0.0.1:PA); `b` (127.0.0.2:PB) is another loopback host.

    True: the same origin (followed); False: refused before any connection.
    """
    path = "/v2/images?marker=m"
    return [
        (f"http://{b}\\@{a}{path}", False),  # urllib3 ends the host at "\", urlsplit takes it after "@"
        (f"http://{b}\\\\@{a}{path}", False),
        (f"http://{b}%5C@{a}{path}", False),
        (f"http://{b}%5c@{a}{path}", False),
        (f"http://{b}@{a}{path}", False),  # userinfo
        (f"http://user:pw@{a}{path}", False),
        (f"http://{a}@{b}{path}", False),
        (f"http://{a}\\@{b}{path}", False),
        (f"http://{b}#@{a}{path}", False),
        (f"http://{b}?@{a}{path}", False),
        (f"//{b}{path}", False),  # scheme-relative
        (f"http:\\\\{b}{path}", False),
        (f"/\\{b}{path}", False),
        (f"\\\\{b}{path}", False),
        (f"http:/{b}{path}", True),  # urljoin reads a path on the same host: /127.0.0.2:PB/v2/images
        (f"http://{b}\t@{a}{path}", False),  # control characters
        (f"http://{b}\n@{a}{path}", False),
        (f"http://{b}\r\n@{a}{path}", False),
        (f"http://127.0.0.1\t:{pa}{path}", False),
        (f"http://{a}\x00@{b}{path}", False),
        (f"http://{a} @{b}{path}", False),
        (f"http://{a}{path}\r\nHost: {b}", False),
        (f"http://１２７.０.０.２:{pb}{path}", False),  # IDNA / Unicode look-alikes
        (f"http://127。0。0。2:{pb}{path}", False),
        (f"http://１２７.０.０.１:{pa}{path}", False),
        (f"http://127.0.0.1\u2044:{pa}{path}", False),
        (f"http://[::1]:{pa}{path}", False),  # IPv6 literals
        (f"http://[::ffff:127.0.0.2]:{pb}{path}", False),
        (f"http://[::ffff:7f00:2]:{pb}\\@{a}{path}", False),
        (f"http://[::1%25lo]:{pa}{path}", False),
        (f"http://127.0.0.1:{pb}{path}", False),  # ports
        (f"http://127.0.0.1:99999{path}", False),
        (f"http://127.0.0.1:0{pa}{path}", False),
        (f"http://127.0.0.1:+{pa}{path}", False),
        (f"http://127.0.0.1:{pa}:{pa}{path}", False),
        (f"http://127.0.0.1:{path}", False),
        (f"http://127.0.0.1{path}", False),
        (f"https://{a}{path}", False),  # scheme
        (f"ftp://{a}{path}", False),
        (f"http://{a}{path}", True),  # same origin, any spelling
        (f"HTTP://{a}{path}", True),
        (f"hTtP://{a}/v2/images?marker=m", True),
        (path, True),
        (f"http://{a}/v2/images?marker=a%5C@b", True),  # a quoted backslash in the query is data
    ]


def _family_ids(cases):
    return [repr(link)[:60] for link, _ in cases]


_CASES = url_family()


def _fill(template: str, pa: int, pb: int) -> str:
    return template.replace("PA", str(pa)).replace("PB", str(pb))


def _followed_or_refused(root, ok, n_images, n_requests, error, match):
    """Fetch `root`: a followed link gives `n_images` in 2 requests; a refused one `error` after 1, no token shown."""
    if ok:
        assert len(fetch_images(root, token=TOKEN, progress=False)) == n_images
        assert n_requests() == 2
    else:
        with pytest.raises(error, match=match) as info:
            fetch_images(root, token=TOKEN, progress=False)
        assert _leaks(info.value, TOKEN) == []
        assert n_requests() == 1


@pytest.mark.parametrize("template,ok", _CASES, ids=_family_ids(_CASES))
def test_next_url_family_never_reaches_another_host(httpserver_ipv4, knocks, template, ok):
    pa = httpserver_ipv4.port
    link = _fill(template, pa, knocks.port)

    def handler(request):
        if "marker" in request.args:
            return Response(b'{"images": []}', content_type="application/json")
        return Response(orjson.dumps({"images": IMAGES[:2], "next": link}), content_type="application/json")

    httpserver_ipv4.expect_request(re.compile("/.*")).respond_with_handler(handler)
    root = f"http://127.0.0.1:{pa}"
    _followed_or_refused(
        root, ok, 2, lambda: len(httpserver_ipv4.log), PaginationError, "page 1: refusing to follow `next`"
    )
    time.sleep(0.1)
    assert knocks.seen == []


class RawRedirect(LoopbackServer):
    """A loopback HTTP server on 127.0.0.1 sending `location` byte for byte (werkzeug would re-quote it).

    A request with ``marker=`` in its target gets one image; any other gets `status` with the Location.
    """

    def __init__(self, status: int):
        self.status = status
        self.location = b""
        self.requests: list[bytes] = []
        super().__init__("127.0.0.1")

    def handle(self, conn):
        conn.settimeout(2)
        data = _read_request(conn)
        self.requests.append(data)
        if b"marker=" in data.split(b"\r\n", 1)[0]:
            conn.sendall(_http_response(orjson.dumps({"images": IMAGES[:1]})))
        else:
            conn.sendall(
                f"HTTP/1.1 {self.status} Moved\r\nContent-Length: 0\r\nConnection: close\r\nLocation: ".encode()
                + self.location
                + b"\r\n\r\n"
            )


@pytest.mark.parametrize("status", [302, 307])
@pytest.mark.parametrize("template,ok", _CASES, ids=_family_ids(_CASES))
def test_redirect_url_family_never_reaches_another_host(knocks, template, ok, status):
    server = RawRedirect(status)
    server.location = _fill(template, server.port, knocks.port).encode()
    root = f"http://127.0.0.1:{server.port}"
    # In a header, CR LF ends the Location (the rest is another header): what is left is the same origin.
    ok = ok or "\r\nHost" in template
    try:
        if template.startswith("https://127.0.0.1:PA"):  # an upgrade to https on the same host is followed
            with pytest.raises(ApiError, match="TLS failed"):
                fetch_images(root, token=TOKEN, progress=False)
        else:
            _followed_or_refused(root, ok, 1, lambda: len(server.requests), ApiError, "refusing a redirect")
        time.sleep(0.1)
    finally:
        server.close()
    assert knocks.seen == []


@pytest.mark.parametrize("shape", ["PB\\@A", "PB%5C@A", "PB@A", "PB\t@A"])
def test_keystone_307_never_posts_the_password_to_another_host(knocks, monkeypatch, shape):
    server = RawRedirect(307)
    server.location = (
        f"http://127.0.0.2:{knocks.port}" + shape[2:].replace("A", f"127.0.0.1:{server.port}") + "/v3/auth/tokens"
    ).encode()
    _password_env(monkeypatch, f"http://127.0.0.1:{server.port}/v3")
    try:
        with pytest.raises(AuthError, match="refusing a redirect") as info:
            fetch_images(f"http://127.0.0.1:{server.port}", progress=False)
        time.sleep(0.1)
    finally:
        server.close()
    assert _leaks(info.value, "s3cret-pw") == []
    assert len(server.requests) == 1 and b"s3cret-pw" in server.requests[0]
    assert knocks.seen == []


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://127.0.0.2:1\\@127.0.0.1:2",
        "http://127.0.0.1\t:2",
        "http://１２７.０.０.１:2",
        "http://[::1%25lo]:2",
        "http://127.0.0.1:+2",
    ],
)
def test_ambiguous_endpoint_is_a_config_error(endpoint):
    with pytest.raises(ConfigError, match="`endpoint` must be an http"):
        fetch_images(endpoint, progress=False)


# ----------------------------------------------------------------------------- issue 10: secrets in server text


PASSWORD_ECHOES = {  # name -> (password, an error body quoting it some way, pieces that must not show)
    "json-in-json": (
        's3cret"pw\\x',
        b'{"error": {"code": 400, "message": "bad input {\\"password\\": \\"s3cret\\\\\\"pw\\\\\\\\x\\"}"}}',
        ["s3cret"],
    ),
    "whitespace-collapsed": (
        "s3cret  pw\tword",
        b'{"error": {"message": "bad password s3cret  pw\\tword"}}',
        ["s3cret"],
    ),
    "html-stripped": ("s3cret<b>pw", b"<html><body>bad password s3cret<b>pw</b></body></html>", ["s3cret"]),
    "entity-encoded": ("s3cret&pw<x>", b"<html><body>bad password s3cret&amp;pw&lt;x&gt;</body></html>", ["s3cret"]),
    "numeric-entities": (
        "s3cret-pw",
        b"<html><body>bad password &#115;&#51;cret&#x2d;pw</body></html>",
        ["s3cret", "&#51;cret", "3cret"],
    ),
    "non-ascii-latin1": (
        "p\u00e4ssw\u00f6rd-42",
        "bad password p\u00e4ssw\u00f6rd-42".encode("latin-1"),
        ["rd-42", "p\u00e4ss"],
    ),
    "non-ascii-mojibake": (
        "p\u00e4ssw\u00f6rd-42",
        "bad password p\u00e4ssw\u00f6rd-42".encode().decode("latin-1").encode(),
        ["rd-42"],
    ),
    "non-ascii-json": (
        "p\u00e4ssw\u00f6rd-42",
        b'{"error": {"message": "bad password p\\u00e4ssw\\u00f6rd-42"}}',
        ["rd-42", "p\u00e4ss"],
    ),
    "truncated": (
        "s3cret-pw-" + "x" * 40,
        b'{"error": {"message": "' + b"y" * 280 + b' s3cret-pw-xxxxxxxxxxx"}}',
        ["s3cret"],
    ),
    "cut-short": (
        "s3cret-pw-0123456789",
        b'{"error": {"message": "password s3cret-pw-01... is too long"}}',
        ["s3cret"],
    ),
    "upper-cased": ("s3cret-pw", b'{"error": {"message": "BAD PASSWORD S3CRET-PW"}}', ["S3CRET", "s3cret"]),
}


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


# ----------------------------------------------------------------------------- issue 10: deadlines


class DripServer:
    """Answers every connection by sending `head` then one byte of `drip` every `every` s, for at most `seconds` s."""

    def __init__(self, head: bytes, drip: bytes = b"X", every: float = 0.05, seconds: float = 4.0):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.connections = 0
        self.stop = threading.Event()
        self.head, self.drip, self.every, self.seconds = head, drip, every, seconds
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        with conn:
            try:
                conn.recv(65536)
                conn.sendall(self.head)
                end = time.monotonic() + self.seconds
                while time.monotonic() < end and not self.stop.wait(self.every):
                    conn.sendall(self.drip)
            except OSError:
                pass

    def close(self):
        self.stop.set()
        self.sock.close()


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


# ----------------------------------------------------------------------------- issue 10: memory


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


# ----------------------------------------------------------------------------- issue 10: Retry-After, clouds.yaml


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


# ----------------------------------------------------------------------------- issue 10: max_pages


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
    import inspect

    assert inspect.signature(fetch_images).parameters["max_pages"].default == 2000
    assert "max_pages : int, default 2000" in fetch_images.__doc__


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


# ----------------------------------------------------------------------------- issue 10: properties

from hypothesis import example, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from urllib3.util import parse_url  # noqa: E402

_URL_PIECES = st.sampled_from(
    [
        "http://",
        "https://",
        "HTTP://",
        "127.0.0.1",
        "127.0.0.2",
        "[::1]",
        "[",
        "]",
        ":",
        "80",
        "8080",
        "@",
        "\\",
        "%5C",
        "%",
        "/",
        "//",
        "?",
        "#",
        "\t",
        "\n",
        "\r",
        " ",
        "\x00",
        "１",
        "。",
        "a",
        "A",
        "xn--",
        ".",
        "-",
        "user",
        "ı",
        "K",
    ]
)


@budget(200)
@given(st.lists(_URL_PIECES, min_size=1, max_size=12).map("".join))
@example("http://user/@")
def test_origin_accepts_only_what_urllib3_and_urlsplit_both_read_the_same(url):
    import ipaddress
    from urllib.parse import urlsplit

    try:
        scheme, host, port = _urls.origin(url)
    except ValueError:
        return

    def norm(h):
        h = (h or "").strip("[]").lower()
        return f"[{ipaddress.IPv6Address(h).compressed}]" if ":" in h else h

    default = {"http": 80, "https": 443}[scheme]
    sent, split = parse_url(url), urlsplit(url)
    assert (sent.scheme.lower(), norm(sent.host), sent.port or default) == (scheme, host, port)
    assert (split.scheme.lower(), norm(split.hostname), split.port or default) == (scheme, host, port)
    # "@" may stand in the path ("http://h/@"), never in the authority; no backslash anywhere.
    assert "@" not in split.netloc and "\\" not in url and url.isascii()


@budget(200)
@given(
    secret=st.text(min_size=8, max_size=40).filter(lambda s: len(_secrets._skeletons(s)[1]) >= 6),
    before=st.text(max_size=40),
    after=st.text(max_size=40),
    how=st.sampled_from(["plain", "upper", "html", "json", "spaced", "cut"]),
)
def test_scrub_leaves_no_recognisable_trace_of_a_secret(secret, before, after, how):
    import html as html_mod

    shown = {
        "plain": secret,
        "upper": secret.upper(),
        "html": html_mod.escape(secret),
        "json": orjson.dumps(secret).decode()[1:-1],
        "spaced": " ".join(secret),
        "cut": secret[:-2] + "...",
    }[how]
    out = _secrets.scrub(f"{before} {shown} {after}", [secret])
    assert secret not in out
    assert _secrets._skeletons(secret)[1][:6] not in _secrets._skeletons(_secrets._decoded(out))[1]


def test_max_body_and_max_total_are_fetch_options(httpserver):
    root = _serve(httpserver, Listing(IMAGES[:30]))
    with pytest.raises(ApiError, match="larger than 1000 bytes"):
        fetch_images(root, limit=10, max_body=1000, retries=0, progress=False)
    with pytest.raises(ApiError, match=r"pages add up to more than max_total=3000 bytes after page \d"):
        fetch_images(root, limit=2, max_total=3000, progress=False)
    assert len(fetch_images(root, limit=10, max_body=1 << 20, max_total=1 << 20, progress=False)) == 30
    with pytest.raises(ConfigError, match="`max_total` must be a positive number of bytes"):
        fetch_images(root, max_total=0)
