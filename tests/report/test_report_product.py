"""The report as a product: "Act on" first with sized decisions, plain words, money with currency, full tables."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

import imgkit
import imgkit.demo
from imgkit.cli import main
from imgkit.report import SECTIONS, ReportContext, Section, build_report

DATA = Path(__file__).resolve().parents[2] / "data"
AS_OF = "2026-07-01"


def _section(page: str, ident: str) -> str:
    body = page[page.index(f'<section id="{ident}"') :]
    return body[: body.index("</section>")]


def _text(html: str) -> str:
    import html as _html

    return re.sub(r"\s+", " ", _html.unescape(re.sub(r"<[^>]+>", " ", html))).replace("\u00a0", " ")


def _ids(page: str) -> list[str]:
    return re.findall(r'<section id="([^"]+)"', page)


@pytest.fixture(scope="module")
def demo():
    return imgkit.load_demo()


@pytest.fixture(scope="module")
def servers():
    return imgkit.load_demo_servers()


@pytest.fixture(scope="module")
def full_page(demo, servers):
    return build_report(demo, as_of=AS_OF, servers=servers, prices=0.02, currency="usd")


# ---------------------------------------------------------------------------- order and registry


def test_act_on_comes_first_then_changes_cleanup_inventory_dictionary_last(demo, servers):
    snaps = imgkit.demo.demo_snapshots(2)
    page = build_report(snaps[1], baseline=snaps[0], servers=servers, prices=0.02, currency="EUR")
    ids = _ids(page)
    assert ids[0] == "act-on"
    assert page.index("</h1>") < page.index('<section id="act-on"')
    assert ids.index("changes") < ids.index("cleanup") < ids.index("inventory") < ids.index("tenants")
    assert ids[-1] == "dictionary"


def test_no_dictionary(demo):
    page = build_report(demo, as_of=AS_OF, dictionary=False)
    assert "dictionary" not in _ids(page) and "#dictionary" not in page


def test_every_act_on_box_links_to_a_section_of_the_page(full_page):
    links = re.findall(r'<a class="action[^"]*" href="#([^"]+)"', _section(full_page, "act-on"))
    assert {"cleanup", "stuck", "eol", "findings"} <= set(links)
    assert set(links) <= set(_ids(full_page))


def test_a_section_is_one_registry_entry(demo):
    extra = Section("extra", "Extra words", lambda ctx: f"<p>{len(ctx.df):,} images seen</p>")
    SECTIONS.insert(1, extra)
    try:
        page = build_report(demo, as_of=AS_OF, dictionary=False)
    finally:
        SECTIONS.remove(extra)
    assert _ids(page)[:2] == ["act-on", "extra"]
    assert "5,000 images seen" in _text(_section(page, "extra"))
    assert '<a href="#extra">Extra words</a>' in page


def test_sections_needing_an_input_are_left_out_without_it(demo):
    ids = _ids(build_report(demo, as_of=AS_OF))
    needs = {s.id: s.needs for s in SECTIONS}
    assert needs["cleanup"] == ("servers",) and needs["changes"] == ("baseline",)
    assert "cleanup" not in ids and "changes" not in ids and "trends" not in ids


def test_context_object_gives_the_same_page_as_the_keywords(demo, servers):
    ctx = ReportContext(demo, as_of=AS_OF, servers=servers, prices=0.02, currency="USD", top=5)
    assert build_report(ctx) == build_report(demo, as_of=AS_OF, servers=servers, prices=0.02, currency="USD", top=5)


@pytest.mark.parametrize("currency", ["", "  ", 5])
def test_bad_currency(demo, currency):
    with pytest.raises(imgkit.ConfigError, match="`currency` must be a currency code"):
        build_report(demo, currency=currency)


# ---------------------------------------------------------------------------- the figures of "Act on"


def test_act_on_cleanup_figures_come_from_the_public_functions(full_page, demo, servers):
    cand = imgkit.cleanup_candidates(demo, servers=servers, as_of=AS_OF)
    usage = imgkit.image_usage(demo, servers)
    cost = imgkit.storage_cost(usage, prices=0.02, candidates=cand)
    text = _text(_section(full_page, "act-on"))
    gib = cost["candidate_gib"].iloc[-1]
    assert f"{len(cand):,} cleanup candidates" in text
    assert f"{gib / 1024:,.1f} TiB reclaimable, USD {cost['candidate_cost'].iloc[-1]:,.2f} per month" in text
    assert f"USD {cost['candidate_cost'].iloc[-1]:,.2f}" in _text(_section(full_page, "cleanup"))


def test_act_on_counts_stuck_and_failed_images(full_page, demo):
    status = demo["status"].astype(str)
    n = int(status.isin(["queued", "saving", "uploading", "importing", "killed"]).sum())
    assert n == 133
    text = _text(_section(full_page, "act-on"))
    assert "133 images stuck or failed" in text and "queued 54, killed 43, saving 36" in text
    stuck = _text(_section(full_page, "stuck"))
    assert "133 images never became active" in stuck


def test_act_on_counts_end_of_life_images_as_of(full_page, demo):
    eol = imgkit.eol_images(demo, as_of=AS_OF)
    text = _text(_section(full_page, "act-on"))
    assert f"{len(eol):,} images on an end-of-life OS version" in text
    assert "CentOS 7" in text
    # as_of-aware: a year earlier, Ubuntu 20.04 (standard support ended 2025-05-29) is not yet end-of-life
    earlier = imgkit.eol_images(demo, as_of="2025-01-01")
    assert "Ubuntu 20.04" in set(eol["os_release"]) and "Ubuntu 20.04" not in set(earlier["os_release"])
    assert len(earlier) < len(eol)


def test_money_always_has_its_currency_and_two_decimals(full_page):
    amounts = re.findall(r"(?:USD|¤)\xa0[\d,]+\.\d+", full_page)
    assert amounts and all(re.fullmatch(r"USD\xa0[\d,]+\.\d\d", a) for a in amounts)
    assert "cost / month" not in _text(_section(full_page, "cleanup"))


def test_money_without_a_currency_says_so(demo, servers):
    page = build_report(demo, as_of=AS_OF, servers=servers, prices=0.02)
    assert "¤\xa0" in page and "give its currency with --currency CODE" in _text(_section(page, "act-on"))


def test_binary_units_stated_once(full_page):
    assert _text(full_page).count("1 GiB = 1,024 MiB") == 1
    assert not re.search(r"\d\s?GB\b", _text(full_page))


# ---------------------------------------------------------------------------- plain words


def test_no_reprs_or_column_names_in_headings(demo, servers):
    snaps = imgkit.demo.demo_snapshots(3)
    page = build_report(snaps[2], baseline=snaps[1], history=snaps, servers=servers, as_of=AS_OF)
    headings = re.findall(r"<h[123][^>]*>(.*?)</h[123]>", page)
    for h in headings:
        assert not re.search(r"\b(os_type|imagetype|updated_at|images_old|images_new|owner|os_version)\b", h), h
    text = _text(page)
    for word in (
        "<ListingDiff",
        "(argument)",
        "(latest updated_at)",
        "(QS)",
        "per os_type",
        "images_old",
        "evolve_listing(",
    ):
        assert word not in text, word


def test_provenance_names_what_the_user_gave(demo):
    page = build_report(demo, as_of=AS_OF, sources={"images": "data/demo_images.json.gz", "servers": "s.json"})
    built = _text(_section(page, "provenance"))
    assert "images data/demo_images.json.gz" in built and "servers s.json" in built


# ---------------------------------------------------------------------------- changes


def test_changes_count_update_time_only_changes_and_list_only_changed_tenants():
    snaps = imgkit.demo.demo_snapshots(2)
    diff = imgkit.diff_listings(snaps[0], snaps[1])
    only_time = set(diff.changed["id"]) - set(diff.changed.loc[diff.changed["column"] != "updated_at", "id"])
    assert only_time
    page = build_report(snaps[1], baseline=snaps[0])
    section = _section(page, "changes")
    text = _text(section)
    assert f"{len(only_time):,} images changed only their update time (counted, not listed)" in text
    listed = set(re.findall(r"<td class=\"id\">([0-9a-f-]{36})</td>", section))
    assert not listed & only_time
    busy = diff.summary.drop(index="All tenants")
    busy = busy[busy[["added", "removed", "changed"]].sum(axis=1) > 0]
    quiet = set(diff.summary.index) - set(busy.index) - {"All tenants"}
    tenants_table = section[section.index("Tenants that changed") : section.index("Added and removed")]
    assert not any(q in tenants_table for q in quiet)
    assert section.count("<details>") >= 3  # added, removed, changed values collapsed


def test_diff_page_subtitle_is_a_sentence(tmp_path):
    snaps = imgkit.demo.demo_snapshots(2)
    from imgkit.report import diff_page

    page = diff_page(imgkit.diff_listings(snaps[0], snaps[1]))
    assert "ListingDiff" not in page and re.search(r"<header><h1>What changed</h1><p>2026-06-30 to 2026-07-30: ", page)


# ---------------------------------------------------------------------------- full tables


def test_tables_directory_has_every_table_in_full(tmp_path, demo, servers):
    out = tmp_path / "tables"
    page = build_report(demo, as_of=AS_OF, servers=servers, prices=0.02, currency="USD", tables=out)
    names = set(re.findall(r'data-table="([^"]+)"', page))
    assert {p.stem for p in out.glob("*.csv")} == names
    with (out / "cleanup-candidates.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(imgkit.cleanup_candidates(demo, servers=servers, as_of=AS_OF))
    assert f"all of them: {out / 'cleanup-candidates.csv'}" in _text(page)


def test_cli_tables_and_hints_say_the_exact_command(tmp_path):
    html = tmp_path / "r.html"
    argv = [
        "report",
        str(DATA / "demo_images.json.gz"),
        "-o",
        str(html),
        "--as-of",
        AS_OF,
        "--no-dictionary",
        "--servers",
        str(DATA / "demo_servers.json.gz"),
        "--price-per-gib-month",
        "0.02",
        "--currency",
        "EUR",
    ]
    assert main(argv) == 0
    text = _text(html.read_text(encoding="utf-8"))
    hint = re.search(
        r"all of them: (imgkit report .*?) --tables tables \(writes tables/cleanup-candidates\.csv\)", text
    )
    assert hint, "the capped candidates table names the command"
    assert "--no-dictionary" in hint.group(1) and "--currency EUR" in hint.group(1)
    out = tmp_path / "t"
    assert main([*argv, "--tables", str(out)]) == 0
    assert (out / "cleanup-candidates.csv").exists() and (out / "tenants-tenants.csv").exists()
    assert "imgkit cleanup" in _text(_section(html.read_text(encoding="utf-8"), "cleanup"))
