"""Options of fetch_images: validation, endpoints, the caller's own session, progress."""

from __future__ import annotations

import pytest
import requests
from fetch_fakes import IMAGES, Listing, _serve, no_sleep  # noqa: F401  (fixtures)

from imgkit.errors import ConfigError
from imgkit.fetch import fetch_images


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"api": "servers"}, "`api` must be one of 'images', 'cloudimages', got 'servers'"),
        ({"limit": 0}, "`limit` must be a positive integer"),
        ({"max_images": -1}, "`max_images` must be a positive integer"),
        ({"filters": {"marker": "x"}}, "filter 'marker' is managed"),
        ({"filters": [("a", "b")]}, "`filters` must be a mapping"),
        ({"errors": "loud"}, "`errors` must be one of"),
        ({"token": ""}, "`token` is empty"),
        ({"token": "  \n"}, "the token is empty"),
        ({"token": b"gAAAA-secret"}, "`token` must be a str, got bytes"),
    ],
)
def test_bad_options(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        fetch_images("http://127.0.0.1:9", **kwargs)


@pytest.mark.parametrize("endpoint", ["", "ims.example.com", "ftp://x/y", None])
def test_bad_endpoint(endpoint):
    with pytest.raises(ConfigError, match="endpoint"):
        fetch_images(endpoint)


def test_endpoint_credentials_and_version_are_stripped(httpserver):
    _serve(httpserver, Listing(IMAGES[:1]))
    url = httpserver.url_for("/v2/").replace("http://", "http://bob:pw@")
    df = fetch_images(url, progress=False)
    assert df.attrs["imgkit"]["source"] == httpserver.url_for("/").rstrip("/")
    assert "pw" not in repr(df.attrs)


def test_own_session_is_used_and_not_closed(httpserver):
    import requests

    _serve(httpserver, Listing(IMAGES[:2]))
    with requests.Session() as s:
        s.headers["X-Custom"] = "yes"
        fetch_images(httpserver.url_for("/"), session=s, progress=False)
        assert httpserver.log[0][0].headers.get("X-Custom") == "yes"
        assert s.adapters  # still usable
        assert s.get(httpserver.url_for("/v2/images")).status_code == 200


def test_own_session_hooks_may_read_the_response(httpserver):
    _serve(httpserver, Listing(IMAGES[:5]))
    seen = []
    with requests.Session() as s:
        s.hooks["response"].append(lambda resp, *a, **kw: seen.append(len(resp.json()["images"])))
        df = fetch_images(httpserver.url_for("/"), session=s, progress=False)
    assert len(df) == 5 and seen == [5]


def test_progress_bar(httpserver, capsys):
    _serve(httpserver, Listing(IMAGES))
    fetch_images(httpserver.url_for("/"), limit=20, progress=True)
    err = capsys.readouterr().err
    assert "57" in err and "images" in err and "pages=3" in err
