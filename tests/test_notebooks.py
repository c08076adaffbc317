"""Static checks of notebooks/ (the suite also runs them with nbval): stable numbers, bundled data only."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))

#: Calls whose results depend on the reference time: each must pass as_of= explicitly.
AGE_CALLS = (
    "age_profile",
    "stale_images",
    "tenant_summary",
    "plot_age",
    "ImageExplorer",
    "build_report",
    "cleanup_candidates",
)


def _code(path: Path) -> list[str]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


def _calls(source: str, name: str) -> list[str]:
    """The argument text of each call ``name(...)`` (balanced parentheses)."""
    out = []
    for m in re.finditer(rf"\b{name}\(", source):
        depth, i = 1, m.end()
        while depth and i < len(source):
            depth += {"(": 1, ")": -1}.get(source[i], 0)
            i += 1
        out.append(source[m.end() : i - 1])
    return out


def test_there_are_notebooks():
    assert [p.name[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04", "05", "06", "07", "08", "09"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_age_dependent_calls_pass_an_explicit_as_of(path):
    for source in _code(path):
        if source.startswith("if LIVE:"):  # not run in CI; a live snapshot's default as_of is its fetched_at
            continue
        for name in AGE_CALLS:
            for args in _calls(source, name):
                assert "as_of=" in args, f"{path.name}: {name}({args}) without as_of="


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_network_and_no_writes_into_the_repo(path):
    for source in _code(path):
        assert "requests." not in source and "urlopen" not in source, path.name
        for name in ("build_report", "to_parquet", "fetch_images", "write_listing"):
            for args in _calls(source, name):
                # output paths are temporary directories (or the papermill OUTPUT parameter)
                if "path=" in args or "save_to=" in args or name in ("to_parquet", "write_listing"):
                    assert re.search(r"(path|save_to)=(out|snapshot_dir)\b", args), f"{path.name}: {name}({args})"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_read_as_tutorials(path):
    """Test markers are cell tags (not visible source), data comes through the public API, a conclusion ends it."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        source = "".join(cell["source"])
        assert "NBVAL_" not in source, f"{path.name}: an nbval marker in the source (use the cell tag)"
        assert "__file__" not in source, f"{path.name}: bundled data through imgkit.demo.data_file / load_demo"
        tags = cell.get("metadata", {}).get("tags", [])
        assert set(tags) <= {"parameters", "nbval-check-output", "nbval-ignore-output", "nbval-skip"}, tags
    assert sum("nbval-check-output" in c.get("metadata", {}).get("tags", []) for c in cells) >= (
        0 if path.stem.startswith("06") else 1
    )
    last = cells[-1]
    assert last["cell_type"] == "markdown" and "".join(last["source"]).startswith("## Conclusion"), path.name


def test_cleanup_notebook_shows_its_report():
    cells = json.loads(next(p for p in NOTEBOOKS if p.stem.startswith("09")).read_text(encoding="utf-8"))["cells"]
    shown = [c for c in cells if c["cell_type"] == "code" and "<iframe sandbox srcdoc=" in "".join(c["source"])]
    assert len(shown) == 1
    assert [o["output_type"] for o in shown[0]["outputs"]] == ["execute_result"]  # no warning
    assert "text/html" in shown[0]["outputs"][0]["data"]  # executed: the report is in the notebook


def test_documented_papermill_command_reports_the_given_listing(tmp_path):
    """The papermill command of the docs (docs/user-guide/reports.md), verbatim: papermill reads the parameters cell and the report is of INPUT."""
    import shlex
    import subprocess
    import sys

    import imgkit

    repo = Path(__file__).resolve().parent.parent
    page = (repo / "docs" / "user-guide" / "reports.md").read_text(encoding="utf-8")
    command = re.search(r"^papermill notebooks/07_report\.ipynb .*$", page, flags=re.M).group(0)
    argv = shlex.split(command)
    assert argv[argv.index("-p") + 1 :: 3] == ["INPUT", "AS_OF", "OUTPUT"]
    listing = argv[argv.index("INPUT") + 1]
    output = argv[argv.index("OUTPUT") + 1]
    imgkit.write_listing(tmp_path / listing, 40, n_tenants=3, seed=7)  # not the demo: 40 images, 3 tenants
    (tmp_path / "notebooks").symlink_to(repo / "notebooks")
    run = subprocess.run([sys.executable, "-m", *argv], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "unknown parameter" not in run.stderr and "Unable to parse" not in run.stderr
    page = (tmp_path / output).read_text(encoding="utf-8")
    assert f"<dt>images</dt><dd>{listing}</dd>" in page  # "Built from": the path given
    assert "<dt>images</dt><dd>40</dd>" in page and "40 images, 3 tenants; ages as of 2026-07-01 (given)." in page
