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
