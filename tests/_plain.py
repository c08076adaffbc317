"""What plain ``pd.read_parquet`` / ``pd.read_feather`` give back, per pandas version.

pandas < 3 records a ``string`` column in Parquet/Feather metadata without its storage and reads it back as
``string[python]`` (the default ``mode.string_storage``); pandas >= 3 keeps ``string[pyarrow]``. A list column
comes back, as any list column in pandas, as ``object`` holding one NumPy array per cell. Values are the same either
way, and ``imgkit.read_parquet`` restores the dtypes on every pandas. docs/user-guide/compatibility.md says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import imgkit

PANDAS_3 = int(pd.__version__.split(".")[0]) >= 3


def plain(back: pd.DataFrame) -> pd.DataFrame:
    """`back` with imgkit's dtypes where plain pandas gives others of the same values (see the module docs)."""
    out = back.copy()
    for c, t in back.dtypes.items():
        if not PANDAS_3 and t == pd.StringDtype("python"):
            out[c] = back[c].astype(pd.StringDtype("pyarrow"))
        elif t == np.dtype(object) and len(back) and all(isinstance(v, np.ndarray) for v in back[c]):
            out[c] = pd.array(list(back[c]), dtype=imgkit.StringListDtype())
    return out
