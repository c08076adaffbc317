"""The report's "Cleanup candidates" section, tenant names in the report, and the CLI flags for both."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import imgkit
from imgkit.cleanup import huawei_cloud_prices
from imgkit.cli import main
from imgkit.demo import load_demo_references

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
    usage = imgkit.image_usage(df, servers, **load_demo_references())
    prices = huawei_cloud_prices(0.035)
    page = imgkit.build_report(usage, servers=servers, prices=prices, currency="USD", as_of="2026-07-01")
    text = _text(page, "cleanup")
    cand = imgkit.cleanup_candidates(usage, as_of="2026-07-01")
    cost = imgkit.storage_cost(usage, prices=prices, candidates=cand)
    assert f"{len(cand):,} cleanup candidates" in text
    assert "2,921 servers" in text
    assert f"{cost['candidate_cost'].iloc[-1]:,.2f} candidates&#x27; cost / month (USD)" in text
    assert f"{int(usage['in_use'].sum()):,} images in use" in text
    # every kind of reference of the demo is counted and said
    for kind in ("server", "volume", "scaling config", "share"):
        n = int(usage["used_by"].str.contains(kind, regex=False).sum())
        assert n and f"{kind}: {n:,} image(s)" in text
    assert "imgkit cleanup IMAGES --servers SERVERS" in text  # where the full list comes from
    assert "shared, but no accepted member remains" in text and "full-ECS image: delete backup" in text
    assert "26 server(s) use an image that is not in this listing" in text
    assert "boot from a volume whose image is unknown" not in text  # the volumes resolved them
    assert cand["reason"].iloc[0].replace("'", "&#x27;") in text
    assert 'href="#cleanup"' in page


def test_section_says_when_boot_volumes_are_unknown_and_is_absent_without_servers():
    df = imgkit.load_demo()
    bare = imgkit.load_demo_servers(volumes=False, errors="ignore")
    page = imgkit.build_report(df, servers=bare, as_of="2026-07-01")
    assert "Warning: 276 server(s) boot from a volume whose image is unknown" in _text(page, "cleanup")
    assert "cost / month" not in _text(page, "cleanup")  # no price given
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
                "--price-per-gib-month",
                "0.02",
                "--currency",
                "EUR",
                "--tenant-names",
                str(names),
            ]
        )
        == 0
    )
    page = out.read_text(encoding="utf-8")
    assert "Finance team" in _text(page, "tenants") and "cost / month (EUR)" in _text(page, "cleanup")
    assert "warning" not in capsys.readouterr().err
    # without the volume listing: one warning line, and the section says it
    assert main(["report", str(DEMO), "-o", str(out), "--servers", str(SERVERS)]) == 0
    err = capsys.readouterr().err
    assert "imgkit: warning:" in err and "276 boot_from_volume" in err


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--price-per-gib-month", "1"], "need --servers"),
        (["--servers", "nope.json"], "nope.json: no such file"),
        (["--tenant-names", "nope.csv"], "nope.csv: no such file"),
    ],
)
def test_cli_errors_are_one_line(tmp_path, capsys, extra, message):
    assert main(["report", str(DEMO), "-o", str(tmp_path / "r.html"), *extra]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_the_deprecated_price_still_works():
    df = imgkit.load_demo()
    servers = imgkit.load_demo_servers()
    with pytest.warns(DeprecationWarning, match="price_per_gb_month=X\\) is deprecated"):
        page = imgkit.build_report(df, servers=servers, price_per_gb_month=0.02, as_of="2026-07-01")
    assert "cost / month" in _text(page, "cleanup")


# ------------------------------------------------------------------ imgkit cleanup
def _cleanup_args(tmp_path, *extra):
    return ["cleanup", str(DEMO), "--servers", str(SERVERS), "--volumes", str(VOLUMES), "--as-of", "2026-07-01", *extra]


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_cli_cleanup_writes_every_candidate_largest_first(tmp_path, capsys, suffix):
    ids = tmp_path / "ids.txt"
    first = imgkit.load_demo()["id"].iloc[0]
    ids.write_text(f"# used by terraform\n{first}\n")
    prices = tmp_path / "prices.json"
    prices.write_text('{"system": 0, "data": 0, "iso": 0, "whole": 0.035}')
    out = tmp_path / f"c{suffix}"
    assert (
        main(
            _cleanup_args(
                tmp_path,
                "--scaling-configs",
                str(DATA / "demo_scaling_configs.json.gz"),
                "--members",
                str(DATA / "demo_members.json.gz"),
                "--in-use",
                str(ids),
                "--prices",
                str(prices),
                "--currency",
                "USD",
                "-o",
                str(out),
            )
        )
        == 0
    )
    err = capsys.readouterr().err
    got = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out) if suffix == ".parquet" else pd.read_excel(out)
    df = imgkit.load_demo()
    usage = imgkit.image_usage(df, imgkit.load_demo_servers(), in_use=[first], **load_demo_references())
    cand = imgkit.cleanup_candidates(usage, as_of="2026-07-01")
    assert got["id"].tolist() == cand["id"].tolist() and first not in set(got["id"])
    assert got["reclaimable_bytes"].is_monotonic_decreasing
    assert got["reason"].tolist() == cand["reason"].tolist()
    cost = got["monthly_cost (USD)"]
    assert (cost[got["image_kind"] != "whole"] == 0).all() and cost[got["image_kind"] == "whole"].sum() > 0
    assert f"wrote {len(cand):,} candidates" in err and "USD/month" in err


def test_cli_cleanup_price_table_errors_and_options(tmp_path, capsys):
    table = tmp_path / "prices.csv"
    table.write_text("image_kind,price_per_gib_month\nsystem,0.01\ndata,0.01\n")
    assert main(_cleanup_args(tmp_path, "--prices", str(table), "-o", str(tmp_path / "c.csv"))) == 1
    assert "no price for image_kind=" in capsys.readouterr().err
    assert main(_cleanup_args(tmp_path, "-o", str(tmp_path / "c.txt"))) == 1
    assert "must end in .csv, .xlsx or .parquet" in capsys.readouterr().err
    out = tmp_path / "c.csv"
    assert main(_cleanup_args(tmp_path, "--keep-newest", "0", "--older-than", "none", "-o", str(out))) == 0
    wide = pd.read_csv(out)
    assert "monthly_cost" not in wide.columns and (wide["age_days"] < 365).any()
