#!/usr/bin/env bash
# Create .venv (once) and install lcr with its test tools. Idempotent: a second run only re-checks.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
STAMP=.venv/.lcr-installed
if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  # torch is pinned to the CPU wheel (2.13.0); an unpinned torch would pull a multi-GB CUDA build.
  .venv/bin/python -m pip install --quiet -e ".[dev]"
  touch "$STAMP"
fi
