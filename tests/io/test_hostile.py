"""The hostile-input corpus: each case is a file, read by both engines, with its one exact outcome.

Outcome classes (docs: user-guide/findings.md):

* ``Typed`` -- the listing loads with ``errors="raise"`` and no warning; a cell has this typed value;
* ``Found`` -- the listing loads, no row is lost, and the findings are exactly these (rule, column, image);
* ``Fails`` -- an :class:`imgkit.SourceError` whose message names the file (and line/column when given).

Every loaded frame must also print and write to CSV and Parquet.
"""

from __future__ import annotations

import gzip
import io
import os
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import pytest
from _plain import plain
from factories import image_record, listing_bytes

import imgkit
from imgkit.validate import loaded_findings


def img(**kw: Any) -> dict:
    """A valid IMS image; kw overrides (None drops the key)."""
    return image_record(**{"self": "/v2/images/img-1", "file": "/v2/images/img-1/file", **kw})


def doc(*images: dict, **page: Any) -> bytes:
    return listing_bytes(images, **page)


def raw(key: str, value: str, **kw: Any) -> bytes:
    """A one-image listing whose `key` has the raw JSON text `value` (NaN, big numbers, repeats...)."""
    body = orjson.dumps(img(**{key: None}, **kw))[:-1]
    return b'{"images": [' + body + b', "' + key.encode() + b'": ' + value.encode() + b"}]}"


@dataclass
class Typed:
    column: str
    value: Any
    n: int = 1
    check: Callable[[pd.DataFrame], bool] | None = None


@dataclass
class Found:
    findings: list[tuple[str, str, str | None]]  # (rule, column, image id)
    n: int = 1
    check: Callable[[pd.DataFrame], bool] | None = None
    value: str | None = None  # the raw value recorded by the first finding


@dataclass
class Fails:
    match: str
    line: int | None = None
    column: int | None = None


@dataclass
class Case:
    id: str
    data: bytes | Callable[[Path], Path]
    expect: Typed | Found | Fails
    name: str = "listing.json"
    skip: str | None = None
    marks: list = field(default_factory=list)


def _fifo(tmp: Path) -> Path:
    p = tmp / "pipe.json"
    os.mkfifo(p)
    return p


def _loop(tmp: Path) -> Path:
    a, b = tmp / "a.json", tmp / "b.json"
    a.symlink_to(b)
    b.symlink_to(a)
    return a


def _self_loop(tmp: Path) -> Path:
    a = tmp / "self.json"
    a.symlink_to(a)
    return a


def _dangling(tmp: Path) -> Path:
    a = tmp / "dangling.json"
    a.symlink_to(tmp / "gone.json")
    return a


def _unreadable(tmp: Path) -> Path:
    # we run as root, so chmod 000 does not stop a read: /proc/self/mem is a regular file whose read fails (EIO)
    a = tmp / "unreadable.json"
    a.symlink_to("/proc/self/mem")
    return a


def _directory(files: dict[str, bytes], dirs: tuple[str, ...] = ()) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        d = tmp / "snap"
        d.mkdir()
        for name, data in files.items():
            (d / name).write_bytes(data)
        for name in dirs:
            (d / name).mkdir()
            (d / name / "page.json").write_bytes(doc(img(id="nested")))
        return d

    return build


def _named(name: str, data: bytes) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        p = tmp / name
        p.write_bytes(data)
        return p

    return build


GOOD = doc(img())
UTC = "UTC"


def ts(s: str) -> pd.Timestamp:
    return pd.Timestamp(s, tz=UTC) if pd.Timestamp(s).tz is None else pd.Timestamp(s).tz_convert(UTC)


def one(rule: str, column: str, image: str | None = "img-1") -> list[tuple[str, str, str | None]]:
    return [(rule, column, image)]


def _lines(*objs: Any) -> bytes:
    return b"\n".join(o if isinstance(o, bytes) else orjson.dumps(o) for o in objs) + b"\n"


def _many(n: int, last: dict) -> bytes:
    return doc(*(img(id=f"i{i}") for i in range(n - 1)), last)


#: Issue 19: each case once silent loss or a disagreement of the engines.
ROUND_3: list[Case] = [
    # NaN / Infinity: one rule -- not JSON, the file and line named (Python's json.dumps writes them)
    Case(
        "ndjson-nan-in-known",
        _lines(img(), orjson.dumps(img(id="b"))[:-1] + b', "min_ram": NaN}'),
        Fails(r"malformed JSON", line=2),
        name="listing.jsonl",
    ),
    Case(
        "ndjson-nan-in-unknown",
        _lines(orjson.dumps(img())[:-1] + b', "x": [1, NaN, Infinity]}'),
        Fails(r"malformed JSON", line=1),
        name="listing.jsonl",
    ),
    Case("nan-in-unknown", raw("x", "[1, NaN, Infinity]"), Fails(r"malformed JSON", line=1)),
    Case("ndjson-nan-in-text", _lines(img(name="NaN Infinity")), Typed("name", "NaN Infinity"), name="listing.jsonl"),
    # ISO text and epoch milliseconds in one listing
    Case(
        "iso-and-epoch-ms",
        doc(img(updated_at="2024-01-02T08:00:00.5+08:00"), img(id="b", updated_at=1704067200000)),
        Typed(
            "updated_at", ts("2024-01-02 00:00:00.5"), n=2, check=lambda df: df["updated_at"].iat[1] == ts("2024-01-01")
        ),
    ),
    Case(
        "epoch-ms-only-in-the-last-of-20001",
        _many(20_001, img(id="last", updated_at=1704067200000)),
        Typed("updated_at", ts("2024-01-02"), n=20_001, check=lambda df: df["updated_at"].iat[-1] == ts("2024-01-01")),
    ),
    # a custom property named "images"
    Case(
        "ndjson-images-property",
        _lines(img(), img(id="b", images=[])),
        Typed("id", "b", n=2, check=lambda df: df["images"].tolist() == [None, "[]"] or df["images"].isna().iat[0]),
        name="listing.jsonl",
    ),
    Case(
        "ndjson-images-property-with-objects",
        _lines(img(), img(id="b", images=[{"id": "c"}])),
        Typed("id", "b", n=2, check=lambda df: df["id"].tolist() == ["img-1", "b"]),
        name="listing.jsonl",
    ),
    Case("single-image-images-property", orjson.dumps(img(images=[img(id="c")])), Typed("id", "img-1")),
    # numbers
    Case(
        "integral-float-beside-int",
        doc(img(min_disk=40.0), img(id="b")),
        Typed("min_disk", 40, n=2, check=lambda df: df["min_disk"].tolist() == [40, 40]),
    ),
    Case(
        "integral-float-beside-text",
        doc(img(min_disk=40.0), img(id="b", min_disk="40")),
        Typed("min_disk", 40, n=2, check=lambda df: df["min_disk"].tolist() == [40, 40]),
    ),
    Case(
        "exponent-beside-int",
        doc(img(), img(id="b")).replace(b'"size":0', b'"size":3e9', 1),
        Typed("size", 3_000_000_000, n=2, check=lambda df: df["size"].tolist() == [3_000_000_000, 0]),
    ),
    Case(
        "minus-zero-beside-int",
        doc(img(min_disk=-0.0), img(id="b")),
        Typed("min_disk", 0, n=2, check=lambda df: df["min_disk"].tolist() == [0, 40]),
    ),
    Case(
        "fraction-beside-int",
        doc(img(min_disk=1.5), img(id="b")),
        Found(one("untypable", "min_disk"), n=2, value="1.5", check=lambda df: df["min_disk"].isna().iat[0]),
    ),
    Case("uint64-in-unknown", raw("x", "9223372036854775813"), Typed("x", "9223372036854775813")),
    Case("past-2-64-in-unknown", raw("x", "18446744073709551621"), Typed("x", "18446744073709551621")),
    Case(
        "past-2-64-in-int",
        raw("size", "18446744073709551621"),
        Found(one("untypable", "size"), value="18446744073709551621"),
    ),
    Case("past-2-64-in-list", raw("x", "[18446744073709551621, 1]"), Typed("x", "[18446744073709551621,1]")),
    Case("int-array-beside-float-array", doc(img(x=[22, 3389]), img(id="b", x=[1.5])), Typed("x", "[22,3389]", n=2)),
    Case(
        "23-digits-in-text",
        raw("name", "12345678901234567890123"),
        Found(
            one("type", "name"),
            value="12345678901234567890123",
            check=lambda df: df["name"].iat[0] == "12345678901234567890123",
        ),
    ),
    Case(
        "array-with-nulls-in-id",
        raw("id", "[null, false]"),
        Found([("type", "id", None)], value="[null,false]", check=lambda df: df["id"].iat[0] == "[null,false]"),
    ),
    Case(
        "array-of-nulls-in-id",
        raw("id", "[null, null]"),
        Found([("type", "id", None)], value="[null,null]", check=lambda df: df["id"].iat[0] == "[null,null]"),
    ),
    # repeated keys however the colon is written
    Case(
        "repeated-key-spaces-before-colon",
        raw("note", '1, "note"  : 2'),
        Found(one("duplicate_key", "note"), value="1", check=lambda df: df["note"].iat[0] == 2),
    ),
    Case(
        "repeated-key-newline-before-colon",
        raw("note", '1, "note"\n: 2'),
        Found(one("duplicate_key", "note"), value="1"),
    ),
    Case(
        "repeated-key-single-image",
        orjson.dumps(img())[:-1] + b', "protected": true}',
        Found(one("duplicate_key", "protected"), value="false", check=lambda df: bool(df["protected"].iat[0])),
    ),
    Case(
        "repeated-key-in-an-ndjson-page",
        _lines(b'{"images": [' + orjson.dumps(img())[:-1] + b', "note": 1, "note": 2}]}'),
        Found(one("duplicate_key", "note"), value="1"),
        name="listing.jsonl",
    ),
    # tags, line numbers, RFC 3339, DEL
    Case(
        "null-in-tags",
        raw("tags", '["env=prod", null]'),
        Found(one("type", "tags"), value='["env=prod",null]', check=lambda df: df["tags"].iat[0] == ["env=prod"]),
    ),
    Case(
        "ndjson-pages-blank-lines",
        b"\n\n" + GOOD + b"\n\n\n" + b'{"images": [oops]}\n',
        Fails(r"malformed JSON", line=6),
        name="listing.jsonl",
    ),
    Case(
        "rfc3339-lower-case", raw("created_at", '"2024-01-01t08:00:00z"'), Typed("created_at", ts("2024-01-01 08:00"))
    ),
    Case(
        "del-key-beside-varying-min-disk",
        doc(img(**{"min_dis\x7f": "x"}), img(id="b", min_disk="40")),
        Typed("min_dis\x7f", "x", n=2, check=lambda df: df["min_disk"].tolist() == [40, 40]),
    ),
    # nesting: a limit, never a crash
    Case("deep-nesting-300", raw("note", "[" * 300 + "]" * 300), Typed("note", "[" * 300 + "]" * 300)),
    Case("deep-nesting-600", raw("note", "[" * 600 + "]" * 600), Fails(r"nested deeper than 512 levels")),
    Case("deep-nesting-990", raw("note", "[" * 990 + "]" * 990), Fails(r"nested deeper than 512 levels")),
    Case("deep-nesting-990-in-text", raw("name", "[" * 990 + "]" * 990), Fails(r"nested deeper than 512 levels")),
    # empty text: NA in every known column
    Case("empty-owner", raw("owner", '""'), Typed("owner", pd.NA)),
    Case("empty-disk-format", raw("disk_format", '""'), Typed("disk_format", pd.NA)),
    Case("empty-unknown", raw("note", '""'), Typed("note", "")),
    # Glance properties named like Huawei columns
    Case(
        "glance-os-type",
        doc(
            img(
                virtual_env_type=None,
                __platform=None,
                __os_type=None,
                os_type="windows",
                description="d",
                image_location="loc",
            )
        ),
        Typed(
            "os_type",
            "windows",
            check=lambda df: (
                (df["description"].iat[0], df["image_location"].iat[0]) == ("d", "loc")
                and not {"os_type_", "description_", "image_location_"} & set(df.columns)
            ),
        ),
    ),
    Case(
        "ims-os-type-twin",
        doc(img(os_type="windows")),
        Typed("os_type_", "windows", check=lambda df: df["os_type"].iat[0] == "Linux"),
    ),
]


CASES: list[Case] = [
    # --------------------------------------------------------------- encodings, BOMs, binary
    Case("utf8-bom", b"\xef\xbb\xbf" + GOOD, Typed("name", "n")),
    Case(
        "utf16-le-bom", b"\xff\xfe" + GOOD.decode().encode("utf-16-le"), Fails(r"not UTF-8 JSON \(looks like UTF-16\)")
    ),
    Case(
        "utf16-be-bom", b"\xfe\xff" + GOOD.decode().encode("utf-16-be"), Fails(r"not UTF-8 JSON \(looks like UTF-16\)")
    ),
    Case("utf16-le-no-bom", GOOD.decode().encode("utf-16-le"), Fails(r"not UTF-8 JSON \(looks like UTF-16\)")),
    Case("utf16-be-no-bom", GOOD.decode().encode("utf-16-be"), Fails(r"not UTF-8 JSON \(looks like UTF-16\)")),
    Case("utf32-le-bom", GOOD.decode().encode("utf-32"), Fails(r"not UTF-8 JSON \(looks like UTF-32\)")),
    Case("utf32-be-no-bom", GOOD.decode().encode("utf-32-be"), Fails(r"not UTF-8 JSON \(looks like UTF-32\)")),
    Case(
        "gzip-of-gzip",
        gzip.compress(gzip.compress(GOOD)),
        Fails(r"not UTF-8 JSON \(looks like gzip inside gzip"),
        name="listing.json.gz",
    ),
    Case(
        "gzip-utf16", gzip.compress(GOOD.decode().encode("utf-16")), Fails(r"looks like UTF-16"), name="listing.json.gz"
    ),
    Case("zip-archive", b"PK\x03\x04" + b"\x00" * 40, Fails(r"not UTF-8 JSON \(looks like a zip archive\)")),
    Case("bzip2", b"BZh91AY&SY" + b"\x00" * 20, Fails(r"looks like bzip2")),
    Case("xz", b"\xfd7zXZ\x00" + b"\x00" * 20, Fails(r"looks like xz")),
    Case("zstd", b"\x28\xb5\x2f\xfd" + b"\x00" * 20, Fails(r"looks like zstd")),
    Case("parquet-named-json", b"PAR1" + b"\x00" * 20, Fails(r"looks like a Parquet file")),
    Case("corrupt-gzip", b"\x1f\x8b\x08\x00garbage", Fails(r"corrupt gzip data"), name="listing.json.gz"),
    Case("gzip-named-json", gzip.compress(GOOD), Typed("name", "n")),
    Case("plain-named-gz", GOOD, Typed("name", "n"), name="listing.json.gz"),
    Case(
        "latin1-in-name",
        doc(img(name="Caf\xe9")).replace("Café".encode(), b"Caf\xe9"),
        Found(one("encoding", "name"), value="Caf\ufffd", check=lambda df: df["name"].iat[0] == "Caf\ufffd"),
    ),
    Case(
        "invalid-utf8-in-unknown",
        raw("note", '"x\xff y"'.encode("latin-1").decode("latin-1")).replace(b"x\xc3\xbf", b"x\xff"),
        Found(one("encoding", "note"), check=lambda df: df["note"].iat[0] == "x\ufffd y"),
    ),
    Case(
        "raw-surrogate-bytes",
        doc(img(__description="a\udc80b".encode("utf-8", "surrogatepass").decode("latin-1"))).replace(
            "a\xed\xb2\x80b".encode(), b"a\xed\xb2\x80b"
        ),
        Found(one("encoding", "description"), check=lambda df: df["description"].iat[0] == "a\ufffd\ufffd\ufffdb"),
    ),
    Case(
        "latin1-in-enum",
        raw("__platform", '"Ubunt\xfc"').replace("ü".encode(), b"\xfc"),
        Found(one("encoding", "platform"), check=lambda df: df["platform"].iat[0] == "Ubunt\ufffd"),
    ),
    Case("escaped-lone-surrogate", raw("name", '"a\\ud800b"'), Fails(r"malformed JSON", line=1)),
    Case("escaped-surrogate-pair", raw("name", '"\\ud83d\\ude00"'), Typed("name", "\U0001f600")),
    Case("nul-escape-in-text", raw("name", '"a\\u0000b"'), Typed("name", "a\x00b")),
    Case("cjk-and-emoji", doc(img(name="镜像 🚀")), Typed("name", "镜像 🚀")),
    Case("bom-inside-text", b'{"images": [\xef\xbb\xbf' + orjson.dumps(img()) + b"]}", Fails(r"malformed JSON")),
    # --------------------------------------------------------------- NaN, Infinity, numbers
    Case("nan", raw("min_ram", "NaN"), Fails(r"malformed JSON", line=1)),
    Case("infinity", raw("min_ram", "Infinity"), Fails(r"malformed JSON", line=1)),
    Case("minus-infinity", raw("min_ram", "-Infinity"), Fails(r"malformed JSON", line=1)),
    Case("float-overflow", raw("min_ram", "1e400"), Fails(r"malformed JSON", line=1)),
    Case(
        "huge-float-in-int",
        raw("min_ram", "9.223372036854776e18"),
        Found(one("untypable", "min_ram"), check=lambda df: df["min_ram"].isna().iat[0]),
    ),
    Case(
        "big-int-in-int",
        raw("size", "99999999999999999999"),
        Found(one("untypable", "size"), check=lambda df: df["size"].isna().iat[0]),
    ),
    Case("int64-max", raw("size", "9223372036854775807"), Typed("size", 2**63 - 1)),
    Case("int64-max-as-text", raw("__image_size", '"9223372036854775807"'), Typed("image_size", 2**63 - 1)),
    Case(
        "beyond-int64-as-text",
        raw("__image_size", '"9223372036854775808"'),
        Found(one("untypable", "image_size"), value="9223372036854775808"),
    ),
    Case("integral-float", raw("min_disk", "40.0"), Typed("min_disk", 40)),
    Case("fractional-float", raw("min_disk", "40.5"), Found(one("untypable", "min_disk"), value="40.5")),
    Case("exponent-int", raw("min_ram", "2e3"), Typed("min_ram", 2000)),
    Case("negative-min-disk", raw("min_disk", "-5"), Found(one("range", "min_disk"), value="-5")),
    Case("min-disk-over-range", raw("min_disk", "2000"), Found(one("range", "min_disk"), value="2000")),
    Case("numeric-text", raw("min_disk", '" 40 "'), Typed("min_disk", 40)),
    Case("hex-text", raw("min_disk", '"0x10"'), Found(one("untypable", "min_disk"), value="0x10")),
    Case("exponent-text", raw("min_disk", '"4e1"'), Found(one("untypable", "min_disk"), value="4e1")),
    Case("bool-in-int", raw("min_disk", "true"), Found(one("untypable", "min_disk"), value="true")),
    Case("array-in-int", raw("min_disk", "[40]"), Found(one("untypable", "min_disk"), value="[40]")),
    Case("null-int", raw("min_disk", "null"), Typed("min_disk", pd.NA)),
    Case("os-bit-odd", raw("__os_bit", '"16"'), Found(one("range", "os_bit"), value="16")),
    # --------------------------------------------------------------- repeated keys, nesting
    Case(
        "repeated-id",
        raw("id", '"a", "id": "b"'),
        Found([("duplicate_key", "id", "b")], value="a", check=lambda df: df["id"].iat[0] == "b"),
    ),
    Case(
        "repeated-flag",
        raw("__support_kvm", '"false", "__support_kvm": "true"'),
        Found(one("duplicate_key", "support_kvm"), value="false", check=lambda df: bool(df["support_kvm"].iat[0])),
    ),
    Case("repeated-unknown", raw("note", '1, "note": 2'), Found(one("duplicate_key", "note"), value="1")),
    Case("repeated-page-key", b'{"images": [], "images": ' + b"[" + orjson.dumps(img()) + b"]}", Typed("name", "n")),
    Case(
        "no-repeat-colon-in-value",
        doc(img(name='a": b', __os_feature_list='{"nic_hotplug":"true"}')),
        Typed("name", 'a": b'),
    ),
    Case(
        "deep-nesting-10000",
        raw("note", "[" * 10000 + "]" * 10000),
        Fails(r"malformed JSON: nested deeper than 1024 levels", line=1),
    ),
    Case("deep-nesting-500", raw("note", "[" * 500 + "]" * 500), Typed("name", "n")),
    Case("nested-unknown-object", doc(img(extra={"a": {"b": [1, 2]}})), Typed("name", "n")),
    # --------------------------------------------------------------- odd timestamps
    Case(
        "year-1",
        raw("created_at", '"0001-01-01T00:00:00Z"'),
        Found(one("untypable", "created_at"), value="0001-01-01T00:00:00Z"),
    ),
    Case("year-9999", raw("created_at", '"9999-12-31T23:59:59Z"'), Found(one("untypable", "created_at"))),
    Case("past-2262", raw("created_at", '"2262-04-12T00:00:00Z"'), Found(one("untypable", "created_at"))),
    Case("last-ns-day", raw("created_at", '"2262-04-11T00:00:00Z"'), Typed("created_at", ts("2262-04-11"))),
    Case("minus-one-number", raw("created_at", "-1"), Found(one("untypable", "created_at"), value="-1")),
    Case("minus-one-text", raw("created_at", '"-1"'), Found(one("untypable", "created_at"), value="-1")),
    Case("epoch-seconds", raw("created_at", "1704067200"), Found(one("untypable", "created_at"), value="1704067200")),
    Case("epoch-ms", raw("created_at", "1704067200000"), Typed("created_at", ts("2024-01-01"))),
    Case("epoch-ms-too-big", raw("created_at", "99999999999999999"), Found(one("untypable", "created_at"))),
    Case("feb-30", raw("created_at", '"2024-02-30T00:00:00Z"'), Found(one("untypable", "created_at"))),
    Case("hour-25", raw("created_at", '"2024-01-01T25:00:00Z"'), Found(one("untypable", "created_at"))),
    Case("mysql-zero", raw("created_at", '"0000-00-00 00:00:00"'), Found(one("untypable", "created_at"))),
    Case("yesterday", raw("created_at", '"yesterday"'), Found(one("untypable", "created_at"), value="yesterday")),
    Case("empty-time", raw("created_at", '""'), Typed("created_at", pd.NaT)),
    Case("null-time", raw("created_at", "null"), Typed("created_at", pd.NaT)),
    Case("no-zone", raw("created_at", '"2024-01-01T08:00:00"'), Typed("created_at", ts("2024-01-01 08:00"))),
    Case("offset", raw("created_at", '"2024-01-01T08:00:00+08:00"'), Typed("created_at", ts("2024-01-01"))),
    Case("plus-14", raw("created_at", '"2024-01-01T14:00:00+14:00"'), Typed("created_at", ts("2024-01-01"))),
    Case(
        "nanoseconds",
        raw("created_at", '"2024-01-01T00:00:00.123456789Z"'),
        Typed("created_at", ts("2024-01-01 00:00:00.123456789")),
    ),
    Case("space-separated", raw("created_at", '"2024-01-01 00:00:00"'), Typed("created_at", ts("2024-01-01"))),
    Case("date-only", raw("created_at", '"2024-01-01"'), Typed("created_at", ts("2024-01-01"))),
    Case("epoch-start", raw("created_at", '"1970-01-01T00:00:00Z"'), Typed("created_at", ts("1970-01-01"))),
    Case("bool-time", raw("created_at", "true"), Found(one("untypable", "created_at"), value="true")),
    # --------------------------------------------------------------- wrong JSON types in typed fields
    Case(
        "bool-in-text",
        raw("name", "true"),
        Found(one("type", "name"), value="true", check=lambda df: df["name"].iat[0] == "true"),
    ),
    Case("number-in-text", raw("name", "123"), Found(one("type", "name"), check=lambda df: df["name"].iat[0] == "123")),
    Case(
        "array-in-text",
        raw("name", '["a", "b"]'),
        Found(one("type", "name"), value='["a","b"]', check=lambda df: df["name"].iat[0] == '["a","b"]'),
    ),
    Case("object-in-text", raw("__os_version", '{"v": 7}'), Found(one("type", "os_version"), value='{"v":7}')),
    Case(
        "array-in-enum",
        raw("status", '["active"]'),
        Found(one("type", "status"), value='["active"]', check=lambda df: df["status"].iat[0] == '["active"]'),
    ),
    Case(
        "bool-in-enum",
        raw("__platform", "false"),
        Found(one("type", "platform"), check=lambda df: df["platform"].iat[0] == "false"),
    ),
    Case("number-id", raw("id", "42"), Found([("type", "id", None)], check=lambda df: df["id"].iat[0] == "42")),
    Case("open-enum-value", raw("status", '"ACTIVE"'), Typed("status", "ACTIVE")),
    Case("bool-text-caps", raw("protected", '"FALSE"'), Typed("protected", False)),
    Case("bool-yes", raw("protected", '"yes"'), Found(one("untypable", "protected"), value="yes")),
    Case("bool-number", raw("protected", "1"), Found(one("untypable", "protected"), value="1")),
    Case("flag-22", raw("__support_kvm", '"22"'), Found(one("untypable", "support_kvm"), value="22")),
    Case("flag-null", raw("__support_kvm", "null"), Typed("support_kvm", False)),
    Case("flag-bool", raw("__support_kvm", "true"), Typed("support_kvm", True)),
    Case(
        "tags-string", raw("tags", '"a=b"'), Found(one("type", "tags"), check=lambda df: df["tags"].iat[0] == ["a=b"])
    ),
    Case(
        "tags-numbers",
        raw("tags", "[1, 2]"),
        Found(one("type", "tags"), check=lambda df: df["tags"].iat[0] == ["1", "2"]),
    ),
    Case(
        "tags-object",
        raw("tags", '{"a": 1}'),
        Found(one("untypable", "tags"), check=lambda df: df["tags"].iat[0] == []),
    ),
    Case("tags-null", raw("tags", "null"), Typed("tags", [])),
    Case("agent-list-blanks", raw("__support_agent_list", '"hss, ,ces,"'), Typed("support_agent_list", ["hss", "ces"])),
    Case("feature-list-not-json", raw("__os_feature_list", '"{nope"'), Found(one("untypable", "os_feature_list"))),
    Case("feature-list-array", raw("__os_feature_list", '"[1]"'), Found(one("untypable", "os_feature_list"))),
    Case("blank-optional-text", raw("__description", '""'), Typed("description", pd.NA)),
    Case("blank-mandatory-text", raw("name", '""'), Typed("name", pd.NA)),  # "" is NA in every known column
    # --------------------------------------------------------------- missing, null, dialects
    Case("missing-name", doc(img(name=None)), Found(one("mandatory", "name"))),
    Case("null-name", raw("name", "null"), Typed("name", pd.NA)),
    Case("missing-id", doc(img(id=None)), Found([("mandatory", "id", None)])),
    Case("queued-without-size", doc(img(status="queued", size=None, checksum=None)), Typed("size", pd.NA)),
    Case("active-without-size", doc(img(size=None)), Found(one("mandatory", "size"))),
    Case("no-fc-inject-flag", doc(img()), Typed("support_fc_inject", False)),
    Case("no-firmware-type", doc(img(hw_firmware_type=None)), Typed("hw_firmware_type", pd.NA)),
    Case(
        "glance-listing",
        doc(img(virtual_env_type=None, __platform=None, __os_type=None)),
        Typed("virtual_env_type", pd.NA),
    ),
    Case("ims-without-env-type", doc(img(virtual_env_type=None)), Found(one("mandatory", "virtual_env_type"))),
    Case(
        "duplicate-ids",
        doc(img(), img(name="second")),
        Found(one("duplicate_id", "id"), check=lambda df: df["name"].iat[0] == "second"),
    ),
    Case(
        "coexisting-flags",
        doc(img(__support_xen="true", __support_xen_hana="true")),
        Found(one("coexistence", "support_xen_hana")),
    ),
    # --------------------------------------------------------------- top-level shapes
    Case("null-image", b'{"images": [null]}', Fails(r"image #1 is null, not an object")),
    Case("image-then-null", b'{"images": [' + orjson.dumps(img()) + b", null]}", Fails(r"image #2 is null")),
    Case("number-image", b'{"images": [' + orjson.dumps(img()) + b", 7]}", Fails(r"image #2 is a number")),
    Case("string-image", b'{"images": ["x"]}', Fails(r"image #1 is a string")),
    Case("array-image", b'{"images": [[]]}', Fails(r"image #1 is an array")),
    Case("bool-image", b'{"images": [true]}', Fails(r"image #1 is a boolean")),
    Case("images-object", b'{"images": {}}', Fails(r"'images' must be a JSON array, got dict")),
    Case("images-string", b'{"images": "x"}', Fails(r"'images' must be a JSON array, got str")),
    Case("images-null", b'{"images": null}', Fails(r"'images' must be a JSON array")),
    Case("top-number", b"42", Fails(r"expected a JSON object or array, got int")),
    Case("top-string", b'"images"', Fails(r"expected a JSON object or array")),
    Case("top-null", b"null", Fails(r"expected a JSON object or array")),
    Case("top-true", b"true", Fails(r"expected a JSON object or array")),
    Case("empty-object", b"{}", Fails(r"no images found")),
    Case("empty-file", b"", Fails(r"empty input")),
    Case("whitespace-file", b"  \n\t ", Fails(r"empty input")),
    Case("truncated", GOOD[:-5], Fails(r"malformed JSON", line=1)),
    Case("trailing-garbage", GOOD + b"x", Fails(r"malformed JSON", line=1)),
    Case("two-documents", GOOD + GOOD, Fails(r"malformed JSON", line=1)),
    Case("trailing-comma", GOOD[:-2] + b",]}", Fails(r"malformed JSON", line=1)),
    Case("single-quotes", b"{'images': []}", Fails(r"malformed JSON", line=1, column=2)),
    Case("comment", b"// listing\n" + GOOD, Fails(r"malformed JSON", line=1, column=1)),
    Case(
        "error-body",
        b'{"error": {"code": "IMG.0024", "message": "The imagetype is invalid."}}',
        Fails(r"API error response.*IMG\.0024"),
    ),
    Case("schema-body", b'{"name": "image", "properties": {}, "links": []}', Fails(r"a JSON schema")),
    Case("html-page", b"<html><body>502 Bad Gateway</body></html>", Fails(r"malformed JSON", line=1, column=1)),
    Case("empty-listing", b'{"images": []}', Typed("id", None, n=0)),
    Case("single-image", orjson.dumps(img()), Typed("name", "n")),
    Case("wrapped-page", orjson.dumps({"data": {"images": [img()]}}), Typed("name", "n")),
    Case("list-of-pages", orjson.dumps([{"images": [img()]}, {"images": [img(id="b")]}]), Typed("id", "img-1", n=2)),
    Case("bare-list", orjson.dumps([img()]), Typed("name", "n")),
    Case(
        "pretty-printed",
        orjson.dumps({"images": [img(), img(id="b")]}, option=orjson.OPT_INDENT_2),
        Typed("id", "b", n=2),
    ),
    Case("pretty-with-null", b'{\n  "images": [\n    null\n  ]\n}', Fails(r"image #1 is null")),
    Case(
        "crlf-ndjson",
        orjson.dumps(img()) + b"\r\n" + orjson.dumps(img(id="b")) + b"\r\n",
        Typed("id", "b", n=2),
        name="listing.jsonl",
    ),
    Case("ndjson-blank-lines", b"\n\n" + orjson.dumps(img()) + b"\n\n", Typed("name", "n"), name="listing.ndjson"),
    Case("ndjson-bad-line", orjson.dumps(img()) + b"\n{oops\n", Fails(r"malformed JSON", line=2), name="listing.jsonl"),
    Case("ndjson-null-line", orjson.dumps(img()) + b"\nnull\n", Fails(r"image #2 is null"), name="listing.jsonl"),
    # --------------------------------------------------------------- keys
    Case("empty-key", raw("", '"x"'), Typed("", "x")),
    Case("underscore-only-key", raw("__", '"x"'), Typed("__", "x")),
    Case("key-with-newline", raw("a\\nb", '"x"'), Typed("a\nb", "x")),
    Case("key-like-column", raw("os_version", '"22.04"'), Typed("os_version_", "22.04")),
    Case("unknown-mixed-types", doc(img(x=1), img(id="b", x="one")), Typed("x", "1", n=2)),
    Case("unknown-huge-int", raw("x", "99999999999999999999"), Typed("x", "99999999999999999999")),  # the digits
    # --------------------------------------------------------------- files and names
    Case(
        "fifo",
        _fifo,
        Fails(r"is a FIFO \(named pipe\), not a file"),
        skip=None if hasattr(os, "mkfifo") else "no FIFOs",
    ),
    Case("symlink-loop", _loop, Fails(r"symbolic link loop")),
    Case("symlink-to-itself", _self_loop, Fails(r"symbolic link loop")),
    Case("dangling-symlink", _dangling, Fails(r"broken symbolic link")),
    Case(
        "unreadable",
        _unreadable,
        Fails(r"cannot read file: Input/output error"),
        skip=None if sys.platform.startswith("linux") else "needs /proc/self/mem",
    ),
    Case(
        "device",
        lambda tmp: Path("/dev/null"),
        Fails(r"is a device, not a file"),
        skip=None if os.path.exists("/dev/null") else "no /dev/null",
    ),
    Case("missing-file", lambda tmp: tmp / "nope.json", Fails(r"no such file or directory")),
    Case("newline-in-name", _named("page\n1.json", GOOD), Typed("name", "n")),
    Case("spaces-and-unicode-name", _named("my listing 镜像.json", GOOD), Typed("name", "n")),
    Case("dash-name", _named("-listing.json", GOOD), Typed("name", "n")),
    Case("upper-case-suffix", _named("LISTING.JSON", GOOD), Typed("name", "n")),
    Case("no-suffix", _named("listing", GOOD), Typed("name", "n")),
    Case("txt-suffix", _named("listing.txt", GOOD), Fails(r"unsupported file type '\.txt'")),
    Case(
        "dir-with-stray-files",
        _directory({"page-1.json": GOOD, "notes.txt": b"hi"}, dirs=("old",)),
        Found([], check=lambda df: df.attrs["imgkit"]["skipped"] == ["notes.txt", "old/"]),
    ),
    Case("dir-empty", _directory({}), Fails(r"directory holds no \.json/\.jsonl/\.ndjson page files")),
    Case("dir-one-bad-page", _directory({"a.json": GOOD, "b.json": b"{oops"}), Fails(r"b\.json, line 1")),
    *ROUND_3,
]


def _path(case: Case, tmp: Path) -> Path:
    if callable(case.data):
        return case.data(tmp)
    p = tmp / case.name
    p.write_bytes(case.data)
    return p


def _writable(df: pd.DataFrame) -> None:
    repr(df), df.to_string()
    df.to_csv(io.StringIO())
    buf = io.BytesIO()
    df.to_parquet(buf)
    back = plain(pd.read_parquet(io.BytesIO(buf.getvalue())))
    assert len(back) == len(df)
    if len(df):  # (Parquet keeps no categories of a zero-row categorical column)
        assert back.dtypes.equals(df.dtypes)


def _finding_keys(df: pd.DataFrame) -> list[tuple[str, str, Any]]:
    f = imgkit.validate(df)
    return [(str(r), str(c), None if pd.isna(i) else i) for r, c, i in zip(f["rule"], f["column"], f["image_id"])]


@pytest.mark.parametrize("engine", ["fast", "exact", "auto"])
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile(case: Case, engine: str, tmp_path: Path) -> None:
    if case.skip:
        pytest.skip(case.skip)
    path = _path(case, tmp_path)
    exp = case.expect
    if isinstance(exp, Fails):
        with pytest.raises(imgkit.SourceError, match=exp.match) as err:
            imgkit.read_images(path, engine=engine, errors="ignore")
        e = err.value
        assert str(path) in str(e) and e.source is not None and str(e.source).startswith(str(path)), str(e)
        if exp.line is not None:
            assert e.line == exp.line, str(e)
        if exp.column is not None:
            assert e.column == exp.column, str(e)
        return
    if isinstance(exp, Typed):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            df = imgkit.read_images(path, engine=engine, errors="raise")
        assert len(df) == exp.n
        if exp.n:
            got = df[exp.column].iat[0] if exp.column != "id" or exp.n == 1 else df[exp.column].iat[exp.n - 1]
            if exp.column == "id" and exp.n > 1:
                assert exp.value in df["id"].tolist()
            elif exp.value is pd.NA or exp.value is pd.NaT:
                assert pd.isna(got), got
            else:
                assert got == exp.value, got
        if exp.check is not None:
            assert exp.check(df)
        _writable(df)
        return
    df = imgkit.read_images(path, engine=engine, errors="ignore")
    assert len(df) == exp.n
    assert _finding_keys(df) == exp.findings
    if exp.value is not None:
        assert imgkit.validate(df)["value"].iat[0] == exp.value
    if exp.check is not None:
        assert exp.check(df)
    _writable(df)


def test_corpus_size_and_classes():
    kinds = pd.Series([type(c.expect).__name__ for c in CASES]).value_counts().to_dict()
    assert len(CASES) >= 100 and len({c.id for c in CASES}) == len(CASES)
    assert set(kinds) == {"Typed", "Found", "Fails"}


@pytest.mark.parametrize(
    "case",
    [c for c in CASES if not isinstance(c.expect, Fails) and not c.skip],
    ids=[c.id for c in CASES if not isinstance(c.expect, Fails) and not c.skip],
)
def test_engines_give_identical_frames_and_findings(case: Case, tmp_path: Path) -> None:
    path = _path(case, tmp_path)
    fast, exact = (imgkit.read_images(path, engine=e, errors="ignore") for e in ("fast", "exact"))
    pd.testing.assert_frame_equal(fast, exact)
    pd.testing.assert_frame_equal(imgkit.validate(fast), imgkit.validate(exact))


# ------------------------------------------------------------------- resources: bounded whatever the input
def test_findings_are_capped_per_column_and_rule_the_rest_counted(engine: str, tmp_path: Path) -> None:
    p = tmp_path / "listing.json"
    p.write_bytes(doc(*(img(id=f"i{i}", min_disk="abc", min_ram=-1) for i in range(1500))))
    df = imgkit.read_images(p, engine=engine, errors="ignore")
    assert len(df) == 1500
    f = loaded_findings(df)
    assert f.groupby(["rule", "column"], observed=True).size().to_dict() == {
        ("untypable", "min_disk"): 1000,
        ("range", "min_ram"): 1000,
    }
    assert f.query("rule == 'untypable'")["image_id"].tolist() == [f"i{i}" for i in range(1000)]  # the first ones
    assert df.attrs["imgkit"]["findings_omitted"] == {"untypable/min_disk": 500, "range/min_ram": 500}
    with pytest.warns(imgkit.ImgkitWarning, match=r"3000 validation finding\(s\): 1500 untypable, 1500 range"):
        imgkit.read_images(p, engine=engine)


def test_distinct_unknown_keys_are_capped_the_rest_in_one_json_column(engine: str, tmp_path: Path) -> None:
    p = tmp_path / "listing.json"
    p.write_bytes(doc(*(img(id=f"i{i}", **{f"k{i}": i}) for i in range(1100))))
    df = imgkit.read_images(p, engine=engine, errors="ignore")
    known = len(imgkit.describe_columns())
    assert df.shape == (1100, known + 1000 + 1)
    assert df["k999"].iat[999] == 999 and "k1000" not in df.columns
    assert df["other_keys"].iat[1000] == '{"k1000":1000}' and df["other_keys"].iloc[:1000].isna().all()
    f = imgkit.validate(df).query("rule == 'key_limit'")
    assert f[["image_id", "column", "field", "value"]].values.tolist()[0] == [
        "i1000",
        "other_keys",
        "k1000",
        '{"k1000":1000}',
    ]
    assert len(f) == 100


def test_gzip_input_has_a_decompressed_size_limit(engine: str, tmp_path: Path, monkeypatch) -> None:
    from imgkit.io import _parse

    monkeypatch.setattr(_parse, "MAX_DECOMPRESSED", 10_000)
    p = tmp_path / "listing.json.gz"
    p.write_bytes(gzip.compress(doc(*(img(id=f"i{i}") for i in range(40)))))
    with pytest.raises(
        imgkit.SourceError, match=r"listing\.json\.gz: gzip data decompresses to more than 10,000 bytes"
    ):
        imgkit.read_images(p, engine=engine)
    monkeypatch.setattr(_parse, "MAX_DECOMPRESSED", 1 << 20)
    assert len(imgkit.read_images(p, engine=engine)) == 40


def test_empty_records_cost_counted_findings_not_one_row_each(engine: str, tmp_path: Path) -> None:
    # the 521-byte page of 160k {} of issue 19, smaller: every finding beyond 1,000 per column and rule is a count
    p = tmp_path / "listing.json.gz"
    p.write_bytes(gzip.compress(b'{"images": [' + b",".join([b"{}"] * 5000) + b"]}"))
    df = imgkit.read_images(p, engine=engine, errors="ignore")
    assert len(df) == 5000
    assert len(loaded_findings(df)) == 17 * 1000  # the 17 fields a Glance listing requires
    assert sum(df.attrs["imgkit"]["findings_omitted"].values()) == 17 * 4000
