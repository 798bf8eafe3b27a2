import os

OUT = os.environ.get("LCR_PROBES", os.path.expanduser("~/.cache/lcr/probes"))
os.makedirs(OUT, exist_ok=True)
import json
from pathlib import Path

import numpy as np

from data_tools.registry import load_benchmark
from lcr.experiments.systems import lexical_and_store

ds, queries = load_benchmark("lecard-v1", Path("../shared/data/lecard"))
_, store = lexical_and_store(Path("indexes/lecard-v1"))
legal = {c: v for c,(v,_) in store.legal_many(store.ids()).items()}
R = json.load(open(f"{OUT}/short_fs.json"))
def recall(ranked, q, k=100):
    rel = {d for d,g in ds.qrels[q].items() if g >= 2}
    return len(rel & set(ranked[:k])) / len(rel) if rel else None
def combo(r, lam, mode, beta=0.0):
    b = dict(r["bm25"]); mx = max(b.values()) if b else 1
    dn = dict(r["dense"])
    cands = set(b) | set(dn)
    pri = r["prior"]
    s = {}
    for d in cands:
        x = b.get(d, 0)/mx
        p = sum(pri.get(c,0) for c in legal.get(d,[]))
        if mode=="top1": p = float(next(iter(pri),None) in legal.get(d,[]))
        s[d] = x + lam*min(p,1) + beta*dn.get(d,0)
    return sorted(s, key=lambda d:-s[d])
for form in ("short","full"):
    for name in ("bm25","fused"):
        print(form, name, np.mean([recall([d for d,_ in R[q][form][name]], q) for q in R]))
    for lam in (0.1,0.2,0.3,0.5,1.0):
        for mode in ("mass","top1"):
            print(form, lam, mode, round(np.mean([recall(combo(R[q][form], lam, mode), q) for q in R]),4))
