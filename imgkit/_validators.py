"""Option checks shared by every layer: one helper per check, one message shape."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from imgkit.errors import ConfigError


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


def require_columns(df: pd.DataFrame, columns: Iterable[str]) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ConfigError(
            f"the frame lacks the column(s) {', '.join(map(repr, missing))}; "
            "pass a frame returned by imgkit.read_images, fetch_images or load_demo"
        )


def check_by(df: pd.DataFrame, by: str | None, name: str = "by") -> None:
    if by is not None and by not in df.columns:
        raise ConfigError(f"`{name}` must be None or a column of the frame, got {by!r}")


def check_positive(name: str, value: Any, *, none: str = "") -> int:
    """`value` as an int if it is a positive integer (not a bool); else ConfigError naming option `name`.

    The one count check of the analyses, plots, explorer and report (``top``, ``rows``...).
    """
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ConfigError(f"`{name}` must be {none}a positive integer, got {value!r}")
    return int(value)
