"""Error bodies of Glance, Nova, Keystone and Huawei APIs, and request ids."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import orjson
import requests

_REQUEST_ID_HEADERS = ("X-Request-Id", "X-Openstack-Request-Id", "X-Compute-Request-Id", "X-Trace-Id")


def request_id(resp: requests.Response | None) -> str | None:
    if resp is None:
        return None
    for name in _REQUEST_ID_HEADERS:
        if resp.headers.get(name):
            return resp.headers[name]
    return None


_CODE_KEYS = ("error_code", "errorCode", "code")


_MSG_KEYS = ("error_msg", "errorMsg", "message", "msg", "detail", "description")


def _find(d: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    for k in keys:
        v = d.get(k)
        if v not in (None, ""):
            return v
    return None


def parse_error_body(body: bytes) -> tuple[str | None, str | None, str | None]:
    """(code, message, request_id) from an error body in any documented shape.

    Shapes: ``{"error": {"code", "message"}}`` (IMS, keystonemiddleware), ``{"error_code",
    "error_msg"}`` (Huawei API gateway), ``{"errorCode", "errorMsg"}``, ``{"code", "title",
    "message"}`` (webob JSON), any of these one level down, else HTML/text.

    >>> parse_error_body(b'{"error":{"message":"The imagetype is invalid.","code":"IMG.0024"}}')
    ('IMG.0024', 'The imagetype is invalid.', None)
    >>> parse_error_body(b'{"error_code":"APIGW.0308","error_msg":"throttled","request_id":"r1"}')
    ('APIGW.0308', 'throttled', 'r1')
    >>> parse_error_body(b'<html><head><title>400 Bad Request</title></head>'
    ...                  b'<body><h1>400 Bad Request</h1>bad marker<br /></body></html>')
    (None, '400 Bad Request bad marker', None)
    >>> parse_error_body(bytes(range(256)))
    (None, '(a binary body of 256 bytes)', None)
    """
    if _looks_binary(body):
        return None, f"(a binary body of {len(body):,} bytes)", None
    text_body = body[:_MAX_TEXT].decode("utf-8", "replace")
    try:
        doc = orjson.loads(body) if body.strip() else None
    except orjson.JSONDecodeError:
        doc = None
    if isinstance(doc, dict):
        candidates = [doc] + [v for v in doc.values() if isinstance(v, dict)]
        code = message = rid = None
        for cand in candidates:
            c = _find(cand, _CODE_KEYS)
            # webob: {"code": "400 Bad Request", "title": "Bad Request", "message": "..."}
            m = _find(cand, _MSG_KEYS)
            if m is None and c is None:
                continue
            if m is None:
                m = _find(cand, ("title",))
            code = code or (None if c is None else str(c))
            message = message or (None if m is None else _strip_html(str(m)))
            rid = rid or cand.get("request_id") or cand.get("requestId")
            if code and message:
                break
        if code or message:
            return code, message, (None if rid is None else str(rid))
        return None, shorten_text(text_body), None
    return None, _strip_html(text_body) or None, None


#: Characters of an error body looked at (the message is at most 300 characters anyway).
_MAX_TEXT = 1 << 16


def _looks_binary(body: bytes) -> bool:
    """True when the start of `body` is not text (a NUL byte, or mostly undecodable/control bytes)."""
    head = body[:1024]
    if not head or b"\x00" in head:
        return bool(head)
    text = head.decode("utf-8", "replace")
    odd = sum(1 for ch in text if ch == "\ufffd" or (not ch.isprintable() and ch not in "\t\r\n"))
    return odd > len(text) // 10


def _strip_html(text: str) -> str:
    """Text of an HTML/text body or message: no <head>, tags or whitespace runs, at most 300 chars.

    Linear time whatever the input (a body of unclosed ``<head`` or ``<`` must not stall the client).

    >>> _strip_html("No image found with ID x<br /><br />\\n\\n")
    'No image found with ID x'
    """
    text = text[:_MAX_TEXT]
    lower = text.lower()
    start = lower.find("<head")
    end = lower.find("</head>", start) if start >= 0 else -1
    if end >= 0:
        text = text[:start] + " " + text[end + len("</head>") :]
    text = re.sub(r"<[^<>]*>", " ", text)
    return shorten_text(text)


def shorten_text(text: str, n: int = 300) -> str:
    text = " ".join(text.split())
    text = text if len(text) <= n else text[: n - 3] + "..."
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def exc_reason(exc: BaseException, headers: Mapping[str, str] | None = None) -> str:
    """A short reason for a requests exception, without URLs or any of `headers`' values.

    >>> exc_reason(ValueError("bad header 'tok-123'"), {"X-Auth-Token": "tok-123"})
    "bad header '***'"
    >>> exc_reason(ConnectionError("HTTPConnectionPool(host='h', port=9): Max retries exceeded with url: / "
    ...     "(Caused by NewConnectionError(HTTPConnection(host='h', port=9): Failed to establish a new "
    ...     "connection: [Errno 111] Connection refused))"))
    'Failed to establish a new connection: [Errno 111] Connection refused'
    """
    text = str(exc) or type(exc).__name__
    for value in (headers or {}).values():
        if len(value) >= 4:
            text = text.replace(value, "***")
    # urllib3's "HTTPConnectionPool(...): Max retries exceeded with url: ... (Caused by
    # NewConnectionError(...: Failed to establish a new connection: [Errno 111] Connection
    # refused))": keep what failed and the innermost reason.
    errno = re.search(r"\[Errno [^\]]*\][^\"')]*", text) if "Caused by" in text else None
    if errno:
        what = re.search(r"Failed to resolve '[^']*'|Failed to establish a new connection", text)
        text = (f"{what.group(0)}: " if what else "") + errno.group(0).strip()
    text = re.sub(r"https?://\S+", "<url>", text)
    text = re.sub(r"url: \S+", "url: <url>", text)
    return shorten_text(text, 200)
