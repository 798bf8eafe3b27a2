"""Dump per-fold cross-fitted training features and test features (pool ∪ labelled) for offline reranker work.

Usage: dump_features.py CONFIG|- OUT_FOLDER [short]   (``short``: the queries cut by the short-query rule)
"""
import json
import sys
import time

from harness import *

from lcr.eval.querysets import shortened
from lcr.experiments.crossfit import training_values
from lcr.experiments.systems import fold_stages_cached, resources

config = Path(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1] != "-" else None
out = Path(sys.argv[2] if len(sys.argv) > 2 else f"{OUT}/feat")
out.mkdir(parents=True, exist_ok=True)
if len(sys.argv) > 3 and sys.argv[3] == "short":
    queries = shortened(queries)
res, cfg = resources(IDX, DATA, config)
lexical, store = lexical_and_store(IDX)
for i, held, rest in fold_splits():
    t = time.time()
    train = training_values(res, cfg, lexical, store, i, list(rest), queries, ds.pools, False)
    st = fold_stages_cached(IDX, DATA, config, i, rest)
    test = {}
    for q in held:
        if q not in queries: continue
        ids = sorted(set(ds.pools.get(q, ())) | set(ds.qrels.get(q, {})))
        test[q] = st.features(queries[q], ids)
    json.dump({"train": train, "test": test, "held": list(held)}, open(out / f"fold{i}.json", "w"))
    print(i, time.time() - t, flush=True)
