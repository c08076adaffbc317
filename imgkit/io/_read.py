"""The public entry point: :func:`read_images` picks an engine, then finishes the frame."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterable, Mapping
from typing import IO, Literal, Union

import pandas as pd

from .._checks import check_argument
from ._exact import _records_frame
from ._fast import _fast_path
from ._frame import _finish
from ._parquet import read_parquet
from ._sources import _collect, _looks_like_json_text

__all__ = ["read_images"]

Errors = Literal["warn", "raise", "ignore"]
Source = Union[str, bytes, bytearray, memoryview, os.PathLike, IO, Mapping, Iterable]


def read_images(source: Source, *, errors: Errors = "warn") -> pd.DataFrame:
    """Read an image listing into a typed DataFrame.

    Parameters
    ----------
    source : path, str, bytes, file, dict, list or iterable
        Any of: a path to a ``.json``, ``.json.gz``, ``.jsonl`` / ``.ndjson`` (``.gz``
        too) file; a directory of page files (every such file in it is read, in sorted
        order, as one listing -- ``attrs["imgkit"]["files"]`` lists them; a snapshot written by
        :func:`imgkit.fetch_images` also restores its ``fetched_at``); an open file;
        JSON text (``str`` or ``bytes``); a dict (a page ``{"images": [...], "next": ...}``,
        a single image object, or a page wrapped one or two levels deep by a proxy); a
        list of images; a list or iterator of pages; a ``.parquet`` file written by
        :func:`imgkit.to_parquet`. All give the same frame.
    errors : {"warn", "raise", "ignore"}, default "warn"
        What to do with validation findings (see :mod:`imgkit.validate`): ``"warn"``
        sets untypable values to NA and emits one :class:`~imgkit.ImgkitWarning` with
        the counts; ``"raise"`` raises one :class:`~imgkit.SchemaError` listing all
        findings; ``"ignore"`` only records them. In every mode the findings are in
        ``df.attrs["imgkit"]["findings"]`` and :func:`imgkit.validate` returns them.

    Returns
    -------
    pandas.DataFrame
        One row per image; every known column of :data:`imgkit.schema.FIELDS`, in
        order and with its dtype, then the unknown keys. ``df.attrs["imgkit"]`` holds
        ``source``, ``fetched_at``, ``findings``, ``columns`` (column -> API key) and
        ``imgkit_version``.

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
    """
    check_argument("errors", ["warn", "raise", "ignore"], errors)
    if isinstance(source, (str, os.PathLike)) and not (isinstance(source, str) and _looks_like_json_text(source)):
        if str(source).lower().endswith(".parquet"):
            return read_parquet(source)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # parsing builds millions of objects that hold no cycles; the collector only slows it
    try:
        fast = _fast_path(source)
        if fast is not None:
            df, findings, collected = fast
            df.attrs["imgkit"]["parser"] = "fast"
        else:
            collected = _collect(source)
            df, findings = _records_frame(collected)
            df.attrs["imgkit"]["parser"] = "exact"
    finally:
        if gc_was_enabled:
            gc.enable()
    return _finish(df, findings, collected, errors)
