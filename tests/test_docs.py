"""The documentation site: ``sphinx-build -W`` passes, every public name has a page, the pages work offline.

One build per session (``docs_html``), with warnings as errors, into pytest's tmp dir; the
generated sources (``docs/api/``, ``docs/examples/``) are written into the work tree, where
git ignores them. Marked ``docs`` (``-m "not docs"`` leaves the build out); the Chromium
checks are also ``browser``. With ``CI=true`` a missing Sphinx fails instead of skipping.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import imgkit

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"

pytestmark = [pytest.mark.docs, pytest.mark.slow]


def _in_ci() -> bool:
    import browser

    return browser.in_ci()


@pytest.fixture(scope="session")
def docs_html(tmp_path_factory) -> Path:
    """The built HTML site (``sphinx-build -W --keep-going``), built once per session."""
    try:
        import myst_nb  # noqa: F401
        import numpydoc  # noqa: F401
        import pydata_sphinx_theme  # noqa: F401
        import sphinx  # noqa: F401
        import sphinxarg  # noqa: F401
    except ImportError as exc:
        if _in_ci():
            pytest.fail(f"the docs extra is not installed: {exc}")
        pytest.skip(f"the docs extra is not installed: {exc}")
    out = tmp_path_factory.mktemp("docs") / "html"
    doctrees = out.parent / "doctrees"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-b",
            "html",
            "-d",
            str(doctrees),
            "-q",
            str(DOCS),
            str(out),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, f"sphinx-build -W failed:\n{proc.stderr[-6000:]}"
    for marker in ("WARNING", "ERROR", "Warning:"):  # Sphinx warnings, and Python ones (numpydoc: an unknown section)
        assert marker not in proc.stderr, proc.stderr[-6000:]
    return out


def _page(html: Path, rel: str) -> str:
    path = html / rel
    assert path.is_file(), f"no page {rel}"
    return path.read_text(encoding="utf-8")


def test_every_public_name_and_accessor_method_has_a_page(docs_html):
    api = _page(docs_html, "api/index.html")
    for name in imgkit.__all__:
        page = _page(docs_html, f"api/generated/imgkit.{name}.html")
        assert f'id="imgkit.{name}"' in page, name  # the object itself is documented there
        assert f"generated/imgkit.{name}.html" in api, name  # and listed in the API reference
    import pandas as pd

    accessor = type(pd.DataFrame({"id": [], "owner": []}).imgkit)
    methods = [n for n, v in vars(accessor).items() if not n.startswith("_") and callable(v)]
    assert {"os_distribution", "cleanup_candidates", "diff_listings"} <= set(methods)
    for name in methods:
        target = f"{accessor.__module__}.{accessor.__qualname__}.{name}"
        assert f'id="{target}"' in _page(docs_html, f"api/generated/{target}.html"), name


def test_numpydoc_sections_render(docs_html):
    page = _page(docs_html, "api/generated/imgkit.read_images.html")
    for section in ("Parameters", "Returns", "Raises", "Examples"):
        assert f">{section}<" in page, section
    assert 'href="../../glossary.html#term-dialect"' in page  # docstring -> glossary cross-reference
    archive = _page(docs_html, "api/generated/imgkit.Archive.html")
    assert 'id="imgkit.Archive.load"' in archive  # the methods of a class are on its page


def test_notebooks_are_rendered_with_their_stored_outputs(docs_html):
    for nb_path in sorted((REPO / "notebooks").glob("*.ipynb")):
        page = _page(docs_html, f"examples/{nb_path.stem}.html")
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
        pngs = sum("image/png" in out.get("data", {}) for c in nb["cells"] for out in c.get("outputs", []))
        assert len(re.findall(r'<img[^>]+src="\.\./_images/', page)) >= pngs, nb_path.name
        title = next(c for c in nb["cells"] if c["cell_type"] == "markdown")["source"]
        title = "".join(title).splitlines()[0].lstrip("# ").strip()
        assert title.split("`")[0][:20] in page, nb_path.name


def test_field_table_is_generated_from_the_schema(docs_html):
    from imgkit.schema import FIELDS, SERVER_FIELDS

    page = _page(docs_html, "user-guide/fields.html")
    for field in (*FIELDS, *SERVER_FIELDS):
        assert f'<span class="pre">{field.column}</span>' in page, field.column


def test_cli_reference_is_generated_from_the_parsers(docs_html):
    from imgkit.cli import _parser

    page = _page(docs_html, "cli.html")
    sub = next(a for a in _parser()._actions if a.__class__.__name__ == "_SubParsersAction")
    for command, parser in sub.choices.items():
        assert f'id="imgkit-{command}"' in page, command
        for action in parser._actions:
            hidden = action.__class__.__name__ == "_HelpAction" or action.help == argparse.SUPPRESS
            for flag in [] if hidden else action.option_strings:
                assert flag in page, (command, flag)


def test_glossary_defines_the_domain_terms(docs_html):
    page = _page(docs_html, "glossary.html")
    for term in (
        "gold",
        "market",
        "family",
        "tenant",
        "owner",
        "project",
        "as_of",
        "fetched_at",
        "finding",
        "dialect",
        "snapshot",
        "engine",
    ):
        assert f'id="term-{term}"' in page, term


def test_performance_and_changelog_pages(docs_html):
    perf = _page(docs_html, "performance.html")
    for script in ("bench_load.py", "bench_history.py", "bench_archive.py", "bench_cleanup.py"):
        assert script in perf
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    first_heading = next(line for line in changelog.splitlines() if line.startswith("## "))
    assert first_heading[3:].strip() in _page(docs_html, "changelog.html")


# ---------------------------------------------------------------------------- in Chromium


@pytest.mark.browser
@pytest.mark.parametrize(
    "page_path", ["index.html", "api/generated/imgkit.read_images.html", "examples/02_os_distribution.html"]
)
def test_pages_load_offline_without_console_errors(docs_html, offline_page, page_path, tmp_path):
    page, offline = offline_page
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto((docs_html / page_path).as_uri())
    page.wait_for_load_state("load")
    page.locator("article h1").first.wait_for()
    assert page.locator("nav.bd-docs-nav, .bd-sidebar-primary").count() >= 1
    shot = tmp_path / (page_path.replace("/", "_") + ".png")
    page.screenshot(path=shot)
    print(f"\nscreenshot of {page_path}: {shot}")
    assert errors == []
    assert offline.external == []
    assert all(r.startswith("file:") or r.startswith("data:") for r in offline.requests), offline.requests


@pytest.mark.browser
def test_search_finds_read_images(docs_html, offline_page):
    page, offline = offline_page
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto((docs_html / "search.html").as_uri() + "?q=read_images")
    hit = page.locator("#search-results a[href*='imgkit.read_images.html']").first
    hit.wait_for(timeout=60_000)
    assert errors == []
    assert offline.external == []
