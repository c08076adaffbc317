"""The command line: ``imgkit report``, ``imgkit summary``, ``imgkit export`` (via main() and the entry point)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import imgkit
from imgkit.cli import main

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "data" / "demo_images.json.gz"
SEED = REPO / "data" / "seed_example_response.json"


@pytest.fixture
def listing(tmp_path) -> Path:
    """Three images with formula-like and markup text, one untypable value."""
    page = json.loads(SEED.read_text(encoding="utf-8"))
    first, second = page["images"][:2]
    third = dict(first, id="00000000-0000-0000-0000-000000000003", owner="-tenant'\"", min_disk="abc")
    del third["__platform"]
    first = dict(first, name='=HYPERLINK("http://x","y")', tags=["env=prod", "@team"], **{"=cmd": "-2+3"})
    second = dict(second, name="+cmd|' /C calc'!A0", __description="\tlead tab")
    path = tmp_path / "images.json"
    path.write_text(json.dumps({"images": [first, second, third]}), encoding="utf-8")
    return path


def test_summary_on_seed(capsys):
    assert main(["summary", str(SEED)]) == 0
    out = capsys.readouterr().out
    assert "images:    2" in out
    assert "tenants:   1" in out
    assert "  CentOS  " in out and "100.0%" in out
    assert "findings:  0" in out


def test_summary_counts_findings(listing, capsys):
    assert main(["summary", str(listing)]) == 0
    captured = capsys.readouterr()
    assert "images:    3" in captured.out
    assert "tenants:   2" in captured.out
    assert "findings:  1" in captured.out
    assert "min_disk: untypable" in captured.out
    assert "  (missing)          1   33.3%" in captured.out
    # the loader's ImgkitWarning becomes one line on stderr, not a Python warning trace
    assert captured.err.startswith("imgkit: warning: ")
    assert len(captured.err.strip().splitlines()) == 1


def test_report_main_job(tmp_path, capsys):
    out = tmp_path / "report.html"
    assert main(["report", str(DEMO), "-o", str(out), "--as-of", "2026-01-01", "--top", "5"]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "5,000 images, 60 tenants; ages as of 2026-01-01 (given)" in page
    assert capsys.readouterr().err == f"wrote {out}\n"


def test_report_tenant_and_title(listing, tmp_path, capsys):
    out = tmp_path / "r.html"
    code = main(["report", str(listing), "-o", str(out), "--tenant=-tenant'\"", "--tenant", "nobody", "--title", "<T>"])
    assert code == 0
    page = out.read_text(encoding="utf-8")
    assert "<title>&lt;T&gt;</title>" in page
    assert "2 tenant(s): -tenant&#x27;&quot;, nobody (without images: nobody)" in page
    err = capsys.readouterr().err
    assert f"imgkit: warning: no images of tenant(s) nobody in {listing}\n" in err


def test_export_csv_neutralises_formulas(listing, tmp_path):
    out = tmp_path / "out.csv"
    assert main(["export", str(listing), "-o", str(out)]) == 0
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["name"] for r in rows] == [
        '\'=HYPERLINK("http://x","y")',
        "'+cmd|' /C calc'!A0",
        "CentOS 7.3 64bit vivado",
    ]
    assert rows[1]["description"] == "'\tlead tab"
    assert rows[2]["owner"] == "'-tenant'\""
    assert json.loads(rows[0]["tags"]) == ["env=prod", "@team"]  # lists as JSON text
    assert rows[2]["min_disk"] == ""  # untypable -> NA -> empty
    assert rows[0]["min_disk"] == "100"  # numbers are untouched
    assert rows[0]["'=cmd"] == "'-2+3"  # an unknown key is a column name from the data: neutralised too
    for row in rows:
        for key, value in row.items():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))
            assert not key.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_export_parquet_keeps_dtypes(listing, tmp_path):
    out = tmp_path / "out.parquet"
    assert main(["export", str(listing), "-o", str(out)]) == 0
    back = imgkit.read_images(out)
    orig = imgkit.read_images(listing, errors="ignore")
    pd.testing.assert_frame_equal(back, orig)
    assert str(back["created_at"].dtype) == "datetime64[ns, UTC]"
    assert isinstance(back["platform"].dtype, pd.CategoricalDtype)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["summary", "missing.json"], "imgkit: error: missing.json: no such file or directory"),
        (["export", "{SEED}", "-o", "x.txt"], "imgkit: error: x.txt: output must end in .parquet, .csv or .xlsx"),
        (["report", "{SEED}", "-o", "r.html", "--as-of", "soon"], "imgkit: error: --as-of: not a date/time: 'soon'"),
        (["report", "{SEED}", "-o", "r.html", "--top", "0"], "imgkit: error: --top must be a positive integer, got 0"),
        (["summary", "{BAD}"], "imgkit: error: "),
    ],
)
def test_bad_input_is_one_line(tmp_path, capsys, argv, message, monkeypatch):
    monkeypatch.chdir(tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text('{"images": [', encoding="utf-8")
    argv = [a.replace("{SEED}", str(SEED)).replace("{BAD}", str(bad)) for a in argv]
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(message)
    assert len(captured.err.strip().splitlines()) == 1
    assert "Traceback" not in captured.err
    assert not (tmp_path / "r.html").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["export", "{LISTING}", "-o", "{TMP}/no/such/dir/out.csv"], "{TMP}/no/such/dir/out.csv: the directory"),
        (["export", "{LISTING}", "-o", "{TMP}/no/out.parquet"], "{TMP}/no/out.parquet: the directory"),
        (["report", "{LISTING}", "-o", "{TMP}/no/r.html"], "{TMP}/no/r.html: the directory"),
        (["report", "{LISTING}", "-o", "{TMP}"], "{TMP}: is a directory"),
        (["report", "{LISTING}", "-o", "{TMP}/r.html", "--tenant", "nobody"], "no images of tenant(s) nobody in "),
    ],
)
def test_bad_output_or_tenant_is_one_line_before_loading(listing, tmp_path, capsys, argv, message):
    argv = [a.replace("{LISTING}", str(listing)).replace("{TMP}", str(tmp_path)) for a in argv]
    assert main(argv) == 1
    err = capsys.readouterr().err
    # one error line, no loader warning first: the output is checked before the listing is read
    # (except for the tenant check, which needs the listing)
    lines = err.strip().splitlines()
    assert lines[-1].startswith("imgkit: error: ") and message.replace("{TMP}", str(tmp_path)) in lines[-1]
    assert len(lines) == (2 if "--tenant" in argv else 1)
    assert "Traceback" not in err
    assert not (tmp_path / "r.html").exists()


def test_malformed_json_names_position(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"images": [', encoding="utf-8")
    assert main(["summary", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}, line" in err and "malformed JSON" in err


def test_debug_shows_traceback(tmp_path):
    with pytest.raises(imgkit.SourceError, match="malformed JSON"):
        main(["summary", str(_bad(tmp_path)), "--debug"])


def _bad(tmp_path: Path) -> Path:
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2", encoding="utf-8")
    return bad


def test_usage_errors(capsys):
    assert main([]) == 2
    assert main(["report", str(SEED)]) == 2  # -o is required
    err = capsys.readouterr().err
    assert "the following arguments are required: -o/--output" in err
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"imgkit {imgkit.__version__}"


def test_installed_entry_point(tmp_path):
    exe = Path(sys.executable).with_name("imgkit")
    assert exe.exists(), "the imgkit console script is not installed next to the interpreter"
    ok = subprocess.run([str(exe), "summary", str(SEED)], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert "images:    2" in ok.stdout
    bad = subprocess.run(
        [str(exe), "report", str(_bad(tmp_path)), "-o", str(tmp_path / "r.html")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 1
    assert bad.stderr.startswith("imgkit: error: ") and "Traceback" not in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


def test_summary_counts_the_findings_of_the_frame_as_it_is(tmp_path, capsys):
    """A parquet of a frame whose attrs were dropped: the range/coexistence rules are re-checked (as the report does)."""
    records = [{"id": "a", "owner": "t", "min_disk": 2000, "__support_xen": "true", "__support_xen_hana": "true"}]
    bare = imgkit.read_images(records, errors="ignore")
    bare.attrs = {}
    path = tmp_path / "bare.parquet"
    imgkit.to_parquet(bare, path)
    assert main(["summary", str(path)]) == 0
    out = capsys.readouterr().out
    assert "findings:  2" in out
    assert "min_disk: range" in out and "support_xen_hana: coexistence" in out
