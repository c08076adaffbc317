"""The ``imgkit`` command line: ``imgkit report``, ``summary``, ``export``, ``explore``, ``fetch``, ``archive``,
``diff``, ``cleanup``.

Each subcommand is one ``_add_<name>(subparsers)`` function that registers its
parser with :func:`_subcommand` (which adds ``INPUT`` unless ``input=False``,
and ``--debug``) and a ``_run_<name>(args) -> int`` function. :data:`_COMMANDS`
lists the ``_add_*`` functions; adding a subcommand means writing those two
functions and appending one entry there.

Errors: anything imgkit raises on purpose (and unreadable files) is printed as
one line ``imgkit: error: ...`` on stderr with exit code 1; ``--debug`` shows
the traceback instead. Usage errors exit with code 2 (argparse).
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from imgkit.errors import ImgkitError
from imgkit.fetch import FetchConfig
from imgkit.io import to_csv, to_excel

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["main"]

_PROG = "imgkit"


def _subcommand(
    sub: Any,
    name: str,
    func: Callable[[argparse.Namespace], int],
    *,
    help: str,
    description: str,
    input: bool | str = True,
) -> argparse.ArgumentParser:
    """Register subcommand `name` with ``--debug`` (and the INPUT argument unless `input` is False;
    ``input="optional"`` makes it optional)."""
    p = sub.add_parser(name, help=help, description=description)
    if input:
        p.add_argument(
            "input",
            metavar="INPUT",
            nargs="?" if input == "optional" else None,
            help="a listing file (.json[.gz], .jsonl[.gz], .parquet), a snapshot directory, or - for standard input",
        )
    p.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    p.set_defaults(func=func)
    return p


def _load(source: str) -> pd.DataFrame:
    """Read INPUT (anything :func:`imgkit.read_images` accepts, ``-`` for standard input); loader warnings
    become one line each. A missing file, a symlink loop, a FIFO: the loader's SourceError says which."""
    import warnings

    from imgkit.errors import ImgkitWarning, SourceError
    from imgkit.io import read_images

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ImgkitWarning)
        try:
            df = read_images(sys.stdin.buffer if source == "-" else source)
        except ImgkitError:
            raise  # names the source already
        except Exception as exc:  # a loader bug: the error line still names the file (--debug: the chain)
            name = "<stdin>" if source == "-" else source
            raise SourceError(f"unexpected {type(exc).__name__}: {exc}", source=name) from exc
    for w in caught:
        print(f"{_PROG}: warning: {_one_line(w.message, '<stdin>' if source == '-' else source)}", file=sys.stderr)
    return df


def _printable(text: str) -> str:
    r"""`text` with newlines and other control characters escaped (``page\n1.json``): one line, no terminal tricks.

    Examples
    --------
    >>> print(_printable("page\n1.json"))
    page\n1.json
    """
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def _printable_lines(text: str) -> str:
    r"""Each line of `text` through :func:`_printable` (a no-break space printed as a space): no control character.

    Examples
    --------
    >>> _printable_lines("a\x1b[2J\nb")
    'a\\x1b[2J\nb'
    """
    return "\n".join(_printable(line.replace("\u00a0", " ")) for line in text.split("\n"))


def _warned(func: Callable[..., Any], *args: Any) -> Any:
    """Call `func`; imgkit warnings become one ``imgkit: warning:`` line each."""
    import warnings

    from imgkit.errors import ImgkitWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ImgkitWarning)
        out = func(*args)
    for w in caught:
        print(f"{_PROG}: warning: {_one_line(w.message)}", file=sys.stderr)
    return out


def _read_servers(source: str, volumes: str | None) -> pd.DataFrame:
    from imgkit.io import read_servers

    for path in (source, volumes):
        if path is not None and not Path(path).exists():
            raise FileNotFoundError(f"{path}: no such file or directory")
    return read_servers(source, volumes=volumes)


def _check_output(path: str) -> Path:
    """Fail before the (possibly long) load when OUT cannot be written: a directory, a missing or read-only parent."""
    import os

    out = Path(path)
    if out.is_dir():
        raise IsADirectoryError(f"{path}: is a directory; give a file name")
    parent = out.parent
    if not parent.is_dir():
        raise FileNotFoundError(f"{path}: the directory {str(parent)!r} does not exist")
    if not os.access(parent, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise PermissionError(f"{path}: not writable")
    return out


# ----------------------------------------------------------------------------- summary


def _add_summary(sub: Any) -> None:
    _subcommand(
        sub,
        "summary",
        _run_summary,
        help="print a summary table of an image listing",
        description="Print images, tenants, platforms, statuses and validation findings of INPUT.",
    )


def _counts_block(title: str, counts: pd.Series, total: int, top: int = 10) -> list[str]:
    lines = [title]
    counts = counts[counts > 0]
    if counts.empty:
        return [*lines, "  (none)"]
    shown = counts.head(top)
    keys = [_printable(str(k)) for k in shown.index]  # values from the data: no terminal escape sequences
    width = max(len(k) for k in keys)
    for key, n in zip(keys, shown.to_numpy()):
        share = n / total if total else 0.0
        lines.append(f"  {key:<{width}}  {n:>9,}  {share:6.1%}")
    rest = counts.iloc[top:]
    if len(rest):
        lines.append(f"  {'(' + str(len(rest)) + ' more)':<{width}}  {int(rest.sum()):>9,}")
    return lines


def _summary_text(df: pd.DataFrame) -> str:
    """The terminal summary of a typed frame (what ``imgkit summary`` prints)."""
    import pandas as pd

    meta = df.attrs.get("imgkit") or {}
    n = len(df)
    lines = [f"source:    {_printable(str(meta.get('source', '?')))}"]
    lines.append(f"images:    {n:,}")
    lines.append(f"tenants:   {df['owner'].nunique(dropna=True):,}")
    if n and df["created_at"].notna().any():
        lines.append(f"created:   {df['created_at'].min():%Y-%m-%d} .. {df['created_at'].max():%Y-%m-%d}")
    lines.append("")
    for col, title in (
        ("platform", "platforms"),
        ("status", "statuses"),
        ("visibility", "visibility"),
        ("imagetype", "image types"),
    ):
        counts = df[col].value_counts(dropna=False, sort=True)
        counts.index = ["(missing)" if pd.isna(k) else str(k) for k in counts.index]
        lines += _counts_block(title, counts, n)
    from imgkit.validate import validate

    findings = validate(df)  # as the report counts them: load-time findings + the rules re-checked on the frame
    nf = len(findings)
    lines.append("")
    lines.append(f"findings:  {nf:,}")
    if nf:
        by_rule = findings.groupby(["column", "rule"], observed=True, dropna=False).size()
        by_rule = by_rule.sort_values(ascending=False)
        by_rule.index = [f"{c}: {r}" for c, r in by_rule.index]
        lines += _counts_block("", by_rule, nf)[1:]
    return "\n".join(lines)


def _run_summary(args: argparse.Namespace) -> int:
    df = _load(args.input)
    print(_printable_lines(_summary_text(df)))
    return 0


# ----------------------------------------------------------------------------- export


def _add_export(sub: Any) -> None:
    p = _subcommand(
        sub,
        "export",
        _run_export,
        help="write a listing as Parquet, CSV or Excel",
        description=(
            "Write INPUT as a typed table. .parquet keeps every dtype and the findings (imgkit.read_images reads "
            "it back); .csv and .xlsx write list/dict columns as JSON text and put a leading apostrophe before every "
            "line of a text cell that starts with =, +, -, @ (or their fullwidth forms, also after spaces), a tab or a "
            "line break (spreadsheet formula injection); .csv quotes every cell holding a line break; .xlsx writes times "
            "as UTC without a zone (Excel has none), and says so in their column headers."
        ),
    )
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="out.parquet, out.csv or out.xlsx")


def _run_export(args: argparse.Namespace) -> int:
    out = Path(args.output)
    suffix = out.suffix.lower()
    if suffix not in (".parquet", ".csv", ".xlsx"):
        raise ValueError(f"{args.output}: output must end in .parquet, .csv or .xlsx")
    _check_output(args.output)
    df = _load(args.input)
    if suffix == ".csv":
        to_csv(df, out)
    elif suffix == ".xlsx":
        to_excel(df, out)
    else:
        from imgkit.io import to_parquet

        to_parquet(df, out)
    print(f"wrote {len(df):,} images to {out}", file=sys.stderr)
    return 0


# ----------------------------------------------------------------------------- report


def _add_report(sub: Any) -> None:
    p = _subcommand(
        sub,
        "report",
        _run_report,
        help="build a self-contained HTML report",
        description="Build ONE self-contained HTML report (no external requests, no scripts) from INPUT, "
        "or from the latest snapshot of an archive (--archive ROOT).",
        input="optional",
    )
    p.add_argument(
        "--archive",
        metavar="ROOT",
        default=None,
        help="report the latest snapshot of this archive (a directory or fsspec URL) instead of INPUT, "
        "with a section 'Trends' over all its snapshots",
    )
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="the HTML file to write")
    p.add_argument("--as-of", metavar="DATE", default=None, help="reference time for ages (default: the listing's)")
    p.add_argument("--title", default=None, help="report title")
    p.add_argument("--tenant", action="append", default=None, metavar="ID", help="only this tenant (owner); repeatable")
    p.add_argument("--top", type=int, default=10, metavar="N", help="tenants shown in the plots (default 10)")
    p.add_argument(
        "--baseline",
        metavar="OLD",
        default=None,
        help="an earlier listing: adds the section 'Changes since <its as_of>'",
    )
    p.add_argument(
        "--history",
        metavar="DIR",
        default=None,
        help="a folder of snapshot folders (or .parquet snapshots): adds trend plots",
    )
    p.add_argument(
        "--tenant-names",
        metavar="FILE",
        default=None,
        help="a CSV file with the columns id,name: label tenants by name",
    )
    p.add_argument(
        "--servers",
        metavar="SERVERS",
        default=None,
        help="a saved GET /v2.1/servers/detail listing (file or snapshot directory): adds the section "
        "'Cleanup candidates'",
    )
    p.add_argument(
        "--volumes",
        metavar="VOLUMES",
        default=None,
        help="with --servers: a saved GET /v3/volumes/detail listing, for servers booted from a volume",
    )
    price = _add_price_options(p, needs="with --servers: ")
    # the old name of --price-per-gib-month (it was always per 2**30 bytes)
    price.add_argument("--price-per-gb-month", type=float, default=None, help=argparse.SUPPRESS)
    p.add_argument(
        "--tables",
        metavar="DIR",
        default=None,
        help="also write every table of the report in full, as CSV files (formula-injection safe) in DIR",
    )
    p.add_argument("--no-dictionary", action="store_true", help="leave the data dictionary out")


def _add_price_options(p: Any, *, needs: str = "") -> Any:
    """``--prices P | --price-per-gib-month X`` and ``--currency CODE`` (report and cleanup); the price group."""
    price = p.add_mutually_exclusive_group()
    price.add_argument(
        "--prices",
        metavar="P",
        default=None,
        help=f"{needs}a CSV price table (columns cloud/region/image_kind and price_per_gib_month) or a JSON object "
        "{image_kind: price}",
    )
    price.add_argument(
        "--price-per-gib-month",
        type=float,
        default=None,
        metavar="X",
        help=f"{needs}one price per GiB-month (2**30 bytes) of image storage",
    )
    p.add_argument(
        "--currency",
        metavar="CODE",
        default=None,
        help="the currency of the prices (e.g. USD, EUR, CNY), shown with every amount",
    )
    return price


def _prices(args: argparse.Namespace) -> Any:
    """The prices the command line gives: a file (--prices), one number, or None."""
    if args.prices:
        return _read_prices(args.prices)
    if args.price_per_gib_month is not None:
        return args.price_per_gib_month
    return getattr(args, "price_per_gb_month", None)


def _run_report(args: argparse.Namespace) -> int:
    from imgkit.report import build_report

    if args.top < 1:
        raise ValueError(f"--top must be a positive integer, got {args.top}")
    as_of = _parse_as_of(args.as_of)
    if (args.input is None) == (args.archive is None):
        raise ValueError("give INPUT or --archive ROOT (one of them)")
    _check_output(args.output)
    price = _prices(args)
    if (args.volumes or price is not None) and not args.servers:
        raise ValueError("--volumes and a price (--prices, --price-per-gib-month) need --servers")
    if args.tables is not None and Path(args.tables).exists() and not Path(args.tables).is_dir():
        raise NotADirectoryError(f"{args.tables}: --tables needs a directory")
    archive = None
    if args.archive is not None:
        from imgkit.archive import Archive

        if args.history:
            raise ValueError("--archive has its own trends: give --archive or --history, not both")
        archive = Archive(args.archive)
        df = archive.load(snapshot_at="latest")
        if not len(df) and df.attrs["imgkit"]["fetched_at"] is None:
            raise ValueError(f"{args.archive}: the archive has no snapshot")
        args.input = args.archive
    else:
        df = _load(args.input)
    if args.tenant_names:
        from imgkit.analysis import label_tenants

        df = _warned(label_tenants, df, args.tenant_names)
    servers = _warned(_read_servers, args.servers, args.volumes) if args.servers else None
    if args.tenant:
        absent = sorted(set(args.tenant) - set(df["owner"].dropna().unique()))
        if len(absent) == len(set(args.tenant)):
            raise ValueError(f"no images of tenant(s) {', '.join(absent)} in {args.input}; nothing to report")
        if absent:
            print(f"{_PROG}: warning: no images of tenant(s) {', '.join(absent)} in {args.input}", file=sys.stderr)
    kwargs: dict[str, Any] = {
        "as_of": as_of,
        "tenants": args.tenant,
        "top": args.top,
        "currency": args.currency,
        "dictionary": not args.no_dictionary,
        "tables": args.tables,
    }
    roles = {
        "images": args.input,
        "baseline": args.baseline,
        "history": args.history,
        "servers": args.servers,
        "volumes": args.volumes,
        "tenant names": args.tenant_names,
        "prices": args.prices,
    }
    kwargs["sources"] = {role: path for role, path in roles.items() if path}
    kwargs["command"] = _command_line(getattr(args, "argv", None))
    if args.baseline:
        kwargs["baseline"] = _load(args.baseline)
    if args.history:
        if not Path(args.history).is_dir():
            raise FileNotFoundError(f"{args.history}: --history needs a folder of snapshots")
        kwargs["history"] = args.history
    if archive is not None:
        kwargs["history"] = archive
    if servers is not None:
        kwargs.update(servers=servers, prices=price)
    if args.title:
        kwargs["title"] = args.title
    build_report(df, path=args.output, **kwargs)
    print(f"wrote {args.output}", file=sys.stderr)
    return 0


def _command_line(argv: Sequence[str] | None) -> str | None:
    """``imgkit ARGS`` as a shell line a reader can rerun (without --tables, which the report adds)."""
    import shlex

    if argv is None:
        return None
    words, skip = [], False
    for word in argv:
        if skip:
            skip = False
        elif word == "--tables":
            skip = True
        elif not word.startswith("--tables="):
            words.append(word)
    return shlex.join([_PROG, *words])


def _parse_as_of(value: str | None) -> Any:
    if value is None:
        return None
    import pandas as pd

    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"--as-of: not a date/time: {value!r}") from exc
    if ts is pd.NaT:
        raise ValueError(f"--as-of: not a date/time: {value!r}")
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


# ----------------------------------------------------------------------------- explore


def _add_explore(sub: Any) -> None:
    p = _subcommand(
        sub,
        "explore",
        _run_explore,
        help="serve the interactive explorer of a listing in the browser (Voila, loopback only)",
        description=(
            "Serve imgkit.widgets.ImageExplorer of INPUT as a web app with Voila on 127.0.0.1, fully offline. "
            "Prints the URL with a fresh random token: the server refuses requests without it, and any Host but "
            "127.0.0.1/localhost. Ctrl-C, SIGTERM or SIGHUP stop the server and every kernel, and remove its "
            "temporary files."
        ),
    )
    p.add_argument("--port", type=int, default=None, metavar="N", help="the port (default: a free one)")
    p.add_argument("--as-of", metavar="DATE", default=None, help="reference time for ages (default: the listing's)")
    p.add_argument(
        "--tenant-names",
        metavar="FILE",
        default=None,
        help="a CSV file with the columns id,name: label tenants by name (the demo's: data/demo_tenants.csv)",
    )
    p.add_argument(
        "--max-pages",
        type=int,
        default=None,
        metavar="N",
        help="explorer pages (one Python kernel each) served at once; more get 503 (default 4)",
    )
    p.add_argument(
        "--idle-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="shut down the kernel of a page gone without notice after this long (default 120)",
    )


def _run_explore(args: argparse.Namespace) -> int:
    from imgkit.widgets import IDLE_TIMEOUT, MAX_KERNELS, serve_explorer

    as_of = _parse_as_of(args.as_of)

    def announce(url: str) -> None:
        print(url, flush=True)
        print(f"{_PROG}: the explorer of {args.input} is served at {url} (Ctrl-C stops it)", file=sys.stderr)

    return serve_explorer(
        args.input,
        port=args.port,
        as_of=None if as_of is None else as_of.isoformat(),
        tenant_names=args.tenant_names,
        max_kernels=MAX_KERNELS if args.max_pages is None else args.max_pages,
        idle_timeout=IDLE_TIMEOUT if args.idle_timeout is None else args.idle_timeout,
        announce=announce,
    )


# ----------------------------------------------------------------------------- diff


def _add_diff(sub: Any) -> None:
    p = _subcommand(
        sub,
        "diff",
        _run_diff,
        input=False,
        help="what changed between two listings",
        description=(
            "Compare OLD and NEW (files or snapshot directories; images matched on id): print the images added, "
            "removed and changed per tenant, and with -o write the changes as .html (a self-contained page), .csv "
            "or .parquet (one row per added/removed image and per changed value)."
        ),
    )
    p.add_argument("old", metavar="OLD", help="the earlier listing")
    p.add_argument("new", metavar="NEW", help="the later listing")
    p.add_argument("-o", "--output", default=None, metavar="OUT", help="diff.html, diff.csv or diff.parquet")
    p.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="COLUMN",
        help="leave a column out of the comparison, e.g. updated_at; repeatable",
    )
    p.add_argument("--top", type=int, default=20, metavar="N", help="tenants printed (default 20)")


def _diff_text(diff: Any, top: int) -> str:
    """The per-tenant summary ``imgkit diff`` prints."""
    from imgkit.report import format_bytes

    table = diff.summary.copy()
    table["storage_bytes_delta"] = [("+" if v > 0 else "") + format_bytes(v) for v in table["storage_bytes_delta"]]
    table = table.rename(columns={"storage_bytes_delta": "storage"})
    body = table.drop(index="All tenants")
    shown = body[(body[["added", "removed", "changed"]].sum(axis=1) > 0)].head(top)
    rest = len(body) - len(shown)
    lines = [repr(diff), ""]
    printed = table.loc[list(shown.index) + ["All tenants"]]
    printed.index = [_printable(str(i)) for i in printed.index]  # tenant ids come from the data
    text = printed.to_string()
    lines += text.splitlines()
    if rest:
        lines.append(f"({rest:,} more tenant(s) not shown: unchanged or beyond --top {top})")
    return "\n".join(lines)


def _run_diff(args: argparse.Namespace) -> int:
    from imgkit.analysis import diff_listings

    if args.top < 1:
        raise ValueError(f"--top must be a positive integer, got {args.top}")
    out = None
    if args.output:
        out = _check_output(args.output)
        if out.suffix.lower() not in (".html", ".csv", ".parquet"):
            raise ValueError(f"{args.output}: output must end in .html, .csv or .parquet")
    diff = diff_listings(_load(args.old), _load(args.new), ignore=args.ignore)
    print(_printable_lines(_diff_text(diff, args.top)))
    if out is not None:
        suffix = out.suffix.lower()
        if suffix == ".html":
            from imgkit.report import diff_page

            out.write_text(diff_page(diff, sources=(args.old, args.new)), encoding="utf-8")
        elif suffix == ".csv":
            to_csv(diff.to_frame(), out)
        else:
            diff.to_frame().to_parquet(out, index=False)
        print(f"wrote {out}", file=sys.stderr)
    return 0


# ----------------------------------------------------------------------------- archive


def _add_archive(sub: Any) -> None:
    p = sub.add_parser(
        "archive",
        help="add snapshots to a Parquet archive, list them",
        description="A snapshot archive: one Parquet file per snapshot under ROOT/snapshot_date=YYYY-MM-DD/ "
        "(ROOT: a directory or an fsspec URL such as s3://bucket/images).",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    add = _subcommand(
        actions,
        "add",
        _run_archive_add,
        help="store one snapshot (replaces the same day's)",
        description="Store the listing INPUT as one snapshot of the archive ROOT; adding the same "
        "day (and cloud and region) again replaces it.",
    )
    add.add_argument("--root", required=True, metavar="ROOT", help="the archive (a directory or fsspec URL)")
    add.add_argument(
        "--snapshot-at", metavar="TIME", default=None, help="when the listing was taken (default: its fetched_at)"
    )
    add.add_argument("--cloud", default=None, metavar="NAME", help="partition by cloud (every snapshot then must)")
    add.add_argument("--region", default=None, metavar="NAME", help="partition by region (every snapshot then must)")
    ls = _subcommand(
        actions,
        "list",
        _run_archive_list,
        help="list the snapshots",
        description="Print the snapshots of the archive ROOT, oldest first.",
        input=False,
    )
    ls.add_argument("--root", required=True, metavar="ROOT", help="the archive (a directory or fsspec URL)")


def _run_archive_add(args: argparse.Namespace) -> int:
    from imgkit.archive import Archive

    df = _load(args.input)
    archive = Archive(args.root)
    archive.add(df, snapshot_at=args.snapshot_at, cloud=args.cloud, region=args.region)
    print(f"added {len(df):,} images to {args.root}", file=sys.stderr)
    return 0


def _run_archive_list(args: argparse.Namespace) -> int:
    from imgkit.archive import Archive

    snaps = Archive(args.root).snapshots()
    if not len(snaps):
        print(f"no snapshots in {args.root}")
        return 0
    if snaps["cloud"].isna().all() and snaps["region"].isna().all():
        snaps = snaps.drop(columns=["cloud", "region"])
    print(snaps.to_string(index=False))
    print(
        f"{len(snaps)} snapshot(s), {int(snaps['images'].sum()):,} image rows, "
        f"{int(snaps['bytes_on_disk'].sum()):,} bytes"
    )
    return 0


# ----------------------------------------------------------------------------- fetch


def _add_fetch(sub: Any) -> None:
    p = _subcommand(
        sub,
        "fetch",
        _run_fetch,
        input=False,
        help="fetch the live listing of an IMS / Glance endpoint into a snapshot directory",
        description=(
            "Page through GET /v2/images (or Huawei's /v2/cloudimages) of ENDPOINT and write every raw page plus "
            "_imgkit_snapshot.json to DIR; every other subcommand reads DIR. With --servers, --volumes, "
            "--scaling-configs or --members, fetch that listing instead. Auth, first found: OS_AUTH_TOKEN; "
            "HUAWEICLOUD_SDK_AK + HUAWEICLOUD_SDK_SK (+ _PROJECT_ID, _SECURITY_TOKEN: every request signed); "
            "OS_CLOUD / --cloud (clouds.yaml: token, password, application credential, or ak/sk); OS_AUTH_URL + "
            "OS_APPLICATION_CREDENTIAL_ID/SECRET or OS_USERNAME + OS_PASSWORD (Keystone v3). With AK/SK, "
            "--region NAME finds the Huawei Cloud / OTC endpoint without ENDPOINT."
        ),
    )
    p.add_argument(
        "endpoint",
        metavar="ENDPOINT",
        nargs="?",
        default=None,
        help="e.g. https://ims.ap-southeast-1.myhuaweicloud.com (default: the Keystone catalog's, or with AK/SK "
        "the --region's)",
    )
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="DIR",
        help="snapshot directory (new, empty or an older snapshot, which is replaced only when the fetch succeeds)",
    )
    p.add_argument(
        "--api",
        choices=["images", "cloudimages"],
        default="images",
        help="images = GET /v2/images (Glance, OTC); cloudimages = Huawei ListImages (default: images)",
    )
    p.add_argument(
        "--filter",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="query filter passed through, e.g. __imagetype=private, created_at=gt:2024-01-01T00:00:00Z, "
        "sort_key=name; repeatable (a repeated key is sent repeatedly)",
    )
    p.add_argument("--limit", type=int, default=None, metavar="N", help="page size")
    p.add_argument("--max-images", type=int, default=None, metavar="N", help="stop after N images")
    p.add_argument(
        "--cloud",
        action="append",
        default=None,
        metavar="NAME",
        help="clouds.yaml entry (default: $OS_CLOUD); repeat it to fetch several clouds at once",
    )
    p.add_argument(
        "--region",
        action="append",
        default=None,
        metavar="NAME",
        help="region whose endpoint the Keystone catalog (or with AK/SK the Huawei Cloud / OTC template) gives, "
        "or NAME=ENDPOINT; repeatable: the regions are fetched at once into one folder each under DIR",
    )
    what = p.add_mutually_exclusive_group()
    what.add_argument(
        "--servers",
        action="store_true",
        help="fetch the servers (Nova / ECS GET /v2.1/servers/detail, all projects) instead of the images; "
        "ENDPOINT is then the compute endpoint",
    )
    what.add_argument(
        "--volumes",
        action="store_true",
        help="fetch the volumes (Cinder / EVS GET /v3/{project_id}/volumes/detail, all projects when allowed); "
        "ENDPOINT is then the volume endpoint with its project id",
    )
    what.add_argument(
        "--scaling-configs",
        action="store_true",
        help="fetch the Auto Scaling configurations (Huawei Cloud / OTC AS); ENDPOINT is then "
        "https://as.REGION.../autoscaling-api/v1/PROJECT_ID",
    )
    what.add_argument(
        "--members",
        metavar="IMAGES",
        default=None,
        help="fetch the members of the private and shared images in IMAGES (a snapshot or file read_images "
        "reads); ENDPOINT is the image endpoint",
    )
    p.add_argument(
        "--project-id",
        metavar="ID",
        default=None,
        help="with AK/SK: the project (default: $HUAWEICLOUD_SDK_PROJECT_ID, else looked up per region with IAM "
        "GET /v3/projects?name=REGION)",
    )
    p.add_argument(
        "--max-pages",
        type=int,
        default=FetchConfig.max_pages,
        metavar="N",
        help=f"refuse to follow more than N pages (default: {FetchConfig.max_pages})",
    )
    p.add_argument(
        "--deadline",
        type=float,
        default=None,
        metavar="SECONDS",
        help=f"fail when the whole fetch takes longer (default: {FetchConfig.deadline:g}; 0: no limit)",
    )
    p.add_argument(
        "--max-retry-wait",
        type=float,
        default=None,
        metavar="SECONDS",
        help=f"honour Retry-After waits up to this total (default: {FetchConfig.max_retry_wait:g})",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def _parse_filters(items: Sequence[str]) -> dict[str, Any]:
    filters: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"--filter must look like KEY=VALUE, got {item!r}")
        if key in filters:
            old = filters[key]
            filters[key] = [*old, value] if isinstance(old, list) else [old, value]
        else:
            filters[key] = value
    return filters


def _run_fetch(args: argparse.Namespace) -> int:
    import warnings

    from imgkit.errors import ImgkitWarning
    from imgkit.fetch import fetch_images, fetch_members, fetch_scaling_configs, fetch_servers, fetch_volumes

    options: dict[str, Any] = dict(
        cloud=_clouds(args.cloud),
        regions=_regions(args.region),
        max_pages=args.max_pages,
        progress=False if args.no_progress else None,
        project_id=args.project_id,
    )
    if args.deadline is not None:
        options["deadline"] = args.deadline or None
    if args.max_retry_wait is not None:
        options["max_retry_wait"] = args.max_retry_wait
    config = FetchConfig(**options)
    listing: dict[str, Any] = dict(filters=_parse_filters(args.filter), limit=args.limit, save_to=args.output)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ImgkitWarning)
        if args.servers:
            what = "servers"
            df = fetch_servers(args.endpoint, config=config, **listing)
        elif args.volumes:
            what = "volumes"
            df = fetch_volumes(args.endpoint, config=config, **listing)
        elif args.scaling_configs:
            what = "scaling configurations"
            df = fetch_scaling_configs(args.endpoint, config=config, **listing)
        elif args.members:
            from imgkit.io import read_images

            what = "image members"
            images = read_images(args.members, errors="ignore")
            df = fetch_members(args.endpoint, images, save_to=args.output, config=config)
        else:
            what = "images"
            df = fetch_images(args.endpoint, api=args.api, max_images=args.max_images, config=config, **listing)
    for w in caught:
        print(f"{_PROG}: warning: {_one_line(w.message)}", file=sys.stderr)
    meta = df.attrs["imgkit"]
    if "parts" in meta:  # the failures, if any, were the warning above
        done = ", ".join(
            f"{'/'.join(str(p[k]) for k in ('cloud', 'region') if p.get(k))} {p['rows']:,}" for p in meta["parts"]
        )
        print(f"fetched {len(df):,} {what} ({done}) -> {args.output}", file=sys.stderr)
        return 0
    print(
        f"fetched {len(df):,} {what} in {meta['pages']} page(s) from {meta['source']} -> {args.output}", file=sys.stderr
    )
    return 0


def _clouds(names: list[str] | None) -> str | list[str] | None:
    """One --cloud: that entry; several: the list (fetched at once)."""
    if not names:
        return None
    return names[0] if len(names) == 1 else names


def _regions(items: list[str] | None) -> list[str] | dict[str, str] | None:
    """--region NAME (catalog lookups) or --region NAME=ENDPOINT (explicit endpoints), not mixed."""
    if not items:
        return None
    pairs = [item.partition("=") for item in items]
    if all(sep for _, sep, _ in pairs):
        return {name: endpoint for name, _, endpoint in pairs}
    if any(sep for _, sep, _ in pairs):
        raise ValueError("--region takes either NAME (the catalog's endpoint) or NAME=ENDPOINT, not both kinds")
    return list(items)


# ----------------------------------------------------------------------------- cleanup


def _add_cleanup(sub: Any) -> None:
    p = _subcommand(
        sub,
        "cleanup",
        _run_cleanup,
        help="write every cleanup candidate, largest first, with the reason and cost",
        description=(
            "Write the cleanup candidates of INPUT (imgkit.cleanup_candidates after imgkit.image_usage with every "
            "reference given), sorted by reclaimable_bytes, largest first, with the reason and, with prices, the "
            "monthly cost. Images whose usage the servers listing does not cover are never candidates. "
            "Nothing is deleted."
        ),
    )
    p.add_argument("--servers", required=True, metavar="S", help="a saved GET /v2.1/servers/detail listing")
    p.add_argument(
        "--all-tenants",
        action="store_true",
        help="the servers listing holds every project's servers (an admin listing saved by another tool; "
        "an imgkit snapshot says so itself): it covers every tenant of its region",
    )
    p.add_argument(
        "--volumes",
        metavar="V",
        default=None,
        help="a saved GET /v3/volumes/detail listing (boot volumes and unattached volumes count)",
    )
    p.add_argument(
        "--scaling-configs",
        metavar="A",
        default=None,
        help="saved Auto Scaling configurations (GET .../scaling_configuration)",
    )
    p.add_argument(
        "--members", metavar="M", default=None, help="saved image members (GET /v2/images/{id}/members answers)"
    )
    p.add_argument(
        "--in-use",
        metavar="IDS",
        default=None,
        help="a text file of image ids used elsewhere (IaC, CCE, BMS...), one per line (# comments)",
    )
    _add_price_options(p)
    p.add_argument("--older-than", metavar="D", default="365D", help="minimum age (default 365D)")
    p.add_argument(
        "--keep-newest",
        type=int,
        default=2,
        metavar="N",
        help="keep the newest N active unused images of each family (default 2)",
    )
    p.add_argument("--as-of", metavar="DATE", default=None, help="reference time for ages (default: the listing's)")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="out.csv, out.xlsx or out.parquet")


def _read_ids(path: str) -> list[str]:
    text = Path(path).read_text(encoding="utf-8")
    return [line.split("#", 1)[0].strip() for line in text.splitlines() if line.split("#", 1)[0].strip()]


def _read_prices(path: str) -> Any:
    import json

    import pandas as pd

    if not Path(path).is_file():
        raise FileNotFoundError(f"{path}: no such file")
    if path.lower().endswith(".json"):
        return json.loads(Path(path).read_text(encoding="utf-8"))
    return pd.read_csv(path, dtype={"cloud": "string", "region": "string", "image_kind": "string"})


_CLEANUP_COLUMNS = (
    "id",
    "name",
    "owner",
    "owner_name",
    "cloud",
    "region",
    "status",
    "visibility",
    "image_kind",
    "created_at",
    "age_days",
    "family",
    "reclaimable_bytes",
    "reclaimable_gib",
)


def _run_cleanup(args: argparse.Namespace) -> int:
    from imgkit.analysis import GIB, cleanup_candidates, image_usage, storage_cost

    out = Path(args.output)
    suffix = out.suffix.lower()
    if suffix not in (".parquet", ".csv", ".xlsx"):
        raise ValueError(f"{args.output}: output must end in .csv, .xlsx or .parquet")
    if args.keep_newest < 0:
        raise ValueError(f"--keep-newest must be a non-negative integer, got {args.keep_newest}")
    _check_output(args.output)
    prices = _prices(args)
    df = _load(args.input)
    servers = _warned(_read_servers, args.servers, args.volumes)
    if args.all_tenants:
        servers.attrs.setdefault("imgkit", {})["all_tenants"] = True
    refs: dict[str, Any] = {"volumes": args.volumes, "scaling_configs": args.scaling_configs, "members": args.members}
    for path in refs.values():
        if path is not None and not Path(path).exists():
            raise FileNotFoundError(f"{path}: no such file or directory")
    ids = _read_ids(args.in_use) if args.in_use else None
    usage = _warned(lambda: image_usage(df, servers, in_use=ids, **refs))
    older = None if args.older_than.lower() in ("0", "none") else args.older_than
    cand = cleanup_candidates(usage, older_than=older, keep_newest=args.keep_newest, as_of=_parse_as_of(args.as_of))
    table = cand.assign(reclaimable_gib=cand["reclaimable_bytes"].astype("Float64") / GIB)
    cols = [c for c in _CLEANUP_COLUMNS if c in table.columns]
    money = f"monthly_cost ({args.currency})" if args.currency else "monthly_cost"
    if prices is not None:
        per_image = storage_cost(cand, prices=prices, currency=args.currency, by="id").iloc[:-1]["cost"]
        table[money] = cand["id"].map(per_image).astype("Float64")
        cols.append(money)
    table = table[[*cols, "reason"]]
    if suffix == ".csv":
        to_csv(table, out)
    elif suffix == ".xlsx":
        to_excel(table, out)
    else:
        plain = table.reset_index(drop=True)
        plain.attrs = {}  # as_of is a Timestamp; the file holds the table
        plain.to_parquet(out, index=False)
    info = cand.attrs["cleanup"]
    total = (
        f", {table[money].sum():,.2f}{' ' + args.currency if args.currency else ''}/month" if prices is not None else ""
    )
    print(
        f"wrote {len(table):,} candidates ({info['reclaimable_bytes'] / GIB:,.1f} GiB{total}) to {out}; "
        f"{info['usage_unknown']:,} image(s) of unknown usage were not considered",
        file=sys.stderr,
    )
    return 0


# ----------------------------------------------------------------------------- main

#: One registration function per subcommand, in the order ``--help`` lists them.
_COMMANDS: list[Callable[[Any], None]] = [
    _add_report,
    _add_summary,
    _add_export,
    _add_explore,
    _add_fetch,
    _add_archive,
    _add_diff,
    _add_cleanup,
]


def _parser() -> argparse.ArgumentParser:
    from imgkit._version import __version__

    parser = argparse.ArgumentParser(
        prog=_PROG,
        description="imgkit: image catalogues of Huawei Cloud IMS / OpenStack Glance clouds as typed tables.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for add in _COMMANDS:
        add(sub)
    return parser


def _one_line(exc: BaseException | Warning | str, source: str | None = None) -> str:
    """The first line of an error or warning message, naming `source` (the INPUT) when it does not already.

    File names in it (the error's own ``source``, INPUT) are escaped first, so a name holding a
    newline neither splits the line nor hides what follows.
    """
    text = str(exc) or type(exc).__name__
    if isinstance(exc, (FileNotFoundError, IsADirectoryError, PermissionError)) and exc.filename:
        text = f"{exc.filename}: {exc.strerror or text}"
    for name in (getattr(exc, "source", None), source):
        if isinstance(name, str) and name and name in text:
            text = text.replace(name, _printable(name))
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return _printable(first)


def _silence_stdout() -> None:
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):  # no real stdout (captured in tests)
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``imgkit`` command line; returns the exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (without the program name); default ``sys.argv[1:]``.

    Returns
    -------
    int
        0 on success, 1 on an error in the input or options, 2 on a usage error.

    Examples
    --------
    >>> from imgkit.cli import main
    >>> main(["summary", "data/seed_example_response.json"])  # doctest: +ELLIPSIS
    source:    data/seed_example_response.json
    images:    2
    tenants:   1
    ...
    findings:  0
    0
    >>> main(["summary", "no/such/file.json"])  # prints "imgkit: error: ..." on stderr
    1
    """
    parser = _parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, usage errors
        return int(exc.code or 0)
    args.argv = argv
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print(f"{_PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `imgkit summary x | head`: the reader left; no error message
        _silence_stdout()
        return 141
    except (ImgkitError, OSError, ValueError) as exc:
        if args.debug:
            raise
        print(f"{_PROG}: error: {_one_line(exc, _input_name(args))}", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug, not bad input: still one line unless --debug
        if args.debug:
            raise
        print(
            f"{_PROG}: error: unexpected {type(exc).__name__}: {_one_line(exc, _input_name(args))} "
            "(run with --debug for the traceback)",
            file=sys.stderr,
        )
        return 1


def _input_name(args: argparse.Namespace) -> str | None:
    """How an error line names INPUT (``<stdin>`` for ``-``)."""
    name = getattr(args, "input", None)
    return "<stdin>" if name == "-" else name


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
