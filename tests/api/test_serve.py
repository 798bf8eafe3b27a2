"""``serve.py`` as a user runs it (no server is started: the index is checked first)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def run_serve(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LCR_")}
    return subprocess.run([sys.executable, str(REPO / "serve.py"), *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60)


def test_missing_index_is_a_one_line_error_and_exit_3() -> None:
    proc = run_serve("--index", "/nonexistent")
    assert proc.returncode == 3
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "no index at /nonexistent" in lines[0]
    assert "Traceback" not in proc.stderr


def test_help_explains_the_settings() -> None:
    proc = run_serve("--help")
    assert proc.returncode == 0
    assert all(name in proc.stdout for name in ("--index", "LCR_INDEX", "LCR_ALLOW_PUBLIC"))
