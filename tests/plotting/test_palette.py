"""The platform palette: no two platforms differ only in lightness; the common ones stay apart when colour-blind."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import imgkit

#: Machado, Oliveira & Fernandes (2009), severity 1.0, applied to linear sRGB.
DEUTERANOPIA = np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                         [-0.011820, 0.042940, 0.968881]])  # fmt: skip
PROTANOPIA = np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                       [-0.003882, -0.048116, 1.051998]])  # fmt: skip
_XYZ = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])


def _linear(hex_color: str) -> np.ndarray:
    c = np.array([int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(linear: np.ndarray) -> np.ndarray:
    t = (_XYZ @ np.clip(linear, 0, 1)) / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _hue(lab: np.ndarray) -> float:
    return float(np.degrees(np.arctan2(lab[2], lab[1])) % 360)


COLORS = {k: v for k, v in imgkit.platform_colors().items() if k != "Other"}


@pytest.mark.parametrize(("a", "b"), list(itertools.combinations(COLORS, 2)))
def test_no_two_platforms_differ_only_in_lightness(a, b):
    la, lb = _lab(_linear(COLORS[a])), _lab(_linear(COLORS[b]))
    hue = abs(_hue(la) - _hue(lb)) % 360
    assert min(hue, 360 - hue) >= 15, (a, b, hue)
    assert np.hypot(*(la[1:] - lb[1:])) >= 20, (a, b)


def test_the_common_platforms_stay_apart_for_red_green_colour_blindness():
    demo = imgkit.load_demo()["platform"].astype(str).value_counts()
    common = [p for p in demo.index if p in COLORS][:8]
    for a, b in itertools.combinations(common, 2):
        for matrix in (DEUTERANOPIA, PROTANOPIA):
            da = _lab(matrix @ _linear(COLORS[a]))
            db = _lab(matrix @ _linear(COLORS[b]))
            assert np.linalg.norm(da - db) >= 17, (a, b)


def test_other_and_missing_stay_grey():
    colors = imgkit.platform_colors(["Other", "(missing)", "Ubuntu"])
    assert colors["Other"] == "#7f7f7f" and colors["(missing)"] == "#c7c7c7" and colors["Ubuntu"] == "#e69f00"
