"""The snapshot archive (imgkit.Archive) and the aggregate analyses on Dask frames.

Dask runs on a real ``dask.distributed.LocalCluster`` (2 worker processes, 1 thread each, loopback only),
started once per test session.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import budget
from hypothesis import given
from hypothesis import strategies as st

import imgkit
from imgkit.archive import Archive

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

REPO = Path(__file__).resolve().parents[2]
LIST = imgkit.StringListDtype()


@pytest.fixture(scope="session")
def client():
    """One real local cluster for the session: worker processes on 127.0.0.1."""
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
            memory_limit="1GiB",
        ) as cluster,
        distributed.Client(cluster) as c,
    ):
        yield c


def _image(i: int, **extra) -> dict:
    rec = {
        "id": f"img-{i:03d}",
        "name": f"image {i}",
        "owner": f"tenant-{i % 3}",
        "status": "active",
        "visibility": "private",
        "protected": False,
        "tags": [f"t{i % 2}"],
        "container_format": "bare",
        "disk_format": "zvhd2",
        "min_ram": 0,
        "min_disk": 40,
        "size": None,
        "checksum": None,
        "created_at": f"20{18 + i % 8}-0{1 + i % 9}-1{i % 10}T08:00:00Z",
        "updated_at": "2026-06-01T00:00:00Z",
        "self": f"/v2/images/img-{i:03d}",
        "file": f"/v2/images/img-{i:03d}/file",
        "schema": "/v2/schemas/image",
        "__platform": ["Ubuntu", "CentOS", "Windows", "Debian"][i % 4],
        "__os_type": "Windows" if i % 4 == 2 else "Linux",
        "__os_bit": "64",
        "__imagetype": ["gold", "private", "shared"][i % 3],
        "__image_size": str(1000 * (i + 1)),
        "virtual_env_type": "FusionCompute",
        "hw_firmware_type": "uefi" if i % 2 else "bios",
        "__lazyloading": "true",
        "__support_kvm": "true",
        "__support_fc_inject": "true" if i % 5 == 0 else None,
        "__support_agent_list": "hss,ces",
        "__os_feature_list": '{"nic_hotplug": "true"}' if i % 2 else None,
    }
    rec = {k: v for k, v in rec.items() if v is not None}
    rec.update(extra)
    return rec


def _listing(n: int, *, start: int = 0, fetched_at: str | None = None, **extra) -> pd.DataFrame:
    df = imgkit.read_images([_image(i, **extra) for i in range(start, start + n)], errors="ignore")
    if fetched_at is not None:
        df.attrs["imgkit"]["fetched_at"] = fetched_at
    return df


def _year(root: Path) -> Archive:
    archive = Archive(root)
    archive.add(_listing(12), snapshot_at="2026-01-01T06:00:00Z")
    archive.add(_listing(15), snapshot_at="2026-02-01T06:00:00Z")
    archive.add(_listing(15, start=5, __platform="Red Hat"), snapshot_at="2026-03-01T06:00:00Z")
    archive.add(_listing(9, start=20, quick_start="yes", __platform="OracleLinux"), snapshot_at="2026-04-01T06:00:00Z")
    return archive


@pytest.fixture
def year(tmp_path) -> Archive:
    """Four snapshots: the listing grows, an undocumented platform appears, a new unknown key appears."""
    return _year(tmp_path / "archive")


@pytest.fixture(scope="module")
def year_and_more(tmp_path_factory) -> Archive:
    """`year` and a fifth snapshot without dates or owners (shared by the read-only analysis tests)."""
    archive = _year(tmp_path_factory.mktemp("year") / "archive")
    archive.add(_listing(3, start=40, created_at=None, owner=None), snapshot_at="2026-05-01")
    return archive


# ------------------------------------------------------------------------------------------------ add / snapshots
def test_add_writes_one_hive_partition_per_snapshot(tmp_path):
    archive = Archive(tmp_path / "a")
    archive.add(_listing(10), snapshot_at="2026-11-29T06:30:00+01:00")
    files = sorted(p.relative_to(tmp_path / "a").as_posix() for p in (tmp_path / "a").rglob("*.parquet"))
    assert files == ["snapshot_date=2026-11-29/part-0.parquet"]
    snaps = archive.snapshots()
    assert snaps.to_dict("list") == {
        "snapshot_at": [pd.Timestamp("2026-11-29T05:30:00Z")],
        "cloud": [None],
        "region": [None],
        "images": [10],
        "bytes_on_disk": [(tmp_path / "a" / files[0]).stat().st_size],
    }
    assert snaps.dtypes.map(str).tolist() == ["datetime64[ns, UTC]", "string", "string", "int64", "int64"]


def test_add_is_idempotent_the_same_day_is_replaced(tmp_path):
    archive = Archive(tmp_path / "a")
    archive.add(_listing(10), snapshot_at="2026-11-29T06:00:00Z")
    archive.add(_listing(10), snapshot_at="2026-11-29T06:00:00Z")
    assert archive.snapshots()["images"].tolist() == [10]
    archive.add(_listing(4), snapshot_at="2026-11-29T18:00:00Z")  # a later listing of the same day replaces it
    assert archive.snapshots()[["snapshot_at", "images"]].values.tolist() == [[pd.Timestamp("2026-11-29T18:00Z"), 4]]
    assert archive.load()["id"].tolist() == ["img-000", "img-001", "img-002", "img-003"]
    assert list((tmp_path / "a" / "_staging").iterdir()) == []


def test_snapshot_at_defaults_to_fetched_at_else_config_error(tmp_path):
    archive = Archive(tmp_path / "a")
    archive.add(_listing(3, fetched_at="2026-05-04T03:02:01Z"))
    assert archive.snapshots()["snapshot_at"].tolist() == [pd.Timestamp("2026-05-04T03:02:01Z")]
    with pytest.raises(imgkit.ConfigError, match="no fetched_at.*snapshot_at="):
        archive.add(_listing(3))
    with pytest.raises(imgkit.ConfigError, match="`snapshot_at` must be a date/time"):
        archive.add(_listing(3), snapshot_at="yesterday-ish")


def test_add_reads_any_source(tmp_path):
    archive = Archive(tmp_path / "a")
    archive.add(REPO / "data" / "seed_example_response.json", snapshot_at="2026-01-02")
    assert archive.snapshots()["images"].tolist() == [2]


def test_cloud_and_region_levels(tmp_path):
    archive = Archive(tmp_path / "a")
    archive.add(_listing(3), snapshot_at="2026-01-01", cloud="otc", region="eu-de")
    archive.add(_listing(5), snapshot_at="2026-01-01", cloud="otc", region="eu/nl")  # quoted in the path
    files = sorted(p.relative_to(tmp_path / "a").as_posix() for p in (tmp_path / "a").rglob("*.parquet"))
    assert files == [
        "snapshot_date=2026-01-01/cloud=otc/region=eu%2Fnl/part-0.parquet",
        "snapshot_date=2026-01-01/cloud=otc/region=eu-de/part-0.parquet",
    ]
    snaps = archive.snapshots()
    assert snaps[["cloud", "region", "images"]].values.tolist() == [["otc", "eu-de", 3], ["otc", "eu/nl", 5]]
    df = archive.load(filters=[("region", "==", "eu/nl")])
    assert len(df) == 5 and df["region"].dtype == "string" and df["cloud"].dtype == "string"
    with pytest.raises(imgkit.ConfigError, match="partitioned by snapshot_date/cloud/region"):
        archive.add(_listing(3), snapshot_at="2026-01-02")
    with pytest.raises(imgkit.ConfigError, match="`region` must be a non-empty string"):
        archive.add(_listing(3), snapshot_at="2026-01-02", cloud="otc", region="")


def test_a_failed_add_leaves_nothing(tmp_path):
    archive = Archive(tmp_path / "a")
    archive.add(_listing(3), snapshot_at="2026-01-01")
    bad = _listing(3)
    bad["min_disk"] = bad["min_disk"].astype(object)
    bad.loc[1, "min_disk"] = "forty"  # cannot be stored as the schema's int64
    with pytest.raises(imgkit.ConfigError, match="cannot be stored"):
        archive.add(bad, snapshot_at="2026-01-01")
    with pytest.raises(imgkit.ConfigError, match="which the archive adds itself"):
        archive.add(archive.load(), snapshot_at="2026-01-02")
    assert archive.snapshots()["images"].tolist() == [3]
    assert list((tmp_path / "a" / "_staging").iterdir()) == []


_INTERRUPTED = """
import os, signal, sys, threading, time
import imgkit
from imgkit.archive import Archive
root, day = sys.argv[1], sys.argv[2]
import pandas as pd
df = pd.concat([imgkit.load_demo()] * 30, ignore_index=True)  # 150,000 rows: a write of a second or so
staging = os.path.join(root, "_staging")
def killer():  # SIGKILL this process as soon as the staged file exists, i.e. mid-write
    while True:
        if os.path.isdir(staging) and os.listdir(staging):
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(0.0005)
threading.Thread(target=killer, daemon=True).start()
Archive(root).add(df, snapshot_at=day)
print("finished")
"""


def test_an_interrupted_add_leaves_no_partial_snapshot(tmp_path):
    root = tmp_path / "a"
    archive = Archive(root)
    archive.add(_listing(7), snapshot_at="2026-01-01T06:00:00Z")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for day in ("2026-01-01T07:00:00Z", "2026-01-02T06:00:00Z"):  # replacing a snapshot, and a new one
        proc = subprocess.run(
            [sys.executable, "-c", _INTERRUPTED, str(root), day], env=env, capture_output=True, text=True, timeout=300
        )
        assert proc.returncode == -signal.SIGKILL, proc.stderr
        assert "finished" not in proc.stdout
        assert list((root / "_staging").iterdir())  # the partial file is there, invisible to readers
    snaps = archive.snapshots()
    assert snaps[["snapshot_at", "images"]].values.tolist() == [[pd.Timestamp("2026-01-01T06:00Z"), 7]]
    assert archive.load()["id"].tolist() == [f"img-{i:03d}" for i in range(7)]
    archive.add(_listing(2), snapshot_at="2026-01-02")  # and the archive takes new snapshots
    assert archive.snapshots()["images"].tolist() == [7, 2]


def test_fsspec_urls(tmp_path):
    archive = Archive(f"file://{tmp_path}/a")
    archive.add(_listing(4), snapshot_at="2026-01-01")
    assert (tmp_path / "a" / "snapshot_date=2026-01-01" / "part-0.parquet").exists()
    mem = Archive("memory://imgkit-test-archive")
    mem.add(_listing(4), snapshot_at="2026-01-01")
    mem.add(_listing(6), snapshot_at="2026-01-02")
    assert mem.snapshots()["images"].tolist() == [4, 6]
    assert mem.load(snapshot_at="2026-01-02")["id"].tolist() == [f"img-{i:03d}" for i in range(6)]
    assert repr(mem) == "Archive('memory://imgkit-test-archive')"


# ------------------------------------------------------------------------------------------------ load (pandas)
def test_load_one_snapshot_gives_back_the_frame(tmp_path):
    df = _listing(20, quick_start="yes")
    df.loc[3, "platform"] = pd.NA
    archive = Archive(tmp_path / "a")
    archive.add(df, snapshot_at="2026-03-04T05:06:07Z")
    back = archive.load(snapshot_at="2026-03-04")
    assert back["snapshot_at"].tolist() == [pd.Timestamp("2026-03-04T05:06:07Z")] * 20
    pd.testing.assert_frame_equal(back.drop(columns="snapshot_at"), df, check_exact=True)
    assert back.attrs["imgkit"]["fetched_at"] == "2026-03-04T05:06:07+00:00"
    pd.testing.assert_frame_equal(imgkit.validate(back.drop(columns="snapshot_at")), imgkit.validate(df))
    # the load findings travel with the snapshot: size and checksum are absent from every image
    assert imgkit.validate(back).groupby("column", observed=True).size().to_dict() == {"checksum": 20, "size": 20}
    assert back["tags"].tolist()[:2] == [["t0"], ["t1"]]
    assert back["os_feature_list"].tolist()[:2] == [pd.NA, '{"nic_hotplug":"true"}']
    # ages default to the snapshot's time
    assert imgkit.age_profile(back).attrs["as_of_source"] == "fetched_at"


def test_load_dtypes_are_read_images_dtypes_across_snapshots(year):
    df = year.load()
    ref = _listing(1).dtypes
    assert df.dtypes.drop(["quick_start", "snapshot_at"]).map(str).equals(ref.map(str))  # categories: below
    assert str(df["snapshot_at"].dtype) == "datetime64[ns, UTC]" and df["quick_start"].dtype == "string"
    assert list(df.columns[-2:]) == ["quick_start", "snapshot_at"]
    documented = list(next(f for f in imgkit.FIELDS if f.column == "platform").values)
    assert list(df["platform"].cat.categories) == [*documented, "Red Hat", "OracleLinux"]
    assert df.groupby("snapshot_at").size().tolist() == [12, 15, 15, 9]
    assert df["quick_start"].isna().sum() == 42 and (df["quick_start"] == "yes").sum() == 9
    assert df["platform"].value_counts()[["Red Hat", "OracleLinux"]].tolist() == [15, 9]


def test_load_columns_and_filters(year):
    df = year.load(columns=["id", "platform"], filters=[("platform", "==", "Red Hat")])
    assert list(df.columns) == ["id", "platform", "snapshot_at"]
    assert len(df) == 15 and set(df["platform"]) == {"Red Hat"}
    df = year.load(columns=["id"], filters=[("snapshot_at", ">=", "2026-02-15"), ("owner", "==", "tenant-1")])
    assert df.groupby("snapshot_at").size().tolist() == [5, 3]
    either = year.load(
        columns=["id"],
        filters=[
            [("snapshot_at", "<", "2026-01-15")],
            [("snapshot_at", ">", "2026-03-15"), ("quick_start", "==", "yes")],
        ],
    )
    assert either.groupby("snapshot_at").size().tolist() == [12, 9]
    latest = year.load(snapshot_at="latest", columns=["id"])
    assert latest["id"].tolist() == [f"img-{i:03d}" for i in range(20, 29)]
    assert len(year.load(snapshot_at=["2026-01-01", "2026-04-01T23:00:00Z"])) == 21
    with pytest.raises(imgkit.ConfigError, match="`columns` entry `. must be one of .*got 'nope'"):
        year.load(columns=["nope"])
    with pytest.raises(imgkit.ConfigError, match="got 'nope'"):
        year.load(filters=[("nope", "==", 1)])
    with pytest.raises(imgkit.ConfigError, match="`backend` must be one of 'pandas', 'dask', got 'spark'"):
        year.load(backend="spark")


def test_empty_archive(tmp_path):
    archive = Archive(tmp_path / "none")
    assert archive.snapshots().empty and list(archive.snapshots().columns) == list(
        ["snapshot_at", "cloud", "region", "images", "bytes_on_disk"]
    )
    df = archive.load()
    assert len(df) == 0 and df.dtypes.drop("snapshot_at").equals(_listing(1).dtypes)


# ------------------------------------------------------------------------------------------------ load (dask)
def test_dask_load_same_frame_known_categories_needed_partitions(year, client):
    ddf = year.load(backend="dask")
    assert ddf.npartitions == 4
    assert ddf["platform"].cat.known and ddf["status"].cat.known
    assert ddf.dtypes.equals(year.load().dtypes)
    computed = ddf.compute()
    pd.testing.assert_frame_equal(computed.reset_index(drop=True), year.load(), check_exact=True)
    two = year.load(backend="dask", filters=[("snapshot_at", ">=", "2026-03-01")], columns=["id"])
    assert two.npartitions == 2 and list(two.columns) == ["id", "snapshot_at"]
    assert list(two.compute().columns) == ["id", "snapshot_at"]
    assert len(two) == 24
    ubuntu = year.load(backend="dask", columns=["id"], filters=[("platform", "==", "Ubuntu"), ("owner", "!=", "x")])
    expected = year.load(columns=["id"], filters=[("platform", "==", "Ubuntu")])["id"]
    assert sorted(ubuntu["id"].compute()) == sorted(expected)
    assert len(ubuntu) == 3 + 4  # the expression travels to the workers; the filter's columns are read, not returned


def _read_columns(ddf) -> list:
    """The columns the optimised graph reads from the archive files."""
    from imgkit.archive import _ReadPiece

    expr = ddf.optimize(fuse=False).expr
    found = [e for e in expr.walk() if isinstance(getattr(e, "func", None), _ReadPiece)]
    assert len(found) == 1
    return list(found[0].columns)


def test_dask_reads_only_the_columns_a_computation_needs(year, client):
    ddf = year.load(backend="dask")
    assert _read_columns(ddf["platform"].value_counts()) == ["platform"]
    assert _read_columns(ddf[ddf["owner"] == "tenant-1"]["created_at"]) == ["owner", "created_at"]


def test_dask_pitfalls(year, client):
    """Partition columns, categories across partitions, lists under convert-string, zones, nested Arrow dtypes."""
    year.add(_listing(3, start=40, created_at=None), snapshot_at="2026-05-01")  # a snapshot without any date
    with dask.config.set({"dataframe.convert-string": True}):
        ddf = year.load(backend="dask")
        df = ddf.compute()
    assert df["tags"].dtype == LIST and df["support_agent_list"].dtype == LIST
    assert df["tags"].iloc[0] == ["t0"] and df["support_agent_list"].iloc[0] == ["hss", "ces"]
    assert isinstance(df["os_feature_list"].dtype, pd.StringDtype)
    assert df["os_feature_list"].iloc[1] == '{"nic_hotplug":"true"}'
    assert str(df["created_at"].dtype) == "datetime64[ns, UTC]" and df["created_at"].isna().sum() == 3
    assert str(ddf["snapshot_at"].dtype) == "datetime64[ns, UTC]"
    assert df["platform"].dtype == year.load()["platform"].dtype
    # every file is plain Parquet: pandas and pyarrow read it without imgkit's help (no pandas metadata
    # naming a nested ArrowDtype), the lists as lists
    one = next(Path(year.root).rglob("part-0.parquet"))
    plain = pd.read_parquet(one)
    assert list(plain["tags"].iloc[0]) == ["t0"] and "snapshot_at" not in plain.columns


def test_dask_load_on_fsspec_url(tmp_path, client):
    archive = Archive(f"file://{tmp_path}/a")
    archive.add(_listing(4), snapshot_at="2026-01-01")
    assert archive.load(backend="dask")["id"].compute().tolist() == [f"img-{i:03d}" for i in range(4)]


def test_missing_dask_names_the_fix(tmp_path):
    code = textwrap.dedent(f"""
        import sys
        sys.modules["dask"] = None  # as if dask were not installed
        import imgkit
        a = imgkit.Archive({str(tmp_path / "a")!r})
        a.add(imgkit.read_images("{REPO}/data/seed_example_response.json"), snapshot_at="2026-01-01")
        print(len(a.load()))
        try:
            a.load(backend="dask")
        except ImportError as exc:
            print(exc)
    """)
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.stdout.splitlines() == [
        "2",
        "Archive.load(backend='dask') needs Dask, which is not installed: pip install \"imgkit[dask]\"  "
        "(or: conda install -c conda-forge dask distributed)",
    ], proc.stderr


# ------------------------------------------------------------------------------------------------ analyses on Dask
ANALYSES = {
    "os_distribution": lambda d: imgkit.os_distribution(d),
    "os_distribution by owner": lambda d: imgkit.os_distribution(d, by="owner", normalize=True, top=3),
    "os_distribution os_bit/os_type": lambda d: imgkit.os_distribution(d, by="os_bit", level="os_type"),
    "os_distribution by snapshot": lambda d: imgkit.os_distribution(d, by="snapshot_at"),
    "feature_support": lambda d: imgkit.feature_support(d),
    "feature_support counts": lambda d: imgkit.feature_support(d, by="imagetype", normalize=False),
    "feature_support totals": lambda d: imgkit.feature_support(d, by=None, features=["uefi", "support_kvm"]),
    "tenant_summary": lambda d: imgkit.tenant_summary(d),
    "tenant_summary as_of": lambda d: imgkit.tenant_summary(d, as_of="2027-01-01"),
    "creation_timeline": lambda d: imgkit.creation_timeline(d, by="platform"),
    "creation_timeline weekly cumulative": lambda d: imgkit.creation_timeline(d, freq="W", cumulative=True),
    "age_profile": lambda d: imgkit.age_profile(d),
    "age_profile by owner": lambda d: imgkit.age_profile(d, by="owner", as_of="2026-07-01"),
}


@pytest.mark.parametrize("name", list(ANALYSES))
def test_analyses_on_dask_equal_the_computed_frame(year_and_more, client, name):
    ddf = year_and_more.load(backend="dask")
    on_dask = ANALYSES[name](ddf)
    on_pandas = ANALYSES[name](ddf.compute())
    assert type(on_dask) is type(on_pandas)
    if isinstance(on_dask, pd.Series):
        pd.testing.assert_series_equal(on_dask, on_pandas, check_exact=True)
    else:
        pd.testing.assert_frame_equal(on_dask, on_pandas, check_exact=True)
    assert on_dask.attrs["engine"] == "dask"
    for key in ("as_of", "as_of_source"):
        assert on_dask.attrs.get(key) == on_pandas.attrs.get(key)
    if name.startswith(("age_profile", "tenant_summary")):
        assert on_dask.attrs["quantiles"] == "exact"


def test_analysis_values_on_dask(year, client):
    ddf = year.load(backend="dask")
    dist = imgkit.os_distribution(ddf)
    assert dist[["Ubuntu", "CentOS", "Windows", "Debian", "Red Hat", "OracleLinux"]].tolist() == [
        3 + 4,
        3 + 4,
        3 + 4,
        3 + 3,
        15,
        9,
    ]
    prof = imgkit.age_profile(ddf, as_of="2026-07-01")
    assert prof.loc["All images", "images"] == 51 and prof.attrs["as_of_source"] == "argument"
    assert prof.attrs["as_of"] == pd.Timestamp("2026-07-01", tz="UTC")
    with pytest.raises(imgkit.ConfigError, match="column 'tags' holds lists"):
        imgkit.os_distribution(ddf, by="tags")
    with pytest.raises(imgkit.ConfigError, match="`level` must be one of"):
        imgkit.os_distribution(ddf, level="nope")


@budget(200)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(-5, 5), st.integers(1, 4)), min_size=1, max_size=30))
def test_weighted_quantiles_equal_pandas_on_the_expanded_values(rows):
    from imgkit.analysis._age import _weighted_quantiles

    g = np.array([r[0] for r in rows], dtype=np.intp)
    x = np.array([r[1] / 3 for r in rows], dtype=float)
    w = np.array([r[2] for r in rows], dtype=float)
    median, p90 = _weighted_quantiles(g, x, w, 5)
    expanded = pd.Series(np.repeat(x, w.astype(int))).groupby(np.repeat(g, w.astype(int)))
    np.testing.assert_array_equal(median, expanded.median().reindex(range(5)).to_numpy())
    np.testing.assert_array_equal(p90, expanded.quantile(0.9).reindex(range(5)).to_numpy())


# ------------------------------------------------------------------------------------------------ CLI
def test_cli_archive_add_list_and_report(tmp_path, capsys):
    from imgkit.cli import main

    root = tmp_path / "arch"
    seed = str(REPO / "data" / "seed_example_response.json")
    assert main(["archive", "add", seed, "--root", str(root), "--snapshot-at", "2026-11-28T06:00Z"]) == 0
    assert main(["archive", "add", seed, "--root", str(root), "--snapshot-at", "2026-11-29T06:00Z"]) == 0
    assert main(["archive", "add", seed, "--root", str(root)]) == 1
    err = capsys.readouterr().err
    assert "added 2 images to" in err and "imgkit: error: the listing has no fetched_at" in err
    assert main(["archive", "list", "--root", str(root)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["snapshot_at", "images", "bytes_on_disk"]
    assert out[1].split()[:3] == ["2026-11-28", "06:00:00+00:00", "2"] and len(out) == 4
    assert out[3].startswith("2 snapshot(s), 4 image rows, ")
    assert main(["archive", "list", "--root", str(tmp_path / "empty")]) == 0
    assert capsys.readouterr().out == f"no snapshots in {tmp_path / 'empty'}\n"
    html = tmp_path / "r.html"
    assert main(["report", "--archive", str(root), "-o", str(html)]) == 0
    page = html.read_text()
    assert "2026-11-29" in page and "<script" not in page
    assert "2 snapshot(s) from 2026-11-28 06:00 UTC to 2026-11-29 06:00 UTC; 4 image rows in the archive." in page
    assert main(["report", "--archive", str(root), "--history", str(tmp_path), "-o", str(html)]) == 1
    assert "give --archive or --history, not both" in capsys.readouterr().err
    assert main(["report", seed, "--archive", str(root), "-o", str(html)]) == 1
    assert "give INPUT or --archive ROOT" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------------ trend
@pytest.mark.parametrize(
    "options", [{}, {"by": "owner"}, {"by": None}, {"by": "os_type", "top": 1}, {"by": "platform", "top": 2}]
)
def test_trend_equals_imgkit_trend_of_the_snapshots(year_and_more, client, options):
    archive = year_and_more
    snaps = {t: archive.load(snapshot_at=t).drop(columns="snapshot_at") for t in archive.snapshots()["snapshot_at"]}
    expected = imgkit.trend(snaps, **options)
    on_dask = archive.trend(**options)
    pd.testing.assert_frame_equal(on_dask, expected, check_exact=True)
    pd.testing.assert_frame_equal(archive.trend(backend="pandas", **options), expected, check_exact=True)
    assert on_dask.attrs["engine"] == "dask"


def test_trend_values_and_errors(year, client):
    tr = year.trend()
    assert tr.index.strftime("%m-%d").tolist() == ["01-01", "02-01", "03-01", "04-01"]
    assert tr.to_dict("list") == {
        "Windows": [3, 4, 0, 0],
        "Ubuntu": [3, 4, 0, 0],
        "CentOS": [3, 4, 0, 0],
        "Debian": [3, 3, 0, 0],
        "Red Hat": [0, 0, 15, 0],
        "OracleLinux": [0, 0, 0, 9],
    }
    with pytest.raises(imgkit.ConfigError, match="`by` must be None or a column of the listings, got 'nope'"):
        year.trend(by="nope")
    with pytest.raises(imgkit.ConfigError, match="column 'tags' holds lists"):
        year.trend(by="tags")
    with pytest.raises(imgkit.ConfigError, match="column 'tags' holds lists"):
        year.trend(by="tags", backend="pandas")


def test_a_replaced_snapshot_is_seen_by_the_same_archive_object(tmp_path):
    archive = Archive(tmp_path / "a")
    df = _listing(5)
    archive.add(df, snapshot_at="2026-01-01T06:00:00Z")
    assert archive.snapshots()["snapshot_at"].tolist() == [pd.Timestamp("2026-01-01T06:00Z")]
    archive.add(df, snapshot_at="2026-01-01T07:00:00Z")  # same size on disk, another time in the footer
    assert archive.snapshots()["snapshot_at"].tolist() == [pd.Timestamp("2026-01-01T07:00Z")]
    assert Archive(tmp_path / "a").load()["snapshot_at"].iloc[0] == pd.Timestamp("2026-01-01T07:00Z")


def test_report_trends_from_an_archive_equal_those_from_its_history(year, client):
    from imgkit.report import _history as hr

    snaps = {t: year.load(snapshot_at=t).drop(columns="snapshot_at") for t in year.snapshots()["snapshot_at"]}
    h = imgkit.history(snaps)
    from_archive = hr.trend_tables(lambda **o: year.trend(**o), top=3)
    from_history = hr.trend_tables(lambda **o: imgkit.trend(h, **o), top=3)
    for by in (None, "platform", "os_type", "status"):
        pd.testing.assert_frame_equal(from_archive[by], from_history[by], check_exact=True)
    page = imgkit.build_report(year.load(snapshot_at="latest"), history=year, tenants=["tenant-1"], top=3)
    # tenant-1 has 4, 5, 5 and 3 images in the four snapshots
    assert "4 snapshot(s) from 2026-01-01 06:00 UTC to 2026-04-01 06:00 UTC; 17 image rows in the archive." in page


# ---------------------------------------------------------------------------------------------------------------
# Hostile footers: the catalogue comes from the paths; a footer only adds whitelisted, type-checked keys
# ---------------------------------------------------------------------------------------------------------------
def _plant(archive: Archive, rel: str, meta: bytes) -> Path:
    """A copy of the archive's first snapshot file at `rel`, with `meta` as its archive metadata."""
    import pyarrow.parquet as pq

    first = sorted(Path(archive.root).rglob("part-0.parquet"))[0]
    table = pq.read_table(first)
    target = Path(archive.root) / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table.replace_schema_metadata({b"imgkit.archive": meta}), target)
    return target


def test_footer_cannot_override_the_path_or_move_its_day(tmp_path):
    import orjson

    archive = Archive(tmp_path / "a")
    archive.add(_listing(2), snapshot_at="2026-01-01T06:00:00Z")
    other = tmp_path / "elsewhere.parquet"
    meta = {
        "snapshot_at": "2026-01-02T00:00:00+00:00",
        "path": str(other),
        "snapshot_date": "9999-12-31",
        "size": 1,
        "images": 10**9,
        "categories": {},
        "json_columns": [],
        "findings": "[]",
    }
    _plant(archive, "snapshot_date=2026-01-02/part-0.parquet", orjson.dumps(meta))
    snaps = archive.snapshots()
    assert snaps["snapshot_at"].dt.strftime("%Y-%m-%d").tolist() == ["2026-01-01", "2026-01-02"]
    assert snaps["images"].tolist() == [2, 2]  # the row count comes from the file, not from the footer
    latest = archive.load(snapshot_at="latest")
    assert len(latest) == 2 and latest["snapshot_at"].dt.strftime("%Y-%m-%d").unique().tolist() == ["2026-01-02"]
    cat = archive._catalogue()
    assert all(r["path"].startswith(str(tmp_path / "a")) for r in cat) and cat[-1]["snapshot_date"] == "2026-01-02"


@pytest.mark.parametrize(
    "meta, message",
    [
        (b"not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (b'{"categories": {}}', "has no snapshot_at"),
        (b'{"snapshot_at": 5}', "wrong type"),
        (b'{"snapshot_at": "yesterday"}', "not a time"),
        (b'{"snapshot_at": "9999-12-31T00:00:00Z"}', "not the day its path says"),
        (b'{"snapshot_at": "2026-01-02T00:00:00Z", "categories": {"platform": "Ubuntu"}}', "categories"),
        (b'{"snapshot_at": "2026-01-02T00:00:00Z", "categories": []}', "wrong type"),
        (b'{"snapshot_at": "2026-01-02T00:00:00Z", "json_columns": [1]}', "json_columns"),
        (b'{"snapshot_at": "2026-01-02T00:00:00Z", "json_columns": ["no_such_column"]}', "json_columns"),
        (b'{"snapshot_at": "2026-01-02T00:00:00Z", "unknown_keys": {"a": 1}}', "unknown_keys"),
        (b'{"snapshot_at": "2026-01-02T00:00:00Z", "findings": {"x": 1}}', "wrong type"),
    ],
)
def test_hostile_footer_is_a_source_error(tmp_path, meta, message):
    archive = Archive(tmp_path / "a")
    archive.add(_listing(2), snapshot_at="2026-01-01T06:00:00Z")
    planted = _plant(archive, "snapshot_date=2026-01-02/part-0.parquet", meta)
    with pytest.raises(imgkit.SourceError, match=message) as info:
        archive.load()
    assert str(planted) in str(info.value)


def test_snapshot_date_that_is_not_a_date_is_a_source_error(tmp_path):
    archive = Archive(tmp_path / "a")
    archive.add(_listing(2), snapshot_at="2026-01-01T06:00:00Z")
    _plant(archive, "snapshot_date=latest/part-0.parquet", b'{"snapshot_at": "2026-01-02T00:00:00Z"}')
    with pytest.raises(imgkit.SourceError, match="snapshot_date"):
        archive.snapshots()


def test_a_piece_outside_the_root_is_a_source_error(tmp_path):
    archive = Archive(tmp_path / "a")
    archive.add(_listing(2), snapshot_at="2026-01-01T06:00:00Z")
    outside = _plant(archive, "../outside/part-0.parquet", b'{"snapshot_at": "2026-01-02T00:00:00Z"}')
    (Path(archive.root) / "snapshot_date=2026-01-02").mkdir()
    (Path(archive.root) / "snapshot_date=2026-01-02" / "part-0.parquet").symlink_to(outside)
    with pytest.raises(imgkit.SourceError, match="outside the archive"):
        archive.snapshots()


def test_engine_is_the_deprecated_spelling_of_backend(tmp_path):
    archive = Archive(tmp_path / "a")
    archive.add(_listing(3), snapshot_at="2026-01-01")
    with pytest.warns(DeprecationWarning, match="backend="):
        old = archive.load(engine="pandas")
    pd.testing.assert_frame_equal(old, archive.load(backend="pandas"))
    with pytest.warns(DeprecationWarning, match="backend="):
        tr = archive.trend(engine="pandas")
    pd.testing.assert_frame_equal(tr, archive.trend(backend="pandas"))
    with pytest.raises(imgkit.ConfigError, match="`backend` must be one of"):
        archive.load(backend="spark")
