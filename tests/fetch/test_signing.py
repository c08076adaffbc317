"""AK/SK signatures, byte for byte against huaweicloudsdkcore's own ``Signer`` (the oracle)."""

from __future__ import annotations

from urllib.parse import quote, urlencode, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from imgkit.fetch import _signing as signing

sdk_signer = pytest.importorskip("huaweicloudsdkcore.signer.signer")
sdk_request = pytest.importorskip("huaweicloudsdkcore.sdk_request")
sdk_credentials = pytest.importorskip("huaweicloudsdkcore.auth.credentials")

#: Text as it shows up in names, tags and filters: ASCII with every reserved character, CJK, spaces, ``~``.
_TEXT = st.text(
    st.one_of(
        st.sampled_from(list("aZ09 ~-_.!*'()%+&=/?#;:,@$[]\"<>{}|\\^`")),
        st.characters(min_codepoint=0x4E00, max_codepoint=0x4E2F),
        st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
    ),
    max_size=12,
)
_KEY = _TEXT.filter(bool)


def oracle(method, host, path, pairs, headers, body, ak, sk):
    """The SDK's Authorization header and request URI for the same request."""
    req = sdk_request.SdkRequest(
        method=method,
        schema="https",
        host=host,
        resource_path=path,
        query_params=list(pairs),
        header_params=dict(headers),
        body=body,
    )
    signed = sdk_signer.Signer(sdk_credentials.BasicCredentials(ak, sk)).sign(req)
    return signed.header_params["Authorization"], signed.uri


@given(
    method=st.sampled_from(["GET", "HEAD", "DELETE", "POST", "PUT", "PATCH", "get"]),
    host=st.sampled_from(
        ["ims.eu-west-101.myhuaweicloud.com", "127.0.0.1:8443", "[::1]:9000", "evs.eu-de.otc.t-systems.com"]
    ),
    segments=st.lists(_TEXT, min_size=1, max_size=5),
    pairs=st.lists(st.tuples(_KEY, _TEXT), max_size=6),
    repeated=st.lists(_TEXT, max_size=3),
    flags=st.dictionaries(st.sampled_from(["is_public", "__support_kvm", "protected"]), st.booleans()),
    project=st.one_of(st.none(), st.text("0123456789abcdef", min_size=32, max_size=32)),
    token=st.one_of(st.none(), st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123456789+/=-_", min_size=1, max_size=300)),
    body=st.one_of(st.just(b""), st.binary(max_size=64)),
    sk=st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=40),
    when=st.integers(0, 4_102_444_800),
)
def test_signature_is_the_sdk_signature(method, host, segments, pairs, repeated, flags, project, token, body, sk, when):
    path = "/" + "/".join(quote(s, safe="~") for s in segments)
    # a repeated key, booleans as the fetch sends them (true/false)
    pairs = pairs + [("tag", v) for v in repeated] + [(k, "true" if v else "false") for k, v in flags.items()]
    extra = {}
    if project:
        extra["X-Project-Id"] = project
    if token:
        extra["X-Security-Token"] = token
    if body:
        extra["Content-Type"] = "application/json;charset=UTF-8"
    # what requests would put on the wire for these params (quote_plus: spaces as '+')
    url = f"https://{host}{path}" + (f"?{urlencode(pairs)}" if pairs else "")
    sent_url, headers = signing.sign(method, url, ak="AKIDEXAMPLE", sk=sk, headers=extra, body=body, when=when)

    sdk_headers = {"Host": host, "X-Sdk-Date": headers["X-Sdk-Date"], **extra}
    expected, uri = oracle(method, host, path, pairs, sdk_headers, body, "AKIDEXAMPLE", sk)
    assert headers["Authorization"] == expected
    parts = urlsplit(sent_url)
    assert parts.path + (f"?{parts.query}" if parts.query else "") == uri  # the signed URL is the URL sent


@given(flags=st.dictionaries(st.sampled_from(["a", "b", "is_public"]), st.booleans(), min_size=1))
def test_booleans_sign_as_the_sdk_signs_python_booleans(flags):
    """The SDK turns a Python bool into true/false; the fetch sends them so: same signature."""
    pairs = [(k, "true" if v else "false") for k, v in flags.items()]
    url, headers = signing.sign("GET", "https://h.example/v2/images?" + urlencode(pairs), ak="A", sk="S", when=0)
    expected, _ = oracle(
        "GET",
        "h.example",
        "/v2/images",
        list(flags.items()),
        {"Host": "h.example", "X-Sdk-Date": "19700101T000000Z"},
        b"",
        "A",
        "S",
    )
    assert headers["Authorization"] == expected


def test_known_signature():
    """One signature written out, so a change in both the SDK and here would still show."""
    _, headers = signing.sign(
        "GET",
        "https://ims.eu-west-101.myhuaweicloud.com/v2/cloudimages?limit=2&__imagetype=gold",
        ak="AK1234",
        sk="SK5678",
        headers={"X-Project-Id": "0123456789abcdef0123456789abcdef"},
        when=1_700_000_000,
    )
    assert headers["X-Sdk-Date"] == "20231114T221320Z"
    assert headers["Authorization"].startswith(
        "SDK-HMAC-SHA256 Access=AK1234, SignedHeaders=host;x-project-id;x-sdk-date, Signature="
    )
    expected, _ = oracle(
        "GET",
        "ims.eu-west-101.myhuaweicloud.com",
        "/v2/cloudimages",
        [("limit", "2"), ("__imagetype", "gold")],
        {
            "Host": "ims.eu-west-101.myhuaweicloud.com",
            "X-Sdk-Date": "20231114T221320Z",
            "X-Project-Id": "0123456789abcdef0123456789abcdef",
        },
        b"",
        "AK1234",
        "SK5678",
    )
    assert headers["Authorization"] == expected
