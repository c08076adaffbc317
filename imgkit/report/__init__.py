"""The HTML report: one self-contained page built from the analyses and plots.

A report is a :class:`ReportContext` (every input) rendered through :data:`SECTIONS`, a registry
of :class:`Section` entries (id, title, render, needs), by :func:`build_report`.
"""

from imgkit.report._build import build_report
from imgkit.report._context import ReportContext
from imgkit.report._history import diff_page
from imgkit.report._page import format_bytes, format_money
from imgkit.report._sections import SECTIONS, Section

__all__ = [
    "SECTIONS",
    "ReportContext",
    "Section",
    "build_report",
    "diff_page",
    "format_bytes",
    "format_money",
]
