"""Paging through Glance `next` links and IMS markers, and what makes paging unsafe."""

from __future__ import annotations

import socket

import orjson
import pytest
from fetch_fakes import IMAGES, TOKEN, Listing, _ids, _serve, no_sleep  # noqa: F401  (fixtures)
from werkzeug import Response

from imgkit.errors import ApiError, PaginationError
from imgkit.fetch import fetch_images


@pytest.mark.parametrize("limit", [1, 10, 19, 57, 1000])
def test_images_paging_follows_next(httpserver, limit):
    listing = Listing(IMAGES)
    root = _serve(httpserver, listing)
    df = fetch_images(root, limit=limit, progress=False)
    assert _ids(df) == [im["id"] for im in IMAGES]
    assert str(df["owner"].dtype) == "string"
    assert df["support_kvm"].tolist() == [bool(i % 2) for i in range(1, 58)]
    assert str(df["support_kvm"].dtype) == "boolean"
    pages = -(-57 // limit) + (1 if 57 % limit == 0 else 0)  # a full last page is followed by an empty one
    assert len(listing.queries) == pages
    assert df.attrs["imgkit"]["pages"] == pages
    assert all(q["limit"] == [str(limit)] for q in listing.queries)


def test_last_full_page_then_empty_page(httpserver):
    listing = Listing(IMAGES[:50])
    root = _serve(httpserver, listing)
    df = fetch_images(root, limit=25, progress=False)
    assert len(df) == 50
    assert [q.get("marker") for q in listing.queries] == [None, [IMAGES[24]["id"]], [IMAGES[49]["id"]]]


def test_empty_first_page_gives_empty_typed_frame(httpserver):
    root = _serve(httpserver, Listing([]))
    df = fetch_images(root, progress=False)
    assert len(df) == 0
    assert {"id", "owner", "support_kvm", "created_at"} <= set(df.columns)
    assert str(df["created_at"].dtype) == "datetime64[ns, UTC]"


def test_default_page_size_is_glance_maximum(httpserver):
    listing = Listing(IMAGES)
    root = _serve(httpserver, listing)
    fetch_images(root, progress=False)
    assert listing.queries[0]["limit"] == ["1000"]


def test_next_resolved_against_endpoint_root_with_prefix(httpserver):
    """Glance's next link is "/v2/images?..."; behind a path prefix it must keep the prefix."""
    listing = Listing(IMAGES[:30])
    httpserver.expect_request("/image/v2/images").respond_with_handler(listing)
    df = fetch_images(httpserver.url_for("/image/v2"), limit=20, progress=False)
    assert len(df) == 30
    assert len(listing.queries) == 2


def test_cloudimages_pages_by_marker_until_empty(httpserver):
    listing = Listing(IMAGES, default_limit=500)
    root = _serve(httpserver, listing, "/v2/cloudimages")
    df = fetch_images(root, api="cloudimages", limit=20, progress=False)
    assert _ids(df) == [im["id"] for im in IMAGES]
    markers = [q.get("marker", [None])[0] for q in listing.queries]
    assert markers == [None, IMAGES[19]["id"], IMAGES[39]["id"], IMAGES[56]["id"]]


def test_cloudimages_default_page_size_is_server_default(httpserver):
    listing = Listing(IMAGES, default_limit=500)
    root = _serve(httpserver, listing, "/v2/cloudimages")
    df = fetch_images(root, api="cloudimages", progress=False)
    assert len(df) == 57
    assert "limit" not in listing.queries[0]
    assert len(listing.queries) == 2  # the 57 images, then the empty page


def test_cloudimages_follows_next_when_present(httpserver):
    listing = Listing(IMAGES, cloud_next=True)
    root = _serve(httpserver, listing, "/v2/cloudimages")
    df = fetch_images(root, api="cloudimages", limit=30, progress=False)
    assert len(df) == 57
    assert len(listing.queries) == 2


def test_filters_and_sort_passed_through(httpserver):
    listing = Listing(IMAGES[:3])
    root = _serve(httpserver, listing)
    filters = {
        "status": "active",
        "visibility": "private",
        "owner": "p1",
        "__platform": "Ubuntu",
        "__imagetype": "private",
        "__support_kvm": True,
        "tag": ["a=b", "c"],
        "created_at": "gt:2024-01-01T00:00:00Z",
        "sort_key": "name",
        "sort_dir": "asc",
        "member_status": None,
    }
    df = fetch_images(root, filters=filters, progress=False)
    q = listing.queries[0]
    assert q == {
        "status": ["active"],
        "visibility": ["private"],
        "owner": ["p1"],
        "__platform": ["Ubuntu"],
        "__imagetype": ["private"],
        "__support_kvm": ["true"],
        "tag": ["a=b", "c"],
        "created_at": ["gt:2024-01-01T00:00:00Z"],
        "sort_key": ["name"],
        "sort_dir": ["asc"],
        "limit": ["1000"],
    }
    assert df.attrs["imgkit"]["filters"]["tag"] == ["a=b", "c"]
    assert df.attrs["imgkit"]["api"] == "images"
    assert df.attrs["imgkit"]["source"] == root


@pytest.mark.parametrize("api", ["images", "cloudimages"])
def test_max_images_caps_and_shrinks_last_request(httpserver, api):
    listing = Listing(IMAGES)
    root = _serve(httpserver, listing, f"/v2/{api}")
    df = fetch_images(root, api=api, limit=20, max_images=45, progress=False)
    assert _ids(df) == [im["id"] for im in IMAGES[:45]]
    assert [q["limit"] for q in listing.queries] == [["20"], ["20"], ["5"]]


def test_max_images_without_limit(httpserver):
    listing = Listing(IMAGES)
    root = _serve(httpserver, listing)
    df = fetch_images(root, max_images=7, progress=False)
    assert len(df) == 7
    assert listing.queries == [{"limit": ["7"]}]


def test_server_ignoring_limit_is_still_capped(httpserver):
    httpserver.expect_request("/v2/images").respond_with_json({"images": IMAGES})
    df = fetch_images(httpserver.url_for("/"), max_images=5, progress=False)
    assert _ids(df) == [im["id"] for im in IMAGES[:5]]


def test_next_loop_is_a_pagination_error(httpserver):
    httpserver.expect_request("/v2/images").respond_with_json(
        {"images": IMAGES[:2], "next": "/v2/images?marker=" + IMAGES[1]["id"]}
    )
    with pytest.raises(PaginationError, match="loop"):
        fetch_images(httpserver.url_for("/"), progress=False)
    assert len(httpserver.log) == 2


def test_next_repeating_marker_is_a_pagination_error(httpserver):
    calls = {"n": 0}

    def handler(request):
        calls["n"] += 1
        page = IMAGES[2 * calls["n"] : 2 * calls["n"] + 2]  # new images each time: only the marker repeats
        return Response(
            orjson.dumps({"images": page, "next": f"/v2/images?marker=m1&page={calls['n']}"}),
            content_type="application/json",
        )

    httpserver.expect_request("/v2/images").respond_with_handler(handler)
    with pytest.raises(PaginationError, match="marker 'm1' came back again"):
        fetch_images(httpserver.url_for("/"), progress=False)
    assert calls["n"] == 2


def test_cloudimages_image_without_id_cannot_be_paged(httpserver):
    httpserver.expect_request("/v2/cloudimages").respond_with_json({"images": [{"name": "no id"}]})
    with pytest.raises(PaginationError, match="no id to page on"):
        fetch_images(httpserver.url_for("/"), api="cloudimages", progress=False)


def test_cloudimages_marker_loop_is_a_pagination_error(httpserver):
    httpserver.expect_request("/v2/cloudimages").respond_with_json({"images": IMAGES[:2]})
    with pytest.raises(PaginationError, match="loop"):
        fetch_images(httpserver.url_for("/"), api="cloudimages", progress=False)
    assert len(httpserver.log) == 2


@pytest.mark.parametrize(
    "link",
    [
        "https://evil.example.com/v2/images?marker=x",
        "//evil.example.com/v2/images?marker=x",
        "OTHER/v2/images?marker=x",  # same host, other port
        "https://LOCAL/v2/images?marker=x",  # same host/port, other scheme
    ],
)
def test_cross_host_next_is_refused_and_never_contacted(httpserver, link):
    other = socket.socket()
    other.bind(("127.0.0.1", 0))
    other.listen(1)
    other_port = other.getsockname()[1]
    link = link.replace("OTHER", f"http://127.0.0.1:{other_port}").replace("LOCAL", f"127.0.0.1:{httpserver.port}")
    httpserver.expect_request("/v2/images").respond_with_json({"images": IMAGES[:2], "next": link})
    try:
        with pytest.raises(PaginationError, match="refusing to follow") as info:
            fetch_images(httpserver.url_for("/"), token=TOKEN, progress=False)
        other.settimeout(0.2)
        with pytest.raises(socket.timeout):
            other.accept()  # nobody knocked on the other port
    finally:
        other.close()
    assert TOKEN not in str(info.value)


def test_stale_marker_400_is_reported(httpserver):
    calls = {"n": 0}

    def handler(request):
        calls["n"] += 1
        if "marker" in request.args:
            return Response(
                b'{"code": "400 Bad Request", "title": "Bad Request", "message": "No image found with ID abc"}',
                status=400,
                content_type="application/json",
                headers={"X-Openstack-Request-Id": "req-9"},
            )
        return Response(
            orjson.dumps({"images": IMAGES[:2], "next": "/v2/images?limit=2&marker=abc"}),
            content_type="application/json",
        )

    httpserver.expect_request("/v2/images").respond_with_handler(handler)
    with pytest.raises(PaginationError, match="marker 'abc'.*deleted while paging") as info:
        fetch_images(httpserver.url_for("/"), limit=2, progress=False)
    cause = info.value.__cause__
    assert isinstance(cause, ApiError)
    assert (cause.status, cause.code, cause.request_id) == (400, "400 Bad Request", "req-9")
    assert "No image found with ID abc" in str(info.value)


def test_redirect_to_other_host_is_refused(httpserver):
    httpserver.expect_request("/v2/images").respond_with_data(
        "", status=302, headers={"Location": "https://elsewhere.example.com/v2/images"}
    )
    with pytest.raises(ApiError, match="redirect to another host"):
        fetch_images(httpserver.url_for("/"), token=TOKEN, progress=False)


def test_same_host_redirect_is_followed(httpserver):
    listing = Listing(IMAGES[:4])
    httpserver.expect_request("/v2/images").respond_with_data("", status=301, headers={"Location": "/new/v2/images"})
    httpserver.expect_request("/new/v2/images").respond_with_handler(listing)
    df = fetch_images(httpserver.url_for("/"), progress=False)
    assert len(df) == 4
