"""Secrets (token, password) that never print, and scrubbing them from server text."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

import orjson

from imgkit.errors import ConfigError


class Secret:
    """A string that never shows itself: ``repr``/``str``/``format`` print ``'***'``.

    >>> s = Secret("gAAAAAB-secret")
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
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> Any:
        raise TypeError("a secret cannot be pickled")


def header_token(value: str, what: str = "token") -> Secret:
    """`value` without surrounding whitespace as a :class:`Secret`, if it can be an HTTP header value.

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
        raise ConfigError(
            f"the {what} cannot be sent in an HTTP header: character {bad + 1} is a space, control or "
            f"non-ASCII character; check for a stray space, line break or quote"
        )
    return Secret(text)


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
    return (
        "".join(ch for ch in folded if ch.isascii() and ch.isalnum()),
        "".join(ch for ch in text.casefold() if ch.isascii() and ch.isalnum()),
    )


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
        for form in {
            secret,
            html.escape(secret),
            html.escape(secret, quote=False),
            orjson.dumps(secret).decode()[1:-1],
            secret.encode("unicode_escape").decode(),
        }:
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
