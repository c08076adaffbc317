"""Huawei Cloud / OTC AK/SK request signing ("SDK-HMAC-SHA256"), as huaweicloudsdkcore's ``signer.Signer`` does it.

Private module.  A signature covers the method, the canonical URI (each path segment
percent-encoded, ``~`` kept, a trailing ``/``), the canonical query (pairs sorted by key then
value, each percent-encoded the same way), the signed headers (``host``, ``x-sdk-date`` and,
when present, ``x-project-id``, ``x-security-token``, ``content-type``) and the SHA-256 of the
body::

    Authorization: SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date, Signature=HEX

The request is sent with exactly the canonical query string that was signed, so what the
gateway recomputes from the request line is what was signed.  ``tests/fetch/test_signing.py``
checks every byte against the official SDK's ``Signer``.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Iterable, Mapping
from urllib.parse import parse_qsl, quote, unquote, urlsplit, urlunsplit

__all__: list[str] = []

ALGORITHM = "SDK-HMAC-SHA256"
DATE_FORMAT = "%Y%m%dT%H%M%SZ"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()

#: Indirection so tests can sign at a chosen time.
_clock: Callable[[], float] = time.time


def _encode(text: str) -> str:
    """Percent-encoding of the canonical request: everything but ``A-Z a-z 0-9 - _ . ~``.

    >>> _encode("a b/c~d")
    'a%20b%2Fc~d'
    """
    return quote(text, safe="~")


def canonical_uri(path: str) -> str:
    """Each segment of `path` decoded, then encoded; always ending in ``/``.

    >>> canonical_uri("/v2/images")
    '/v2/images/'
    >>> canonical_uri("/v3/0123/volumes%20x/detail")
    '/v3/0123/volumes%20x/detail/'
    """
    out = "/".join(_encode(seg) for seg in unquote(path or "/").split("/"))
    return out if out.endswith("/") else out + "/"


def canonical_query(pairs: Iterable[tuple[str, str]]) -> str:
    """The pairs sorted by key then value (as text), each encoded, joined by ``&``.

    >>> canonical_query([("marker", "b"), ("limit", "2"), ("tag", "z"), ("tag", "a b")])
    'limit=2&marker=b&tag=a%20b&tag=z'
    """
    return "&".join(f"{_encode(k)}={_encode(v)}" for k, v in sorted(pairs))


def query_pairs(query: str) -> list[tuple[str, str]]:
    """The decoded pairs of a query string as a server reads them (``+`` is a space, blanks kept).

    >>> query_pairs("a=1&b=x+y&c=%7E&d")
    [('a', '1'), ('b', 'x y'), ('c', '~'), ('d', '')]
    """
    return parse_qsl(query, keep_blank_values=True)


def canonical_url(url: str) -> str:
    """`url` with its query rewritten to the canonical form (what is signed is what is sent).

    >>> canonical_url("https://ims.example.com/v2/images?limit=5&__imagetype=private&a=x+y")
    'https://ims.example.com/v2/images?__imagetype=private&a=x%20y&limit=5'
    """
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", canonical_query(query_pairs(parts.query)), ""))


def sdk_date(when: float | None = None) -> str:
    """``X-Sdk-Date`` for `when` (seconds since the epoch; default now), UTC.

    >>> sdk_date(0)
    '19700101T000000Z'
    """
    return time.strftime(DATE_FORMAT, time.gmtime(_clock() if when is None else when))


def string_to_sign(method: str, url: str, headers: Mapping[str, str], body: bytes = b"") -> tuple[str, list[str]]:
    """(string to sign, signed header names) for a request; `headers` must hold ``X-Sdk-Date``."""
    parts = urlsplit(url)
    lower = {k.lower(): str(v).strip() for k, v in headers.items()}
    signed = sorted(k for k in lower if "_" not in k)
    canonical_headers = "".join(f"{k}:{lower[k]}\n" for k in signed)
    payload = hashlib.sha256(body).hexdigest() if body else EMPTY_SHA256
    canonical = "\n".join(
        [
            method.upper(),
            canonical_uri(parts.path),
            canonical_query(query_pairs(parts.query)),
            canonical_headers,
            ";".join(signed),
            payload,
        ]
    )
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{lower['x-sdk-date']}\n{digest}", signed


def signature(secret: str, text: str) -> str:
    return hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).hexdigest()


def sign(
    method: str,
    url: str,
    *,
    ak: str,
    sk: str,
    headers: Mapping[str, str] | None = None,
    body: bytes = b"",
    when: float | None = None,
) -> tuple[str, dict[str, str]]:
    """(URL to send, headers to send) for one request signed with the key pair.

    `headers` are the extra headers to sign (``X-Project-Id``, ``X-Security-Token``,
    ``Content-Type``); ``Host`` and ``X-Sdk-Date`` are added.  The URL comes back with its
    query in canonical order and encoding: send exactly that URL.

    >>> url, h = sign("GET", "https://ims.eu-west-101.myhuaweicloud.com/v2/images?limit=2",
    ...               ak="AK", sk="SK", when=0)
    >>> url
    'https://ims.eu-west-101.myhuaweicloud.com/v2/images?limit=2'
    >>> h["Host"], h["X-Sdk-Date"]
    ('ims.eu-west-101.myhuaweicloud.com', '19700101T000000Z')
    >>> h["Authorization"]  # doctest: +NORMALIZE_WHITESPACE
    'SDK-HMAC-SHA256 Access=AK, SignedHeaders=host;x-sdk-date,
     Signature=f0da6b9ddaa3fbe2bc88f11ec6ceb2baac43c0b612a3b7e796e1abdc463c5967'
    """
    url = canonical_url(url)
    out = {"Host": urlsplit(url).netloc, "X-Sdk-Date": sdk_date(when)}
    out.update(headers or {})
    text, signed = string_to_sign(method, url, out, body)
    out["Authorization"] = f"{ALGORITHM} Access={ak}, SignedHeaders={';'.join(signed)}, Signature={signature(sk, text)}"
    return url, out
