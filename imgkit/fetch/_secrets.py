"""Secrets (token, password) that never print, and scrubbing them from server text."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
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


#: Length of the windows of a secret looked for: any run of this many characters of a secret's comparison
#: form found in a text is a trace.
_WINDOW = 10
#: Characters of a secret's comparison form that make a recognisable prefix (a truncated echo "S3CRET-P...").
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
    """`text` with HTML entities (twice) and JSON ``\\uXXXX`` escapes undone."""
    text = html.unescape(html.unescape(text))
    return _JSON_U.sub(lambda m: chr(int(m.group(1), 16)), text)


@dataclass(frozen=True)
class _Probes:
    """Every :data:`_WINDOW`-character window of each secret's comparison forms (sets: linear lookups) and prefixes."""

    windows: tuple[frozenset[str], frozenset[str]]
    prefixes: tuple[tuple[str, ...], tuple[str, ...]]

    def __bool__(self) -> bool:
        return any(self.windows) or any(self.prefixes)


def _probes(secrets: Iterable[str]) -> _Probes:
    windows: tuple[set[str], set[str]] = (set(), set())
    prefixes: tuple[list[str], list[str]] = ([], [])
    for secret in secrets:
        for kind, form in enumerate(_skeletons(secret)):
            if len(form) >= _WINDOW:
                windows[kind].update(form[i : i + _WINDOW] for i in range(len(form) - _WINDOW + 1))
            if len(form) >= 4:
                prefixes[kind].append(form[:_PREFIX])
    return _Probes((frozenset(windows[0]), frozenset(windows[1])), (tuple(prefixes[0]), tuple(prefixes[1])))


def _traced(text: str, probes: _Probes) -> bool:
    """True when `text` shows a window or prefix of a secret (decoded and folded): linear in ``len(text)``."""
    decoded = _decoded(text)
    # with and without what looks like tags: "s3cret<b>pw" is an echo, and "<<x SECRET>>" must not hide one
    forms = _skeletons(decoded) + _skeletons(_TAG.sub("", decoded))
    for i, form in enumerate(forms):
        wins, prefixes = probes.windows[i % 2], probes.prefixes[i % 2]
        if wins and any(form[j : j + _WINDOW] in wins for j in range(len(form) - _WINDOW + 1)):
            return True
        if any(p in form for p in prefixes):
            return True
    return False


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` (a message, log line, URL or code built from server text) without any trace of `secrets`.

    Exact echoes (also JSON- or HTML-escaped) become ``***``.  Then, if the first 6 or any
    10 consecutive characters of a secret still show once entities, ``\\uXXXX`` escapes (and
    tags) are undone, case and accents folded and everything but ASCII letters and digits
    dropped (so partial, whitespace-collapsed, truncated, case-changed or mis-decoded echoes
    are caught), the text is cut at the word where the trace starts.  The windows are kept
    in a set, so one check is linear in the text; finding the cut takes O(log n) checks.

    >>> scrub("bad token gAAAAAB-abc-123 (x)", ["gAAAAAB-abc-123"])
    'bad token *** (x)'
    >>> scrub("Invalid password S3CRET-P... for alice", ["s3cret-pw-42"])
    'Invalid password ***'
    >>> scrub("bad password &#115;&#51;cret-pw", ["s3cret-pw"])
    'bad password ***'
    >>> scrub("request id 7-very-secret-token-0123 ok", ["gAAAAAB-very-secret-token-0123"])
    'request id ***'
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
    words = [m.span() for m in re.finditer(r"\S+", text)]
    if not words:
        return "***"
    # the first word whose end completes a trace; then the last word start from which the trace still shows
    lo, hi = 0, len(words) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if _traced(text[: words[mid][1]], probes):
            hi = mid
        else:
            lo = mid + 1
    end = words[lo][1]
    first, last = 0, lo
    while first < last:
        mid = (first + last + 1) // 2
        if _traced(text[words[mid][0] : end], probes):
            first = mid
        else:
            last = mid - 1
    return (text[: words[first][0]].rstrip() + " ***").lstrip()
