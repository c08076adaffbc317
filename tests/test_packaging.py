"""Packaging: environment.yml and pyproject.toml list the same packages; the README's commands are the ones CI runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
tomllib = pytest.importorskip("tomllib")  # Python >= 3.11

# conda-forge names that differ from PyPI's
CONDA_TO_PYPI = {"matplotlib-base": "matplotlib", "python-duckdb": "duckdb"}


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~\[;]", requirement.strip(), maxsplit=1)[0].lower()


def _expanded(extras: dict, name: str) -> list[str]:
    """The requirements of extra `name`, with ``imgkit[other]`` (an extra of imgkit itself) replaced by its own."""
    out = []
    for r in extras[name]:
        if _name(r) == "imgkit":
            for other in re.search(r"\[(.*?)\]", r).group(1).split(","):
                out += _expanded(extras, other.strip())
        else:
            out.append(r)
    return out


def test_environment_yml_and_pyproject_agree():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    pypi = {_name(r) for r in project["dependencies"]} | {_name(r) for r in _expanded(extras, "test")}
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    conda = {CONDA_TO_PYPI.get(_name(d), _name(d)) for d in env["dependencies"] if isinstance(d, str)}
    conda -= {"python", "pip"}
    # what conda-forge does not have comes from PyPI through the pip section
    pip = [d for d in env["dependencies"] if isinstance(d, dict)][0]["pip"]
    conda |= {_name(line) for line in pip if not line.startswith("-e")}
    assert conda == pypi


def test_environment_yml_installs_imgkit_itself():
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    pip = [d for d in env["dependencies"] if isinstance(d, dict)][0]["pip"]
    assert any(line.startswith("-e .") for line in pip)


def test_ci_runs_the_readme_test_command_verbatim():
    readme = (REPO / "README.md").read_text()
    ci = (REPO / ".ci" / "run").read_text()
    commands = re.findall(r"```(?:bash|sh)\n(.*?)\n```", readme.split("## Quickstart", 1)[1], flags=re.S)[:2]
    assert len(commands) == 2
    main_job, test_suite = (c.strip() for c in commands)
    assert "imgkit report" in main_job and "report.html" in main_job
    assert "pytest" in test_suite
    assert test_suite in ci


def test_py_typed_shipped():
    assert (REPO / "imgkit" / "py.typed").exists()
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    assert "py.typed" in project["tool"]["setuptools"]["package-data"]["imgkit"]


def test_every_subpackage_is_packaged():
    """A non-editable install ships every package directory (``imgkit.io`` was once left out)."""
    from setuptools import find_packages

    find = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    listed = set(find_packages(str(REPO), include=find["include"]))
    found = {".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "imgkit").rglob("__init__.py")}
    assert found == listed
    assert {"imgkit.io", "imgkit.fetch", "imgkit.analysis", "imgkit.report", "imgkit.widgets"} <= listed


def test_the_test_extra_includes_the_docs_extra():
    """The README's test command builds the docs (tests/test_docs.py), so its install brings the docs extra."""
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert {_name(r) for r in extras["docs"]} >= {"sphinx", "pydata-sphinx-theme", "numpydoc", "myst-nb"}
    assert {_name(r) for r in extras["docs"]} <= {_name(r) for r in _expanded(extras, "test")}
