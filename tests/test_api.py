"""The public API: a small, pinned surface; typed; every public function documented with Examples."""

from __future__ import annotations

import importlib
import inspect
import subprocess
import sys

import imgkit

PUBLIC = {
    # load / schema / validation
    "read_images",
    "read_parquet",
    "to_parquet",
    "validate",
    "describe_columns",
    "api_to_column",
    "column_to_api",
    "FIELDS",
    # servers, usage, cleanup
    "read_servers",
    "image_usage",
    "cleanup_candidates",
    "storage_cost",
    "label_tenants",
    "load_demo_servers",
    # fetch
    "FetchConfig",
    "fetch_images",
    "fetch_members",
    "fetch_scaling_configs",
    "fetch_servers",
    "fetch_volumes",
    # demo data
    "load_demo",
    "load_demo_tenants",
    "generate_listing",
    "write_listing",
    "evolve_listing",
    # analysis
    "os_distribution",
    "age_profile",
    "stale_images",
    "creation_timeline",
    "feature_support",
    "tenant_summary",
    "filter_images",
    "resolve_as_of",
    "feature_labels",
    "os_features",
    # plots
    "plot_os_distribution",
    "plot_age",
    "plot_creation_timeline",
    "plot_feature_support",
    "platform_colors",
    # report
    "build_report",
    # what changed: diffs, history, trends
    "diff_listings",
    "ListingDiff",
    "history",
    "trend",
    "plot_trend",
    "plot_diff_summary",
    # snapshot archive (pandas / Dask)
    "Archive",
    # errors
    "ImgkitError",
    "SourceError",
    "SchemaError",
    "ConfigError",
    "ApiError",
    "AuthError",
    "PaginationError",
    "ImgkitWarning",
    "__version__",
}

MODULES = [
    "schema",
    "errors",
    "io",
    "validate",
    "fetch",
    "demo",
    "analysis",
    "plotting",
    "accessor",
    "report",
    "widgets",
    "cli",
    "archive",
    "cleanup",
    "testing",
]


def test_public_names_are_pinned():
    assert set(imgkit.__all__) == PUBLIC
    for name in imgkit.__all__:
        assert hasattr(imgkit, name), name


def test_every_module_declares_all():
    for mod in MODULES:
        m = importlib.import_module(f"imgkit.{mod}")
        assert isinstance(getattr(m, "__all__", None), list), mod
        for name in m.__all__:
            assert hasattr(m, name), (mod, name)


def test_public_functions_are_typed_documented_and_keyword_only():
    for name in imgkit.__all__:
        obj = getattr(imgkit, name)
        if not inspect.isfunction(obj):
            continue
        doc = inspect.getdoc(obj) or ""
        assert "Examples" in doc, f"{name} has no Examples section"
        sig = inspect.signature(obj)
        assert sig.return_annotation is not inspect.Signature.empty, name
        params = list(sig.parameters.values())
        for p in params:
            assert p.annotation is not inspect.Parameter.empty, (name, p.name)
        # data first, options keyword-only
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        assert len(positional) <= 2, (name, [p.name for p in positional])


def test_errors_form_one_tree_and_inherit_the_fitting_builtin():
    assert issubclass(imgkit.SourceError, (imgkit.ImgkitError, ValueError))
    assert issubclass(imgkit.SchemaError, ValueError) and issubclass(imgkit.ConfigError, ValueError)
    assert issubclass(imgkit.ApiError, RuntimeError) and issubclass(imgkit.AuthError, imgkit.ApiError)
    assert issubclass(imgkit.PaginationError, (imgkit.ImgkitError, RuntimeError))
    assert issubclass(imgkit.ImgkitWarning, UserWarning)


def test_import_is_light():
    """Importing imgkit must not pull in matplotlib or ipywidgets (headless loading stays fast)."""
    code = "import sys, imgkit; print(sorted(m for m in ('matplotlib', 'ipywidgets') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
