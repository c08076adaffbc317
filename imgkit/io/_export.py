"""Tables written for spreadsheets: CSV and the cells of XLSX that are safe to open (formula injection).

A spreadsheet reads a cell as a formula when its text starts with ``=``, ``+``, ``-`` or ``@``
(or their fullwidth forms ``＝ ＋ － ＠``), also after leading whitespace, and a CSV field
holding a line break starts a new line that can begin with one. :func:`neutralise` puts an
apostrophe before every such line of a text; :func:`to_safe_csv` writes a frame with every
text cell (and header) neutralised, lists and dicts as JSON text, and CRLF line ends so that
a field holding a bare CR or LF is always quoted.
"""

from __future__ import annotations

import json
import os
import re
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["neutralise", "safe_table", "to_safe_csv"]

#: Characters that make a spreadsheet read a line as a formula (ASCII and fullwidth), and tab / CR / LF.
FORMULA_CHARS = frozenset("=+-@\t\r\n\uff1d\uff0b\uff0d\uff20")
_LINES = re.compile(r"(\r\n|\r|\n)")


def _formula_like(line: str) -> bool:
    if not line:
        return False
    if line[0] in FORMULA_CHARS:
        return True
    stripped = line.lstrip()  # any Unicode whitespace, the ideographic space too
    return bool(stripped) and stripped[0] in FORMULA_CHARS


def neutralise(text: str) -> str:
    r"""`text` with an apostrophe before every line a spreadsheet would read as a formula.

    Examples
    --------
    >>> from imgkit.io import neutralise
    >>> neutralise("=1+1"), neutralise(" @SUM(A1)"), neutralise("Ubuntu\r=cmd"), neutralise("＝1"), neutralise("ok")
    ("'=1+1", "' @SUM(A1)", "Ubuntu\r'=cmd", "'＝1", 'ok')
    """
    parts = _LINES.split(text)
    return "".join("'" + part if k % 2 == 0 and _formula_like(part) else part for k, part in enumerate(parts))


def _cell(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple, dict)):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return neutralise(value) if isinstance(value, str) else value


def safe_table(df: pd.DataFrame) -> pd.DataFrame:
    """`df` with every text-like cell and every header made safe for a spreadsheet (see :func:`to_safe_csv`)."""
    import pandas as pd
    from pandas.api import types

    out = pd.DataFrame(index=df.index)
    for k in range(df.shape[1]):
        s = df.iloc[:, k]
        if types.is_bool_dtype(s.dtype) or types.is_numeric_dtype(s.dtype) or types.is_datetime64_any_dtype(s.dtype):
            out[k] = s
        else:
            out[k] = pd.Series([_cell(v) for v in s.tolist()], index=df.index, dtype=object)
    out.columns = [str(_cell(str(c))) for c in df.columns]
    return out


def to_safe_csv(df: pd.DataFrame, path: str | os.PathLike[str] | IO[str]) -> None:
    """Write `df` as CSV that is safe to open in a spreadsheet.

    Numbers, booleans and timestamps are written as they are; every other cell is text:
    lists and dicts become JSON text, and every line of a text that starts with ``=``, ``+``,
    ``-``, ``@`` (or a fullwidth form, also after leading whitespace), a tab or a line break
    gets a leading apostrophe (:func:`neutralise`). Column names are neutralised the same way.
    Lines end in CRLF (RFC 4180), so a field holding a bare CR or LF is quoted.

    Examples
    --------
    >>> import io
    >>> buf = io.StringIO()
    >>> imgkit.io.to_safe_csv(pd.DataFrame({"name": ["Ubuntu\\r=cmd|' /C calc'!A0", "web"]}), buf)
    >>> buf.getvalue()
    'name\\r\\n"Ubuntu\\r\\'=cmd|\\' /C calc\\'!A0"\\r\\nweb\\r\\n'
    """
    safe_table(df).to_csv(path, index=False, lineterminator="\r\n")
