#!/usr/bin/env bash
# Set up (idempotent), build the full pipeline's index over the bundled LeCaRD sample with the production
# models shipped in lcr/resources/models (BM25 + LCM-LAI FAISS + RankSVM), search it with a query's facts,
# then serve the web page and the API on http://127.0.0.1:8000 (API docs at /docs). --no-serve: stop
# after the search.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
LCR=.venv/bin/lcr
MODELS=lcr/resources/models
$LCR index build --data data_tools/sample/lecard --out indexes/sample \
  --model "$MODELS/lcm-lai" --reranker "$MODELS/ranksvm-legal"
$LCR search --index indexes/sample -k 5 \
  "2018年1月15日14时10分许，被告人莫新国酒后驾驶湘A×××××号小型轿车沿长沙市天心区伊莱克斯大道由南往北行驶时被执勤民警检查，经检验，其血液中乙醇含量为201.1毫克／100毫升。"
if [ "${1:-}" != "--no-serve" ]; then
  echo "serving the search page on http://127.0.0.1:8000/ (API docs: /docs); Ctrl-C stops"
  exec .venv/bin/python serve.py --index indexes/sample
fi
