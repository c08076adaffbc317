"""Hostile servers and configs around the fetch: bounded waits, airtight scrubbing, safe redirects and configs."""

from __future__ import annotations

import time
import types

import orjson
import pytest
from werkzeug import Response

import imgkit
from imgkit.errors import ApiError, AuthError, ConfigError, ImgkitError, ImgkitWarning
from imgkit.fetch import _secrets, _transport, _urls

TOKEN = "gAAAAAB-very-secret-token-0123456789abcdefXYZ"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    for var in (
        "OS_CLOUD",
        "OS_AUTH_TOKEN",
        "OS_AUTH_URL",
        "OS_USERNAME",
        "OS_PASSWORD",
        "HUAWEICLOUD_SDK_AK",
        "HUAWEICLOUD_SDK_SK",
        "OS_CLIENT_CONFIG_FILE",
        "OS_CLIENT_SECURE_FILE",
        "OS_REGION_NAME",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home-config"))


@pytest.fixture
def waits(monkeypatch):
    out: list[float] = []
    monkeypatch.setattr(_transport, "_sleep", out.append)
    return out


def _image(i):
    return {
        "id": f"img-{i:04d}",
        "name": f"n{i}",
        "status": "active",
        "visibility": "private",
        "owner": "p",
        "protected": False,
        "min_disk": 1,
        "min_ram": 0,
        "size": 0,
        "checksum": "x",
        "container_format": "bare",
        "disk_format": "raw",
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-01T00:00:00Z",
        "tags": [],
        "self": "/v2/images/x",
        "file": "/v2/images/x/file",
        "schema": "/v2/schemas/image",
    }


# ----------------------------------------------------------------------------- bounded waits (issue 19, item 9)


def test_default_deadline_is_documented_and_on():
    assert imgkit.FetchConfig().deadline == 6 * 3600.0
    assert imgkit.FetchConfig().max_retry_wait == 1800.0
    assert imgkit.FetchConfig(deadline=None).deadline is None


def test_retry_after_on_every_page_is_capped_in_total(httpserver, waits):
    """429 + Retry-After: 300 before every page: the waits stop at max_retry_wait, not days later."""
    served: dict[str, int] = {}

    def handler(request):
        marker = request.args.get("marker", "")
        served[marker] = served.get(marker, 0) + 1
        if served[marker] == 1:
            return Response(
                b'{"error_code":"APIGW.0308","error_msg":"throttled"}',
                status=429,
                headers={"Retry-After": "300"},
                content_type="application/json",
            )
        n = int(marker.split("-")[1]) + 1 if marker else 0
        return Response(orjson.dumps({"images": [_image(n)]}), content_type="application/json")

    httpserver.expect_request("/v2/cloudimages").respond_with_handler(handler)
    with pytest.raises(ApiError, match="Retry-After waits of this fetch would pass 1800 s in all") as info:
        imgkit.fetch_images(httpserver.url_for("/"), api="cloudimages", limit=1, progress=False)
    assert sum(waits) == 1800.0 and info.value.status == 429
    with pytest.raises(ApiError, match="would pass 600 s"):
        imgkit.fetch_images(httpserver.url_for("/"), api="cloudimages", limit=1, progress=False, max_retry_wait=600)


def test_default_deadline_ends_a_fetch_that_runs_on(httpserver, monkeypatch):
    shift = [0.0]
    fake = types.SimpleNamespace(
        monotonic=lambda: time.monotonic() + shift[0], perf_counter=time.perf_counter, time=time.time
    )
    monkeypatch.setattr(_transport, "time", fake)

    def handler(request):
        shift[0] = 6 * 3600.0 + 1  # six hours pass while this page is served
        return Response(orjson.dumps({"images": [_image(1)]}), content_type="application/json")

    httpserver.expect_request("/v2/cloudimages").respond_with_handler(handler)
    with pytest.raises(ApiError, match="the fetch deadline of 21600 s passed"):
        imgkit.fetch_images(httpserver.url_for("/"), api="cloudimages", limit=1, progress=False)


# ----------------------------------------------------------------------------- scrubbing (item 13)


@pytest.mark.parametrize("cut", [1, 4, 7, 20])
def test_token_echo_without_its_first_characters_is_scrubbed(httpserver, cut, tmp_path):
    echo = TOKEN[cut:]
    httpserver.expect_request("/v2/images").respond_with_data(
        orjson.dumps({"error": {"code": "IMG.0001", "message": f"token {echo} is not valid here"}}),
        status=400,
        headers={"X-Request-Id": f"req-{echo}"},
        content_type="application/json",
    )
    with pytest.raises(ApiError) as info:
        imgkit.fetch_images(httpserver.url_for("/"), token=TOKEN, progress=False)
    text = str(info.value) + repr(vars(info.value))
    assert not any(TOKEN[i : i + 10] in text for i in range(len(TOKEN) - 9)), text


def test_body_start_echo_and_failures_are_scrubbed(httpserver, tmp_path, waits):
    httpserver.expect_request("/a/v2/images").respond_with_data(f"<<not json {TOKEN[7:]}>>", status=200)
    httpserver.expect_request("/b/v2/images").respond_with_json({"images": [_image(1)]})
    with pytest.warns(ImgkitWarning, match="1 of 2 fetches failed"):
        df = imgkit.fetch_images(
            None,
            regions={"a": httpserver.url_for("/a"), "b": httpserver.url_for("/b")},
            token=TOKEN,
            progress=False,
            save_to=tmp_path / "s",
            retries=0,
        )
    written = (tmp_path / "s" / "_imgkit_snapshot.json").read_text()
    for text in (written, repr(df.attrs)):
        assert not any(TOKEN[i : i + 10] in text for i in range(len(TOKEN) - 9))
    assert df.attrs["imgkit"]["failures"][0]["region"] == "a"


def test_scrub_finds_a_window_anywhere_in_a_long_text():
    secret = "s" + "0123456789abcdef" * 64  # a long security token
    text = ("x" * 9 + " ") * 2_000 + secret[300:340] + " tail"
    out = _secrets.scrub(text, [secret])
    assert secret[300:340] not in out and out.endswith("***") and out.startswith("x" * 9)
    assert _secrets.scrub(text.replace(secret[300:340], secret[300:309]), [secret]).endswith("tail")  # 9: no trace


def test_password_in_auth_url_user_info_is_not_echoed(monkeypatch):
    monkeypatch.setenv("OS_AUTH_URL", "https://alice:Pa55-w0rd-xyz@iam.example.com/v3")
    monkeypatch.setenv("OS_USERNAME", "alice")
    monkeypatch.setenv("OS_PASSWORD", "other")
    with pytest.raises(ConfigError, match="auth_url must not hold user info") as info:
        imgkit.fetch_images(None, progress=False)
    assert "Pa55" not in str(info.value)


def test_origin_error_does_not_show_user_info():
    with pytest.raises(ValueError) as info:
        _urls.origin("https://bob:Pa55-w0rd@ims.example.com/v2")
    assert "Pa55" not in str(info.value) and "ims.example.com" in str(info.value)


# ----------------------------------------------------------------------------- redirects, catalogs, configs (16)


def test_http_to_https_upgrade_must_keep_the_port(httpserver):
    port = httpserver.port
    httpserver.expect_request("/v2/images").respond_with_data(
        b"", status=301, headers={"Location": f"https://{httpserver.host}:{port + 1}/v2/images"}
    )
    with pytest.raises(ApiError, match="refusing a redirect to another host or port"):
        imgkit.fetch_images(httpserver.url_for("/"), token=TOKEN, progress=False)


@pytest.mark.parametrize(
    "doc",
    [
        [],
        {"token": []},
        {"token": {"catalog": {"image": "x"}}},
        {"token": {"catalog": [1, "x", None]}},
        {"token": {"catalog": [{"type": "image", "endpoints": "http://x"}]}},
        {"token": {"catalog": [{"type": "image", "endpoints": [{"interface": "public", "url": None}]}]}},
        {"token": {"catalog": [{"type": "image", "endpoints": [7, {"interface": "public", "region": ["r"]}]}]}},
    ],
)
def test_malformed_catalog_is_a_clean_error(httpserver, monkeypatch, doc):
    httpserver.expect_request("/v3/auth/tokens", method="POST").respond_with_data(
        orjson.dumps(doc),
        status=201,
        headers={"X-Subject-Token": "tok-0123456789abcdef"},
        content_type="application/json",
    )
    monkeypatch.setenv("OS_AUTH_URL", httpserver.url_for("/v3"))
    monkeypatch.setenv("OS_USERNAME", "u")
    monkeypatch.setenv("OS_PASSWORD", "p")
    with pytest.raises(ImgkitError) as info:
        imgkit.fetch_images(None, progress=False)
    assert isinstance(info.value, (AuthError, ApiError, ConfigError))


def test_yaml_alias_bomb_in_region_name_is_refused_quickly(monkeypatch, tmp_path):
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    levels += [
        f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, "
        f"*a{i - 1}]"
        for i in range(1, 9)
    ]
    path = tmp_path / "clouds.yaml"
    path.write_text("\n".join(levels) + "\nclouds:\n  bomb:\n    region_name: *a8\n    auth: {token: t}\n")
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(path))
    with pytest.raises(ConfigError, match="region_name must be text, got a list") as info:
        imgkit.fetch_images("https://ims.example.com", cloud="bomb", progress=False)
    assert len(str(info.value)) < 300  # 9**9 items: a repr would not end


def test_regions_argument_reprs_are_capped():
    nested: list = ["x"]
    for _ in range(30):
        nested = [nested, nested]
    with pytest.raises(ConfigError) as info:
        imgkit.fetch_images(None, regions=nested, progress=False)
    assert len(str(info.value)) < 300


def test_clouds_yaml_here_and_secure_yaml_at_home_warn(monkeypatch, tmp_path):
    (tmp_path / "clouds.yaml").write_text(
        "clouds:\n  c:\n    auth: {auth_url: 'https://planted.example/v3', username: u}\n"
    )
    home = tmp_path / "home-config" / "openstack"
    home.mkdir(parents=True)
    (home / "secure.yaml").write_text("clouds:\n  c:\n    auth: {password: home-password}\n")
    from imgkit.fetch import _auth

    with pytest.warns(ImgkitWarning, match="come from different directories"):
        entry = _auth.load_cloud("c")
    assert entry["auth"]["password"] == "home-password"  # merged as openstacksdk does, but never silently
