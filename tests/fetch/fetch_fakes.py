"""Loopback fakes and fixtures shared by the fetch tests: Glance/IMS listings, Keystone, raw sockets, knock servers."""

from __future__ import annotations

import io
import re
import socket
import threading
import time
from urllib.parse import parse_qs, urlencode

import orjson
import pytest
import requests
from hypothesis import strategies as st  # noqa: E402
from werkzeug import Request, Response

from imgkit.fetch import _transport, fetch_images

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
