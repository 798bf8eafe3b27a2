"""Short-query training: train on full / short / both; test on full and short."""
import sys

from harness import *

full = load(f"{OUT}/feat"); short = load(f"{OUT}/feat_short")
mode = sys.argv[1]
for i in range(5):
    tr = {}
    if mode in ("full", "both"): tr.update(full[i]["train"])
    if mode in ("short", "both"):
        for q, v in short[i]["train"].items():
            tr[q + "#s"] = v
            QRELS[q + "#s"] = QRELS[q]
    full[i]["train"] = tr; short[i]["train"] = tr
cache = {}


def fit(train):
    """One fit per fold's training set, shared by the full and the short test."""
    if id(train) not in cache: cache[id(train)] = baseline_fit(train)
    return cache[id(train)]


for name, folds in (("full", full), ("short", short)):
    m, n, hm, *_ = evaluate(folds, fit)
    print(f"train={mode} test={name} official MAP {m:.4f} NDCG@30 {n:.4f} hard MAP {hm:.4f}", flush=True)
