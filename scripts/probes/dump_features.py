"""Dump per-fold cross-fitted training features and test features (pool ∪ labelled) for offline reranker work.

Usage: dump_features.py CONFIG|- OUT_FOLDER [short]   (``short``: the queries cut by the short-query rule)
"""
import json
import os
import sys
import time
from pathlib import Path

from data_tools.registry import load_benchmark
from lcr.eval.querysets import cv5_folds, shortened
from lcr.experiments.crossfit import training_values
from lcr.experiments.systems import fold_stages_cached, lexical_and_store, resources

OUT = os.environ.get("LCR_PROBES", os.path.expanduser("~/.cache/lcr/probes"))
idx = Path("indexes/lecard-v1"); data = Path("../shared/data/lecard")
config = Path(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] != "-" else None
out = Path(sys.argv[2] if len(sys.argv) > 2 else f"{OUT}/feat")
out.mkdir(parents=True, exist_ok=True)
ds, queries = load_benchmark("lecard-v1", data)
if len(sys.argv) > 3 and sys.argv[3] == "short":
    queries = shortened(queries)
res, cfg = resources(idx, data, config)
lexical, store = lexical_and_store(idx)
folds = cv5_folds("lecard-v1")
for i, held in enumerate(folds):
    t = time.time()
    rest = sorted(q for j, f in enumerate(folds) if j != i for q in f)
    train = training_values(res, cfg, lexical, store, i, rest, queries, ds.pools, False)
    st = fold_stages_cached(idx, data, config, i, tuple(rest))
    test = {}
    for q in held:
        if q not in queries: continue
        ids = sorted(set(ds.pools.get(q, ())) | set(ds.qrels.get(q, {})))
        test[q] = st.features(queries[q], ids)
    json.dump({"train": train, "test": test, "held": list(held)}, open(out / f"fold{i}.json", "w"))
    print(i, time.time() - t, flush=True)
