"""The HTML report: one self-contained page built from the analyses and plots."""

from imgkit.report._build import build_report
from imgkit.report._history import diff_page
from imgkit.report._page import format_bytes

__all__ = [
    "build_report",
    "diff_page",
    "format_bytes",
]
