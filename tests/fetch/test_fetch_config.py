"""One fetch configuration object: defaults written once, shared by every fetch function and the CLI."""

from __future__ import annotations

import inspect
import pickle

import pytest

import imgkit
from imgkit.errors import ConfigError

FETCHERS = [
    "fetch_images",
    "fetch_servers",
    "fetch_volumes",
    "fetch_scaling_configs",
    "fetch_members",
    "fetch_projects",
]


@pytest.mark.parametrize("name", FETCHERS)
def test_every_fetch_takes_the_config_and_no_default_of_its_own(name):
    fn = getattr(imgkit.fetch, name)
    params = inspect.signature(fn).parameters
    assert params["config"].default is None and params["options"].kind is inspect.Parameter.VAR_KEYWORD
    shared = {f for f in imgkit.FetchConfig.__dataclass_fields__}
    assert shared.isdisjoint(params)  # no option default written a second time
    args = ("http://127.0.0.1:9", ["x"]) if name == "fetch_members" else ("http://127.0.0.1:9",)
    with pytest.raises(TypeError, match=f"{name}\\(\\) got an unexpected keyword argument 'retires'"):
        fn(*args, retires=3)


def test_keywords_override_the_config(httpserver):
    seen = []
    httpserver.expect_request("/v2/images").respond_with_handler(
        lambda r: (
            seen.append(r.headers.get("X-Auth-Token"))
            or __import__("werkzeug").Response(b'{"images": []}', content_type="application/json")
        )
    )
    config = imgkit.FetchConfig(token="tok-config", retries=0, progress=False)
    imgkit.fetch_images(httpserver.url_for("/"), config=config)
    imgkit.fetch_images(httpserver.url_for("/"), config=config, token="tok-keyword")
    assert seen == ["tok-config", "tok-keyword"]


def test_config_checks_hides_secrets_and_refuses_pickling():
    config = imgkit.FetchConfig(token="gAAAAAB-tok", ak="AK1", sk="sk-secret", security_token="st-secret", retries=2)
    text = repr(config)
    assert "gAAAAAB" not in text and "sk-secret" not in text and "st-secret" not in text
    assert "retries=2" in text and "sk=<hidden>" in text
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(config)
    for bad, match in [
        ({"retries": -1}, "retries"),
        ({"deadline": 0}, "deadline"),
        ({"errors": "loud"}, "errors"),
        ({"max_workers": 0}, "max_workers"),
        ({"max_retry_wait": float("nan")}, "max_retry_wait"),
    ]:
        with pytest.raises(ConfigError, match=match):
            imgkit.FetchConfig(**bad)
    with pytest.raises(ConfigError, match="`config` must be an imgkit.FetchConfig"):
        imgkit.fetch_images("http://127.0.0.1:9", config={"retries": 1})


def test_cli_defaults_are_the_config_defaults(capsys):
    from imgkit.cli import main

    try:
        main(["fetch", "--help"])
    except SystemExit:
        pass
    help_text = " ".join(capsys.readouterr().out.split())
    assert "default: 2000" in help_text and "default: 21600" in help_text and "default: 1800" in help_text
