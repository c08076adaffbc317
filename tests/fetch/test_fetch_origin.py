"""Host confusion: every URL a server hands back passes the one origin check before it is used."""

from __future__ import annotations

import re
import time

import orjson
import pytest
from fetch_fakes import (  # noqa: F401  (fixtures)
    _CASES,
    IMAGES,
    TOKEN,
    RawRedirect,
    _family_ids,
    _fill,
    _followed_or_refused,
    _leaks,
    _password_env,
    knocks,
    no_sleep,
)
from werkzeug import Response

from imgkit.errors import ApiError, AuthError, ConfigError, PaginationError
from imgkit.fetch import fetch_images


@pytest.mark.parametrize("template,ok", _CASES, ids=_family_ids(_CASES))
def test_next_url_family_never_reaches_another_host(httpserver_ipv4, knocks, template, ok):
    pa = httpserver_ipv4.port
    link = _fill(template, pa, knocks.port)

    def handler(request):
        if "marker" in request.args:
            return Response(b'{"images": []}', content_type="application/json")
        return Response(orjson.dumps({"images": IMAGES[:2], "next": link}), content_type="application/json")

    httpserver_ipv4.expect_request(re.compile("/.*")).respond_with_handler(handler)
    root = f"http://127.0.0.1:{pa}"
    _followed_or_refused(
        root, ok, 2, lambda: len(httpserver_ipv4.log), PaginationError, "page 1: refusing to follow `next`"
    )
    time.sleep(0.1)
    assert knocks.seen == []


@pytest.mark.parametrize("status", [302, 307])
@pytest.mark.parametrize("template,ok", _CASES, ids=_family_ids(_CASES))
def test_redirect_url_family_never_reaches_another_host(knocks, template, ok, status):
    server = RawRedirect(status)
    server.location = _fill(template, server.port, knocks.port).encode()
    root = f"http://127.0.0.1:{server.port}"
    # In a header, CR LF ends the Location (the rest is another header): what is left is the same origin.
    ok = ok or "\r\nHost" in template
    try:
        if template.startswith("https://127.0.0.1:PA"):  # an upgrade to https on the same host is followed
            with pytest.raises(ApiError, match="TLS failed"):
                fetch_images(root, token=TOKEN, progress=False)
        else:
            _followed_or_refused(root, ok, 1, lambda: len(server.requests), ApiError, "refusing a redirect")
        time.sleep(0.1)
    finally:
        server.close()
    assert knocks.seen == []


@pytest.mark.parametrize("shape", ["PB\\@A", "PB%5C@A", "PB@A", "PB\t@A"])
def test_keystone_307_never_posts_the_password_to_another_host(knocks, monkeypatch, shape):
    server = RawRedirect(307)
    server.location = (
        f"http://127.0.0.2:{knocks.port}" + shape[2:].replace("A", f"127.0.0.1:{server.port}") + "/v3/auth/tokens"
    ).encode()
    _password_env(monkeypatch, f"http://127.0.0.1:{server.port}/v3")
    try:
        with pytest.raises(AuthError, match="refusing a redirect") as info:
            fetch_images(f"http://127.0.0.1:{server.port}", progress=False)
        time.sleep(0.1)
    finally:
        server.close()
    assert _leaks(info.value, "s3cret-pw") == []
    assert len(server.requests) == 1 and b"s3cret-pw" in server.requests[0]
    assert knocks.seen == []


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://127.0.0.2:1\\@127.0.0.1:2",
        "http://127.0.0.1\t:2",
        "http://１２７.０.０.１:2",
        "http://[::1%25lo]:2",
        "http://127.0.0.1:+2",
    ],
)
def test_ambiguous_endpoint_is_a_config_error(endpoint):
    with pytest.raises(ConfigError, match="`endpoint` must be an http"):
        fetch_images(endpoint, progress=False)
