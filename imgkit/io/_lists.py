"""List-of-strings columns (``tags``, ``support_agent_list``) that behave like any pandas column.

:class:`StringListArray` is a pandas ExtensionArray over an Arrow ``list<string>`` array (the layout pandas' own
``ArrowDtype(list<string>)`` uses), with what that dtype lacks: it hashes and factorizes, like geopandas'
``GeometryArray``. Each cell reads as a Python ``list`` (``None`` when missing); ``drop_duplicates``, ``nunique``,
``value_counts``, ``isin``, ``sort_values``, ``groupby``, ``describe(include="all")`` and
``pd.util.hash_pandas_object`` work on the whole frame, on pandas 2.2 and 3.

Portable files
    In Arrow, Parquet and Feather the column is a plain ``list<string>``: every reader (pandas, polars, Dask,
    DuckDB, Spark) gets a list of strings per cell, with or without imgkit. :func:`imgkit.read_parquet` gives
    :class:`StringListDtype` back; a plain ``pd.read_parquet`` gives an ``object`` column of NumPy arrays, as for any list column. No Arrow extension type:
    polars 2.1 empties the lists of a *registered* extension type when it converts back to Arrow or pandas.

Why the dtype's name is ``object``
    pandas writes ``str(dtype)`` into a Parquet/Feather file's metadata and pyarrow parses it back with
    ``pandas.api.types.pandas_dtype`` *before* converting, in every reading process, for every column of the file
    (``columns=`` too): a name only imgkit knows makes ``pd.read_parquet`` fail without imgkit (the old
    ``list<item: string>[pyarrow]`` did). ``object`` is what a list column is in plain pandas, and it is what a
    reader without imgkit gets. The dtype is not registered in pandas' registry and compares unequal to
    ``"object"`` and ``object``.
"""

from __future__ import annotations

import builtins
import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from pandas.api.extensions import ExtensionArray, ExtensionDtype

__all__ = ["StringListArray", "StringListDtype", "register_dask"]

_STORAGE = pa.list_(pa.string())
_NAME = "imgkit.string_list"


class StringListDtype(ExtensionDtype):
    """The dtype of :class:`StringListArray` (see the module docs for why its name is ``object``).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.Series([["b", "a"], []], dtype=StringListDtype())
    >>> s.iat[0], s.dtype == StringListDtype(), s.dtype == object
    (['b', 'a'], True, False)
    """

    name = "object"
    type = list
    kind = "O"
    na_value = None
    _is_boolean = False

    @classmethod
    def construct_array_type(cls) -> builtins.type[StringListArray]:
        return StringListArray

    @classmethod
    def construct_from_string(cls, string: str) -> StringListDtype:
        if string == "imgkit.string_list":
            return cls()
        raise TypeError(f"cannot construct a StringListDtype from {string!r}")

    def __repr__(self) -> str:
        return "StringListDtype()"

    def __hash__(self) -> int:
        return hash(_NAME)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            return other == "imgkit.string_list"
        return isinstance(other, StringListDtype)

    def __from_arrow__(self, array: pa.Array | pa.ChunkedArray) -> StringListArray:
        chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
        storage = [c.storage if isinstance(c, pa.ExtensionArray) else c for c in chunks]
        if not storage:
            return StringListArray(pa.array([], _STORAGE))
        return StringListArray(pa.concat_arrays([_as_storage(c) for c in storage]))


def _as_storage(arr: pa.Array) -> pa.Array:
    if arr.type == _STORAGE and str(arr.type) == str(_STORAGE):
        return arr
    return arr.cast(_STORAGE)


def _cell(value: Any) -> list[str] | None:
    """One cell as a list of strings (``None``/NA -> ``None``); a bare string is refused, not split into letters."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (str, bytes)):
        raise TypeError(f"a list cell must be a list of strings, not the text {value!r}")
    if isinstance(value, pa.Scalar):
        return value.as_py()
    if isinstance(value, dict):
        raise TypeError("a list cell must be a list of strings, not a dict")
    out = list(value)
    if not all(isinstance(v, str) for v in out):
        raise TypeError(f"a list cell holds strings only, got {out!r}")
    return out


def _lenient_cell(value: Any) -> Any:
    """A value to compare with: a list of strings as :func:`_cell` gives it, anything else as a non-list marker."""
    try:
        return _cell(value)
    except TypeError:
        return _NOT_A_LIST


_NOT_A_LIST = object()


class StringListArray(ExtensionArray):
    """A column of lists of strings: Arrow ``list<string>`` storage, hashable like any pandas column.

    Hashing, factorizing, sorting and ``isin`` see each cell as the tuple of its items, so two cells are the same
    value when they hold the same strings in the same order (``["a", "b"] != ["b", "a"]``). Missing cells (``None``)
    appear only where pandas inserts them (reindex, outer merge); :func:`imgkit.read_images` gives ``[]`` for
    an absent list.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.Series(StringListArray._from_sequence([["a"], [], ["a"]]))
    >>> s.tolist(), s.nunique(), s.duplicated().tolist()
    ([['a'], [], ['a']], 2, [False, False, True])
    >>> s.value_counts().to_dict()
    {('a',): 2, (): 1}
    >>> s.isin([["a"]]).tolist(), s.sort_values().tolist()
    ([True, False, True], [[], ['a'], ['a']])
    """

    _dtype = StringListDtype()

    def __init__(self, values: pa.Array | pa.ChunkedArray) -> None:
        if isinstance(values, pa.ChunkedArray):
            values = pa.concat_arrays(values.chunks) if values.num_chunks else pa.array([], _STORAGE)
        if isinstance(values, pa.ExtensionArray):
            values = values.storage
        if not isinstance(values, pa.Array):
            raise TypeError(f"StringListArray needs an Arrow array, got {type(values).__name__}")
        self._lists = _as_storage(values)

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def _from_sequence(cls, scalars: Iterable[Any], *, dtype: Any = None, copy: bool = False) -> StringListArray:
        if isinstance(scalars, StringListArray):
            return scalars.copy() if copy else scalars
        if isinstance(scalars, (pa.Array, pa.ChunkedArray)):
            return cls(scalars)
        if isinstance(scalars, pd.arrays.ArrowExtensionArray):
            return cls(pa.chunked_array(scalars._pa_array))  # noqa: SLF001 - pandas' documented storage attribute
        return cls(pa.array([_cell(v) for v in scalars], _STORAGE))

    @classmethod
    def _from_factorized(cls, values: np.ndarray, original: StringListArray) -> StringListArray:
        return cls(pa.array([None if v is None else list(v) for v in values], _STORAGE))

    @classmethod
    def _concat_same_type(cls, to_concat: Sequence[StringListArray]) -> StringListArray:
        return cls(pa.concat_arrays([a._lists for a in to_concat]) if to_concat else pa.array([], _STORAGE))

    # -- the ExtensionArray interface --------------------------------------------------------
    @property
    def dtype(self) -> StringListDtype:
        return self._dtype

    def __len__(self) -> int:
        return len(self._lists)

    def __getitem__(self, item: Any) -> Any:
        if isinstance(item, (int, np.integer)):
            return self._lists[int(item)].as_py()
        item = pd.api.indexers.check_array_indexer(self, item)
        if isinstance(item, slice):
            return type(self)(self._lists[item])
        if item.dtype == bool:
            return type(self)(self._lists.filter(pa.array(item)))
        return type(self)(self._lists.take(pa.array(item)))

    def __iter__(self) -> Any:
        return iter(self._lists.to_pylist())

    @property
    def nbytes(self) -> int:
        return self._lists.nbytes

    def isna(self) -> np.ndarray:
        return self._lists.is_null().to_numpy(zero_copy_only=False)

    def copy(self) -> StringListArray:
        return type(self)(self._lists)  # Arrow arrays are immutable: sharing the buffers is a copy

    def take(self, indices: Sequence[int], *, allow_fill: bool = False, fill_value: Any = None) -> StringListArray:
        idx = np.asarray(indices, dtype=np.int64)
        n = len(self)
        if allow_fill:
            if fill_value is not None and _cell(fill_value) is not None:
                raise ValueError("StringListArray.take fills with None only")
            if (idx < -1).any():
                raise ValueError("invalid value in 'indices': only -1 marks a missing value")
            if (idx >= n).any():
                raise IndexError("index out of bounds")
            return type(self)(self._lists.take(pa.array(idx, mask=idx < 0)))
        if ((idx >= n) | (idx < -n)).any():
            raise IndexError("index out of bounds")
        return type(self)(self._lists.take(pa.array(np.where(idx < 0, idx + n, idx))))

    def __setitem__(self, key: Any, value: Any) -> None:
        values = self._lists.to_pylist()
        key = pd.api.indexers.check_array_indexer(self, key)
        positions = np.arange(len(values))[key]
        if np.ndim(positions) == 0:
            values[int(positions)] = _cell(value)
        else:
            many = (
                isinstance(value, (StringListArray, list, tuple, np.ndarray, pd.Series))
                and len(value) == len(positions)
                and all(v is None or not isinstance(v, str) for v in value)
            )
            cells = [_cell(v) for v in value] if many else [_cell(value)] * len(positions)
            for p, c in zip(positions, cells):
                values[int(p)] = c
        self._lists = pa.array(values, _STORAGE)

    def to_arrow(self) -> pa.ListArray:
        """The values as an Arrow ``list<string>`` array (no copy)."""
        return self._lists

    def __arrow_array__(self, type: pa.DataType | None = None) -> pa.Array:
        return self._lists if type is None or type == _STORAGE else self._lists.cast(type)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        out = np.empty(len(self), dtype=object)
        out[:] = self._lists.to_pylist()
        if dtype is not None and np.dtype(dtype) != object:
            return out.astype(dtype)
        return out

    def astype(self, dtype: Any, copy: bool = True) -> Any:
        dtype = pd.api.types.pandas_dtype(dtype)
        if isinstance(dtype, StringListDtype):
            return self.copy() if copy else self
        if isinstance(dtype, pd.ArrowDtype) and pa.types.is_list(dtype.pyarrow_dtype):
            return pd.arrays.ArrowExtensionArray(pa.chunked_array([self._lists]).cast(dtype.pyarrow_dtype))
        if isinstance(dtype, pd.StringDtype):
            return pd.array([None if v is None else str(v) for v in self], dtype=dtype)
        if isinstance(dtype, np.dtype) and dtype.kind in "US":
            return np.array([str(v) for v in self], dtype=dtype)
        return super().astype(dtype, copy=copy)

    def __eq__(self, other: Any) -> Any:
        if isinstance(other, (pd.Series, pd.Index, pd.DataFrame)):
            return NotImplemented
        mine = self._lists.to_pylist()
        if isinstance(other, StringListArray):
            theirs = other._lists.to_pylist()
        elif isinstance(other, (list, tuple)) and (not other or isinstance(other[0], str)):
            theirs = [list(other)] * len(mine)  # one list, compared with every cell
        elif not pd.api.types.is_list_like(other):  # a text, a number, NA: no list equals it
            return np.zeros(len(mine), dtype=bool)
        else:
            theirs = [_lenient_cell(v) for v in other]
        if len(theirs) != len(mine):
            raise ValueError("Lengths must match to compare")
        return np.array([a is not None and a == b for a, b in zip(mine, theirs)], dtype=bool)

    def __ne__(self, other: Any) -> Any:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else ~eq & ~self.isna()

    # -- hashing, factorizing, sorting: each cell is the tuple of its items --------------------
    def _tuples(self) -> np.ndarray:
        out = np.empty(len(self), dtype=object)
        out[:] = [None if v is None else tuple(v) for v in self._lists.to_pylist()]
        return out

    def _values_for_factorize(self) -> tuple[np.ndarray, Any]:
        return self._tuples(), None

    def _values_for_argsort(self) -> np.ndarray:
        return self._tuples()

    def _hash_pandas_object(self, *, encoding: str, hash_key: str, categorize: bool) -> np.ndarray:
        from pandas.core.util.hashing import hash_array

        text = np.empty(len(self), dtype=object)
        text[:] = [None if v is None else json.dumps(v, ensure_ascii=False) for v in self._lists.to_pylist()]
        return hash_array(text, encoding=encoding, hash_key=hash_key, categorize=categorize)

    def unique(self) -> StringListArray:
        codes, uniques = pd.factorize(self._tuples(), use_na_sentinel=False)
        return type(self)._from_factorized(uniques, self)

    def duplicated(self, keep: Any = "first") -> np.ndarray:
        return pd.Series(self._tuples()).duplicated(keep=keep).to_numpy()

    def value_counts(self, dropna: bool = True) -> pd.Series:
        """Counts per distinct list, labelled by the tuple of its items (an index label must be hashable)."""
        counts = pd.Series(self._tuples()).value_counts(dropna=dropna, sort=False)
        counts.index = pd.Index(counts.index.tolist(), dtype=object, tupleize_cols=False)
        return counts.rename("count").astype("int64")

    def isin(self, values: Any) -> np.ndarray:
        wanted = set()
        for v in values:
            c = _lenient_cell(v)
            if c is not _NOT_A_LIST:
                wanted.add(None if c is None else tuple(c))
        return np.array([t in wanted for t in self._tuples()], dtype=bool)

    def _explode(self) -> tuple[Any, np.ndarray]:
        """``Series.explode``: one row per item (an empty or missing list gives one NA row)."""
        values = self._lists.to_pylist()
        flat: list[str | None] = []
        counts = np.empty(len(values), dtype=np.uint64)
        for i, v in enumerate(values):
            if v:
                flat.extend(v)
                counts[i] = len(v)
            else:
                flat.append(None)
                counts[i] = 1
        return pd.array(flat, dtype=pd.StringDtype("pyarrow")), counts

    def _formatter(self, boxed: bool = False) -> Any:
        return repr

    def _reduce(self, name: str, *, skipna: bool = True, keepdims: bool = False, **kwargs: Any) -> Any:
        if name in ("min", "max"):
            t = [x for x in self._tuples() if x is not None] if skipna else list(self._tuples())
            if not t or None in t:
                return None
            return list(min(t) if name == "min" else max(t))
        return super()._reduce(name, skipna=skipna, keepdims=keepdims, **kwargs)


def register_dask() -> None:
    """Tell Dask how to build an example :class:`StringListArray` (for its empty "meta" frames); idempotent.

    Done on ``import imgkit`` when ``dask.dataframe`` is imported already, and by imgkit's own Dask entry points;
    call it before ``dask.dataframe.from_pandas(df)`` when Dask was imported after imgkit.
    """
    from dask.dataframe.extensions import make_array_nonempty

    if StringListDtype not in make_array_nonempty._lookup:
        make_array_nonempty.register(StringListDtype)(lambda dtype: StringListArray._from_sequence([["a"], []]))


if "dask.dataframe" in sys.modules:  # pragma: no cover - depends on the import order
    register_dask()
