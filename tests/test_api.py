"""The public API: a small, pinned surface; typed; every public function, class and exception documented (numpydoc)."""

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
    "to_sql",
    "to_excel",
    "concat",
    "StringListDtype",
    "validate",
    "describe_columns",
    "api_to_column",
    "column_to_api",
    "FIELDS",
    # servers, usage, cleanup
    "read_servers",
    "read_scaling_configs",
    "read_members",
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
    "eol_images",
    "os_eol_table",
    # plots
    "plot_os_distribution",
    "plot_age",
    "plot_creation_timeline",
    "plot_feature_support",
    "platform_colors",
    # report
    "build_report",
    "ReportContext",
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


def test_import_leaves_the_http_and_plotting_stacks_for_first_use():
    """``import imgkit`` loads pandas, pyarrow and imgkit; HTTP, YAML, matplotlib and Dask load on first use."""
    code = (
        "import sys, imgkit; heavy = ('requests', 'urllib3', 'yaml', 'matplotlib', 'dask');"
        "print(sorted({m.split('.')[0] for m in sys.modules} & set(heavy)));"
        "imgkit.fetch_images; print('requests' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[:2] == ["[]", "True"]


# ---------------------------------------------------------------------------- numpydoc sections
# Every public function, every public class and its public methods, the accessor and the exceptions:
# parsed with numpydoc (the parser the docs build uses), so an unknown section is an error too.


def _numpydoc(obj):
    import warnings

    from numpydoc.docscrape import NumpyDocString

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        doc = NumpyDocString(inspect.getdoc(obj) or "")
    return doc, [str(w.message) for w in caught]


def _raises_itself(func) -> bool:
    """True when `func`'s own body has a ``raise X`` statement (re-raises and nested functions aside)."""
    import ast
    import textwrap

    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):
        return False

    def walk(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                continue
            if isinstance(child, ast.Raise) and child.exc is not None:
                return True
            if walk(child):
                return True
        return False

    return walk(tree.body[0])


def _documented(doc, *sections) -> set[str]:
    return {n.strip().lstrip("*") for s in sections for p in doc[s] for n in p.name.split(",")}


def _docstring_problems(name: str, obj) -> list[str]:
    doc, warned = _numpydoc(obj)
    problems = [f"{name}: {w}" for w in warned]
    if not doc["Summary"]:
        problems.append(f"{name}: no summary line")
    is_class = inspect.isclass(obj)
    init = obj.__dict__.get("__init__") if is_class else obj
    params = (
        []
        if not inspect.isfunction(init)
        else [
            p.name
            for p in inspect.signature(init).parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
    )
    sections = ("Parameters", "Other Parameters") + (("Attributes",) if is_class else ())
    missing = [p for p in params if p not in _documented(doc, *sections)]
    if missing:
        problems.append(f"{name}: parameters not documented: {missing}")
    if not doc["Examples"]:
        problems.append(f"{name}: no Examples section")
    if inspect.isfunction(obj):
        returns = inspect.signature(obj).return_annotation
        if returns not in (None, "None") and not (doc["Returns"] or doc["Yields"]):
            problems.append(f"{name}: no Returns section")
    if inspect.isfunction(init) and _raises_itself(init) and not doc["Raises"]:
        problems.append(f"{name}: raises, but has no Raises section")
    if is_class and not issubclass(obj, (BaseException, Warning)):
        for attr, member in vars(obj).items():
            if attr.startswith("_"):
                continue
            if isinstance(member, property):
                if not inspect.getdoc(member):
                    problems.append(f"{name}.{attr}: property without a docstring")
            elif inspect.isfunction(member) and member.__module__ == obj.__module__:
                problems += _docstring_problems(f"{name}.{attr}", member)
    return problems


def _public_code():
    for name in imgkit.__all__:
        obj = getattr(imgkit, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            yield name, obj


def test_public_docstrings_have_their_numpydoc_sections():
    """Parameters (each one), Returns, Raises (where the body raises) and Examples -- for functions, classes
    and their methods, and the exceptions -- and nothing numpydoc does not know."""
    problems = [p for name, obj in _public_code() for p in _docstring_problems(name, obj)]
    assert problems == []


def test_accessor_is_documented_and_each_method_points_to_its_function():
    import pandas as pd

    accessor = type(pd.DataFrame({"id": [], "owner": []}).imgkit)
    doc, warned = _numpydoc(accessor)
    assert warned == []
    assert doc["Summary"] and doc["Parameters"] and doc["Raises"] and doc["Examples"]
    methods = [n for n, v in vars(accessor).items() if not n.startswith("_") and callable(v)]
    assert len(methods) >= 20
    for name in methods:
        assert f":func:`imgkit.{name}`" in inspect.getdoc(getattr(accessor, name)), name
        assert name in imgkit.__all__, name
