"""Sphinx configuration for imgkit's documentation.

Build (offline, warnings as errors)::

    pip install -e ".[docs]"
    sphinx-build -W --keep-going -b html docs docs/_build/html

Generated at build time, never edited by hand (see ``_ext/imgkit_docs.py``):

* ``api/index.rst`` -- one autosummary entry per name in ``imgkit.__all__`` and per
  method of the ``df.imgkit`` accessor, so a new public name gets its page without
  touching the docs;
* ``examples/*.ipynb`` -- copies of ``notebooks/``, rendered with their stored outputs
  (MyST-NB does not execute them);
* the field table of "How imgkit types each field", from ``imgkit.schema.FIELDS``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
os.environ.setdefault("MPLBACKEND", "Agg")

import imgkit_docs  # noqa: E402

import imgkit  # noqa: E402

imgkit_docs.generate(HERE)

project = "imgkit"
author = "imgkit developers"
copyright = "imgkit developers, Apache-2.0"  # noqa: A001
release = version = imgkit.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "myst_nb",
    "sphinxarg.ext",
    "imgkit_docs",
]

root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints", "README.md"]
templates_path = ["_templates"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}

# -- API reference -------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = True
autodoc_typehints = "none"  # numpydoc's Parameters sections carry the types
numpydoc_show_class_members = False  # our class template lists the members
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_attributes_as_param_list = True
default_role = "code"

# No network at build time: intersphinx inventories are not fetched.
intersphinx_mapping: dict[str, tuple[str, str | None]] = {}

# -- Notebooks and Markdown (MyST-NB) -----------------------------------------
nb_execution_mode = "off"  # render the stored outputs: the suite checks them with nbval
nb_ipywidgets_js: dict[str, dict[str, str]] = {}  # no widget JavaScript from a CDN
nb_merge_streams = True
# Widget outputs need widget JavaScript (from a CDN): show their text form instead.
nb_mime_priority_overrides = [
    ("html", "application/vnd.jupyter.widget-view+json", None),
    ("html", "application/vnd.jupyter.widget-state+json", None),
]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# -- HTML ----------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"imgkit {version}"
html_static_path = ["_static"]
html_css_files = ["imgkit.css"]
html_show_sourcelink = False
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 5,
    "navbar_end": ["theme-switcher", "navbar-icon-links"],
    "footer_start": ["copyright"],
    "footer_end": [],
    "secondary_sidebar_items": {"**": ["page-toc"], "user-guide/fields": []},
}
html_context = {"default_mode": "auto"}  # light or dark as the reader's system says
html_show_search_summary = False  # summaries fetch() each page, which file:// pages may not
html_sidebars = {"index": [], "performance": [], "glossary": [], "changelog": []}
