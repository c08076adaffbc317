"""URL safety: the one origin check every request and redirect passes."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit, urlunsplit

import urllib3
from urllib3.util import parse_url


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


_HOST_PORT = re.compile(
    rf"(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<name>{_LABEL}(?:\.{_LABEL})*))(?::(?P<port>[0-9]{{1,5}}))?"
)


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
    ValueError: its host part holds user info (before '@127.0.0.1'; never shown)
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
        host = "@" + authority.rsplit("@", 1)[1][:80]
        raise ValueError(f"its host part holds user info (before {host!r}; never shown)")
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
