"""The public entry point: :func:`read_images` picks an engine, then finishes the frame."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterable, Mapping
from typing import IO, Any, Literal

import pandas as pd

from imgkit._validators import check_argument
from imgkit.errors import ConfigError, SourceError
from imgkit.io._coerce import MAX_DEPTH, TooDeep
from imgkit.io._exact import exact_frame
from imgkit.io._fast import fast_path
from imgkit.io._frame import finish_frame
from imgkit.io._parquet import read_parquet
from imgkit.io._parse import looks_like_json_text
from imgkit.io._sources import describe_source

__all__ = ["read_images"]

Errors = Literal["warn", "raise", "ignore"]
Dialect = Literal["auto", "ims", "glance"]
Engine = Literal["auto", "fast", "exact"]
Source = str | bytes | bytearray | memoryview | os.PathLike | IO | Mapping | Iterable


def read_images(
    source: Source, *, errors: Errors = "warn", engine: Engine = "auto", dialect: Dialect = "auto"
) -> pd.DataFrame:
    """Read an image listing into a typed DataFrame.

    Parameters
    ----------
    source : path, str, bytes, file, dict, list or iterable
        Any of: a path to a ``.json``, ``.json.gz``, ``.jsonl`` / ``.ndjson`` (``.gz``
        too) file; a directory of page files (every such file in it is read, in sorted
        order, as one listing -- ``attrs["imgkit"]["files"]`` lists them; a snapshot written by
        :func:`imgkit.fetch_images` also restores its ``fetched_at``; one of several clouds or
        regions, with a folder each, gives their frames stacked with ``cloud`` and ``region``
        columns first); an open file;
        JSON text (``str`` or ``bytes``); a dict (a page ``{"images": [...], "next": ...}``,
        a single image object, or a page wrapped one or two levels deep by a proxy); a
        list of images; a list or iterator of pages; a ``.parquet`` file written by
        :func:`imgkit.to_parquet`. All give the same frame.
    errors : {"warn", "raise", "ignore"}, default "warn"
        What to do with validation :term:`findings <finding>` (see :mod:`imgkit.validate`): ``"warn"``
        sets untypable values to NA and emits one :class:`~imgkit.ImgkitWarning` with
        the counts; ``"raise"`` raises one :class:`~imgkit.SchemaError` listing all
        findings; ``"ignore"`` only records them. In every mode the findings are in
        ``df.attrs["imgkit"]["findings"]`` and :func:`imgkit.validate` returns them.
    engine : {"auto", "fast", "exact"}, default "auto"
        The parser (the :term:`engine`). ``"fast"`` parses JSON text (files, directories, ``str``, ``bytes``)
        column-wise with pyarrow; ``"exact"`` parses every record with orjson and reads
        any source. Both give the same frame and findings. ``"auto"`` takes the fast engine
        where it can and the exact one for Python objects (dicts, lists of records);
        ``"fast"`` raises :class:`~imgkit.ConfigError` for those. Whatever it cannot take
        column-wise, the fast engine hands to the exact one. ``df.attrs["imgkit"]["engine"]``
        says what ran: ``{"requested": ..., "ran": "fast" | "exact"}``, with ``"reason"``
        when the exact engine ran although ``"fast"`` or ``"auto"`` was asked for.
    dialect : {"auto", "ims", "glance"}, default "auto"
        Which server's listing this is (the :term:`dialect`), and so which fields every image must carry
        (:func:`imgkit.schema.mandatory_fields`): ``"ims"`` (Huawei Cloud IMS / OTC), ``"glance"``
        (upstream OpenStack Glance, no Huawei ``__`` keys). ``"auto"`` detects it from the keys
        (:func:`imgkit.schema.detect_dialect`); ``df.attrs["imgkit"]["dialect"]`` records it, and
        the analyses report the Huawei-only features of a Glance listing as unknown.

    Returns
    -------
    pandas.DataFrame
        One row per image; every known column of :data:`imgkit.schema.FIELDS`, in
        order and with its dtype, then the unknown keys. ``df.attrs["imgkit"]`` holds
        ``source``, ``fetched_at`` (ISO 8601 text), ``findings`` (JSON text: read them with
        :func:`imgkit.validate`), ``dialect``, ``engine``, ``unknown_keys`` (column -> API key of
        the keys the schema does not know) and ``imgkit_version`` -- JSON values only, so plain
        ``df.to_parquet`` and pickle keep them.

    Raises
    ------
    SourceError
        The input is not an image listing: missing or unreadable file, malformed JSON
        (with line and column), an empty file, an unsupported file type, an API error
        body, a JSON schema, a document without images.
    SchemaError
        With ``errors="raise"``, when there is any finding.

    Examples
    --------
    >>> df = imgkit.read_images("data/seed_example_response.json")
    >>> df[["name", "platform", "min_disk", "lazyloading"]]
                            name platform  min_disk  lazyloading
    0    CentOS 7.3 64bit vivado   CentOS       100         True
    1  CentOS 7.3 64bit with sdx   CentOS       100         True
    >>> df["created_at"].dtype, df["support_xen"].tolist()
    (datetime64[ns, UTC], [False, False])

    Raw records work too; values that cannot be typed become NA and are recorded:

    >>> df = imgkit.read_images([{"id": "x", "min_disk": "abc"}], errors="ignore")
    >>> df["min_disk"].isna().item(), imgkit.validate(df).query("rule == 'untypable'")["value"].tolist()
    (True, ['abc'])
    >>> df.attrs["imgkit"]["engine"]
    {'requested': 'auto', 'ran': 'exact', 'reason': 'the fast engine reads JSON text (paths, directories, str, bytes), not a list'}
    """
    check_argument("errors", ["warn", "raise", "ignore"], errors)
    check_argument("engine", ["auto", "fast", "exact"], engine)
    check_argument("dialect", ["auto", "ims", "glance"], dialect)
    if isinstance(source, (str, os.PathLike)) and not (isinstance(source, str) and looks_like_json_text(source)):
        if str(source).lower().endswith(".parquet"):
            return read_parquet(source)
        from imgkit.io._snapshot import read_several

        several = read_several(source, read_images, errors=errors, engine=engine, dialect=dialect)
        if several is not None:
            return several
    if engine == "fast" and not _is_text_source(source):
        raise ConfigError(
            f"engine='fast' reads JSON text (paths, directories, str, bytes), not a "
            f"{type(source).__name__}; use engine='auto' or 'exact'"
        )
    ran: dict[str, Any] = {"requested": engine}
    gc_was_enabled = gc.isenabled()
    gc.disable()  # parsing builds millions of objects that hold no cycles; the collector only slows it
    try:
        fast = fast_path(source, dialect=dialect) if engine != "exact" else None
        if fast is not None and not isinstance(fast, str):
            df, findings, collected = fast
            ran["ran"] = "fast"
            exact_columns = df.attrs["imgkit"].pop("exact_columns", None)
            if exact_columns:
                ran["exact_columns"] = exact_columns
        else:
            df, findings, collected = exact_frame(source, dialect=dialect)
            ran["ran"] = "exact"
            if fast is not None:
                ran["reason"] = fast
    except (TooDeep, RecursionError):  # (RecursionError: a parser or writer of nested values that recurses)
        msg = f"a JSON value is nested deeper than {MAX_DEPTH} levels (imgkit's limit)"
        raise SourceError(msg, source=describe_source(source)) from None
    finally:
        if gc_was_enabled:
            gc.enable()
    df.attrs["imgkit"]["engine"] = ran
    return finish_frame(df, findings, collected, errors)


def _is_text_source(source: Any) -> bool:
    """Whether `source` is JSON text the fast engine reads: a path, a directory, ``str`` or ``bytes``."""
    return isinstance(source, (str, os.PathLike, bytes, bytearray, memoryview))
