"""The on-disk snapshot format, both ways: a folder of raw API pages plus `_imgkit_snapshot.json`."""

from __future__ import annotations

import os
import shutil
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson
import pandas as pd

from imgkit.errors import ConfigError, ImgkitWarning, SourceError
from imgkit.io._parse import listing_name, loads_json

SNAPSHOT_META = "_imgkit_snapshot.json"


PAGE_NAME = "page-{:06d}.json"


RESERVED_PARAMS = ("limit", "marker")


def prepare_snapshot(save_to: str | os.PathLike[str]) -> tuple[Path, Path]:
    """(final dir, temporary dir) for a snapshot; refuse to overwrite anything but an old snapshot."""
    final = Path(save_to)
    if final.exists():
        if not final.is_dir():
            raise ConfigError(f"save_to={str(final)!r} exists and is not a directory")
        entries = list(final.iterdir())
        if entries and not (final / SNAPSHOT_META).is_file():
            raise ConfigError(
                f"save_to={str(final)!r} is not empty and is not an imgkit snapshot; choose a new or empty directory"
            )
        stray = [
            e.name
            for e in entries
            if not (
                e.name == SNAPSHOT_META
                or (e.name.startswith("page-") and e.suffix == ".json")
                or (e.is_dir() and (e / SNAPSHOT_META).is_file())
            )
        ]
        if stray:
            raise ConfigError(
                f"save_to={str(final)!r} holds files that are not part of a snapshot "
                f"({', '.join(sorted(stray)[:3])}); choose a new or empty directory"
            )
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.parent / f".{final.name}.partial-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    return final, tmp


def commit_snapshot(final: Path, tmp: Path) -> None:
    if final.exists():
        shutil.rmtree(final)
    tmp.rename(final)


def combine(
    parts: Sequence[tuple[str | None, str | None, pd.DataFrame]],
    *,
    failures: Sequence[Mapping[str, Any]] = (),
    errors: str = "warn",
    source: str | None = None,
) -> pd.DataFrame:
    """Stack the frames of several clouds/regions with ``cloud`` and ``region`` columns first.

    Categories are united, load findings kept (rows renumbered), the parts described in
    ``attrs["imgkit"]["parts"]`` and the failures in ``attrs["imgkit"]["failures"]``; one
    :class:`~imgkit.ImgkitWarning` names the failures unless ``errors="ignore"``.
    Used by the fetches and by :func:`imgkit.read_images` of a several-region snapshot.
    """
    import pandas as pd

    from imgkit.schema import ORIGIN_FIELDS
    from imgkit.validate import findings_text, loaded_findings

    frames, findings, described = [], [], []
    offset = 0
    for cloud, region, df in parts:
        meta = dict(df.attrs.get("imgkit") or {})
        found = loaded_findings(df)
        found["row"] = found["row"] + offset
        findings.append(found)
        offset += len(df)
        described.append(
            {
                "cloud": cloud,
                "region": region,
                "source": meta.get("source"),
                "fetched_at": meta.get("fetched_at"),
                "pages": meta.get("pages"),
                "rows": len(df),
            }
        )
        df = df.copy()
        df.attrs = {}
        df.insert(0, "region", region)
        df.insert(0, "cloud", cloud)
        frames.append(df)
    first = dict(parts[0][2].attrs.get("imgkit") or {})
    out = pd.concat(frames, ignore_index=True)
    for col in out.columns:
        kinds = [f[col].dtype for f in frames if col in f.columns]
        if all(isinstance(k, pd.CategoricalDtype) for k in kinds) and not isinstance(
            out[col].dtype, pd.CategoricalDtype
        ):
            cats = list(dict.fromkeys(c for f in frames if col in f.columns for c in f[col].cat.categories))
            out[col] = out[col].astype(pd.CategoricalDtype(cats, ordered=bool(kinds[0].ordered)))
    for f in ORIGIN_FIELDS:
        values = [v for v in dict.fromkeys(out[f.column]) if v is not None and v == v]
        out[f.column] = pd.Categorical(out[f.column], categories=values)
    fetched = [p["fetched_at"] for p in described if p["fetched_at"]]
    first.update(
        source=source or "; ".join(str(p["source"]) for p in described),
        fetched_at=min(fetched) if fetched else None,
        parts=described,
        failures=[dict(x) for x in failures],
        findings=findings_text(pd.concat(findings, ignore_index=True)),
    )
    for key in ("pages", "files"):
        first.pop(key, None)
    out.attrs = {"imgkit": first}
    if failures and errors != "ignore":
        names = "; ".join(
            f"{'/'.join(str(x[k]) for k in ('cloud', 'region') if x.get(k)) or '?'}: {str(x.get('message'))[:200]}"
            for x in failures
        )
        warnings.warn(
            f"{len(failures)} of {len(failures) + len(parts)} fetches failed ({names}); the frame holds "
            f"the others; see df.attrs['imgkit']['failures']",
            ImgkitWarning,
            stacklevel=3,
        )
    return out


def read_several(
    path: str | os.PathLike[str], reader: Callable[..., pd.DataFrame], **kwargs: Any
) -> pd.DataFrame | None:
    """The stacked frame of a several-cloud/region snapshot folder, or None when `path` is not one."""
    try:
        meta_file = Path(path) / SNAPSHOT_META
        meta = orjson.loads(meta_file.read_bytes()) if meta_file.is_file() else None
    except (OSError, ValueError):  # JSON text passed as a path, a name too long, a broken file: not ours to read
        return None
    if not isinstance(meta, dict) or not isinstance(meta.get("parts"), list):
        return None
    parts = []
    for part in meta["parts"]:
        folder = Path(path) / str(part.get("folder"))
        if not folder.is_dir() or folder.resolve().parent != Path(path).resolve():
            from imgkit.errors import SourceError

            raise SourceError(f"snapshot part {part.get('folder')!r} is missing", source=str(path))
        df = reader(folder, **kwargs)
        own = orjson.loads((folder / SNAPSHOT_META).read_bytes()) if (folder / SNAPSHOT_META).is_file() else {}
        df.attrs.setdefault("imgkit", {}).setdefault("pages", own.get("pages"))
        parts.append((part.get("cloud"), part.get("region"), df))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImgkitWarning)  # the failures were reported when fetched
        out = combine(parts, failures=meta.get("failures") or [], errors="ignore", source=str(path))
    return out


SNAPSHOT_META = "_imgkit_snapshot.json"


def page_files(path: Path) -> list[Path]:
    return directory_entries(path)[0]


def directory_entries(path: Path) -> tuple[list[Path], list[str]]:
    """A directory's listing files, and the other entries it holds (hidden ones and ``_*`` metadata aside)."""
    files, skipped = [], []
    for p in sorted(path.iterdir()):
        if p.name.startswith((".", "_")):
            continue
        if p.is_file() and listing_name(p.name):
            files.append(p)
        else:
            skipped.append(p.name + ("/" if p.is_dir() else ""))
    return files, skipped


def snapshot_meta(path: Path) -> dict[str, Any]:
    """What a snapshot written by fetch_images says about itself (endpoint, api, filters, fetched_at)."""
    meta_file = path / SNAPSHOT_META
    if not meta_file.is_file():
        return {}
    meta = loads_json(meta_file.read_bytes(), str(meta_file))
    if not isinstance(meta, Mapping):
        raise SourceError("snapshot metadata must be a JSON object", source=str(meta_file))
    keys = ("endpoint", "api", "filters", "fetched_at", "pages", "project_id", "image_ids")
    return {k: meta[k] for k in keys if k in meta}
