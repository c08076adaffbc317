"""fetch_servers, fetch_projects and several clouds/regions at once, against loopback servers the tests start.

Nova cannot run here: NovaReplay answers GET /v2.1/servers/detail with the server objects of Nova's api-ref
samples (tests/fixtures/servers/, microversions 2.1 / 2.47 / 2.100, plus boot-from-volume servers with
``"image": ""``), paged by ``limit``/``marker`` with ``servers_links`` exactly as Nova builds them: an absolute
``next`` href on Nova's configured public host (here another loopback address, which must never be contacted).
"""

from __future__ import annotations

import copy
import threading
import time
from urllib.parse import parse_qs

import orjson
import pandas as pd
import pytest
from conftest import FIXTURES
from fetch_fakes import IMAGES, TOKEN, Keystone, Listing, _leaks, knocks, no_sleep  # noqa: F401 (fixtures)
from werkzeug import Request, Response

import imgkit
import imgkit.fetch._config
from imgkit.errors import ApiError, ConfigError, ImgkitWarning, PaginationError
from imgkit.fetch import fetch_images, fetch_projects, fetch_servers

SERVERS_DIR = FIXTURES / "servers"


def _nova_servers() -> list[dict]:
    """Nine server objects: the api-ref samples' servers with fresh ids, then the two boot-from-volume servers."""
    out = []
    for name in (
        "nova_apiref_v2.1_servers-details-resp.json",
        "nova_apiref_v2.47_servers-details-resp.json",
        "nova_apiref_v2.100_servers-details-resp.json",
    ):
        for server in orjson.loads((SERVERS_DIR / name).read_bytes())["servers"]:
            out.append(server)
    bfv = orjson.loads((SERVERS_DIR / "bfv_servers-details.json").read_bytes())["servers"]
    base = []
    for i, server in enumerate(out + out[:2] + out[:2]):
        s = copy.deepcopy(server)
        s["id"] = f"00000000-5e7e-4000-8000-{i:012d}"
        base.append(s)
    return base[:7] + bfv


SERVERS = _nova_servers()


class NovaReplay:
    """GET .../servers/detail: `limit` (max 1000) and `marker` as Nova takes them; `servers_links` as Nova sends them."""

    def __init__(self, servers, *, link_host: str = "openstack.example.com"):
        self.servers = list(servers)
        self.link_host = link_host
        self.queries: list[dict] = []
        self.tokens: list[str | None] = []

    def __call__(self, request: Request) -> Response:
        q = parse_qs(request.query_string.decode(), keep_blank_values=True)
        self.queries.append(q)
        self.tokens.append(request.headers.get("X-Auth-Token"))
        limit = min(int(q.get("limit", ["1000"])[0]), 1000)
        start = 0
        if "marker" in q:
            ids = [s["id"] for s in self.servers]
            if q["marker"][0] not in ids:
                return Response(
                    orjson.dumps({"badRequest": {"code": 400, "message": f"marker [{q['marker'][0]}] not found"}}),
                    status=400,
                    content_type="application/json",
                )
            start = ids.index(q["marker"][0]) + 1
        page = self.servers[start : start + limit]
        body: dict = {"servers": page}
        if len(page) == limit:  # Nova adds the next link whenever the page is full
            body["servers_links"] = [
                {
                    "rel": "next",
                    "href": f"http://{self.link_host}/v2.1/6f70656e737461636b20"
                    f"342065766572/servers/detail?limit={limit}&marker={page[-1]['id']}",
                }
            ]
        return Response(orjson.dumps(body), content_type="application/json")


# ----------------------------------------------------------------------------- fetch_servers


@pytest.mark.parametrize("limit,pages", [(3, 4), (9, 2), (4, 3), (None, 1)])  # a full last page: one empty more
def test_fetch_servers_pages_by_the_marker_of_servers_links(httpserver, knocks, limit, pages):
    nova = NovaReplay(SERVERS, link_host=f"127.0.0.2:{knocks.port}")
    httpserver.expect_request("/v2.1/servers/detail").respond_with_handler(nova)
    df = fetch_servers(httpserver.url_for("/"), limit=limit, token=TOKEN, progress=False, errors="ignore")
    assert list(df["id"]) == [s["id"] for s in SERVERS]
    assert len(nova.queries) == pages and df.attrs["imgkit"]["pages"] == pages
    assert all(q["all_tenants"] == ["1"] for q in nova.queries)
    expected_markers = [None] + [SERVERS[i * (limit or 9) - 1]["id"] for i in range(1, pages)]
    assert [q.get("marker", [None])[0] for q in nova.queries] == expected_markers
    assert nova.tokens == [TOKEN] * pages
    assert knocks.seen == []  # the link's own host is never contacted
    # typed by read_servers: boot-from-volume servers have no image id, the others the api-ref's
    assert df["image_id"].isna().tolist() == [False] * 7 + [True] * 2
    assert df.loc[0, "image_id"] == "70a599e0-31e7-49b7-b260-868f441e862b"
    assert df["boot_from_volume"].tolist() == [False] * 7 + [True] * 2
    assert str(df["created"].dtype) == "datetime64[ns, UTC]" and str(df["status"].dtype) == "category"
    assert (df.attrs["imgkit"]["api"], df.attrs["imgkit"]["filters"]) == ("servers", {"all_tenants": "1"})


def test_fetch_servers_endpoint_forms_and_own_project(httpserver):
    nova = NovaReplay(SERVERS[:2])
    httpserver.expect_request("/v2.1/0123abc/servers/detail").respond_with_handler(nova)
    for endpoint in ("/v2.1/0123abc", "/v2.1/0123abc/", "/v2.1/0123abc/servers/detail"):
        df = fetch_servers(
            httpserver.url_for(endpoint),
            all_tenants=False,
            filters={"status": "ACTIVE"},
            progress=False,
            errors="ignore",
        )
        assert len(df) == 2
    assert all("all_tenants" not in q and q["status"] == ["ACTIVE"] for q in nova.queries)
    httpserver.expect_request("/v2.1/servers/detail").respond_with_handler(NovaReplay(SERVERS[:1]))
    assert len(fetch_servers(httpserver.url_for("/"), progress=False, errors="ignore")) == 1  # /v2.1 added


def test_fetch_servers_snapshot_reads_back_with_read_servers(httpserver, tmp_path):
    httpserver.expect_request("/v2.1/servers/detail").respond_with_handler(NovaReplay(SERVERS))
    snap = tmp_path / "servers"
    df = fetch_servers(httpserver.url_for("/"), limit=4, save_to=snap, progress=False, errors="ignore")
    assert sorted(p.name for p in snap.iterdir()) == [
        "_imgkit_snapshot.json",
        "page-000001.json",
        "page-000002.json",
        "page-000003.json",
    ]
    meta = orjson.loads((snap / "_imgkit_snapshot.json").read_bytes())
    assert (meta["api"], meta["pages"], meta["servers"]) == ("servers", 3, 9)
    again = imgkit.read_servers(snap, errors="ignore")
    pd.testing.assert_frame_equal(again, df)
    assert again.attrs["imgkit"]["fetched_at"] == df.attrs["imgkit"]["fetched_at"]


def test_fetch_servers_non_admin_all_tenants_is_a_clear_error(httpserver):
    httpserver.expect_request("/v2.1/servers/detail").respond_with_json(
        {
            "forbidden": {
                "code": 403,
                "message": "Policy doesn't allow os_compute_api:servers:detail:get_all_tenants to be performed.",
            }
        },
        status=403,
    )
    with pytest.raises(ApiError, match=r"HTTP 403: Policy doesn't allow .*get_all_tenants"):
        fetch_servers(httpserver.url_for("/"), token=TOKEN, progress=False)


@pytest.mark.parametrize(
    "links",
    [
        [{"rel": "next", "href": "http://h/v2.1/servers/detail?limit=1"}],  # no marker
        [{"rel": "next"}],
        "next",
    ],
    ids=["no-marker", "no-href", "not-a-list"],
)
def test_fetch_servers_unusable_or_missing_links(httpserver, links):
    httpserver.expect_request("/v2.1/servers/detail").respond_with_json(
        {"servers": SERVERS[:1], "servers_links": links}
    )
    if links == "next":  # not a list: no link, the last page
        assert len(fetch_servers(httpserver.url_for("/"), progress=False, errors="ignore")) == 1
    else:
        with pytest.raises(PaginationError, match="page 1: the next link has no marker to page on"):
            fetch_servers(httpserver.url_for("/"), progress=False, errors="ignore")


def test_fetch_servers_marker_loop_is_a_pagination_error(httpserver):
    page = {
        "servers": SERVERS[:2],
        "servers_links": [{"rel": "next", "href": f"http://h/v2.1/servers/detail?marker={SERVERS[1]['id']}"}],
    }
    httpserver.expect_request("/v2.1/servers/detail").respond_with_json(page)
    with pytest.raises(PaginationError, match="page 2: .*again.*pagination loop; stopped after 2 servers"):
        fetch_servers(httpserver.url_for("/"), progress=False, errors="ignore")


def test_fetch_servers_from_the_catalog_with_password_auth(httpserver, monkeypatch):
    ks = Keystone()
    ks.valid = {"tok-1"}

    def tokens(request):
        resp = ks.tokens(request)
        body = orjson.loads(resp.get_data())
        body["token"]["catalog"].append(
            {
                "type": "compute",
                "endpoints": [{"interface": "public", "region": "r1", "url": httpserver.url_for("/compute/v2.1")}],
            }
        )
        resp.set_data(orjson.dumps(body))
        return resp

    nova = NovaReplay(SERVERS[:3])
    httpserver.expect_request("/v3/auth/tokens", method="POST").respond_with_handler(tokens)
    httpserver.expect_request("/compute/v2.1/servers/detail").respond_with_handler(nova)
    from fetch_fakes import _password_env

    _password_env(monkeypatch, httpserver.url_for("/v3"))
    df = fetch_servers(None, progress=False, errors="ignore")
    assert len(df) == 3 and nova.tokens == ["tok-1"]
    assert df.attrs["imgkit"]["source"] == httpserver.url_for("/compute/v2.1")


def test_fetch_servers_options():
    with pytest.raises(ConfigError, match="`all_tenants` must be True or False, got 1"):
        fetch_servers("http://127.0.0.1:9", all_tenants=1)
    with pytest.raises(ConfigError, match="filter 'all_tenants' is managed by fetch_servers"):
        fetch_servers("http://127.0.0.1:9", filters={"all_tenants": "0"})


# ----------------------------------------------------------------------------- several regions / clouds


def _two_regions(httpserver, listing_r1, listing_r2):
    httpserver.expect_request("/r1/v2/images").respond_with_handler(listing_r1)
    httpserver.expect_request("/r2/v2/images").respond_with_handler(listing_r2)
    return {"r1": httpserver.url_for("/r1"), "r2": httpserver.url_for("/r2")}


def test_regions_are_fetched_together_with_cloud_and_region_columns(httpserver, tmp_path):
    regions = _two_regions(httpserver, Listing(IMAGES[:30]), Listing(IMAGES[30:]))
    snap = tmp_path / "snap"
    df = fetch_images(None, regions=regions, token=TOKEN, limit=20, save_to=snap, progress=False)
    assert list(df.columns[:3]) == ["cloud", "region", "id"]
    assert df["region"].tolist() == ["r1"] * 30 + ["r2"] * 27
    assert list(df["region"].cat.categories) == ["r1", "r2"]
    assert df["cloud"].isna().all() and str(df["cloud"].dtype) == "category"
    assert list(df["id"]) == [im["id"] for im in IMAGES]
    assert str(df["created_at"].dtype) == "datetime64[ns, UTC]" and str(df["support_kvm"].dtype) == "boolean"
    meta = df.attrs["imgkit"]
    assert [(p["region"], p["rows"], p["pages"], p["source"]) for p in meta["parts"]] == [
        ("r1", 30, 2, regions["r1"]),
        ("r2", 27, 2, regions["r2"]),
    ]
    assert meta["failures"] == []
    orjson.dumps(df.attrs)  # JSON values only
    # one snapshot folder per region; read_images of the whole folder gives the same frame
    assert sorted(p.name for p in snap.iterdir()) == ["_imgkit_snapshot.json", "r1", "r2"]
    assert orjson.loads((snap / "r2" / "_imgkit_snapshot.json").read_bytes())["region"] == "r2"
    again = imgkit.read_images(snap)
    pd.testing.assert_frame_equal(again, df)
    assert again.attrs["imgkit"]["parts"] == meta["parts"]


def test_a_failing_region_leaves_the_others_with_one_warning(httpserver, no_sleep):
    def down(request):
        return Response(b'{"error": {"message": "region is down"}}', status=500, content_type="application/json")

    regions = _two_regions(httpserver, Listing(IMAGES[:5]), down)
    with pytest.warns(ImgkitWarning, match=r"1 of 2 fetches failed \(r2: HTTP 500: region is down") as caught:
        df = fetch_images(None, regions=regions, token=TOKEN, progress=False)
    assert len(caught) == 1
    assert df["region"].tolist() == ["r1"] * 5 and list(df["region"].cat.categories) == ["r1"]
    (failure,) = df.attrs["imgkit"]["failures"]
    assert {k: failure[k] for k in ("cloud", "region", "error", "status")} == {
        "cloud": None,
        "region": "r2",
        "error": "ApiError",
        "status": 500,
    }
    assert "region is down" in failure["message"]
    orjson.dumps(df.attrs)
    # errors="ignore": recorded, no warning
    df = fetch_images(None, regions=regions, token=TOKEN, progress=False, errors="ignore")
    assert len(df.attrs["imgkit"]["failures"]) == 1


def test_errors_raise_raises_after_every_region_finished(httpserver, tmp_path):
    slow_r1 = Listing(IMAGES[:5])

    def slow(request):
        time.sleep(0.3)
        return slow_r1(request)

    def denied(request):
        return Response(b'{"error": {"message": "no"}}', status=403, content_type="application/json")

    regions = _two_regions(httpserver, slow, denied)
    with pytest.raises(ApiError, match=r"HTTP 403: no"):
        fetch_images(None, regions=regions, token=TOKEN, progress=False, errors="raise", save_to=tmp_path / "s")
    assert len(slow_r1.queries) == 1  # r1 was fetched to the end first
    assert not (tmp_path / "s").exists() and list(tmp_path.iterdir()) == []


def test_every_region_failing_is_an_error_naming_each(httpserver, no_sleep):
    def down(request):
        return Response(b"down", status=500)

    regions = _two_regions(httpserver, down, down)
    with pytest.raises(ApiError, match=r"2 of 2 fetches failed: r1: HTTP 500: down .*; r2: HTTP 500: down"):
        fetch_images(None, regions=regions, token=TOKEN, progress=False)


@pytest.fixture
def threaded_server():
    from pytest_httpserver import HTTPServer

    server = HTTPServer(host="127.0.0.1", threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


def test_regions_run_concurrently_in_bounded_threads(threaded_server):
    httpserver = threaded_server
    active, peak, lock = [0], [0], threading.Lock()

    def handler(request):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.25)
        with lock:
            active[0] -= 1
        return Response(orjson.dumps({"images": IMAGES[:1]}), content_type="application/json")

    regions = {}
    for i in range(7):
        httpserver.expect_request(f"/r{i}/v2/images").respond_with_handler(handler)
        regions[f"r{i}"] = httpserver.url_for(f"/r{i}")
    df = fetch_images(None, regions=regions, progress=False)
    assert len(df) == 7 and df["region"].tolist() == [f"r{i}" for i in range(7)]
    assert peak[0] == imgkit.fetch._config.MAX_THREADS == 4  # 4 at once, never more


def test_several_clouds_each_with_its_own_credentials(httpserver, monkeypatch, tmp_path):
    import yaml

    path = tmp_path / "clouds.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "clouds": {
                    "prod": {"auth": {"token": "tok-prod"}, "region_name": "eu-1"},
                    "test": {"auth": {"token": "tok-test"}, "region_name": "eu-2"},
                }
            }
        )
    )
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(path))
    listing = Listing(IMAGES[:3])
    httpserver.expect_request("/v2/images").respond_with_handler(listing)
    df = fetch_images(httpserver.url_for("/"), cloud=["prod", "test"], progress=False)
    assert df["cloud"].tolist() == ["prod"] * 3 + ["test"] * 3
    assert df["region"].tolist() == ["eu-1"] * 3 + ["eu-2"] * 3
    assert sorted(req.headers["X-Auth-Token"] for req, _ in httpserver.log) == ["tok-prod", "tok-test"]


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"cloud": []}, "`cloud` must be a clouds.yaml entry name or a non-empty list"),
        ({"regions": "r1"}, "`regions` must be a list of region names or a mapping"),
        ({"regions": []}, "`regions` must name at least one region"),
        (
            {"regions": ["r1"], "endpoint": "http://127.0.0.1:9"},
            r"with explicit endpoints pass regions=\{name: endpoint\}",
        ),
        ({"regions": {"r1": "http://127.0.0.1:9"}, "endpoint": "http://127.0.0.1:9"}, "pass either `endpoint` or"),
    ],
)
def test_several_regions_options(kwargs, match):
    kwargs.setdefault("endpoint", None)
    with pytest.raises(ConfigError, match=match):
        fetch_images(kwargs.pop("endpoint"), **kwargs)


def test_fetch_servers_in_two_regions(httpserver):
    httpserver.expect_request("/a/v2.1/servers/detail").respond_with_handler(NovaReplay(SERVERS[:4]))
    httpserver.expect_request("/b/v2.1/servers/detail").respond_with_handler(NovaReplay(SERVERS[4:]))
    df = fetch_servers(
        None,
        regions={"a": httpserver.url_for("/a"), "b": httpserver.url_for("/b")},
        limit=3,
        progress=False,
        errors="ignore",
    )
    assert df["region"].tolist() == ["a"] * 4 + ["b"] * 5
    assert list(df["id"]) == [s["id"] for s in SERVERS]


# ----------------------------------------------------------------------------- fetch_projects, label_tenants


class KeystoneProjects:
    """GET /v3/projects paged with absolute links.next (as keystone builds them); 403 when `admin` is False."""

    def __init__(self, base: str, projects, *, admin=True, per_page=2, next_host=None):
        self.base, self.projects, self.admin, self.per_page = base, projects, admin, per_page
        self.next_host = next_host
        self.calls: list[tuple[str, str | None]] = []

    def __call__(self, request: Request) -> Response:
        self.calls.append((request.path, request.headers.get("X-Auth-Token")))
        if request.path.endswith("/v3/projects") and not self.admin:
            return Response(
                b'{"error": {"code": 403, "message": "You are not authorized to perform the requested '
                b'action: identity:list_projects."}}',
                status=403,
                content_type="application/json",
            )
        start = int(request.args.get("marker", "0"))
        page = self.projects[start : start + self.per_page]
        nxt = None
        if start + self.per_page < len(self.projects):
            nxt = f"{self.next_host or self.base}{request.path}?marker={start + self.per_page}"
        return Response(
            orjson.dumps({"projects": page, "links": {"self": "x", "previous": None, "next": nxt}}),
            content_type="application/json",
        )


PROJECTS = [{"id": f"{i:032x}", "name": f"team-{i}", "domain_id": "default"} for i in range(5)]


def test_fetch_projects_pages_keystone_links(httpserver):
    ks = KeystoneProjects(httpserver.url_for("").rstrip("/"), PROJECTS)
    httpserver.expect_request("/identity/v3/projects").respond_with_handler(ks)
    names = fetch_projects(httpserver.url_for("/identity"), token=TOKEN)
    assert names == {p["id"]: p["name"] for p in PROJECTS}
    assert ks.calls == [("/identity/v3/projects", TOKEN)] * 3


def test_fetch_projects_falls_back_to_the_users_projects_on_403(httpserver):
    ks = KeystoneProjects(httpserver.url_for("").rstrip("/"), PROJECTS[:2], admin=False)
    httpserver.expect_request("/v3/projects").respond_with_handler(ks)
    httpserver.expect_request("/v3/auth/projects").respond_with_handler(ks)
    assert fetch_projects(httpserver.url_for("/v3"), token=TOKEN) == {p["id"]: p["name"] for p in PROJECTS[:2]}
    assert [path for path, _ in ks.calls] == ["/v3/projects", "/v3/auth/projects"]


def test_fetch_projects_never_follows_links_elsewhere(httpserver, knocks):
    ks = KeystoneProjects(httpserver.url_for("").rstrip("/"), PROJECTS, next_host=f"http://127.0.0.2:{knocks.port}")
    httpserver.expect_request("/v3/projects").respond_with_handler(ks)
    with pytest.raises(PaginationError, match="refusing to follow `next`") as info:
        fetch_projects(httpserver.url_for("/"), token=TOKEN)
    assert _leaks(info.value, TOKEN) == [] and knocks.seen == []


def test_fetch_projects_uses_the_password_auth_url(httpserver, monkeypatch):
    ks_auth = Keystone()
    ks = KeystoneProjects(httpserver.url_for("").rstrip("/"), PROJECTS, per_page=10)
    httpserver.expect_request("/v3/auth/tokens", method="POST").respond_with_handler(ks_auth.tokens)
    httpserver.expect_request("/v3/projects").respond_with_handler(ks)
    from fetch_fakes import _password_env

    _password_env(monkeypatch, httpserver.url_for("/v3"))
    assert len(fetch_projects()) == 5
    assert ks.calls == [("/v3/projects", "tok-1")]


def test_label_tenants_from_keystone(httpserver):
    ks = KeystoneProjects(
        httpserver.url_for("").rstrip("/"), [{"id": "p1", "name": "shop"}, {"id": "p2", "name": "data"}]
    )
    httpserver.expect_request("/v3/projects").respond_with_handler(ks)
    df = imgkit.read_images([{**IMAGES[0], "owner": "p1"}, {**IMAGES[1], "owner": "p2"}, {**IMAGES[2], "owner": "p9"}])
    out = imgkit.label_tenants(df, "keystone", endpoint=httpserver.url_for("/v3"), token=TOKEN)
    assert out["owner_name"].tolist()[:2] == ["shop", "data"]
    assert str(out["owner_name"].dtype) == "category"


def test_region_names_are_looked_up_in_the_catalog(httpserver, monkeypatch):
    ks = Keystone()
    ks.valid = {f"tok-{i}" for i in range(1, 5)}

    def tokens(request):
        resp = ks.tokens(request)
        body = orjson.loads(resp.get_data())
        body["token"]["catalog"] = [
            {
                "type": "image",
                "endpoints": [
                    {"interface": "public", "region": r, "url": httpserver.url_for(f"/{r}")} for r in ("r1", "r2", "r3")
                ],
            }
        ]
        resp.set_data(orjson.dumps(body))
        return resp

    httpserver.expect_request("/v3/auth/tokens", method="POST").respond_with_handler(tokens)
    httpserver.expect_request("/r1/v2/images").respond_with_handler(Listing(IMAGES[:2]))
    httpserver.expect_request("/r3/v2/images").respond_with_handler(Listing(IMAGES[2:5]))
    from fetch_fakes import _password_env

    _password_env(monkeypatch, httpserver.url_for("/v3"))
    df = fetch_images(None, regions=["r1", "r3"], progress=False)
    assert df["region"].tolist() == ["r1"] * 2 + ["r3"] * 3
    assert [p["source"] for p in df.attrs["imgkit"]["parts"]] == [httpserver.url_for("/r1"), httpserver.url_for("/r3")]
    with pytest.warns(ImgkitWarning, match=r"1 of 2 fetches failed \(nowhere: cannot choose the image endpoint"):
        df = fetch_images(None, regions=["r1", "nowhere"], progress=False)
    assert "no public 'image' endpoint in region 'nowhere'" in df.attrs["imgkit"]["failures"][0]["message"]


def test_cli_fetch_regions_and_servers(httpserver, tmp_path, capsys):
    from imgkit.cli import main

    def down(request):
        return Response(b"down", status=500)

    regions = _two_regions(httpserver, Listing(IMAGES[:4]), down)
    out = tmp_path / "all"
    rc = main(
        [
            "fetch",
            "-o",
            str(out),
            "--region",
            f"r1={regions['r1']}",
            "--region",
            f"r2={regions['r2']}",
            "--no-progress",
            "--deadline",
            "30",
        ]
    )
    err = capsys.readouterr().err
    assert rc == 0
    assert "imgkit: warning: 1 of 2 fetches failed (r2: HTTP 500: down" in err
    assert err.strip().endswith(f"fetched 4 images (r1 4) -> {out}")
    assert imgkit.read_images(out)["region"].tolist() == ["r1"] * 4
    assert main(["fetch", "-o", str(tmp_path / "x"), "--region", "r1", "--region", "r2=http://h"]) == 1
    assert "--region takes either NAME" in capsys.readouterr().err

    httpserver.expect_request("/v2.1/servers/detail").respond_with_handler(NovaReplay(SERVERS[:3]))
    assert main(["fetch", httpserver.url_for("/"), "-o", str(tmp_path / "srv"), "--servers", "--no-progress"]) == 0
    assert capsys.readouterr().err == (
        f"fetched 3 servers in 1 page(s) from {httpserver.url_for('/v2.1')} -> {tmp_path / 'srv'}\n"
    )
    assert imgkit.read_servers(tmp_path / "srv")["id"].tolist() == [s["id"] for s in SERVERS[:3]]
