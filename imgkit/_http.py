"""HTTP plumbing for :mod:`imgkit.fetch`: a secret holder, bounded retries, error-body parsing.

Private module.  Nothing here knows about pages or images; it turns one GET/POST into
either ``(response, body bytes)`` or an :class:`~imgkit.errors.ApiError`.

Rules kept here (and tested in ``tests/test_fetch.py``):

* every request has a timeout;
* 429 honours ``Retry-After`` (seconds or an HTTP date), 502/503/504, connection
  errors, truncated bodies and unparsable 200 bodies are retried with bounded
  exponential backoff (with jitter);
* redirects are never followed automatically (``requests`` would carry our
  ``X-Auth-Token`` header to another host); a redirect to the same scheme, host and
  port (or an http -> https upgrade on the same host) is followed by hand, anything
  else -- another host or port, https -> plain http -- is refused;
* each response must arrive within ``RetryPolicy.deadline`` seconds in all (the
  read timeout alone lets a server dripping one byte at a time hang forever) and is
  at most ``max_body`` bytes; error bodies are read up to ``max_error_body`` bytes;
* TLS failures (bad certificate, not TLS at all) are not retried;
* the token lives in :class:`_Secret`, whose ``repr``/``str`` hide it and which
  refuses to be pickled, so it cannot leak through reprs, logs or exceptions; tokens
  that cannot be an HTTP header value are refused up front (``requests`` would echo
  them in its exception), and no exception from ``requests`` is chained to ours
  (they carry the prepared request, headers included).
"""

from __future__ import annotations

import email.utils
import logging
import math
import random
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import orjson
import requests
import urllib3

from .errors import ApiError, AuthError, ConfigError

__all__: list[str] = []

log = logging.getLogger("imgkit.fetch")

#: Indirection so tests can record the waits instead of sleeping.
_sleep: Callable[[float], None] = time.sleep

RETRY_STATUSES = frozenset({429, 502, 503, 504})
_REQUEST_ID_HEADERS = ("X-Request-Id", "X-Openstack-Request-Id", "X-Compute-Request-Id", "X-Trace-Id")
_TRANSIENT = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    # raised by our own read1 loop (requests wraps these when it reads the body itself)
    urllib3.exceptions.ProtocolError,
    urllib3.exceptions.ReadTimeoutError,
    urllib3.exceptions.DecodeError,
)


class _Secret:
    """A string that never shows itself: ``repr``/``str``/``format`` print ``'***'``.

    >>> s = _Secret("gAAAAAB-secret")
    >>> s, str(s), f"{s}"
    (<secret ***>, '***', '***')
    >>> s.reveal()
    'gAAAAAB-secret'
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = str(value)

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<secret ***>"

    def __str__(self) -> str:
        return "***"

    def __format__(self, spec: str) -> str:
        return "***"

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("_Secret", self._value))

    def __reduce__(self) -> Any:
        raise TypeError("a secret cannot be pickled")


def header_token(value: str, what: str = "token") -> _Secret:
    """`value` without surrounding whitespace as a :class:`_Secret`, if it can be an HTTP header value.

    The error never shows the value (``requests`` would put it in its own message).

    >>> header_token(" gAAAAAB-abc\\n")
    <secret ***>
    >>> header_token("gAAA AAB")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    imgkit.errors.ConfigError: the token cannot be sent in an HTTP header: character 5 is a space, ...
    """
    text = str(value).strip()
    if not text:
        raise ConfigError(f"the {what} is empty")
    bad = next((i for i, ch in enumerate(text) if not "!" <= ch <= "~"), None)
    if bad is not None:
        raise ConfigError(f"the {what} cannot be sent in an HTTP header: character {bad + 1} is a space, control or "
                          f"non-ASCII character; check for a stray space, line break or quote")
    return _Secret(text)


def redact_url(url: str) -> str:
    """`url` without user info (``user:password@``).

    >>> redact_url("https://bob:pw@ims.example.com:443/v2?x=1")
    'https://ims.example.com:443/v2?x=1'
    """
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port is not None else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the default port filled in, for same-origin checks.

    Raises ValueError for a malformed URL (bad port, unclosed IPv6 bracket).
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or {"http": 80, "https": 443}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


@dataclass
class RetryPolicy:
    """How hard to try: attempts after the first, base/maximum backoff, longest honoured ``Retry-After``."""

    retries: int = 5
    backoff: float = 1.0
    max_backoff: float = 60.0
    max_retry_after: float = 300.0
    timeout: float | tuple[float, float] = (10.0, 120.0)
    statuses: frozenset[int] = field(default=RETRY_STATUSES)
    #: Seconds one response may take in all (headers and body), on top of the per-read timeout.
    deadline: float = 600.0
    #: Largest body accepted for a successful answer (a 1,000-image page is ~1.5 MB).
    max_body: int = 1 << 30
    #: Bytes of an error body read for its message; the rest is discarded.
    max_error_body: int = 1 << 16

    def delay(self, attempt: int) -> float:
        """Exponential backoff with "equal jitter" for retry number `attempt` (0-based)."""
        top = min(self.max_backoff, self.backoff * (2**attempt))
        return top / 2 + random.uniform(0, top / 2)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date); None if absent/bad.

    >>> parse_retry_after("7")
    7.0
    >>> parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0)
    10.0
    >>> parse_retry_after("soon") is None
    True
    """
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return None if math.isnan(seconds) else max(0.0, seconds)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:  # pragma: no cover - py<3.10 returned None
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


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
        return None, _shorten(text_body), None
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
        text = text[:start] + " " + text[end + len("</head>"):]
    text = re.sub(r"<[^<>]*>", " ", text)
    return _shorten(text)


def _shorten(text: str, n: int = 300) -> str:
    text = " ".join(text.split())
    text = text if len(text) <= n else text[: n - 3] + "..."
    return "".join(ch if ch.isprintable() else "?" for ch in text)


class Transport:
    """One ``requests.Session`` plus retry policy and the auth to put on each request.

    Parameters
    ----------
    session : requests.Session or None
        A caller's session (never closed here) or None for our own.
    auth : object with ``headers(force=False) -> dict`` and ``can_refresh``, or None.
    policy : RetryPolicy
    verify : bool or str
        TLS verification (on by default), or a CA bundle path.
    """

    def __init__(
        self,
        session: requests.Session | None = None,
        *,
        auth: Any = None,
        policy: RetryPolicy | None = None,
        verify: bool | str | None = None,
        user_agent: str = "imgkit",
    ) -> None:
        self.own_session = session is None
        if session is None:
            session = requests.Session()
            adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=4, max_retries=0)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            session.headers["User-Agent"] = f"{user_agent} python-requests/{requests.__version__}"
        self.session = session
        self.auth = auth
        self.policy = policy or RetryPolicy()
        self.verify = verify
        self.requests = 0

    def close(self) -> None:
        if self.own_session:
            self.session.close()

    def __repr__(self) -> str:
        return f"<Transport requests={self.requests} auth={type(self.auth).__name__}>"

    # -- one request, with retries -------------------------------------------------
    def send(
        self,
        method: str,
        url: str,
        *,
        params: Any = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        use_auth: bool = True,
        parse_json: bool = True,
    ) -> tuple[requests.Response, bytes, Any]:
        """Send one request; return (response, raw body, parsed JSON or None).

        Raises ApiError (AuthError for 401/403 from auth) when the request finally fails.
        """
        policy = self.policy
        reauthed = False
        attempt = redirects = 0
        shown = redact_url(url)
        while True:
            hdrs = {"Accept": "application/json"}
            if headers:
                hdrs.update(headers)
            if use_auth and self.auth is not None:
                hdrs.update(self.auth.headers())
            kwargs: dict[str, Any] = {"params": params, "headers": hdrs, "timeout": policy.timeout,
                                      "allow_redirects": False}
            if self.verify is not None:
                kwargs["verify"] = self.verify
            if json_body is not None:
                kwargs["data"] = orjson.dumps(json_body)
                hdrs["Content-Type"] = "application/json"
            started = time.perf_counter()
            resp: requests.Response | None = None
            failure: str | None = None
            fatal: str | None = None
            body = b""
            # No exception from requests may escape or be chained: they carry the prepared
            # request (our headers).  Record a message and raise after the except block.
            try:
                self.requests += 1
                resp = self.session.request(method, url, stream=True, **kwargs)
                body = self._read(resp, started)
            except requests.exceptions.SSLError as exc:
                fatal = (f"TLS failed: {_exc_reason(exc, hdrs)} -- check the endpoint's scheme and certificate, "
                         f"or pass verify=CA_BUNDLE (clouds.yaml: cacert)")
            except _TRANSIENT as exc:
                failure = f"{type(exc).__name__}: {_exc_reason(exc, hdrs)}"
            except _TooSlow as exc:
                failure = str(exc)
            except _TooLarge as exc:
                fatal = str(exc)
            except (requests.RequestException, ValueError, UnicodeError) as exc:
                fatal = f"{type(exc).__name__}: {_exc_reason(exc, hdrs)}"
            if fatal is not None:
                raise ApiError(fatal, status=resp.status_code if resp is not None else None,
                               request_id=request_id(resp), url=redact_url(url), method=method)
            if resp is not None:
                shown = redact_url(resp.url or url)
                log.debug("%s %s -> %s (%d bytes, %.3fs)", method, shown, resp.status_code, len(body),
                          time.perf_counter() - started)
            if failure is None and resp is not None:
                status = resp.status_code
                if 300 <= status < 400 and resp.headers.get("Location"):
                    redirects += 1
                    if redirects > 5:
                        raise ApiError("too many redirects", status=status, url=shown, method=method)
                    url = self._redirect(url, resp)
                    params = None
                    continue
                if status < 300:
                    if not parse_json:
                        return resp, body, None
                    try:
                        return resp, body, orjson.loads(body)
                    except orjson.JSONDecodeError as exc:
                        failure = f"the response is not valid JSON ({exc}); body starts {body[:80]!r}"
                elif status == 401 and use_auth and self.auth is not None and self.auth.can_refresh and not reauthed:
                    log.info("%s %s -> 401; re-authenticating once", method, shown)
                    self.auth.refresh()
                    reauthed = True
                    continue
                elif status not in policy.statuses:
                    raise self._error(resp, body, shown)
            # Something retryable happened.
            wait: float
            retry_after = None
            if failure is None and resp is not None:
                retry_after = parse_retry_after(resp.headers.get("Retry-After"))
            if attempt >= policy.retries or (retry_after is not None and retry_after > policy.max_retry_after):
                if failure is None and resp is not None:
                    raise self._error(resp, body, shown, retry_after=retry_after,
                                      suffix=f" (gave up after {attempt + 1} attempts)")
                raise ApiError(f"{failure} (gave up after {attempt + 1} attempts)",
                               status=resp.status_code if resp is not None else None,
                               request_id=request_id(resp), url=shown, method=method)
            wait = retry_after if retry_after is not None else policy.delay(attempt)
            what = failure or f"HTTP {resp.status_code}"  # type: ignore[union-attr]
            log.warning("%s %s: %s; retry %d/%d in %.2fs", method, shown, what, attempt + 1, policy.retries, wait)
            _sleep(wait)
            attempt += 1

    def _read(self, resp: requests.Response, started: float) -> bytes:
        """The body of `resp`, within the policy's deadline and size limits (an error body is cut short)."""
        policy = self.policy
        ok = resp.status_code < 300
        limit = policy.max_body if ok else policy.max_error_body
        if resp._content_consumed and isinstance(resp._content, bytes):
            # A response hook of the caller's session (or a custom adapter) already read it.
            if ok and len(resp._content) > limit:
                raise _TooLarge(limit)
            return resp._content
        chunks: list[bytes] = []
        size = 0
        complete = False
        try:
            for chunk in _chunks(resp):
                chunks.append(chunk)
                size += len(chunk)
                if size > limit:
                    if ok:
                        raise _TooLarge(limit)
                    break
                if time.perf_counter() - started > policy.deadline:
                    raise _TooSlow(f"the response took longer than {policy.deadline:g} s")
            else:
                complete = True
        finally:
            # A fully read connection goes back to the pool; a half-read one is dropped.
            resp._content_consumed = complete
            resp.close()
        body = b"".join(chunks)
        resp._content = body
        return body

    def _redirect(self, url: str, resp: requests.Response) -> str:
        location = resp.headers["Location"]
        try:
            target = urljoin(resp.url or url, location)
            src, dst = origin(url), origin(target)
        except ValueError:
            raise ApiError(f"unusable redirect Location {_shorten(location, 100)!r}", status=resp.status_code,
                           request_id=request_id(resp), url=redact_url(url), method=_method(resp)) from None
        if src[0] == "https" and dst[0] != "https":
            problem = "refusing a redirect from https to plain http"
        elif src != dst and not (src[1] == dst[1] and src[0] == "http" and dst[0] == "https"):
            problem = "refusing a redirect to another host or port"
        else:
            return target
        raise ApiError(f"{problem}: {redact_url(target).split('?')[0]}",
                       status=resp.status_code, request_id=request_id(resp), url=redact_url(url), method=_method(resp))

    def _error(self, resp: requests.Response, body: bytes, shown: str, *, retry_after: float | None = None,
               suffix: str = "") -> ApiError:
        code, message, rid = parse_error_body(body)
        message = (message or resp.reason or "no message") + suffix
        cls = AuthError if resp.status_code == 401 else ApiError
        return cls(message, status=resp.status_code, code=code, request_id=rid or request_id(resp), url=shown,
                   retry_after=retry_after, method=_method(resp))


def _method(resp: requests.Response | None) -> str | None:
    req = getattr(resp, "request", None)
    return getattr(req, "method", None)


def _chunks(resp: requests.Response) -> Iterator[bytes]:
    """The decoded body of a streamed `resp` in pieces as they arrive.

    urllib3's ``read1`` returns what one socket read gave (``iter_content`` waits for a
    full 64 KiB chunk, so the deadline between chunks could not end a slow drip);
    other raw objects (a caller's custom adapter) fall back to ``iter_content``.
    """
    raw = resp.raw
    if isinstance(raw, urllib3.response.HTTPResponse) and hasattr(raw, "read1"):
        while True:
            data = raw.read1(1 << 16, decode_content=True)
            if not data:
                return
            yield data
    else:
        yield from resp.iter_content(1 << 16)


class _TooSlow(Exception):
    """A response that did not arrive within the deadline (retried)."""


class _TooLarge(Exception):
    """A successful response larger than ``max_body`` (not retried)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the response is larger than {limit} bytes; refusing to read it "
                         f"(ask for smaller pages with limit=)")


def _exc_reason(exc: BaseException, headers: Mapping[str, str] | None = None) -> str:
    """A short reason for a requests exception, without URLs or any of `headers`' values.

    >>> _exc_reason(ValueError("bad header 'tok-123'"), {"X-Auth-Token": "tok-123"})
    "bad header '***'"
    >>> _exc_reason(ConnectionError("HTTPConnectionPool(host='h', port=9): Max retries exceeded with url: / "
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
    return _shorten(text, 200)
