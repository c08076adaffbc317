"""What plain ``pd.read_parquet`` / ``pd.read_feather`` give back, per pandas version.

pandas < 3 records a ``string`` column in Parquet/Feather metadata without its storage and reads it back as
``string[python]`` (the default ``mode.string_storage``); pandas >= 3 keeps ``string[pyarrow]``. Values are the
same either way, and ``imgkit.read_parquet`` restores the Arrow storage on every pandas. docs: user-guide/pandas.md.
"""

from __future__ import annotations

import pandas as pd

PANDAS_3 = int(pd.__version__.split(".")[0]) >= 3


def plain(back: pd.DataFrame) -> pd.DataFrame:
    """`back` with pandas 2's ``string[python]`` columns given imgkit's Arrow storage (a no-op on pandas >= 3)."""
    if PANDAS_3:
        return back
    python = pd.StringDtype("python")
    cols = [c for c, t in back.dtypes.items() if t == python]
    return back.astype({c: pd.StringDtype("pyarrow") for c in cols}) if cols else back
