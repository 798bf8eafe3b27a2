from __future__ import annotations

import pytest

from lcr.api import Settings
from lcr.errors import BadInput


def test_defaults_are_local() -> None:
    s = Settings.from_env({})
    assert (s.index, s.host, s.port) == ("indexes/sample", "127.0.0.1", 8000)


def test_environment_and_overrides() -> None:
    env = {"LCR_INDEX": "indexes/full", "LCR_HOST": "localhost", "LCR_PORT": "9000"}
    assert Settings.from_env(env) == Settings("indexes/full", "localhost", 9000)
    assert Settings.from_env(env, port=9001, index="x").port == 9001


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_public_bind_needs_explicit_consent(host: str) -> None:
    with pytest.raises(BadInput, match="LCR_ALLOW_PUBLIC"):
        Settings.from_env({"LCR_HOST": host})
    assert Settings.from_env({"LCR_HOST": host, "LCR_ALLOW_PUBLIC": "1"}).host == host


@pytest.mark.parametrize("env", [{"LCR_PORT": "http"}, {"LCR_PORT": "0"}, {"LCR_PORT": "70000"}])
def test_bad_port(env: dict[str, str]) -> None:
    with pytest.raises(BadInput):
        Settings.from_env(env)
