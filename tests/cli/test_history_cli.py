"""`imgkit diff`, `imgkit report --baseline/--history` and the report's change sections."""

from __future__ import annotations

import csv
import re

import orjson
import pandas as pd
import pytest
from test_history import NEW, OLD, S1, S2, S3, S4, TIMES, rec, typed

import imgkit
from imgkit.cli import main


def _snapshot(folder, records, when):
    folder.mkdir(parents=True)
    (folder / "page-000001.json").write_bytes(orjson.dumps({"images": records}))
    (folder / "_imgkit_snapshot.json").write_bytes(orjson.dumps({"fetched_at": when}))
    return folder


@pytest.fixture()
def snaps(tmp_path):
    # an added image whose name is a spreadsheet formula and markup
    new = [*NEW, rec("g", owner="<b>t4</b>", name='=HYPERLINK("http://x")<script>')]
    old = _snapshot(tmp_path / "old", OLD, "2025-07-01T00:00:00+00:00")
    new = _snapshot(tmp_path / "new", new, "2025-07-08T00:00:00+00:00")
    return old, new


def _section(page: str, ident: str) -> str:
    body = page[page.index(f'<section id="{ident}"') :]
    return body[: body.index("</section>")]


def test_diff_prints_the_per_tenant_summary(snaps, capsys):
    assert main(["diff", str(snaps[0]), str(snaps[1])]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "<ListingDiff 2025-07-01 -> 2025-07-08: 2 added, 1 removed, 3 changed (7 cells) in 4 tenant(s)>"
    rows = {line.split()[0]: line.split()[1:] for line in out[3:]}
    assert rows["t1"] == ["0", "0", "2", "2", "2", "+70", "B"]
    assert rows["t2"] == ["0", "1", "1", "2", "1", "-70", "B"]
    assert rows["All"] == ["tenants", "2", "1", "3", "5", "6", "+130", "B"]


def test_diff_writes_csv_parquet_html(snaps, tmp_path, capsys):
    out = tmp_path / "d.csv"
    assert main(["diff", str(snaps[0]), str(snaps[1]), "-o", str(out), "--ignore", "updated_at"]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(r["change"], r["id"], r["column"]) for r in rows] == [
        ("added", "e", ""),
        ("added", "g", ""),
        ("removed", "d", ""),
        ("changed", "a", "visibility"),
        ("changed", "a", "image_size"),
        ("changed", "b", "status"),
        ("changed", "b", "image_size"),
        ("changed", "c", "tags"),
    ]
    assert rows[1]["name"] == '\'=HYPERLINK("http://x")<script>'  # formula neutralised
    assert rows[-1]["old"] == '["b","a"]' and rows[-1]["new"] == '["a","b"]'
    pq = tmp_path / "d.parquet"
    assert main(["diff", str(snaps[0]), str(snaps[1]), "-o", str(pq)]) == 0
    table = pd.read_parquet(pq)
    assert len(table) == 3 + 7 and list(table.columns) == ["change", "id", "owner", "name", "column", "old", "new"]
    html = tmp_path / "d.html"
    assert main(["diff", str(snaps[0]), str(snaps[1]), "-o", str(html)]) == 0
    page = html.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page
    assert "&lt;b&gt;t4&lt;/b&gt;" in page and "<b>t4" not in page
    assert "<h2>Changes since 2025-07-01</h2>" in page
    assert "<svg" in page
    capsys.readouterr()


def test_diff_errors(snaps, tmp_path, capsys):
    assert main(["diff", str(snaps[0]), str(snaps[1]), "-o", str(tmp_path / "d.xlsx")]) == 1
    assert "output must end in .html, .csv or .parquet" in capsys.readouterr().err
    assert main(["diff", str(snaps[0]), str(tmp_path / "nope")]) == 1
    assert "no such file or directory" in capsys.readouterr().err
    assert main(["diff", str(snaps[0]), str(snaps[1]), "--ignore", "colour"]) == 1
    assert "`ignore` must name columns of the listings, got 'colour'" in capsys.readouterr().err
    assert not (tmp_path / "d.xlsx").exists()


def test_report_with_baseline_and_history(snaps, tmp_path, capsys):
    series = tmp_path / "series"
    for when, recs in zip(TIMES, (S1, S2, S3, S4)):
        _snapshot(series / when, recs, f"{when}T00:00:00+00:00")
    out = tmp_path / "r.html"
    assert main(["report", str(snaps[1]), "-o", str(out), "--baseline", str(snaps[0]), "--history", str(series)]) == 0
    page = out.read_text(encoding="utf-8")
    ids = re.findall(r'<section id="([^"]+)"', page)
    assert ids.index("changes") < ids.index("trends") < ids.index("provenance")
    assert '<a href="#changes">Changes</a>' in page and '<a href="#trends">Trends</a>' in page
    changes = _section(page, "changes")
    assert "<h2>Changes since 2025-07-01</h2>" in changes
    assert '<div class="value">2</div><div class="label">added</div>' in changes
    assert '<div class="value">3</div><div class="label">changed</div>' in changes
    trends = _section(page, "trends")
    assert trends.count("<svg") == 3
    assert "4 snapshots from 2025-07-01 to 2025-07-22 (3 → 3 images); 6 image versions, 3 current." in trends
    assert main(["report", str(snaps[1]), "-o", str(out), "--history", str(tmp_path / "none")]) == 1
    assert "--history needs a folder of snapshots" in capsys.readouterr().err


def test_build_report_changes_section_caps_and_escapes():
    from imgkit.report._history import MAX_ROWS

    old = typed(OLD, "2025-07-01T00:00:00+00:00")
    many = [rec(f"n{k:03d}", owner="t9", name=f"<i>new {k}</i>") for k in range(MAX_ROWS + 20)]
    new = typed([*NEW, *many], "2025-07-08T00:00:00+00:00")
    page = imgkit.build_report(new, baseline=old, as_of="2025-07-08")
    section = _section(page, "changes")
    assert f"<summary>{MAX_ROWS + 21:,} images added</summary>" in section
    assert f"First {MAX_ROWS} of {MAX_ROWS + 21:,} rows" in section
    assert "&lt;i&gt;new 3&lt;/i&gt;" in section and "<i>new" not in section
    assert "<summary>1 image removed</summary>" in section
    assert "5 changed values in 3 images." in section  # and 2 changed update times, counted with them
    # only some tenants: the baseline is narrowed to them too
    page = imgkit.build_report(new, baseline=old, tenants=["t2"], as_of="2025-07-08")
    section = _section(page, "changes")
    assert "No image added." in section and "<summary>1 image removed</summary>" in section
    # a listing compared with itself
    page = imgkit.build_report(old, baseline=old, as_of="2025-07-08")
    assert "Nothing changed." in page


def test_build_report_trends_from_a_history_frame():
    h = imgkit.history({t: typed(s) for t, s in zip(TIMES, (S1, S2, S3, S4))})
    page = imgkit.build_report(typed(S4), history=h, as_of="2025-07-22")
    assert '<td>2025-07-22 00:00</td><td class="num">3</td>' in _section(page, "trends")
