"""The HTML report: parsed with the stdlib parser, sections, pinned numbers, escaping, no external requests."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pandas as pd
import pytest

import imgkit
from imgkit.report import build_report
from imgkit.validate import loaded_findings

XSS_NAME = "<script>alert(1)</script>"
QUOTE_TENANT = "ten\"ant'<b>"
DOLLAR_TENANT = "cost$1$ & co"


class _Page(HTMLParser):
    """Collect tags, section ids, headings, cards and table cells of a report."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.sections: list[str] = []
        self.h2: list[str] = []
        self.cards: dict[str, str] = {}
        self.text: list[str] = []
        self._stack: list[tuple[str, str]] = []
        self._capture: str | None = None
        self._buf = ""
        self._card: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "section":
            self.sections.append(a.get("id") or "")
        cls = a.get("class") or ""
        if tag == "h2" or cls in ("value", "label", "what"):
            self._capture, self._buf = (tag if tag == "h2" else cls), ""

    def handle_endtag(self, tag: str) -> None:
        if self._capture == "h2" and tag == "h2":
            self.h2.append(self._buf)
            self._capture = None
        elif self._capture in ("value", "label", "what") and tag == "div":
            self._card.append(self._buf)
            if self._capture in ("label", "what"):
                value, label = self._card[-2:]
                self.cards[label] = value
            self._capture = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._capture:
            self._buf += data


def parse(page: str) -> _Page:
    p = _Page()
    p.feed(page)
    p.close()
    return p


def _records() -> list[dict]:
    page = imgkit.generate_listing(16, n_tenants=8, seed=5)
    images = page["images"]
    images[0]["name"] = XSS_NAME
    images[0]["created_at"] = "2015-01-01T00:00:00Z"  # the oldest: listed among stale images
    images[1]["owner"] = QUOTE_TENANT
    images[2]["owner"] = DOLLAR_TENANT
    images[3]["min_disk"] = "<img src=x onerror=alert(2)>"  # untypable: a finding whose value is markup
    return images


@pytest.fixture(scope="module")
def small() -> pd.DataFrame:
    return imgkit.read_images(_records(), errors="ignore")


@pytest.fixture(scope="module")
def small_page(small) -> str:
    return build_report(small, as_of="2026-07-01", top=3)


@pytest.fixture(scope="module")
def demo_page() -> str:
    return build_report(imgkit.load_demo(), as_of="2026-01-01", top=5)


SECTIONS = ["act-on", "stuck", "eol", "inventory", "tenants", "os", "age", "features", "findings", "provenance",
            "dictionary"]  # fmt: skip
FINDINGS = "validation findings in the listing"


def test_sections_in_order(demo_page):
    p = parse(demo_page)
    assert p.sections == SECTIONS
    assert p.h2 == [
        "Act on",
        "Stuck and failed images",
        "End-of-life OS versions",
        "Inventory",
        "Tenants",
        "OS distribution",
        "Age and staleness",
        "Feature support",
        "Validation findings",
        "Built from",
        "Data dictionary",
    ]
    nav = [a["href"] for t, a in p.tags if t == "a" and a.get("class") is None]
    assert nav == [f"#{s}" for s in SECTIONS]


def test_pinned_numbers_on_demo(demo_page):
    p = parse(demo_page)
    assert p.cards["images"] == "5,000"
    assert p.cards["tenants"] == "60"
    assert p.cards[FINDINGS] == "0"
    assert p.cards["platforms in use"] == "14"
    assert p.cards["images stuck or failed (never became active)"] == "133"
    older = imgkit.age_profile(imgkit.load_demo(), as_of="2026-01-01")["older_2y"].iloc[0]
    assert p.cards["of the images are older than 2 years"] == f"{older:.0%}"
    text = "".join(p.text)
    assert "5,000 images, 60 tenants; ages as of 2026-01-01 (given)." in text
    assert "2026-01-01 00:00:00 UTC (given)" in text


def test_image_types_count_as_imgkit_summary_does(demo_page):
    """The image type and visibility tables hold the numbers `imgkit summary` prints under the same names."""
    from imgkit.cli import _summary_text

    blocks: dict[str, dict[str, str]] = {}
    title = None
    for line in _summary_text(imgkit.load_demo()).splitlines():
        if line and not line.startswith(" "):
            title = line.strip()
            blocks[title] = {}
        elif line.startswith("  ") and title:
            key, count = re.match(r"\s+(.+?)\s{2,}([\d,]+)", line).groups()
            blocks[title][key] = count
    for name, block in (("inventory-image-type", "image types"), ("inventory-visibility", "visibility")):
        table = re.search(rf'data-table="{name}".*?<tbody>(.*?)</tbody>', demo_page, flags=re.S).group(1)
        rows = dict(re.findall(r'<tr><td>([^<]+)</td><td class="num">([\d,]+)</td>', table))
        assert rows == {k: v for k, v in blocks[block].items() if v != "0"}


def test_plots_are_inline_svg(demo_page):
    p = parse(demo_page)
    svgs = [a for t, a in p.tags if t == "svg"]
    assert len(svgs) == 4  # OS distribution, age, creation timeline, feature support
    assert "<?xml" not in demo_page and "<!DOCTYPE svg" not in demo_page
    # text stays text (svg.fonttype none): the axis titles can be found
    assert "Platforms of the largest tenants" in demo_page
    assert "Image age on 2026-01-01" in demo_page
    assert re.search(r">\s?median \d+\.\d y<", demo_page) and re.search(r">\s?p90 \d+\.\d y<", demo_page)
    assert ">100%<" in demo_page  # shares on a percentage axis


def test_no_external_requests(demo_page):
    p = parse(demo_page)
    assert not [t for t, _ in p.tags if t in ("script", "link", "iframe", "object", "embed")]
    for tag, attrs in p.tags:
        for name in ("src", "href", "xlink:href", "action"):
            value = attrs.get(name)
            if value is not None:
                assert value.startswith(("#", "data:")), (tag, name, value)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", demo_page)
    assert "@import" not in demo_page
    assert "Content-Security-Policy" in demo_page


def test_provenance(demo_page):
    text = "".join(parse(demo_page).text)
    assert "demo_images.json.gz" in text
    assert "not a fetch snapshot" in text
    assert f"imgkit version{imgkit.__version__}" in text


def test_data_strings_are_escaped(small_page):
    page = small_page
    p = parse(page)
    assert not [t for t, _ in p.tags if t in ("script", "img", "b")]
    assert not [a for _, a in p.tags if any(k.startswith("on") for k in a)]
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/" in page  # (a long run without spaces gets <wbr> break points)
    text = "".join(p.text)
    assert XSS_NAME in text  # shown as text, in the list of oldest images
    assert QUOTE_TENANT in text  # tenant table (and the plots, XML-escaped by matplotlib)
    assert DOLLAR_TENANT in text  # mathtext is off: "$1$" drawn as typed, no crash
    assert "<img src=x onerror=alert(2)>" in text  # the finding's raw value, as text
    assert p.cards[FINDINGS] != "0"


def test_findings_section_lists_rules(small, small_page):
    text = "".join(parse(small_page).text)
    findings = loaded_findings(small)
    assert len(findings) >= 1
    assert "untypable" in text and "min_disk" in text
    assert f"{len(findings):,} findings while reading" in text


def test_tenant_scope_and_writing(tmp_path, small):
    owner = small["owner"].value_counts().index[0]
    out = tmp_path / "r.html"
    page = build_report(small, path=out, tenants=[owner, "nobody"], title="Ops <weekly>")
    assert out.read_text(encoding="utf-8") == page
    p = parse(page)
    n = int((small["owner"] == owner).sum())
    assert p.cards["images"] == f"{n:,}" and p.cards["tenants"] == "1"
    text = "".join(p.text)
    assert "(without images: nobody)" in text
    assert "<title>Ops &lt;weekly&gt;</title>" in page


def test_empty_frame_and_default_as_of(small):
    empty = small.iloc[:0]
    p = parse(build_report(empty))
    assert p.cards["images"] == "0" and p.sections == SECTIONS
    assert "n/a (no dates)" in "".join(p.text)


def test_bare_frame_and_default_as_of(small):
    bare = small.copy()
    bare.attrs = {}
    when, _ = imgkit.resolve_as_of(small)
    text = "".join(parse(build_report(bare)).text)
    assert "a data frame (no source recorded)" in text
    assert f"{when:%Y-%m-%d %H:%M:%S} UTC (the listing's latest update)" in text


@pytest.mark.parametrize("top", [0, -1, 2.5, True])
def test_bad_top(small, top):
    with pytest.raises(imgkit.ConfigError, match="`top` must be a positive integer"):
        build_report(small, top=top)


def test_tenants_must_be_a_list(small):
    with pytest.raises(imgkit.ConfigError, match="list of tenant ids"):
        build_report(small, tenants="abc")


def test_deterministic(small, small_page):
    assert build_report(small, as_of="2026-07-01", top=3) == small_page


# Tags a report may contain: its own layout and matplotlib's SVG. Anything else came from the data.
LAYOUT_TAGS = {
    "html", "head", "meta", "title", "style", "body", "main", "header", "h1", "h2", "h3", "p", "nav", "a", "section",
    "div", "table", "thead", "tbody", "tr", "th", "td", "dl", "dt", "dd", "wbr",
    "svg", "defs", "g", "path", "use", "text", "clippath", "rect", "polyline", "line", "tspan", "circle", "polygon",
    "image",  # the heatmap, as a data: URI (checked below)
}  # fmt: skip


def test_adversarial_listing_file(tmp_path):
    """Every string from the data is shown as text: names, tenant ids, unknown keys and values, findings, the path."""
    page = imgkit.generate_listing(12, n_tenants=4, seed=3)
    images = page["images"]
    owner = "\"'><img src=x onerror=alert(1)>"
    images[0].update(name=XSS_NAME, created_at="2010-01-01T00:00:00Z")  # the oldest: in the stale list
    images[1]["owner"] = owner
    images[2]["<b>x</b>"] = "<u>value</u>"
    images[3]["__platform"] = "<q>Plat</q>"
    images[4]["__os_version"] = "<tt>ver</tt>"
    images[5]["min_disk"] = "<svg onload=alert(3)>"  # untypable: a finding whose value is markup
    images[6]["tags"] = ["<s>tag</s>", "=1+1"]
    folder = tmp_path / "<i>dir"
    folder.mkdir()
    path = folder / "list.json"
    path.write_text(json.dumps(page), encoding="utf-8")
    df = imgkit.read_images(path, errors="ignore")
    html_page = build_report(df, as_of="2026-07-01")
    p = parse(html_page)
    assert {t for t, _ in p.tags} <= LAYOUT_TAGS
    assert not [(t, k) for t, a in p.tags for k in a if k.startswith("on")]
    for tag, attrs in p.tags:
        for name in ("src", "href", "xlink:href", "action"):
            if attrs.get(name) is not None:
                assert attrs[name].startswith(("#", "data:")), (tag, name, attrs[name])
    text = "".join(p.text)
    for shown in (XSS_NAME, owner, "<b>x</b>", "<u>value</u>", "<q>Plat</q>", "<tt>ver</tt>", "<svg onload=alert(3)>",
                  str(path)):  # fmt: skip
        assert shown in text, shown
    assert "Columns outside the schema" in text


def test_findings_are_revalidated_on_a_frame_without_attrs():
    """A subset whose attrs were dropped still reports the rules that hold on the frame (range, coexistence)."""
    records = _records()[:4]
    records[0].update(min_disk=2000)  # out of range 0-1024
    df = imgkit.read_images(records, errors="ignore")
    bare = df.copy()
    bare.attrs = {}
    expected = imgkit.validate(bare)
    assert (expected["rule"] == "range").sum() == 1
    p = parse(build_report(bare, as_of="2026-07-01"))
    assert p.cards[FINDINGS] == f"{len(expected):,}"
    assert "No findings" not in "".join(p.text)


def test_zone_less_created_at_is_read_as_utc():
    """A user-modified frame (created_at without zone) still lists the oldest images with their ages."""
    df = imgkit.load_demo().head(40).copy()
    ages = imgkit.stale_images(df, older_than="365D", as_of="2026-01-01")
    df["created_at"] = df["created_at"].dt.tz_localize(None)
    text = "".join(parse(build_report(df, as_of="2026-01-01")).text)
    assert f"{len(ages):,} images are older than 1 year; the oldest first." in text


# ---------------------------------------------------------------------------- reading and printing


def test_plot_text_stays_text_and_fonts_name_cjk_fallbacks(demo_page):
    """SVG text is <text> (the reader's fonts draw any script), not glyph paths; the font stack names CJK fonts."""
    svgs = re.findall(r"<svg.*?</svg>", demo_page, flags=re.S)
    assert svgs and all("<text" in svg for svg in svgs)
    assert not re.search(r'<path id="DejaVuSans-', demo_page)  # what svg.fonttype "path" would define
    style = re.search(r"<style>(.*?)</style>", demo_page, flags=re.S).group(1)
    body_fonts = re.search(r"body \{ font-family: ([^;]+);", style).group(1)
    for font in ("Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei"):
        assert f'"{font}"' in body_fonts
    assert re.search(r'\.figure svg text \{ font-family: "DejaVu Sans", [^}]*"Noto Sans CJK SC"', style)
    assert "@media print" in style and "break-before: page" in style


def test_capped_tables_say_where_the_rest_is(demo_page):
    assert "max-height" not in demo_page
    p = parse(demo_page)
    text = "".join(p.text)
    df = imgkit.load_demo()
    stale = imgkit.stale_images(df, older_than="365D", as_of="2026-01-01")
    assert (
        f'First 20 of {len(stale):,} rows; all of them: build_report(..., tables="tables") writes '
        "tables/age-oldest.csv."
    ) in text


def test_tables_ordered_for_the_reader(demo_page):
    """By platform and by OS type: most images first, with shares."""
    df = imgkit.load_demo()
    section = re.search(r'<section id="os".*?</section>', demo_page, flags=re.S).group(0)
    tables = re.findall(r'<h3>(By [^<]+)</h3><div class="tablebox"><table>(.*?)</table>', section, flags=re.S)
    by = {
        title: [re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", body)[1:]]
        for title, body in tables
    }
    for title, column in (("By platform", "platform"), ("By OS type", "os_type")):
        counts = df[column].value_counts()
        counts = counts[counts > 0]
        rows = by[title]
        assert [r[0] for r in rows] == list(counts.sort_values(ascending=False, kind="stable").index)
        assert [r[1] for r in rows] == [f"{n:,}" for n in sorted(counts, reverse=True)]
        assert [r[2] for r in rows] == [f"{n / len(df):.1%}" for n in sorted(counts, reverse=True)]


def _with_huge_value(field: str, size: int) -> list[dict]:
    import gzip

    images = json.loads(gzip.decompress((REPO / "data" / "demo_images.json.gz").read_bytes()))["images"]
    huge = dict(images[0], id="00000000-0000-4000-8000-00000000beef", created_at="2010-01-01T00:00:00Z")  # oldest
    huge[field] = "X" * size
    return [*images, huge]


REPO = __import__("pathlib").Path(__file__).resolve().parents[2]
HUGE = 2_000_000


@pytest.fixture(scope="module")
def demo_report_size() -> int:
    return len(build_report(imgkit.read_images(REPO / "data" / "demo_images.json.gz"), as_of="2026-01-01").encode())


@pytest.mark.parametrize("field", ["x_blob", "name", "owner", "__platform"])
def test_one_huge_value_cannot_blow_up_the_report(field, demo_report_size):
    """A 2 MB value (in an unknown key, a name, a tenant id, a category) is shown cut, its length said."""
    df = imgkit.read_images(_with_huge_value(field, HUGE), errors="ignore")
    page = build_report(df, as_of="2026-01-01")
    assert len(page.encode()) <= 2 * demo_report_size
    assert "X" * 201 not in page
    if field in ("x_blob", "name", "owner", "__platform"):  # shown in a table: cut, with the full length
        assert f"… ({HUGE:,} characters)" in page
