"""Plots of the analyses: each takes the image frame first, ``ax=None``, and returns the Axes."""

from imgkit.plotting._age import plot_age, plot_creation_timeline
from imgkit.plotting._composition import os_bars, plot_feature_support, plot_os_distribution, restack_os_bars
from imgkit.plotting._history import plot_diff_summary, plot_trend
from imgkit.plotting._style import group_colors, platform_colors

__all__ = [
    "group_colors",
    "os_bars",
    "platform_colors",
    "plot_age",
    "plot_creation_timeline",
    "plot_diff_summary",
    "plot_feature_support",
    "plot_os_distribution",
    "plot_trend",
    "restack_os_bars",
]
