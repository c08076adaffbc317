"""End-of-life OS versions: a small table shipped with imgkit, and the images it flags.

The table (``os_eol.csv`` next to this module) maps an OS release to the day its
vendor's regular, free security support ends, with the page that says so. An image
is matched to a release by its ``os_version`` text (a case-insensitive regular
expression per release, e.g. ``^CentOS 7(\\.|\\b)`` for "CentOS 7.9 64bit"); images
whose version is in no row are *not known*, never counted as supported or not.

Updating the table
------------------
Edit ``imgkit/analysis/os_eol.csv`` (columns ``release, match, eol, support, source``):
one row per release, ``eol`` as ``YYYY-MM-DD`` (the last day of the month when the
vendor gives only a month), ``support`` naming which support ends, ``source`` the
vendor's lifecycle page. ``tests/analysis/test_eol.py`` checks that every row parses,
every pattern compiles and no os_version of the demo matches two rows.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from imgkit._validators import require_columns
from imgkit.analysis._core import resolve_as_of

__all__ = ["eol_images", "os_eol_table"]

#: The columns of the table, in order.
EOL_COLUMNS = ("release", "match", "eol", "support", "source")


@lru_cache(maxsize=1)
def _table() -> pd.DataFrame:
    text = resources.files("imgkit.analysis").joinpath("os_eol.csv").read_text(encoding="utf-8")
    import io

    table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    table["eol"] = pd.to_datetime(table["eol"], format="%Y-%m-%d", utc=True).dt.as_unit("ns")
    return table[list(EOL_COLUMNS)]


def os_eol_table() -> pd.DataFrame:
    """The end-of-life table shipped with imgkit: one row per OS release.

    Returns
    -------
    pandas.DataFrame
        ``release`` (e.g. "CentOS 7"), ``match`` (the regular expression matched against
        ``os_version``, case-insensitive), ``eol`` (UTC day the support ends),
        ``support`` (which support: "end of standard support"...) and ``source`` (the
        vendor's lifecycle page).

    Examples
    --------
    >>> t = imgkit.os_eol_table()
    >>> t.set_index("release").loc["CentOS 7", ["eol", "source"]].tolist()
    [Timestamp('2024-06-30 00:00:00+0000', tz='UTC'), 'https://wiki.centos.org/About/Product']
    """
    return _table().copy()


def _release_of(versions: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Row number in the table of each version's release (-1: none); each distinct version matched once."""
    table = _table()
    patterns = [re.compile(p, re.IGNORECASE) for p in table["match"]]
    codes, uniques = pd.factorize(versions.astype(object), use_na_sentinel=True)
    rows = np.full(len(uniques), -1, dtype=np.int64)
    for k, text in enumerate(uniques):
        for i, pattern in enumerate(patterns):
            if pattern.search(str(text)):
                rows[k] = i
                break
    out = np.where(codes >= 0, rows[np.maximum(codes, 0)] if len(rows) else -1, -1)
    return out, codes


def eol_images(df: pd.DataFrame, *, as_of: Any = None, within: str | pd.Timedelta | None = None) -> pd.DataFrame:
    """The images whose OS release is past its end of life at `as_of`.

    Parameters
    ----------
    df : pandas.DataFrame
        A typed image frame with an ``os_version`` column.
    as_of : str, datetime or Timestamp, optional
        The day that counts; default as :func:`imgkit.resolve_as_of`.
    within : str or pandas.Timedelta, optional
        Also the images whose release reaches its end of life within this time after
        `as_of` (e.g. ``"180D"``).

    Returns
    -------
    pandas.DataFrame
        The matching rows of `df` plus ``os_release``, ``eol`` (the end-of-life day),
        ``eol_support``, ``eol_source`` and ``days_past_eol`` (``Int64``, negative when
        still ahead), the releases longest past their end of life first.
        ``attrs["imgkit"]`` records ``as_of``, ``as_of_source``, ``within`` and how
        many images had an ``os_version`` the table does not know (``unknown_release``).

    Examples
    --------
    >>> df = pd.DataFrame({"id": ["a", "b", "c"],
    ...                    "os_version": ["CentOS 7.9 64bit", "Ubuntu 24.04 server 64bit", "Other 64bit"]})
    >>> e = imgkit.eol_images(df, as_of="2026-01-01")
    >>> e[["id", "os_release", "days_past_eol"]].to_dict("records")
    [{'id': 'a', 'os_release': 'CentOS 7', 'days_past_eol': 550}]
    >>> e.attrs["imgkit"]["unknown_release"]
    1
    """
    require_columns(df, ["os_version"])
    when, source = resolve_as_of(df, as_of)
    ahead = pd.Timedelta(0) if within is None else pd.Timedelta(within)
    table = _table()
    rows, codes = _release_of(df["os_version"])
    known = rows >= 0
    eol = np.full(len(df), np.datetime64("NaT"), dtype="datetime64[ns]")
    eol[known] = table["eol"].dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")[rows[known]]
    limit = (when + ahead).tz_localize(None).to_datetime64() if not pd.isna(when) else None
    hit = known & (eol <= limit) if limit is not None else np.zeros(len(df), dtype=bool)
    idx = np.flatnonzero(hit)
    out = df.take(idx)
    r = rows[idx]
    out["os_release"] = pd.array(table["release"].to_numpy()[r], dtype="string")
    out["eol"] = pd.to_datetime(eol[idx]).tz_localize("UTC")
    out["eol_support"] = pd.array(table["support"].to_numpy()[r], dtype="string")
    out["eol_source"] = pd.array(table["source"].to_numpy()[r], dtype="string")
    days = (when.tz_localize(None).to_datetime64() - eol[idx]) // np.timedelta64(1, "D") if len(idx) else []
    out["days_past_eol"] = pd.array(np.asarray(days, dtype=np.int64), dtype="Int64")
    out = out.sort_values(["eol", "os_release"], kind="stable")
    out.attrs["imgkit"] = {
        **(df.attrs.get("imgkit") or {}),
        "as_of": when,
        "as_of_source": source,
        "within": None if within is None else str(within),
        "unknown_release": int((~known & (codes >= 0)).sum()),
    }
    return out
