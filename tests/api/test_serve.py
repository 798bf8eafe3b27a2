"""``serve.py`` and ``lcr serve`` as a user runs them, and the one function both call.

No server is started: the subprocess checks fail before anything listens (bad settings, missing
index), and the in-process ones replace ``uvicorn.run``."""

from __future__ import annotations

import importlib.util
import logging
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from typer.testing import CliRunner

from lcr.api import Settings

REPO = Path(__file__).resolve().parents[2]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("LCR_")}
    return {**env, "COLUMNS": "200", "NO_COLOR": "1", **extra}


def run_serve(*args: str, cwd: Path = REPO, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(REPO / "serve.py"), *args], cwd=cwd, env=_env(**env),
                          capture_output=True, text=True, timeout=300)  # a loaded CI machine takes minutes to import torch


def run_lcr_serve(*args: str, cwd: Path = REPO, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lcr.cli", "serve", *args], cwd=cwd, env=_env(**env),
                          capture_output=True, text=True, timeout=300)  # a loaded CI machine takes minutes to import torch


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


# serve.py


def test_missing_index_is_a_one_line_error_and_exit_3() -> None:
    proc = run_serve("--index", "/nonexistent")
    assert proc.returncode == 3
    assert "no index at /nonexistent" in one_line_error(proc)


def test_help_explains_the_settings() -> None:
    proc = run_serve("--help")
    assert proc.returncode == 0
    assert all(name in proc.stdout for name in ("--index", "LCR_INDEX", "LCR_ALLOW_PUBLIC"))


def test_serve_py_refuses_a_public_bind_without_consent() -> None:
    proc = run_serve("--host", "0.0.0.0")
    assert proc.returncode == 2
    assert "LCR_ALLOW_PUBLIC" in one_line_error(proc)


def test_serve_py_bad_port_variable_is_exit_2() -> None:
    proc = run_serve(LCR_PORT="http")
    assert proc.returncode == 2
    assert "LCR_PORT" in one_line_error(proc)


# lcr serve


def test_lcr_serve_missing_index_is_a_one_line_error_and_exit_3(tmp_path: Path) -> None:
    proc = run_lcr_serve("--index", "/nonexistent", cwd=tmp_path)
    assert proc.returncode == 3
    assert one_line_error(proc) == "error: no index at /nonexistent; build one with `lcr index build`"


def test_lcr_serve_default_index_is_looked_up_in_the_indexes_folder_not_the_cwd(tmp_path: Path) -> None:
    indexes = tmp_path / "indexes"
    indexes.mkdir()
    proc = run_lcr_serve(cwd=tmp_path, LCR_INDEX_DIR=str(indexes))
    assert proc.returncode == 3
    assert str(indexes / "sample") in one_line_error(proc)


def test_lcr_serve_help_lists_the_options() -> None:
    proc = run_lcr_serve("--help")
    assert proc.returncode == 0, proc.stderr
    for name in ("--index", "--host", "--port", "--log-level", "LCR_INDEX", "LCR_ALLOW_PUBLIC"):
        assert name in proc.stdout, name


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_lcr_serve_refuses_a_public_bind_without_consent(host: str, tmp_path: Path) -> None:
    proc = run_lcr_serve("--host", host, "--index", "/nonexistent", cwd=tmp_path)
    assert proc.returncode == 2
    line = one_line_error(proc)
    assert line.startswith("error: ") and "LCR_ALLOW_PUBLIC" in line


def test_lcr_serve_with_consent_gets_past_the_bind_check(tmp_path: Path) -> None:
    # the index is missing, so nothing listens: exit 3 shows the public host itself was accepted
    proc = run_lcr_serve("--host", "0.0.0.0", "--index", "/nonexistent", cwd=tmp_path, LCR_ALLOW_PUBLIC="1")
    assert proc.returncode == 3
    assert "no index at /nonexistent" in one_line_error(proc)


def test_lcr_serve_bad_port_is_exit_2(tmp_path: Path) -> None:
    proc = run_lcr_serve("--port", "70000", cwd=tmp_path)
    assert proc.returncode == 2
    assert "--port" in one_line_error(proc)


# the shared serving function


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in [n for n in os.environ if n.upper().startswith("LCR_")]:
        monkeypatch.delenv(name)
    return monkeypatch


def test_serve_opens_the_index_then_runs_uvicorn(index_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    from lcr.api import serve

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    serve(Settings.from_env({}, index=str(index_dir), port=9123, log_level="warning"))
    [(app, kw)] = calls
    assert kw == {"host": "127.0.0.1", "port": 9123, "log_level": "warning"}
    assert Path(app.state.searcher.index_dir) == index_dir


def _load_serve_py() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lcr_serve_entry", REPO / "serve.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_both_entry_points_call_the_same_function(clean_env: pytest.MonkeyPatch) -> None:
    import lcr.api.server
    from lcr.cli import app

    seen: list[Settings] = []
    clean_env.setattr(lcr.api.server, "serve", seen.append)
    clean_env.setattr(logging, "basicConfig", lambda **kw: None)  # leave the test run's logging alone
    clean_env.setenv("LCR_HOST", "localhost")
    clean_env.setenv("LCR_PORT", "9000")
    args = ["--index", "some-index", "--port", "9001", "--log-level", "debug"]

    result = CliRunner().invoke(app, ["serve", *args])
    assert result.exit_code == 0, result.output
    _load_serve_py().main(args)

    expected = Settings(index="some-index", host="localhost", port=9001, log_level="debug")
    assert seen == [expected, expected]  # options win over the environment, which fills the rest
