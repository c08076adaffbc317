"""Shared fixtures. Plots render with the Agg backend and every figure is closed after each test."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = FIXTURES / "samples"
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def close_figs():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.fixture
def samples_dir() -> Path:
    return SAMPLES


@pytest.fixture(params=["fast", "exact"])
def engine(request) -> str:
    """Each parsing engine of :func:`imgkit.read_images` in turn (the model: geopandas' ``io/tests/test_file.py``)."""
    return request.param


@pytest.fixture
def read(engine):
    """``read_images(source, engine=engine, errors="ignore")``; a list of records reaches the fast engine as JSON bytes."""
    import json

    import imgkit

    def _read(source, **kw):
        kw.setdefault("errors", "ignore")
        if engine == "fast" and isinstance(source, list):
            source = json.dumps({"images": source}, ensure_ascii=False).encode()
        df = imgkit.read_images(source, engine=engine, **kw)
        assert df.attrs["imgkit"]["engine"]["ran"] == engine, df.attrs["imgkit"]["engine"]
        return df

    return _read
