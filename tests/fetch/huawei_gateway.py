"""A loopback stand-in for the Huawei Cloud / OTC API gateway: it checks AK/SK signatures with the official SDK.

Every request must carry ``Authorization: SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…``;
the gateway rebuilds the request from what arrived on the wire (method, raw path, raw query,
the signed headers) as an ``huaweicloudsdkcore`` ``SdkRequest``, signs it with the SDK's own
``Signer`` and the secret key of that access key, and compares.  Like the real gateway it
refuses an ``X-Sdk-Date`` more than 15 minutes off its clock, a missing signed ``host``, and
a temporary key without its ``X-Security-Token``.  Bodies of the answers follow the documented
shapes (sources named next to each route in the tests).
"""

from __future__ import annotations

import calendar
import hmac
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

_AUTH = re.compile(r"SDK-HMAC-SHA256 Access=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})\Z")
#: The gateway's tolerance for X-Sdk-Date (Huawei: 15 minutes).
SKEW = 15 * 60

Route = Callable[["Seen"], tuple[int, Any]]


@dataclass
class Seen:
    """One request as it arrived, and what the gateway made of its signature."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    verdict: str  # "ok" or why it was refused


@dataclass
class Gateway:
    """``keys``: access key -> (secret key, security token or None).  ``routes``: path regex -> handler."""

    keys: dict[str, tuple[str, str | None]]
    routes: list[tuple[str, Route]] = field(default_factory=list)
    seen: list[Seen] = field(default_factory=list)
    #: ``(path regex, status, headers)`` answered once each before the route (throttling, gateway errors).
    faults: list[tuple[str, int, dict[str, str]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                gateway._handle(self)

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def route(self, pattern: str, handler: Route) -> None:
        self.routes.append((pattern, handler))

    # -- verification ---------------------------------------------------------------------
    def verify(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> str:
        match = _AUTH.match(headers.get("authorization", ""))
        if match is None:
            return "no SDK-HMAC-SHA256 Authorization header"
        access, signed_names, signature = match.groups()
        if access not in self.keys:
            return "unknown access key"
        secret, token = self.keys[access]
        names = signed_names.split(";")
        if "host" not in names or "x-sdk-date" not in names:
            return "host and x-sdk-date must be signed"
        missing = [n for n in names if n not in headers]
        if missing:
            return f"signed headers missing: {missing}"
        try:
            when = calendar.timegm(time.strptime(headers["x-sdk-date"], "%Y%m%dT%H%M%SZ"))
        except ValueError:
            return "X-Sdk-Date is not YYYYMMDDTHHMMSSZ"
        if abs(time.time() - when) > SKEW:
            return "X-Sdk-Date is more than 15 minutes off"
        if token is not None and (headers.get("x-security-token") != token or "x-security-token" not in names):
            return "a temporary access key needs its signed X-Security-Token"
        parts = urlsplit(raw_path)
        request = SdkRequest(
            method=method,
            schema="http",
            host=headers["host"],
            resource_path=parts.path,
            query_params=parse_qsl(parts.query, keep_blank_values=True),
            header_params={n: headers[n] for n in names},
            body=body,
        )
        expected = Signer(BasicCredentials(access, secret)).sign(request).header_params["Authorization"]
        got = _AUTH.match(expected)
        assert got is not None
        return "ok" if hmac.compare_digest(got.group(3), signature) else "signature mismatch"

    # -- one request ----------------------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        headers = {k.lower(): v for k, v in h.headers.items()}
        body = h.rfile.read(int(headers.get("content-length") or 0))
        verdict = self.verify(h.command, h.path, headers, body)
        parts = urlsplit(h.path)
        seen = Seen(h.command, parts.path, parse_qsl(parts.query, keep_blank_values=True), headers, verdict)
        with self.lock:
            self.seen.append(seen)
            fault = next((f for f in self.faults if re.fullmatch(f[0], parts.path)), None)
            if fault is not None and verdict == "ok":
                self.faults.remove(fault)
        if verdict != "ok":
            # the shape of the gateway's answer: {"error_msg", "error_code", "request_id"}
            self._send(
                h,
                401,
                {
                    "error_msg": f"Incorrect IAM authentication information: {verdict}",
                    "error_code": "APIGW.0301",
                    "request_id": "req-gw-401",
                },
            )
            return
        if fault is not None:
            self._send(
                h,
                fault[1],
                {
                    "error_msg": "The throttling threshold has been reached",
                    "error_code": "APIGW.0308",
                    "request_id": "req-gw-429",
                },
                fault[2],
            )
            return
        for pattern, handler in self.routes:
            if re.fullmatch(pattern, parts.path):
                status, doc = handler(seen)
                self._send(h, status, doc)
                return
        self._send(h, 404, {"error_msg": "not found", "error_code": "APIGW.0101"})

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, doc: Any, headers: dict[str, str] | None = None) -> None:
        raw = orjson.dumps(doc)
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(raw)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(raw)
