"""Retry policy: which statuses retry, backoff, Retry-After."""

from __future__ import annotations

import datetime
import email.utils
import math
import random
import time
from dataclasses import dataclass, field

import requests
import urllib3

RETRY_STATUSES = frozenset({429, 502, 503, 504})


TRANSIENT_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    # raised by our own read1 loop (requests wraps these when it reads the body itself)
    urllib3.exceptions.ProtocolError,
    urllib3.exceptions.ReadTimeoutError,
    urllib3.exceptions.DecodeError,
)


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
    #: Seconds of ``Retry-After`` waits one fetch honours in all; past that the throttling answer is the error.
    max_retry_wait: float = 1800.0
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
