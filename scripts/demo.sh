#!/usr/bin/env bash
# Set up (idempotent), build an index over the bundled LeCaRD sample, and search it with a query's facts.
# With --serve, then serve the search API on http://127.0.0.1:8000 (docs at /docs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
LCR=.venv/bin/lcr
$LCR index build --data data_tools/sample/lecard --out indexes/sample
$LCR search --index sample -k 5 \
  "2018年1月15日14时10分许，被告人莫新国酒后驾驶湘A×××××号小型轿车沿长沙市天心区伊莱克斯大道由南往北行驶时被执勤民警检查，经检验，其血液中乙醇含量为201.1毫克／100毫升。"
if [ "${1:-}" = "--serve" ]; then
  exec .venv/bin/python serve.py --index indexes/sample
fi
