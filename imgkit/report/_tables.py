"""Every table of the report, by name: shown (capped), and written in full as CSV with ``--tables DIR``.

A section renders a table with :meth:`Tables.html`; the full frame is kept under the
table's name (``<section>-<what>``, e.g. ``cleanup-candidates``), so
``imgkit report ... --tables DIR`` (``build_report(..., tables=DIR)``) writes
``DIR/<name>.csv`` for each, formula-injection safe (:func:`imgkit.io.to_safe_csv`). A
capped table ends with the exact command that gives all of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from imgkit._html import escape, table_html

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Tables"]

#: A table of at most this many rows is kept on one printed page with its heading and caption.
SMALL_TABLE = 15


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "table"


class Tables:
    """The tables of one report: their full frames by name, and how a reader gets all of a capped one.

    Parameters
    ----------
    directory : str or Path, optional
        Where :meth:`write` puts the CSV files (``--tables DIR``).
    command : str, optional
        The command line that built the report; a capped table's note repeats it with
        ``--tables`` so the reader can run it.
    """

    def __init__(self, directory: str | Path | None = None, command: str | None = None) -> None:
        self.directory = None if directory is None else Path(directory)
        self.command = command
        self.frames: dict[str, pd.DataFrame] = {}

    def name(self, section: str, what: str) -> str:
        base = f"{_slug(section)}-{_slug(what)}"
        name, k = base, 2
        while name in self.frames:
            name, k = f"{base}-{k}", k + 1
        return name

    def hint(self, name: str) -> str:
        """Where all rows of table `name` are: the file, or the command that writes it."""
        if self.directory is not None:
            return f"all of them: {self.directory / (name + '.csv')}"
        if self.command:
            return f"all of them: {self.command} --tables tables (writes tables/{name}.csv)"
        return f'all of them: build_report(..., tables="tables") writes tables/{name}.csv'

    def html(
        self,
        section: str,
        what: str,
        frame: pd.DataFrame,
        *,
        index: bool = True,
        percent: Iterable[str] = (),
        max_rows: int = 500,
        cls: str = "",
        heading: str = "",
        caption: str = "",
        full: pd.DataFrame | None = None,
    ) -> str:
        """The table (with its heading and caption kept together), recorded in full under `section`-`what`."""
        name = self.name(section, what)
        whole = frame if full is None else full
        self.frames[name] = whole.reset_index() if index and full is None else whole
        table = table_html(
            frame, index=index, percent=percent, max_rows=max_rows, cls=cls, total=len(whole), more=self.hint(name)
        )
        table = table.replace('<p class="note">First', '<p class="note more">First', 1)
        table = table.replace("<table", '<div class="tablebox"><table', 1).replace("</table>", "</table></div>", 1)
        head = f"<h3>{escape(heading)}</h3>" if heading else ""
        cap = f'<p class="note caption">{escape(caption)}</p>' if caption else ""
        small = " small" if min(len(frame), max_rows) <= SMALL_TABLE else ""
        return f'<div class="block{small}" data-table="{escape(name)}">{head}{cap}{table}</div>'

    def write(self) -> list[Path]:
        """Write every table as ``<directory>/<name>.csv``; returns the paths."""
        from imgkit.io import to_safe_csv

        if self.directory is None:
            return []
        self.directory.mkdir(parents=True, exist_ok=True)
        out = []
        for name, frame in self.frames.items():
            path = self.directory / f"{name}.csv"
            to_safe_csv(frame, path)
            out.append(path)
        return out
