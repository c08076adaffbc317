"""`imgkit fetch` against loopback servers."""

from __future__ import annotations

import os

import pytest
from fetch_fakes import IMAGES, TOKEN, Listing, _serve, no_sleep  # noqa: F401  (fixtures)

import imgkit
from imgkit.fetch import _transport, fetch_images


def test_cli_fetch_writes_snapshot(httpserver, tmp_path, capsys):
    from imgkit.cli import main

    listing = Listing(IMAGES)
    root = _serve(httpserver, listing)
    out = tmp_path / "snap"
    rc = main(
        [
            "fetch",
            root,
            "-o",
            str(out),
            "--limit",
            "20",
            "--filter",
            "status=active",
            "--filter",
            "tag=a=b",
            "--filter",
            "tag=c",
            "--no-progress",
        ]
    )
    assert rc == 0
    assert capsys.readouterr().err.strip() == f"fetched 57 images in 3 page(s) from {root} -> {out}"
    assert listing.queries[0] == {"status": ["active"], "tag": ["a=b", "c"], "limit": ["20"]}
    assert len(imgkit.read_images(out)) == 57
    assert main(["summary", str(out)]) == 0
    assert "images:    57" in capsys.readouterr().out


def test_cli_fetch_errors_are_one_line(httpserver, tmp_path, capsys, monkeypatch):
    from imgkit.cli import main

    monkeypatch.setenv("OS_AUTH_TOKEN", TOKEN)
    httpserver.expect_request("/v2/images").respond_with_data(
        '{"error":{"message":"The imagetype is invalid.","code":"IMG.0024"}}',
        status=400,
        content_type="application/json",
        headers={"X-Request-Id": "rq-1"},
    )
    rc = main(["fetch", httpserver.url_for("/"), "-o", str(tmp_path / "s"), "--filter", "__imagetype=bogus"])
    err = capsys.readouterr().err
    assert rc == 1
    assert err.startswith("imgkit: error: HTTP 400 IMG.0024: The imagetype is invalid.")
    assert "[request id rq-1]" in err and TOKEN not in err
    assert not (tmp_path / "s").exists()
    assert main(["fetch", "http://127.0.0.1:9", "-o", str(tmp_path / "s"), "--filter", "novalue"]) == 1
    assert "--filter must look like KEY=VALUE, got 'novalue'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "entry,expected",
    [
        ({}, None),
        ({"verify": False}, False),
        ({"cacert": "/etc/ssl/my-ca.pem"}, "/etc/ssl/my-ca.pem"),
    ],
)
def test_tls_verification_from_clouds_yaml(httpserver, monkeypatch, tmp_path, entry, expected):
    import yaml

    path = tmp_path / "clouds.yaml"
    path.write_text(yaml.safe_dump({"clouds": {"c": {"auth": {"token": "t"}, **entry}}}))
    monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(path))
    seen = []
    real = _transport.requests.Session.send

    def spy(self, request, **kw):
        seen.append(kw["verify"])
        return real(self, request, **{**kw, "verify": True})

    monkeypatch.setattr(_transport.requests.Session, "send", spy)
    _serve(httpserver, Listing(IMAGES[:1]))
    fetch_images(httpserver.url_for("/"), cloud="c", progress=False)
    default = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    assert seen == [default if expected is None else expected]  # None: requests' default, on
