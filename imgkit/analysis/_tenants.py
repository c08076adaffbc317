"""Tenant names: label the 32-hex project ids of a frame with their names.

:func:`label_tenants` adds an ``owner_name`` column (category). Wherever it exists,
imgkit's tables keep the id and show the name beside it (an ``owner_name`` column), and
plots, the explorer and the report label tenants by name (:func:`display_labels`),
shortened with an ellipsis only when too long; a tenant without a name keeps its id, and
two tenants with the same name are told apart by the start of their id.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from imgkit._typing import TenantNames
from imgkit.errors import ConfigError, ImgkitWarning, SourceError

__all__ = ["display_labels", "label_tenants"]

#: Characters a plot label keeps before it is shortened with an ellipsis.
LABEL_WIDTH = 28


def _read_csv(path: Path) -> dict[str, str]:
    desc = str(path)
    if not path.is_file():
        raise SourceError("no such file", source=desc)
    try:
        table = pd.read_csv(path, dtype="string", keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise SourceError(f"cannot read the tenant names CSV: {exc}", source=desc) from None
    return _from_frame(table, desc)


def _from_frame(table: pd.DataFrame, desc: str) -> dict[str, str]:
    cols = [str(c).strip().lower() for c in table.columns]
    if "id" not in cols or "name" not in cols:
        raise SourceError(f"the tenant names need the columns 'id' and 'name', got {list(table.columns)}", source=desc)
    ids = table.iloc[:, cols.index("id")].astype("string").str.strip()
    names = table.iloc[:, cols.index("name")].astype("string").str.strip()
    return _checked(zip(ids.tolist(), names.tolist()), desc)


def _checked(pairs: Iterable[tuple[Any, Any]], desc: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for i, (tid, name) in enumerate(pairs, 1):
        if tid is None or tid is pd.NA or str(tid).strip() == "":
            raise SourceError(f"entry {i} has no tenant id", source=desc)
        tid = str(tid).strip()
        if name is None or name is pd.NA or str(name).strip() == "":
            continue  # an id without a name keeps its id
        name = str(name).strip()
        if tid in out and out[tid] != name:
            raise SourceError(f"tenant {tid} has two names: {out[tid]!r} and {name!r}", source=desc)
        out[tid] = name
    return out


def _mapping(names: Any, keystone: Mapping[str, Any]) -> tuple[dict[str, str], str]:
    if isinstance(names, str) and names == "keystone":
        from imgkit.fetch import fetch_projects

        return _checked(dict(fetch_projects(**keystone)).items(), "keystone"), "keystone"
    if keystone:
        raise ConfigError(f"keyword arguments ({', '.join(sorted(keystone))}) are only for names='keystone'")
    if isinstance(names, Mapping):
        return _checked(names.items(), "<mapping>"), "<mapping>"
    if isinstance(names, pd.DataFrame):
        return _from_frame(names, "<DataFrame>"), "<DataFrame>"
    if isinstance(names, pd.Series):
        return _checked(names.items(), "<Series>"), "<Series>"
    if isinstance(names, (str, os.PathLike)):
        return _read_csv(Path(names)), os.fspath(names)
    raise ConfigError(f"`names` must be a mapping, a CSV path, a DataFrame or 'keystone', got {type(names).__name__}")


def _id_column(df: pd.DataFrame) -> str:
    for col in ("owner", "tenant_id"):
        if col in df.columns:
            return col
    raise ConfigError("the frame has no tenant column ('owner' for images, 'tenant_id' for servers)")


def label_tenants(df: pd.DataFrame, names: TenantNames, **keystone: Any) -> pd.DataFrame:
    """A copy of `df` with an ``owner_name`` column: the name of each row's tenant.

    Parameters
    ----------
    df : pandas.DataFrame
        An image frame (tenant = ``owner``) or a servers frame (``tenant_id``).
    names : mapping, path, DataFrame or "keystone"
        ``{project_id: name}``; a CSV file with the columns ``id`` and ``name`` (a header
        row; other columns are ignored); a DataFrame with those columns; or
        ``"keystone"`` to fetch ``GET /v3/projects`` with the same auth as
        :func:`imgkit.fetch_images`, given as keyword arguments (``cloud=``,
        ``token=``...), by :func:`imgkit.fetch.fetch_projects`.
    **keystone
        Only with ``names="keystone"``: passed to :func:`imgkit.fetch.fetch_projects`.

    Returns
    -------
    pandas.DataFrame
        A copy with ``owner_name`` (``category``; NA for a tenant the names do not
        know). ``attrs["imgkit"]["tenant_names"]`` records the source of the names and
        how many tenants of the frame got one. When no tenant of a non-empty frame has a
        name, one :class:`~imgkit.ImgkitWarning` says so (wrong file?).

    Raises
    ------
    SourceError
        A CSV that cannot be read, lacks ``id`` / ``name``, or gives one id two names.
    ConfigError
        A frame without a tenant column, or `names` of another type.

    Examples
    --------
    >>> df = pd.DataFrame({"id": ["a", "b", "c"], "owner": ["0a1b", "0a1b", "ffee"]})
    >>> out = imgkit.label_tenants(df, {"0a1b": "Finance", "9999": "HR"})
    >>> out["owner_name"].tolist(), str(out["owner_name"].dtype)
    (['Finance', 'Finance', nan], 'category')
    >>> out.attrs["imgkit"]["tenant_names"]
    {'source': '<mapping>', 'tenants': 2, 'named': 1}
    """
    col = _id_column(df)
    mapping, source = _mapping(names, keystone)
    out = df.copy()
    ids = out[col].astype("string")
    named = ids.map(mapping)
    cats = sorted({v for v in named.dropna().unique()})
    out["owner_name"] = pd.Categorical(named.astype(object).where(named.notna(), None), categories=cats)
    tenants = ids.dropna().unique()
    n_named = int(sum(1 for t in tenants if t in mapping))
    meta = dict(out.attrs.get("imgkit") or {})
    meta["tenant_names"] = {"source": source, "tenants": int(len(tenants)), "named": n_named}
    out.attrs["imgkit"] = meta
    if len(tenants) and not n_named:
        warnings.warn(
            f"none of the {len(tenants)} tenant(s) of the frame has a name in {source}", ImgkitWarning, stacklevel=2
        )
    return out


def names_for(df: pd.DataFrame, ids: Iterable[Any]) -> list[Any]:
    """The name of each tenant id in `ids` (NA when unknown), from `df`'s ``owner_name``."""
    lookup = _lookup(df)
    return [lookup.get(str(i), pd.NA) if lookup else pd.NA for i in ids]


def _lookup(df: pd.DataFrame) -> dict[str, str]:
    if "owner_name" not in df.columns:
        return {}
    col = _id_column(df)
    pairs = df[[col, "owner_name"]].dropna().drop_duplicates(col)
    return dict(zip(pairs[col].astype(str), pairs["owner_name"].astype(str)))


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def display_labels(df: pd.DataFrame, labels: Iterable[Any], *, width: int = LABEL_WIDTH) -> list[str]:
    """Plot labels for tenant ids: the tenant's name where `df` has ``owner_name``, else the id.

    A name longer than `width` characters is shortened with an ellipsis; two tenants
    with the same name show the start of their id after it. Labels that are not a
    tenant of `df` (``"Other (7 tenants)"``, ``"All tenants"``) are kept as they are.

    Examples
    --------
    >>> df = imgkit.label_tenants(pd.DataFrame({"owner": ["aa11", "bb22", "cc33", "dd44"]}),
    ...     {"aa11": "Finance", "bb22": "dev", "cc33": "dev", "dd44": "Research and development, EMEA region"})
    >>> display_labels(df, ["aa11", "bb22", "cc33", "dd44", "ee55", "Other (3 tenants)"])
    ['Finance', 'dev (bb22)', 'dev (cc33)', 'Research and development, E…', 'ee55', 'Other (3 tenants)']
    """
    lookup = _lookup(df)
    labels = [str(x) for x in labels]
    if not lookup:
        return labels
    counts: dict[str, int] = {}
    for name in lookup.values():
        counts[name] = counts.get(name, 0) + 1
    out = []
    for lab in labels:
        found = lookup.get(lab)
        if found is None:
            out.append(lab)
        elif counts[found] > 1:
            out.append(f"{_shorten(found, max(4, width - 11))} ({_shorten(lab, 8)})")
        else:
            out.append(_shorten(found, width))
    return out


def named_tenants(table: pd.DataFrame, df: pd.DataFrame, by: str | None, *, how: str = "column") -> pd.DataFrame:
    """Show tenant names in a table grouped by ``owner``, when `df` has ``owner_name`` (the ids stay).

    ``how="column"``: an ``owner_name`` column first; ``"index"`` / ``"columns"``: that axis
    becomes a MultiIndex (``owner``, ``owner_name``). Rows that are not a tenant (totals) get NA.
    """
    if by != "owner" or "owner_name" not in df.columns:
        return table
    axis = table.columns if how == "columns" else table.index
    names = pd.array(names_for(df, axis), dtype="string")
    if how == "column":
        table.insert(0, "owner_name", names)
        return table
    multi = pd.MultiIndex.from_arrays([axis, names], names=["owner", "owner_name"])
    if how == "columns":
        table.columns = multi
    else:
        table.index = multi
    return table


def tenant_ids(axis: pd.Index) -> pd.Index:
    """The tenant ids of an axis made by :func:`named_tenants` (the axis itself otherwise)."""
    if isinstance(axis, pd.MultiIndex) and "owner_name" in axis.names:
        return axis.get_level_values("owner")
    return axis
