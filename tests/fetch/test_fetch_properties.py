"""Property tests of the origin check and of scrubbing."""

from __future__ import annotations

import orjson
from conftest import budget
from fetch_fakes import _URL_PIECES, no_sleep  # noqa: F401  (fixtures)
from hypothesis import example, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from urllib3.util import parse_url  # noqa: E402

from imgkit.fetch import _secrets, _urls


@budget(200)
@given(st.lists(_URL_PIECES, min_size=1, max_size=12).map("".join))
@example("http://user/@")
def test_origin_accepts_only_what_urllib3_and_urlsplit_both_read_the_same(url):
    import ipaddress
    from urllib.parse import urlsplit

    try:
        scheme, host, port = _urls.origin(url)
    except ValueError:
        return

    def norm(h):
        h = (h or "").strip("[]").lower()
        return f"[{ipaddress.IPv6Address(h).compressed}]" if ":" in h else h

    default = {"http": 80, "https": 443}[scheme]
    sent, split = parse_url(url), urlsplit(url)
    assert (sent.scheme.lower(), norm(sent.host), sent.port or default) == (scheme, host, port)
    assert (split.scheme.lower(), norm(split.hostname), split.port or default) == (scheme, host, port)
    # "@" may stand in the path ("http://h/@"), never in the authority; no backslash anywhere.
    assert "@" not in split.netloc and "\\" not in url and url.isascii()


@budget(200)
@given(
    secret=st.text(min_size=8, max_size=40).filter(lambda s: len(_secrets._skeletons(s)[1]) >= 6),
    before=st.text(max_size=40),
    after=st.text(max_size=40),
    how=st.sampled_from(["plain", "upper", "html", "json", "spaced", "cut"]),
)
def test_scrub_leaves_no_recognisable_trace_of_a_secret(secret, before, after, how):
    import html as html_mod

    shown = {
        "plain": secret,
        "upper": secret.upper(),
        "html": html_mod.escape(secret),
        "json": orjson.dumps(secret).decode()[1:-1],
        "spaced": " ".join(secret),
        "cut": secret[:-2] + "...",
    }[how]
    out = _secrets.scrub(f"{before} {shown} {after}", [secret])
    assert secret not in out
    assert _secrets._skeletons(secret)[1][:6] not in _secrets._skeletons(_secrets._decoded(out))[1]
