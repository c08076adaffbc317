"""What the command line writes is safe to open: CSV without formula injection, terminal text without escapes.

A spreadsheet reads a CSV cell as a formula when a line of it starts with ``=``, ``+``, ``-``
or ``@`` (or a fullwidth form, also after leading whitespace), and Python's csv writer did
not quote a bare CR under pandas' ``\\n`` line ends, so ``"Ubuntu\\r=cmd"`` became a new row
starting with ``=``. A terminal runs the escape sequences it prints (``\\x1b]52`` sets the
clipboard, ``\\x1b[2J`` clears the screen). Each case reads the output back the way a
spreadsheet or a terminal would.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from imgkit.cli import main
from imgkit.io import neutralise, to_safe_csv

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "data" / "seed_example_response.json"

#: Names a spreadsheet would run as formulas, in every way they can hide.
HOSTILE = [
    "Ubuntu\r=cmd|' /C calc'!A0",  # a bare CR: a new line inside the cell
    "ok\n@SUM(A1)",
    "web\r\n+1+1",
    " =1+1",  # leading whitespace
    "\u3000=1+1",  # an ideographic space
    "\uff1d1+1",  # a fullwidth equals sign
    "\uff20SUM(A1)",
    "\t=1",
]
FORMULA = re.compile(r"^\s*[=+\-@\uff1d\uff0b\uff0d\uff20]")
ESCAPES = ["\x1b]52;c;ZXZpbA==\x07", "\x1b[2J", "\x9b31m"]


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def _assert_safe(rows: list[list[str]]) -> None:
    for row in rows:
        for cell in row:
            for line in re.split(r"\r\n|\r|\n", cell):
                assert not FORMULA.match(line), repr(cell)


@pytest.mark.parametrize("name", HOSTILE)
def test_neutralise_puts_an_apostrophe_before_every_formula_line(name):
    out = neutralise(name)
    _assert_safe([[out]])
    assert out.replace("'", "") == name.replace("'", "")  # nothing else changes


def test_safe_csv_quotes_line_breaks_so_no_row_is_injected():
    import pandas as pd

    buf = io.StringIO()
    to_safe_csv(pd.DataFrame({"name": HOSTILE, "n": range(len(HOSTILE))}), buf)
    rows = _cells(buf.getvalue())
    assert len(rows) == 1 + len(HOSTILE)  # a header and one row per value: no line break escaped its cell
    assert [r[1] for r in rows[1:]] == [str(k) for k in range(len(HOSTILE))]
    _assert_safe(rows)
    assert rows[1][0] == "Ubuntu\r'=cmd|' /C calc'!A0"


def _listing(tmp_path: Path, names: list[str], owners: list[str] | None = None) -> Path:
    page = json.loads(SEED.read_text(encoding="utf-8"))
    first = page["images"][0]
    images = [dict(first, id=f"00000000-0000-4000-8000-{k:012d}", name=name,
                   owner=(owners or [first["owner"]] * len(names))[k]) for k, name in enumerate(names)]  # fmt: skip
    path = tmp_path / f"listing-{len(names)}.json"
    path.write_text(json.dumps({"images": images}), encoding="utf-8")
    return path


def test_export_csv(tmp_path):
    out = tmp_path / "out.csv"
    assert main(["export", str(_listing(tmp_path, HOSTILE)), "-o", str(out)]) == 0
    rows = _cells(out.read_text(encoding="utf-8"))
    assert len(rows) == 1 + len(HOSTILE)
    _assert_safe(rows)


def test_diff_csv(tmp_path):
    old = _listing(tmp_path, ["base"])
    new = tmp_path / "new"
    new.mkdir()
    new_listing = _listing(new, ["base", *HOSTILE])
    out = tmp_path / "d.csv"
    assert main(["diff", str(old), str(new_listing), "-o", str(out)]) == 0
    rows = _cells(out.read_text(encoding="utf-8"))
    assert sum(r[0] == "added" for r in rows) == len(HOSTILE)
    _assert_safe(rows)


def test_report_tables(tmp_path):
    tables = tmp_path / "tables"
    listing = _listing(tmp_path, HOSTILE, owners=HOSTILE)
    assert main(["report", str(listing), "-o", str(tmp_path / "r.html"), "--tables", str(tables),
                 "--no-dictionary", "--as-of", "2030-01-01"]) == 0  # fmt: skip
    files = sorted(tables.glob("*.csv"))
    assert files and (tables / "age-oldest.csv").exists()
    for path in files:
        _assert_safe(_cells(path.read_text(encoding="utf-8")))
    oldest = _cells((tables / "age-oldest.csv").read_text(encoding="utf-8"))
    tenants = _cells((tables / "tenants-tenants.csv").read_text(encoding="utf-8"))
    assert len(oldest) == len(tenants) == 1 + len(HOSTILE)


@pytest.mark.parametrize("escape", ESCAPES)
def test_summary_prints_no_escape_sequence(tmp_path, capsys, escape):
    page = json.loads(SEED.read_text(encoding="utf-8"))
    image = dict(page["images"][0], __platform=f"Ubuntu{escape}", __os_version=f"x{escape}", status="active")
    path = tmp_path / "l.json"
    path.write_text(json.dumps({"images": [image]}), encoding="utf-8")
    assert main(["summary", str(path)]) == 0
    out = capsys.readouterr().out
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", out)
    assert "Ubuntu" + escape.encode("unicode_escape").decode("ascii") in out


@pytest.mark.parametrize("escape", ESCAPES)
def test_diff_prints_no_escape_sequence(tmp_path, capsys, escape):
    old = _listing(tmp_path, ["a"])
    sub = tmp_path / "new"
    sub.mkdir()
    new = _listing(sub, ["a", "b"], owners=["t1", f"t{escape}2"])
    assert main(["diff", str(old), str(new)]) == 0
    out = capsys.readouterr().out
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", out)
    assert "t" + escape.encode("unicode_escape").decode("ascii") + "2" in out
