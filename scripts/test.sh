#!/usr/bin/env bash
# Set up (idempotent) and run the test suite. Tests marked `slow` need ../shared/data (full LeCaRD)
# and are skipped when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
set +e
.venv/bin/python -m pytest "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests" >&2
  exit 1
fi
exit "$rc"
