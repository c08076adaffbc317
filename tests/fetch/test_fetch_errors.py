"""Error bodies of Glance, Nova, Keystone and Huawei APIs become ApiError with code and request id."""

from __future__ import annotations

import pytest
from fetch_fakes import TOKEN, no_sleep  # noqa: F401  (fixtures)

from imgkit.errors import ApiError, AuthError
from imgkit.fetch import fetch_images


@pytest.mark.parametrize(
    "body,content_type,status,code,message,rid",
    [
        (
            b'{"error":{"message":"The imagetype is invalid.","code":"IMG.0024"}}',
            "application/json",
            400,
            "IMG.0024",
            "The imagetype is invalid.",
            "hdr-1",
        ),
        (
            b'{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information","request_id":"b1"}',
            "application/json",
            401,
            "APIGW.0301",
            "Incorrect IAM authentication information",
            "b1",
        ),
        (b'{"errorCode":"IAM.0001","errorMsg":"denied"}', "application/json", 403, "IAM.0001", "denied", "hdr-1"),
        (
            b'{"code":"400 Bad Request","title":"Bad Request","message":"Invalid sort key: color."}',
            "application/json",
            400,
            "400 Bad Request",
            "Invalid sort key: color.",
            "hdr-1",
        ),
        (
            b'{"error":{"code":401,"title":"Unauthorized","message":"The request you have made requires authentication."}}',
            "application/json",
            401,
            "401",
            "The request you have made requires authentication.",
            "hdr-1",
        ),
        (
            b"<html>\n <head>\n  <title>403 Forbidden</title>\n </head>\n <body>\n  <h1>403 Forbidden</h1>\n"
            b"  You are not authorized.<br /><br />\n </body>\n</html>",
            "text/html",
            403,
            None,
            "403 Forbidden You are not authorized.",
            "hdr-1",
        ),
        (b"Service temporarily overloaded", "text/plain", 404, None, "Service temporarily overloaded", "hdr-1"),
        (b"", "text/plain", 404, None, "NOT FOUND", "hdr-1"),
    ],
    ids=["ims", "apigw", "camel", "webob", "keystonemiddleware", "html", "text", "empty"],
)
def test_error_body_shapes(httpserver, body, content_type, status, code, message, rid):
    httpserver.expect_request("/v2/images").respond_with_data(
        body, status=status, content_type=content_type, headers={"X-Request-Id": "hdr-1"}
    )
    with pytest.raises(ApiError) as info:
        fetch_images(httpserver.url_for("/"), token=TOKEN, progress=False)
    err = info.value
    assert (err.status, err.code, err.message, err.request_id) == (status, code, message, rid)
    assert isinstance(err, AuthError) == (status == 401)
    assert err.url == httpserver.url_for("/v2/images") + "?limit=1000"
    assert TOKEN not in str(err) and TOKEN not in repr(err)


def test_response_without_images_list(httpserver):
    httpserver.expect_request("/v2/images").respond_with_json({"data": {"value": []}})
    with pytest.raises(ApiError, match="no `images` list"):
        fetch_images(httpserver.url_for("/"), progress=False)
