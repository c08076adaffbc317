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
* "the same host" is decided by :func:`origin`, which refuses every URL two parsers
  could read differently (a backslash, userinfo, ``%`` or a control, space or
  non-ASCII character in the authority; a port that is not 1-5 digits) and then
  requires urllib3's ``parse_url`` -- the parser that sends the request -- and
  ``urlsplit`` to agree; the prepared request's URL is checked again just before it
  is sent;
* each request (connect, status line, headers and body) must be done within
  ``RetryPolicy.deadline`` seconds -- a watchdog shuts the socket down when it is not
  (read timeouts alone let a server dripping one header byte a second hang forever);
  such a request is not retried.  ``RetryPolicy.until`` bounds a whole fetch;
* a body is at most ``max_body`` bytes, accumulated in one buffer (memory stays near
  the cap whatever the chunk sizes); error bodies are read up to ``max_error_body``;
* a ``Retry-After`` that is not a positive, finite delay (negative, ``inf``, a past
  date, garbage) falls back to the normal backoff;
* every message, log line and exception built from server text is scrubbed of the
  password and tokens (:func:`scrub`: exact, escaped, case-changed, whitespace-
  collapsed, HTML/entity-encoded, non-ASCII-mangled or truncated echoes);
* TLS failures (bad certificate, not TLS at all) are not retried;
* the token lives in :class:`_Secret`, whose ``repr``/``str`` hide it and which
  refuses to be pickled, so it cannot leak through reprs, logs or exceptions; tokens
  that cannot be an HTTP header value are refused up front (``requests`` would echo
  them in its exception), and no exception from ``requests`` is chained to ours
  (they carry the prepared request, headers included).

Why not urllib3's ``Retry``?  It only sees what happens inside ``urlopen``: we stream
bodies and read them ourselves (deadline, size cap), so truncated bodies, invalid JSON
in a 200 and too-slow bodies happen after it has returned; it cannot re-authenticate
on a 401 between attempts or apply our origin check to redirects (``requests``
follows those itself, and we turn that off); it sleeps 0 s for a ``Retry-After`` in the
past or of 0, where we back off; and its sleeps cannot stop at a whole-fetch deadline.
The loop in :meth:`Transport.send` is that policy, in one place, tested against
loopback servers.
"""

from __future__ import annotations

import datetime
import email.utils
import html
import ipaddress
import logging
import math
import random
import re
import socket
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import orjson
import requests
import urllib3
from urllib3.util import parse_url

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
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "<an unusable URL>"
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host + (f":{port}" if port is not None else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


_DEFAULT_PORT = {"http": 80, "https": 443}
_SCHEME_AUTHORITY = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://([^/?#]*)")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOST_PORT = re.compile(rf"(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<name>{_LABEL}(?:\.{_LABEL})*))(?::(?P<port>[0-9]{{1,5}}))?")


def unsafe_reason(url: str) -> str | None:
    r"""Why `url` (absolute or relative) could be read two ways, or None.

    Control characters, spaces and non-ASCII anywhere, and a backslash before the query, are refused:
    parsers disagree on them (urlsplit drops tabs and newlines, urllib3 ends a host at a backslash,
    IDNA maps look-alike characters onto ASCII).

    >>> unsafe_reason("http://127.0.0.2:81\\@127.0.0.1/v2") is not None
    True
    >>> unsafe_reason("/v2/images?marker=a") is None
    True
    """
    if not isinstance(url, str):
        return f"not text ({type(url).__name__})"
    bad = next((ch for ch in url if not " " < ch < "\x7f"), None)
    if bad is not None:
        return f"it holds a control, space or non-ASCII character ({bad!r})"
    if "\\" in url.split("?", 1)[0].split("#", 1)[0]:
        return "it holds a backslash"
    return None


def origin(url: str) -> tuple[str, str, int]:
    r"""(scheme, host, port) of an absolute http(s) URL, as the request would be sent; ValueError if ambiguous.

    The authority must be a plain host name, IPv4 or IPv6 literal with an optional 1-5 digit port:
    no userinfo (``user@``), backslash, ``%`` (encoded or zone ids), control, space or non-ASCII
    character.  urllib3's ``parse_url`` (which ``requests`` sends with) and ``urlsplit`` must then
    agree.  Host names are lower-cased, IPv6 literals compressed, the default port filled in.

    >>> origin("HTTPS://IMS.Example.com/v2")
    ('https', 'ims.example.com', 443)
    >>> origin("http://[0:0::1]:8080/")
    ('http', '[::1]', 8080)
    >>> origin("http://127.0.0.2:81\\@127.0.0.1:80/v2")
    Traceback (most recent call last):
    ...
    ValueError: it holds a backslash
    >>> origin("http://a@127.0.0.1/")
    Traceback (most recent call last):
    ...
    ValueError: its host part 'a@127.0.0.1' holds user info
    """
    reason = unsafe_reason(url)
    if reason:
        raise ValueError(reason)
    m = _SCHEME_AUTHORITY.match(url)
    if m is None:
        raise ValueError("it is not an absolute http(s) URL")
    scheme, authority = m.group(1).lower(), m.group(2)
    if scheme not in _DEFAULT_PORT:
        raise ValueError(f"its scheme {scheme!r} is not http or https")
    if "@" in authority:
        raise ValueError(f"its host part {authority[:80]!r} holds user info")
    hp = _HOST_PORT.fullmatch(authority)
    if hp is None:
        raise ValueError(f"its host part {authority[:80]!r} is not a host name, IPv4 or [IPv6] literal with a port")
    port = int(hp.group("port")) if hp.group("port") else _DEFAULT_PORT[scheme]
    if not 0 < port < 65536:
        raise ValueError(f"port {port} is out of range 1-65535")
    if hp.group("v6") is not None:
        host = f"[{ipaddress.IPv6Address(hp.group('v6')).compressed}]"  # ValueError when not an address
    else:
        host = hp.group("name").lower()
    # The parser that sends the request, and the standard library's, must read the same origin.
    try:
        sent = parse_url(url)
        split = urlsplit(url)
        readings = [(sent.scheme, sent.host, sent.port), (split.scheme, split.hostname, split.port)]
    except (ValueError, urllib3.exceptions.LocationParseError) as exc:
        raise ValueError(f"it cannot be parsed ({type(exc).__name__})") from None
    for other_scheme, other_host, other_port in readings:
        name = str(other_host or "").strip("[]").lower()
        if ":" in name:
            name = f"[{ipaddress.IPv6Address(name).compressed}]"
        if (str(other_scheme).lower(), name, other_port or _DEFAULT_PORT[scheme]) != (scheme, host, port):
            raise ValueError("urllib3 and urllib.parse read its host or port differently")
    return scheme, host, port


# ----------------------------------------------------------------------------- secrets in server text

#: Characters of a secret's comparison form that make a recognisable prefix (a shorter secret: all of it).
_PREFIX = 6
_JSON_U = re.compile(r"\\u([0-9a-fA-F]{4})")
_TAG = re.compile(r"<[^<>]*>")


def _skeletons(text: str) -> tuple[str, str]:
    """Comparison forms: ASCII letters and digits after folding accents and case; and with non-ASCII dropped.

    >>> _skeletons("P\u00e4ss W\u00f6rd-42")
    ('password42', 'psswrd42')
    """
    folded = unicodedata.normalize("NFKD", text).casefold()
    return ("".join(ch for ch in folded if ch.isascii() and ch.isalnum()),
            "".join(ch for ch in text.casefold() if ch.isascii() and ch.isalnum()))


def _decoded(text: str) -> str:
    """`text` with HTML entities (twice), JSON ``\\uXXXX`` escapes and tags undone."""
    text = html.unescape(html.unescape(text))
    text = _JSON_U.sub(lambda m: chr(int(m.group(1), 16)), text)
    return _TAG.sub("", text)


def _probes(secrets: Iterable[str]) -> list[tuple[int, str]]:
    out = []
    for secret in secrets:
        for kind, form in enumerate(_skeletons(secret)):
            if len(form) >= 4:
                out.append((kind, form[:_PREFIX]))
    return out


def _traced(text: str, probes: list[tuple[int, str]]) -> bool:
    forms = _skeletons(_decoded(text))
    return any(p in forms[kind] for kind, p in probes)


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` (a message, log line, URL or code built from server text) without any trace of `secrets`.

    Exact echoes (also JSON- or HTML-escaped) become ``***``.  Then, if a recognisable
    prefix of a secret still shows once entities, ``\\uXXXX`` escapes and tags are undone,
    case and accents folded and everything but ASCII letters and digits dropped (so
    whitespace-collapsed, truncated, case-changed or mis-decoded echoes are caught), the
    text is cut at the word where it starts.

    >>> scrub("bad token gAAAAAB-abc-123 (x)", ["gAAAAAB-abc-123"])
    'bad token *** (x)'
    >>> scrub("Invalid password S3CRET-P... for alice", ["s3cret-pw-42"])
    'Invalid password ***'
    >>> scrub("bad password &#115;&#51;cret-pw", ["s3cret-pw"])
    'bad password ***'
    """
    secrets = [s for s in secrets if s]
    if not text or not secrets:
        return text
    for secret in sorted(secrets, key=len, reverse=True):
        for form in {secret, html.escape(secret), html.escape(secret, quote=False),
                     orjson.dumps(secret).decode()[1:-1], secret.encode("unicode_escape").decode()}:
            if len(form) >= 2:
                text = text.replace(form, "***")
    probes = _probes(secrets)
    if not probes or not _traced(text, probes):
        return text
    cut = 0  # the start of the first word by which the text shows a trace: all before it is clean
    if len(text) <= 4096:
        for m in re.finditer(r"\S+", text):
            if _traced(text[: m.end()], probes):
                cut = m.start()
                break
    return (text[:cut].rstrip() + " ***").lstrip()


@dataclass
class RetryPolicy:
    """How hard to try: attempts after the first, base/maximum backoff, longest honoured ``Retry-After``."""

    retries: int = 5
    backoff: float = 1.0
    max_backoff: float = 60.0
    max_retry_after: float = 300.0
    timeout: float | tuple[float, float] = (10.0, 120.0)
    statuses: frozenset[int] = field(default=RETRY_STATUSES)
    #: Seconds one request may take in all (connect, status line, headers and body); not retried.
    deadline: float = 600.0
    #: ``time.monotonic()`` by which the whole fetch must be done (None: no limit), and that limit in seconds.
    until: float | None = None
    fetch_deadline: float | None = None
    #: Largest body accepted for a successful answer (a 1,000-image page is ~1.5 MB).
    max_body: int = 1 << 30
    #: Bytes of an error body read for its message; the rest is discarded.
    max_error_body: int = 1 << 16

    def delay(self, attempt: int) -> float:
        """Exponential backoff with "equal jitter" for retry number `attempt` (0-based)."""
        top = min(self.max_backoff, self.backoff * (2**attempt))
        return top / 2 + random.uniform(0, top / 2)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date).

    None -- use the normal backoff -- when absent or not a positive, finite delay (garbage,
    negative, 0, ``inf``, ``nan``, a date now or in the past): honouring those would mean
    retrying back to back.

    >>> parse_retry_after("7")
    7.0
    >>> parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0)
    10.0
    >>> [parse_retry_after(v, now=1445412490.0) for v in ("soon", "-3", "inf", "Wed, 21 Oct 2015 07:28:00 GMT")]
    [None, None, None, None]
    """
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # "-0000": UTC, says RFC 5322
            when = when.replace(tzinfo=datetime.timezone.utc)
        seconds = when.timestamp() - (time.time() if now is None else now)
    return seconds if math.isfinite(seconds) and seconds > 0 else None


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


# ----------------------------------------------------------------------------- the per-request deadline

_local = threading.local()


class _Watchdog:
    """Shuts down the socket of the request in flight in this thread once `seconds` have passed.

    Registered in a thread-local while the request runs; the connection classes below tell it
    which connection the request uses.  A blocked ``recv`` (a status line or header that never
    ends, a body dripping in) then returns at once, and :meth:`Transport.send` reports the
    deadline.  Only our own session's connections are watched; with a caller's session the
    body is still checked between chunks.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.fired = False
        self.conn: Any = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="imgkit-deadline", daemon=True)

    def __enter__(self) -> _Watchdog:
        _local.watchdog = self
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        _local.watchdog = None
        self._done.set()

    def _run(self) -> None:
        if self._done.wait(self.seconds):
            return
        self.fired = True
        while not self._done.is_set():  # still connecting: wait for the socket
            sock = getattr(self.conn, "sock", None)
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            self._done.wait(0.02)


def _watched(cls: type) -> type:
    class Watched(cls):  # type: ignore[misc,valid-type]
        def request(self, *args: Any, **kwargs: Any) -> Any:
            watchdog = getattr(_local, "watchdog", None)
            if watchdog is not None:
                watchdog.conn = self
            return super().request(*args, **kwargs)

    Watched.__name__ = Watched.__qualname__ = f"Watched{cls.__name__}"
    return Watched


class _HTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _watched(urllib3.connection.HTTPConnection)


class _HTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _watched(urllib3.connection.HTTPSConnection)


_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


class _Adapter(requests.adapters.HTTPAdapter):
    """``HTTPAdapter`` whose connections report to the request's :class:`_Watchdog`."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **kwargs)
        if type(manager) is urllib3.ProxyManager:  # not SOCKS: its pools are its own
            manager.pool_classes_by_scheme = _POOLS
        return manager


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
            adapter = _Adapter(pool_connections=4, pool_maxsize=4, max_retries=0)
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

    # -- secrets ----------------------------------------------------------------------
    def secrets(self) -> list[str]:
        """The password and tokens in play (revealed), for :func:`scrub`."""
        get = getattr(self.auth, "secrets", None)
        return list(get()) if get is not None else []

    def clean(self, text: str) -> str:
        """`text` scrubbed of every secret in play."""
        return scrub(text, self.secrets())

    def clean_exception(self, exc: BaseException) -> None:
        """Scrub `exc` and its cause/context chain in place (message, arguments, text attributes)."""
        secrets = self.secrets()
        seen: set[int] = set()
        node: BaseException | None = exc
        while node is not None and id(node) not in seen:
            seen.add(id(node))
            for key, value in list(vars(node).items()):
                if isinstance(value, str):
                    setattr(node, key, scrub(value, secrets))
            node.args = tuple(scrub(a, secrets) if isinstance(a, str) else a for a in node.args)
            node = node.__cause__ or node.__context__

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
            try:
                target = origin(url)
            except ValueError as exc:
                raise ApiError(f"refusing an unusable URL: {exc}", url=self.clean(shown), method=method) from None
            remaining = math.inf if policy.until is None else policy.until - time.monotonic()
            if remaining <= 0:
                raise ApiError(f"the fetch deadline of {policy.fetch_deadline:g} s passed", url=shown, method=method)
            budget = min(policy.deadline, remaining)
            hdrs = {"Accept": "application/json"}
            if headers:
                hdrs.update(headers)
            if use_auth and self.auth is not None:
                hdrs.update(self.auth.headers())
            data = None
            if json_body is not None:
                data = orjson.dumps(json_body)
                hdrs["Content-Type"] = "application/json"
            started = time.perf_counter()
            resp: requests.Response | None = None
            failure: str | None = None
            fatal: str | None = None
            body = b""
            # No exception from requests may escape or be chained: they carry the prepared
            # request (our headers).  Record a message and raise after the except block.
            with _Watchdog(budget) as watchdog:
                try:
                    prepared = self.session.prepare_request(
                        requests.Request(method, url, params=params, headers=hdrs, data=data))
                    if origin(prepared.url) != target:  # what requests made of it is what is sent
                        raise ValueError("the prepared request points elsewhere")
                    settings = self.session.merge_environment_settings(
                        prepared.url, {}, True, self.verify if self.verify is not None else None, None)
                    self.requests += 1
                    resp = self.session.send(prepared, timeout=policy.timeout, allow_redirects=False, **settings)
                    body = self._read(resp, started, budget)
                except requests.exceptions.SSLError as exc:
                    fatal = (f"TLS failed: {_exc_reason(exc, hdrs)} -- check the endpoint's scheme and certificate, "
                             f"or pass verify=CA_BUNDLE (clouds.yaml: cacert)")
                except _TRANSIENT as exc:
                    failure = f"{type(exc).__name__}: {_exc_reason(exc, hdrs)}"
                except _TooSlow as exc:
                    fatal = str(exc)
                except _TooLarge as exc:
                    fatal = str(exc)
                except (requests.RequestException, ValueError, UnicodeError) as exc:
                    fatal = f"{type(exc).__name__}: {_exc_reason(exc, hdrs)}"
            if watchdog.fired:
                fatal = self._too_slow(budget)
                if resp is not None:
                    resp.close()
            if fatal is not None:
                raise ApiError(self.clean(fatal), status=resp.status_code if resp is not None else None,
                               request_id=self._rid(resp), url=self.clean(redact_url(url)), method=method)
            if resp is not None:
                shown = self.clean(redact_url(resp.url or url))
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
                        start = _shorten(body[:200].decode("utf-8", "replace"), 80)
                        failure = self.clean(f"the response is not valid JSON ({exc}); body starts {start!r}")
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
            wait = retry_after if retry_after is not None else policy.delay(attempt)
            give_up = None
            if attempt >= policy.retries:
                give_up = f" (gave up after {attempt + 1} attempts)"
            elif retry_after is not None and retry_after > policy.max_retry_after:
                give_up = f" (not retried: Retry-After {retry_after:g} s is over {policy.max_retry_after:g} s)"
            elif policy.until is not None and time.monotonic() + wait >= policy.until:
                give_up = (f" (not retried: waiting {wait:.3g} s more, the fetch deadline of "
                           f"{policy.fetch_deadline:g} s would pass)")
            if give_up is not None:
                if failure is None and resp is not None:
                    raise self._error(resp, body, shown, retry_after=retry_after, suffix=give_up)
                raise ApiError(self.clean(f"{failure}{give_up}"),
                               status=resp.status_code if resp is not None else None,
                               request_id=self._rid(resp), url=shown, method=method)
            what = failure or f"HTTP {resp.status_code}"  # type: ignore[union-attr]
            log.warning("%s %s: %s; retry %d/%d in %.2fs", method, shown, self.clean(what), attempt + 1,
                        policy.retries, wait)
            _sleep(wait)
            attempt += 1

    def _too_slow(self, budget: float) -> str:
        policy = self.policy
        if policy.until is not None and budget < policy.deadline:
            return f"the fetch deadline of {policy.fetch_deadline:g} s passed during this request"
        return (f"the request took longer than {budget:g} s in all (connect, headers and body); "
                f"not retried")

    def _rid(self, resp: requests.Response | None) -> str | None:
        rid = request_id(resp)
        return None if rid is None else self.clean(_shorten(rid, 200))

    def _read(self, resp: requests.Response, started: float, budget: float) -> bytes:
        """The body of `resp`, within the deadline and size limits (an error body is cut short).

        One growing buffer, never a list of chunks: memory stays near the size cap whatever
        the chunk sizes the server sends.
        """
        policy = self.policy
        ok = resp.status_code < 300
        limit = policy.max_body if ok else policy.max_error_body
        if resp._content_consumed and isinstance(resp._content, bytes):
            # A response hook of the caller's session (or a custom adapter) already read it.
            if ok and len(resp._content) > limit:
                raise _TooLarge(limit)
            return resp._content
        buf = bytearray()
        complete = False
        try:
            for chunk in _chunks(resp):
                buf += chunk
                if len(buf) > limit:
                    if ok:
                        raise _TooLarge(limit)
                    del buf[limit:]
                    break
                if time.perf_counter() - started > budget:
                    raise _TooSlow(self._too_slow(budget))
            else:
                complete = True
        finally:
            # A fully read connection goes back to the pool; a half-read one is dropped.
            resp._content_consumed = complete
            resp.close()
        body = bytes(buf)
        del buf
        resp._content = body
        return body

    def _redirect(self, url: str, resp: requests.Response) -> str:
        location = resp.headers["Location"]
        problem = unsafe_reason(location)
        target = ""
        if problem is None:
            try:
                target = urljoin(resp.url or url, location)
                src, dst = origin(url), origin(target)
            except ValueError as exc:
                problem = str(exc)
        if problem is not None:
            raise ApiError(self.clean(f"refusing a redirect to an unusable Location {_shorten(location, 100)!r}: "
                                      f"{problem}"),
                           status=resp.status_code, request_id=self._rid(resp), url=redact_url(url),
                           method=_method(resp))
        if src[0] == "https" and dst[0] != "https":
            problem = "refusing a redirect from https to plain http"
        elif src != dst and not (src[1] == dst[1] and src[0] == "http" and dst[0] == "https"):
            problem = "refusing a redirect to another host or port"
        else:
            return target
        raise ApiError(self.clean(f"{problem}: {redact_url(target).split('?')[0]}"),
                       status=resp.status_code, request_id=self._rid(resp), url=redact_url(url), method=_method(resp))

    def _error(self, resp: requests.Response, body: bytes, shown: str, *, retry_after: float | None = None,
               suffix: str = "") -> ApiError:
        code, message, rid = parse_error_body(body)
        message = self.clean(message or resp.reason or "no message") + suffix
        cls = AuthError if resp.status_code == 401 else ApiError
        return cls(message, status=resp.status_code, code=None if code is None else self.clean(code),
                   request_id=self.clean(rid) if rid else self._rid(resp), url=shown,
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
