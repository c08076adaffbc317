"""Doctest namespace: ``pd``, ``np`` and ``imgkit`` are available in every Examples block."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np
import pandas as pd
import pytest

import imgkit


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace):
    doctest_namespace.update(pd=pd, np=np, imgkit=imgkit)
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
