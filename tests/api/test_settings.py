from __future__ import annotations

import os
import subprocess
import sys

import pytest

from lcr.api import Settings
from lcr.errors import BadInput


@pytest.fixture(autouse=True)
def _no_lcr_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests that read ``os.environ`` see only the variables they set."""
    for name in [n for n in os.environ if n.upper().startswith("LCR_")]:
        monkeypatch.delenv(name)


def test_defaults_are_local() -> None:
    s = Settings.from_env({})
    assert (s.index, s.host, s.port, s.allow_public, s.log_level) == ("sample", "127.0.0.1", 8000, False, "info")


def test_environment_and_overrides() -> None:
    env = {"LCR_INDEX": "indexes/full", "LCR_HOST": "localhost", "LCR_PORT": "9000"}
    assert Settings.from_env(env) == Settings(index="indexes/full", host="localhost", port=9000)
    overridden = Settings.from_env(env, port=9001, index="x", host="::1", log_level="debug")
    assert (overridden.index, overridden.host, overridden.port, overridden.log_level) == ("x", "::1", 9001, "debug")


def test_an_explicit_mapping_replaces_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LCR_PORT", "9100")
    monkeypatch.setenv("LCR_INDEX", "from-os")
    assert Settings.from_env().port == 9100
    assert Settings().index == "from-os"
    assert Settings.from_env({}) == Settings.from_env({"LCR_PORT": "8000"})
    assert Settings.from_env({}).index == "sample"
    assert Settings.from_env().index == "from-os"  # the explicit mapping did not stick


def test_other_variables_are_ignored() -> None:
    env = {"LCR_HOME": "/x", "LCR_INDEX_DIR": "/y", "LCR_CACHE_DIR": "/z", "PORT": "1", "lcr_port": "9002"}
    s = Settings.from_env(env)
    assert (s.index, s.port) == ("sample", 9002)  # names match case-insensitively, as from the OS


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "[::]", ""])
def test_public_bind_needs_explicit_consent(host: str) -> None:
    with pytest.raises(BadInput, match="LCR_ALLOW_PUBLIC"):
        Settings.from_env({"LCR_HOST": host})
    with pytest.raises(BadInput, match="LCR_ALLOW_PUBLIC"):
        Settings.from_env({"LCR_ALLOW_PUBLIC": "0"}, host=host)
    assert Settings.from_env({"LCR_HOST": host, "LCR_ALLOW_PUBLIC": "1"}).host == host
    assert Settings.from_env({"LCR_ALLOW_PUBLIC": "yes"}, host=host).allow_public


def test_consent_must_be_a_clear_yes_or_no() -> None:
    assert not Settings.from_env({"LCR_ALLOW_PUBLIC": ""}).allow_public
    assert Settings.from_env({"LCR_ALLOW_PUBLIC": " TRUE "}).allow_public
    with pytest.raises(BadInput, match="LCR_ALLOW_PUBLIC"):
        Settings.from_env({"LCR_ALLOW_PUBLIC": "ture", "LCR_HOST": "0.0.0.0"})


@pytest.mark.parametrize("env", [{"LCR_PORT": "http"}, {"LCR_PORT": "0"}, {"LCR_PORT": "70000"},
                                 {"LCR_PORT": ""}])
def test_bad_port(env: dict[str, str]) -> None:
    with pytest.raises(BadInput, match="LCR_PORT") as caught:
        Settings.from_env(env)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("port", [0, 65536])
def test_bad_port_option_is_named_as_the_option(port: int) -> None:
    with pytest.raises(BadInput, match="--port") as caught:
        Settings.from_env({"LCR_PORT": "9000"}, port=port)
    assert "LCR_PORT" not in str(caught.value)


def test_bad_index_and_log_level() -> None:
    with pytest.raises(BadInput, match="LCR_INDEX"):
        Settings.from_env({"LCR_INDEX": "  "})
    with pytest.raises(BadInput, match="LCR_LOG_LEVEL"):
        Settings.from_env({"LCR_LOG_LEVEL": "loud"})
    assert Settings.from_env({"LCR_LOG_LEVEL": "WARNING"}).log_level == "warning"


def test_several_problems_make_one_line() -> None:
    with pytest.raises(BadInput) as caught:
        Settings.from_env({"LCR_PORT": "0", "LCR_LOG_LEVEL": "loud"})
    message = str(caught.value)
    assert "LCR_PORT" in message and "LCR_LOG_LEVEL" in message and "\n" not in message


def test_settings_are_immutable_values() -> None:
    s = Settings.from_env({})
    assert s == Settings.from_env({}) and hash(s) == hash(Settings.from_env({}))
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen-instance error
        s.port = 1  # type: ignore[misc]


def test_importing_settings_reads_no_environment() -> None:
    code = "import os; os.environ['LCR_PORT'] = 'bad'; import lcr.api.settings; print('ok')"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def test_a_bad_admin_token_is_refused_without_repeating_it() -> None:
    with pytest.raises(BadInput, match="LCR_ADMIN_TOKEN") as err:
        Settings.from_env({"LCR_ADMIN_TOKEN": "short-secret"})
    assert "short-secret" not in str(err.value)
    with pytest.raises(BadInput, match="LCR_PORT") as err:
        Settings.from_env({"LCR_PORT": "99999"})
    assert "99999" in str(err.value)  # settings that are not secrets still show what was given
