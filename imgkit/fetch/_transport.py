"""HTTP plumbing for :mod:`imgkit.fetch`: a secret holder, bounded retries, error-body parsing.

Private module.  Nothing here knows about pages or images; it turns one GET/POST into
either ``(response, body bytes)`` or an :class:`~imgkit.errors.ApiError`.

Rules kept here (and tested in ``tests/fetch/``):

* every request has a timeout;
* 429 honours ``Retry-After`` (seconds or an HTTP date), 502/503/504, connection
  errors, truncated bodies and unparsable 200 bodies are retried with bounded
  exponential backoff (with jitter);
* redirects are never followed automatically (``requests`` would carry our
  ``X-Auth-Token`` header to another host); a redirect to the same scheme, host and
  port (or an http -> https upgrade on the same host and port, or 80 -> 443) is followed by hand, anything
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
loopback servers."""

from __future__ import annotations

import logging
import math
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urljoin

import orjson
import requests
import urllib3

from imgkit.errors import ApiError, AuthError
from imgkit.fetch._errors import exc_reason, parse_error_body, request_id, shorten_text
from imgkit.fetch._retry import TRANSIENT_ERRORS, RetryPolicy, parse_retry_after
from imgkit.fetch._secrets import scrub
from imgkit.fetch._urls import origin, redact_url, unsafe_reason

log = logging.getLogger("imgkit.fetch")

#: Indirection so tests can record the waits instead of sleeping.
_sleep: Callable[[float], None] = time.sleep

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
    class Watched(cls):
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
        #: Seconds of Retry-After waits honoured so far (at most ``policy.max_retry_wait``).
        self.retry_waited = 0.0

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
    def send(  # noqa: C901  (one request: redirects, retries, deadlines and errors in order)
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
                        requests.Request(method, url, params=params, headers=hdrs, data=data)
                    )
                    if origin(prepared.url or "") != target:  # what requests made of it is what is sent
                        raise ValueError("the prepared request points elsewhere")
                    sign = getattr(self.auth, "sign", None) if use_auth else None
                    if sign is not None:  # AK/SK: signed afresh for every attempt; the signed URL is the one sent
                        raw = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
                        signed_url, signed = sign(method, prepared.url, raw or b"")
                        if origin(signed_url) != target:
                            raise ValueError("the signed request points elsewhere")
                        prepared.url = signed_url
                        prepared.headers.update(signed)
                        hdrs.update(signed)  # their values are kept out of any error text too
                    settings = self.session.merge_environment_settings(
                        prepared.url, {}, True, self.verify if self.verify is not None else None, None
                    )
                    self.requests += 1
                    resp = self.session.send(prepared, timeout=policy.timeout, allow_redirects=False, **settings)
                    body = self._read(resp, started, budget)
                except requests.exceptions.SSLError as exc:
                    fatal = (
                        f"TLS failed: {exc_reason(exc, hdrs)} -- check the endpoint's scheme and certificate, "
                        f"or pass verify=CA_BUNDLE (clouds.yaml: cacert)"
                    )
                except TRANSIENT_ERRORS as exc:
                    failure = f"{type(exc).__name__}: {exc_reason(exc, hdrs)}"
                except _TooSlow as exc:
                    fatal = str(exc)
                except _TooLarge as exc:
                    fatal = str(exc)
                except (requests.RequestException, ValueError, UnicodeError) as exc:
                    fatal = f"{type(exc).__name__}: {exc_reason(exc, hdrs)}"
            if watchdog.fired:
                fatal = self._too_slow(budget)
                if resp is not None:
                    resp.close()
            if fatal is not None:
                raise ApiError(
                    self.clean(fatal),
                    status=resp.status_code if resp is not None else None,
                    request_id=self._rid(resp),
                    url=self.clean(redact_url(url)),
                    method=method,
                )
            if resp is not None:
                shown = self.clean(redact_url(resp.url or url))
                log.debug(
                    "%s %s -> %s (%d bytes, %.3fs)",
                    method,
                    shown,
                    resp.status_code,
                    len(body),
                    time.perf_counter() - started,
                )
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
                        start = shorten_text(body[:200].decode("utf-8", "replace"), 80)
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
            elif retry_after is not None and self.retry_waited + retry_after > policy.max_retry_wait:
                give_up = (
                    f" (not retried: the Retry-After waits of this fetch would pass {policy.max_retry_wait:g} s in all)"
                )
            elif policy.until is not None and time.monotonic() + wait >= policy.until:
                give_up = (
                    f" (not retried: waiting {wait:.3g} s more, the fetch deadline of "
                    f"{policy.fetch_deadline:g} s would pass)"
                )
            if give_up is not None:
                if failure is None and resp is not None:
                    raise self._error(resp, body, shown, retry_after=retry_after, suffix=give_up)
                raise ApiError(
                    self.clean(f"{failure}{give_up}"),
                    status=resp.status_code if resp is not None else None,
                    request_id=self._rid(resp),
                    url=shown,
                    method=method,
                )
            what = failure or f"HTTP {resp.status_code}"  # type: ignore[union-attr]
            log.warning(
                "%s %s: %s; retry %d/%d in %.2fs", method, shown, self.clean(what), attempt + 1, policy.retries, wait
            )
            _sleep(wait)
            if retry_after is not None:
                self.retry_waited += retry_after
            attempt += 1

    def _too_slow(self, budget: float) -> str:
        policy = self.policy
        if policy.until is not None and budget < policy.deadline:
            return f"the fetch deadline of {policy.fetch_deadline:g} s passed during this request"
        return f"the request took longer than {budget:g} s in all (connect, headers and body); not retried"

    def _rid(self, resp: requests.Response | None) -> str | None:
        rid = request_id(resp)
        return None if rid is None else self.clean(shorten_text(rid, 200))

    def _read(self, resp: requests.Response, started: float, budget: float) -> bytes:
        """The body of `resp`, within the deadline and size limits (an error body is cut short).

        One growing buffer, never a list of chunks: memory stays near the size cap whatever
        the chunk sizes the server sends.
        """
        policy = self.policy
        ok = resp.status_code < 300
        limit = policy.max_body if ok else policy.max_error_body
        if getattr(resp, "_content_consumed", False) and isinstance(resp._content, bytes):
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
            resp._content_consumed = complete  # type: ignore[attr-defined]
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
            raise ApiError(
                self.clean(f"refusing a redirect to an unusable Location {shorten_text(location, 100)!r}: {problem}"),
                status=resp.status_code,
                request_id=self._rid(resp),
                url=redact_url(url),
                method=_method(resp),
            )
        if src[0] == "https" and dst[0] != "https":
            problem = "refusing a redirect from https to plain http"
        elif src != dst and not (
            src[1] == dst[1]
            and (src[0], dst[0]) == ("http", "https")
            and (src[2] == dst[2] or (src[2], dst[2]) == (80, 443))
        ):
            # an http -> https upgrade keeps the host, and the port (or goes from 80 to 443)
            problem = "refusing a redirect to another host or port"
        else:
            return target
        raise ApiError(
            self.clean(f"{problem}: {redact_url(target).split('?')[0]}"),
            status=resp.status_code,
            request_id=self._rid(resp),
            url=redact_url(url),
            method=_method(resp),
        )

    def _error(
        self, resp: requests.Response, body: bytes, shown: str, *, retry_after: float | None = None, suffix: str = ""
    ) -> ApiError:
        code, message, rid = parse_error_body(body)
        message = self.clean(message or resp.reason or "no message") + suffix
        cls = AuthError if resp.status_code == 401 else ApiError
        return cls(
            message,
            status=resp.status_code,
            code=None if code is None else self.clean(code),
            request_id=self.clean(rid) if rid else self._rid(resp),
            url=shown,
            retry_after=retry_after,
            method=_method(resp),
        )


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
        super().__init__(
            f"the response is larger than {limit} bytes; refusing to read it (ask for smaller pages with limit=)"
        )
