"""label_tenants (mapping, CSV, DataFrame) and the display labels plots use."""

from __future__ import annotations

import csv

import pandas as pd
import pytest
from conftest import budget
from hypothesis import given
from hypothesis import strategies as st

import imgkit
from imgkit.analysis._tenants import display_labels

IDS = ["0a1b2c3d4e5f60718293a4b5c6d7e8f9", "ffeeddccbbaa99887766554433221100", "1234567890abcdef1234567890abcdef"]


def _images() -> pd.DataFrame:
    return pd.DataFrame({"id": ["a", "b", "c", "d"], "owner": pd.array([IDS[0], IDS[0], IDS[1], None], dtype="string")})


def test_mapping():
    out = imgkit.label_tenants(_images(), {IDS[0]: "Finance", IDS[2]: "HR"})
    assert out["owner_name"].astype(object).where(out["owner_name"].notna(), None).tolist() == [
        "Finance",
        "Finance",
        None,
        None,
    ]
    assert isinstance(out["owner_name"].dtype, pd.CategoricalDtype)
    assert list(out["owner_name"].cat.categories) == ["Finance"]
    assert out.attrs["imgkit"]["tenant_names"] == {"source": "<mapping>", "tenants": 2, "named": 1}
    assert "owner_name" not in _images().columns  # a copy


def test_csv(tmp_path):
    p = tmp_path / "names.csv"
    p.write_text(
        f'\ufeffid,name,comment\n{IDS[0]},Finance & Controlling,x\n{IDS[1]},"Research, EMEA",\n{IDS[2]},,no name\n',
        encoding="utf-8",
    )
    out = imgkit.label_tenants(_images(), p)
    assert out["owner_name"].tolist()[:3] == ["Finance & Controlling", "Finance & Controlling", "Research, EMEA"]
    assert out.attrs["imgkit"]["tenant_names"]["source"] == str(p)
    assert out.attrs["imgkit"]["tenant_names"]["named"] == 2


def test_dataframe_and_servers_frame():
    names = pd.DataFrame({"ID": [IDS[1]], "Name": ["Ops"]})
    servers = pd.DataFrame({"id": ["s1", "s2"], "tenant_id": [IDS[1], IDS[2]]})
    out = imgkit.label_tenants(servers, names)
    assert out["owner_name"].tolist()[0] == "Ops" and pd.isna(out["owner_name"].iat[1])


@pytest.mark.parametrize(
    "text, match",
    [
        ("tenant,label\nx,y\n", "need the columns 'id' and 'name'"),
        (f"id,name\n{IDS[0]},A\n{IDS[0]},B\n", "has two names: 'A' and 'B'"),
        ("id,name\n,A\n", "entry 1 has no tenant id"),
        ("", "cannot read the tenant names CSV"),
    ],
)
def test_bad_csv_is_a_clear_error(tmp_path, text, match):
    p = tmp_path / "n.csv"
    p.write_text(text)
    with pytest.raises(imgkit.SourceError, match=match) as exc:
        imgkit.label_tenants(_images(), p)
    assert str(p) in str(exc.value)


def test_bad_arguments():
    with pytest.raises(imgkit.SourceError, match="no such file"):
        imgkit.label_tenants(_images(), "missing.csv")
    with pytest.raises(imgkit.ConfigError, match="`names` must be a mapping"):
        imgkit.label_tenants(_images(), 42)
    with pytest.raises(imgkit.ConfigError, match="only for names='keystone'"):
        imgkit.label_tenants(_images(), {}, cloud="x")
    with pytest.raises(imgkit.ConfigError, match="no tenant column"):
        imgkit.label_tenants(pd.DataFrame({"id": ["a"]}), {})


def test_no_match_warns():
    with pytest.warns(imgkit.ImgkitWarning, match="none of the 2 tenant"):
        imgkit.label_tenants(_images(), {"someone-else": "X"})


def test_display_labels():
    df = imgkit.label_tenants(pd.DataFrame({"owner": IDS}), {IDS[0]: "dev", IDS[1]: "dev", IDS[2]: "x" * 40})
    assert display_labels(df, IDS + ["Other (3 tenants)"]) == [
        "dev (0a1b2c3…)",
        "dev (ffeeddc…)",
        "x" * 27 + "…",
        "Other (3 tenants)",
    ]
    assert display_labels(pd.DataFrame({"owner": IDS}), IDS) == IDS  # no names: the ids


_name = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20).filter(lambda s: s.strip())


@budget(50)
@given(st.dictionaries(st.text("0123456789abcdef", min_size=1, max_size=32), _name, min_size=1, max_size=8))
def test_any_csv_round_trips(tmp_path_factory, names):
    p = tmp_path_factory.mktemp("csv") / "n.csv"
    with p.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name"])
        w.writerows(names.items())
    df = pd.DataFrame({"owner": list(names)})
    out = imgkit.label_tenants(df, p)
    assert out["owner_name"].astype(str).tolist() == [names[k].strip() for k in names]


# ---------------------------------------------------------------- names in tables, plots, the explorer


def _named_demo():
    import imgkit as ik

    df = ik.load_demo()
    top = df["owner"].value_counts().index[:3].tolist()
    return ik.label_tenants(
        df,
        {top[0]: "Finance", top[1]: "Research and development, EMEA region", top[2]: "Ops"},
    ), top


def test_tables_keep_the_id_and_show_the_name():
    df, top = _named_demo()
    ts = imgkit.tenant_summary(df, as_of="2026-07-01")
    assert ts.index.name == "owner" and ts.columns[0] == "owner_name"
    assert ts.loc[top, "owner_name"].tolist() == ["Finance", "Research and development, EMEA region", "Ops"]
    assert ts["owner_name"].isna().sum() == len(ts) - 3
    prof = imgkit.age_profile(df, by="owner", as_of="2026-07-01")
    assert prof.loc[top[0], "owner_name"] == "Finance"
    dist = imgkit.os_distribution(df, by="owner")
    assert dist.index.names == ["owner", "owner_name"]
    assert dist.index[0] == (top[0], "Finance")
    assert int(dist.loc[top[0]].sum(axis=1).iloc[0]) == int((df["owner"] == top[0]).sum())
    feat = imgkit.feature_support(df)
    assert feat.index[-1][0] == "All tenants" and pd.isna(feat.index[-1][1])
    tl = imgkit.creation_timeline(df, by="owner", freq="YS")
    assert tl.columns.names == ["owner", "owner_name"]
    # without names, nothing changes
    plain = imgkit.os_distribution(imgkit.load_demo(), by="owner")
    assert plain.index.name == "owner" and list(plain.index) == [i for i, _ in dist.index]


def test_plots_use_names_shortened_only_when_too_long():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    df, top = _named_demo()
    expected = ["Finance", "Research and development, E…", "Ops"]
    ax = imgkit.plot_os_distribution(df, top_groups=3)
    assert [t.get_text() for t in ax.get_yticklabels()][:3] == expected
    ax = imgkit.plot_feature_support(df, top=3)
    assert [t.get_text() for t in ax.get_yticklabels()] == expected + ["Other (57 tenants)", "All tenants"]
    ax = imgkit.plot_age(df, by="owner", top=3, as_of="2026-07-01")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == expected + ["Other (57 tenants)"]
    ax = imgkit.plot_creation_timeline(df, by="owner", top=3, freq="YS")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == expected + ["Other (57 tenants)"]
    plt.close("all")


def test_explorer_lists_and_finds_tenants_by_name():
    from imgkit.widgets import ImageExplorer

    df, top = _named_demo()
    ex = ImageExplorer(df, as_of="2026-07-01")
    picker = ex.pickers["tenants"]
    assert picker.options[1] == (f"Finance · {top[0][:8]} ({int((df['owner'] == top[0]).sum()):,})", top[0])
    ex.tenant_search.value = "research"
    assert [v for _, v in picker.options[1:]] == [top[1]]
    ex.tenant_search.value = top[2][:10]  # ids still match
    assert [v for _, v in picker.options[1:]] == [top[2]]
    grid = ex.grid_frame()
    assert grid.loc[grid["tenant id"] == top[0], "tenant"].iloc[0] == "Finance"
