"""One helper for option checks, one message shape."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .errors import ConfigError


def check_argument(name: str, options: Iterable[Any], value: Any) -> Any:
    """Raise :class:`~imgkit.errors.ConfigError` unless `value` is one of `options`.

    The message always reads "`name` must be one of ..., got 'value'".

    Examples
    --------
    >>> check_argument("errors", ["warn", "raise", "ignore"], "warn")
    'warn'
    >>> check_argument("errors", ["warn", "raise", "ignore"], "loud")
    Traceback (most recent call last):
    ...
    imgkit.errors.ConfigError: `errors` must be one of 'warn', 'raise', 'ignore', got 'loud'
    """
    options = list(options)
    if value not in options:
        listed = ", ".join(repr(o) for o in options)
        raise ConfigError(f"`{name}` must be one of {listed}, got {value!r}")
    return value
