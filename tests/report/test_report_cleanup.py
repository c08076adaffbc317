"""The report's "Cleanup candidates" section, tenant names in the report, and the CLI flags for both."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import imgkit
from imgkit.cli import main

DATA = Path(__file__).resolve().parents[2] / "data"
DEMO = DATA / "demo_images.json.gz"
SERVERS = DATA / "demo_servers.json.gz"
VOLUMES = DATA / "demo_volumes.json.gz"


def _text(page: str, section: str) -> str:
    body = page[page.index(f'id="{section}"') :]
    body = body[: body.index("</section>")]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def test_section_numbers_match_the_analysis():
    df = imgkit.load_demo()
    servers = imgkit.load_demo_servers()
    page = imgkit.build_report(df, servers=servers, price_per_gb_month=0.02, as_of="2026-07-01")
    text = _text(page, "cleanup")
    cand = imgkit.cleanup_candidates(df, servers=servers, as_of="2026-07-01")
    cost = imgkit.storage_cost(df, price_per_gb_month=0.02, candidates=cand)
    assert f"{len(cand):,} cleanup candidates" in text
    assert "2,921 servers" in text
    assert f"¤ {cost['candidate_cost'].iloc[-1]:,.2f} reclaimable per month" in text  # no currency given
    assert f"{int(imgkit.image_usage(df, servers)['in_use'].sum()):,} images in use" in text
    assert "26 servers use an image that is not in this listing" in text
    assert "boot from a volume whose image is unknown" not in text  # the volumes resolved them
    assert cand["reason"].iloc[0].replace("'", "&#x27;") in text
    assert 'href="#cleanup"' in page


def test_section_says_when_boot_volumes_are_unknown_and_is_absent_without_servers():
    df = imgkit.load_demo()
    bare = imgkit.load_demo_servers(volumes=False, errors="ignore")
    page = imgkit.build_report(df, servers=bare, as_of="2026-07-01")
    assert "Warning: 276 servers boot from a volume whose image is unknown" in _text(page, "cleanup")
    assert "per month" not in _text(page, "cleanup")  # no price given
    assert 'id="cleanup"' not in imgkit.build_report(df, as_of="2026-07-01")


def test_names_in_report_tables_are_escaped():
    df = imgkit.load_demo()
    owner = df["owner"].value_counts().index[0]
    named = imgkit.label_tenants(df, {owner: "<script>Fin & Co</script>"})
    page = imgkit.build_report(named, servers=imgkit.load_demo_servers(), as_of="2026-07-01")
    assert "<script>" not in page
    assert "&lt;script&gt;Fin &amp; Co&lt;/script&gt;" in _text(page, "tenants")
    assert "&lt;script&gt;Fin &amp; Co&lt;/script&gt;" in _text(page, "cleanup")


def test_cli_servers_price_and_tenant_names(tmp_path, capsys):
    owner = imgkit.load_demo()["owner"].value_counts().index[0]
    names = tmp_path / "names.csv"
    names.write_text(f"id,name\n{owner},Finance team\n")
    out = tmp_path / "r.html"
    assert (
        main(
            [
                "report",
                str(DEMO),
                "-o",
                str(out),
                "--as-of",
                "2026-07-01",
                "--servers",
                str(SERVERS),
                "--volumes",
                str(VOLUMES),
                "--price-per-gb-month",
                "0.02",
                "--tenant-names",
                str(names),
            ]
        )
        == 0
    )
    page = out.read_text(encoding="utf-8")
    assert "Finance team" in _text(page, "tenants") and "¤ " in _text(page, "cleanup")
    assert "warning" not in capsys.readouterr().err
    # without the volume listing: one warning line, and the section says it
    assert main(["report", str(DEMO), "-o", str(out), "--servers", str(SERVERS)]) == 0
    err = capsys.readouterr().err
    assert "imgkit: warning:" in err and "276 boot_from_volume" in err


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--price-per-gb-month", "1"], "need --servers"),
        (["--servers", "nope.json"], "nope.json: no such file"),
        (["--tenant-names", "nope.csv"], "nope.csv: no such file"),
    ],
)
def test_cli_errors_are_one_line(tmp_path, capsys, extra, message):
    assert main(["report", str(DEMO), "-o", str(tmp_path / "r.html"), *extra]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
