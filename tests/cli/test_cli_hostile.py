"""The command line on hostile input: every error line names the file (escaped), stdin, FIFOs, odd files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from imgkit.cli import main

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "data" / "seed_example_response.json"


def _err(capsys) -> list[str]:
    return capsys.readouterr().err.splitlines()


def test_error_line_escapes_a_newline_in_the_file_name(tmp_path, capsys):
    p = tmp_path / "page\n1.json"
    p.write_bytes(b"{oops")
    assert main(["summary", str(p)]) == 1
    err = _err(capsys)
    assert len(err) == 1
    escaped = str(p).replace("\n", "\\n")
    assert (
        err[0]
        == f"imgkit: error: {escaped}, line 1, column 2: malformed JSON: unexpected character, expected a string key"
    )


def test_summary_source_line_escapes_the_name(tmp_path, capsys):
    p = tmp_path / "a\nb.json"
    p.write_bytes(SEED.read_bytes())
    assert main(["summary", str(p)]) == 0
    assert f"source:    {str(p)!s}".replace("\n", "\\n") in capsys.readouterr().out.splitlines()


def test_summary_reads_standard_input():
    out = subprocess.run(
        [sys.executable, "-m", "imgkit.cli", "summary", "-"],
        input=SEED.read_bytes(),
        capture_output=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    lines = out.stdout.decode().splitlines()
    assert lines[:2] == ["source:    <stdin>", "images:    2"]


def test_stdin_error_names_stdin():
    out = subprocess.run(
        [sys.executable, "-m", "imgkit.cli", "summary", "-"],
        input=b"\xff\xfe{\x00",
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert out.returncode == 1
    assert out.stderr.decode().splitlines() == ["imgkit: error: <stdin>: not UTF-8 JSON (looks like UTF-16)"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_fifo_never_blocks(tmp_path):
    p = tmp_path / "pipe.json"
    os.mkfifo(p)
    out = subprocess.run(
        [sys.executable, "-m", "imgkit.cli", "summary", str(p)],
        capture_output=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert out.returncode == 1
    assert out.stderr.decode().startswith(f"imgkit: error: {p}: is a FIFO (named pipe), not a file")


def test_symlink_loop_is_not_no_such_file(tmp_path, capsys):
    a = tmp_path / "a.json"
    a.symlink_to(a)
    assert main(["summary", str(a)]) == 1
    assert _err(capsys) == [f"imgkit: error: {a}: symbolic link loop: the link points back to itself"]


def test_missing_file(tmp_path, capsys):
    assert main(["summary", str(tmp_path / "nope.json")]) == 1
    assert _err(capsys) == [f"imgkit: error: {tmp_path / 'nope.json'}: no such file or directory"]


def test_utf16_and_gzip_of_gzip_say_what_they_are(tmp_path, capsys):
    import gzip

    u = tmp_path / "u.json"
    u.write_bytes(SEED.read_text(encoding="utf-8").encode("utf-16"))
    g = tmp_path / "g.json.gz"
    g.write_bytes(gzip.compress(gzip.compress(SEED.read_bytes())))
    assert main(["summary", str(u)]) == 1 and main(["summary", str(g)]) == 1
    assert _err(capsys) == [
        f"imgkit: error: {u}: not UTF-8 JSON (looks like UTF-16)",
        f"imgkit: error: {g}: not UTF-8 JSON (looks like gzip inside gzip: compressed twice)",
    ]


def test_directory_names_what_it_skipped(tmp_path, capsys):
    d = tmp_path / "snap"
    d.mkdir()
    (d / "page-1.json").write_bytes(SEED.read_bytes())
    (d / "README.txt").write_text("notes")
    (d / "old").mkdir()
    assert main(["summary", str(d)]) == 0
    assert _err(capsys) == [
        f"imgkit: warning: {d}: skipped 2 entr(ies) that are not .json/.jsonl/.ndjson page files: README.txt, old/"
    ]


def test_out_of_range_time_is_a_warning_naming_the_file_not_a_crash(tmp_path, capsys):
    page = orjson.loads(SEED.read_bytes())
    page["images"][0]["created_at"] = "9999-12-31T23:59:59Z"
    p = tmp_path / "far.json"
    p.write_bytes(orjson.dumps(page))
    assert main(["summary", str(p)]) == 0
    err = _err(capsys)
    assert len(err) == 1 and err[0].startswith(f"imgkit: warning: {p}: 1 validation finding(s): 1 untypable.")


def test_export_xlsx_error_names_input_when_the_loader_fails(tmp_path, capsys):
    p = tmp_path / "null.json"
    p.write_bytes(b'{"images": [null]}')
    assert main(["export", str(p), "-o", str(tmp_path / "x.parquet")]) == 1
    assert _err(capsys) == [f"imgkit: error: {p}: image #1 is null, not an object"]


def test_export_xlsx(tmp_path, capsys):
    from openpyxl import load_workbook

    page = orjson.loads(SEED.read_bytes())
    page["images"][0].update(name='=HYPERLINK("http://x","y")', tags=["env=prod"], __description="a\x00b")
    p = tmp_path / "in.json"
    p.write_bytes(orjson.dumps(page))
    out = tmp_path / "images.xlsx"
    assert main(["export", str(p), "-o", str(out)]) == 0
    ws = load_workbook(out).active
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, [c.value for c in r])) for r in ws.iter_rows(min_row=2)]
    assert len(rows) == 2 and "created_at (UTC)" in header and "created_at" not in header
    first = rows[0]
    assert first["created_at (UTC)"] == pd_naive("2018-09-06T14:03:27Z")
    assert first["name"] == '\'=HYPERLINK("http://x","y")' and first["tags"] == '["env=prod"]'
    assert first["description"] == "a\\x00b" and first["min_disk"] == 100 and first["support_xen"] is False
    assert rows[1]["image_size"] is None or isinstance(rows[1]["image_size"], int)
    assert capsys.readouterr().err == f"wrote 2 images to {out}\n"


def pd_naive(text: str):
    import pandas as pd

    return pd.Timestamp(text).tz_convert("UTC").tz_localize(None).to_pydatetime()
