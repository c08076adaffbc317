"""Teach pandas the names of nested Arrow dtypes, so a plain ``pd.read_parquet`` restores imgkit's list columns.

imgkit's list columns (``tags``, ``support_agent_list``) are ``pd.ArrowDtype(pa.list_(pa.string()))``.
``df.to_parquet`` records that dtype in the file's pandas metadata by its name,
``"list<item: string>[pyarrow]"``, and ``pd.read_parquet`` / ``pd.read_feather`` rebuild
every extension dtype from its name with ``pandas.api.types.pandas_dtype``. pandas' own
:class:`~pandas.ArrowDtype` parses only flat type names (``int64[pyarrow]``), so the read fails
with ``TypeError: data type 'list<item: string>[pyarrow]' not understood``.

Importing imgkit registers :class:`NestedArrowName` with pandas' dtype registry (the public
extension API). It is never a column's dtype: its ``construct_from_string`` parses the name of a
list type (``list<item: T>``, ``large_list<item: T>``, nested, with ``T`` any flat Arrow type name
pandas knows) and returns the real ``pd.ArrowDtype``. Any other string is left to the other dtypes.
"""

from __future__ import annotations

import builtins
import re

import pandas as pd
import pyarrow as pa
from pandas.api.extensions import ExtensionDtype, register_extension_dtype

__all__ = ["NestedArrowName", "arrow_type_from_name"]

_LIST_NAME = re.compile(r"^(large_list|list)<(?:item|element): (.+)>$")


def arrow_type_from_name(name: str) -> pa.DataType:
    """The Arrow type printed as `name` (``str(type)``), for flat types and lists of them.

    Examples
    --------
    >>> arrow_type_from_name("list<item: string>")
    ListType(list<item: string>)
    >>> arrow_type_from_name("large_list<item: list<item: int64>>")
    LargeListType(large_list<item: list<item: int64>>)
    """
    m = _LIST_NAME.match(name)
    if m is None:
        try:
            return pa.type_for_alias(name)
        except ValueError:
            raise TypeError(f"not an Arrow type name: {name!r}") from None
    inner = arrow_type_from_name(m.group(2))
    return pa.large_list(inner) if m.group(1) == "large_list" else pa.list_(inner)


@register_extension_dtype
class NestedArrowName(ExtensionDtype):
    """A name resolver for nested ``ArrowDtype`` names (never instantiated as a column dtype).

    Examples
    --------
    >>> import pandas as pd
    >>> pd.api.types.pandas_dtype("list<item: string>[pyarrow]")
    list<item: string>[pyarrow]
    """

    name = "imgkit-nested-arrow-name"
    type = object

    @classmethod
    def construct_from_string(cls, string: str) -> pd.ArrowDtype:
        if not isinstance(string, str) or not string.endswith("[pyarrow]") or "<" not in string:
            raise TypeError(f"cannot construct a nested ArrowDtype from {string!r}")
        return pd.ArrowDtype(arrow_type_from_name(string[: -len("[pyarrow]")]))

    @classmethod
    def construct_array_type(cls) -> builtins.type:  # pragma: no cover - never a column's dtype
        raise NotImplementedError("NestedArrowName only resolves dtype names")
