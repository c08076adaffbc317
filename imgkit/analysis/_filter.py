"""Filtering an image frame by the explorer's and the report's criteria."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from imgkit._validators import require_columns
from imgkit.analysis._composition import check_features, feature_matrix, feature_sources
from imgkit.analysis._core import (
    isin_values,
    to_ns,
    to_utc,
)
from imgkit.errors import ConfigError


def filter_images(
    df: pd.DataFrame,
    *,
    tenants: Iterable[str] | str | None = None,
    platforms: Iterable[str] | str | None = None,
    os_types: Iterable[str] | str | None = None,
    statuses: Iterable[str] | str | None = None,
    visibilities: Iterable[str] | str | None = None,
    imagetypes: Iterable[str] | str | None = None,
    created_between: tuple[Any, Any] | None = None,
    features: Iterable[str] | str | None = None,
) -> pd.DataFrame:
    """The rows matching every given filter (``None`` = no filter on that field).

    Parameters
    ----------
    df : pandas.DataFrame
        A typed image frame.
    tenants, platforms, os_types, statuses, visibilities, imagetypes : str or list of str, optional
        Keep images whose ``owner`` / ``platform`` / ``os_type`` / ``status`` /
        ``visibility`` / ``imagetype`` is one of the values (a single string is one
        value). ``"(missing)"`` (or ``None``) in the list matches a missing value.
        An empty list keeps nothing.
    created_between : (start, end), optional
        Keep images with ``start <= created_at < end`` (half-open, so
        ``("2024-01-01", "2025-01-01")`` is the year 2024). Either bound may be
        ``None`` (open); a time without zone is read as UTC. Images without
        ``created_at`` are dropped by this filter.
    features : str or list of str, optional
        Feature names (keys of :func:`feature_labels`); keep images supporting
        all of them.

    Returns
    -------
    pandas.DataFrame
        A row subset of `df` (same columns, index and ``attrs``).

    Raises
    ------
    ConfigError
        On an unknown feature name or a malformed `created_between` (not a pair,
        or a bound that is not a date/time).

    Examples
    --------
    >>> df = pd.DataFrame({"id": ["a", "b", "c"],
    ...                    "platform": pd.Categorical(["Ubuntu", "CentOS", None]),
    ...                    "hw_firmware_type": pd.Categorical(["uefi", "uefi", "bios"]),
    ...                    "created_at": pd.to_datetime(["2020-01-01", "2024-03-01", None], utc=True)})
    >>> imgkit.filter_images(df, platforms=["Ubuntu", "(missing)"])["id"].tolist()
    ['a', 'c']
    >>> imgkit.filter_images(df, features=["uefi"], created_between=("2024-01-01", None))["id"].tolist()
    ['b']
    """
    mask = np.ones(len(df), dtype=bool)
    for column, values in (
        ("owner", tenants),
        ("platform", platforms),
        ("os_type", os_types),
        ("status", statuses),
        ("visibility", visibilities),
        ("imagetype", imagetypes),
    ):
        if values is not None:
            require_columns(df, [column])
            mask &= isin_values(df[column], values)
    if created_between is not None:
        if isinstance(created_between, (str, bytes)) or len(created_between) != 2:
            raise ConfigError(f"`created_between` must be a (start, end) pair, got {created_between!r}")
        require_columns(df, ["created_at"])
        start, end = created_between
        i8, na = to_ns(df["created_at"])
        mask &= ~na
        if start is not None:
            mask &= i8 >= to_utc(start, "created_between").as_unit("ns").value
        if end is not None:
            mask &= i8 < to_utc(end, "created_between").as_unit("ns").value
    if features is not None:
        names = check_features(features)
        require_columns(df, feature_sources(names))
        mask &= feature_matrix(df, names).all(axis=1)
    return df[mask]
