"""R@100 of the first stages in ``short_fs.json``, and of BM25 (normalised by its top score) plus ``lam``
times the predicted charge mass on the case's charges (``mass``) or its top-1 charge (``top1``), over
BM25's top 1000 and the dense top 300."""
import json

import numpy as np
from harness import *

legal = case_charges()
R = json.load(open(f"{OUT}/short_fs.json"))


def combo(r, lam, mode):
    b = dict(r["bm25"]); mx = max(b.values()) if b else 1
    pri = r["prior"]
    s = {}
    for d in set(b) | {d for d, _ in r["dense"]}:
        p = sum(pri.get(c, 0) for c in legal.get(d, []))
        if mode == "top1": p = float(next(iter(pri), None) in legal.get(d, []))
        s[d] = b.get(d, 0) / mx + lam * min(p, 1)
    return sorted(s, key=lambda d: -s[d])


for form in ("short", "full"):
    for name in ("bm25", "fused"):
        print(form, name, np.mean([recall100([d for d, _ in R[q][form][name]], q) for q in R]))
    for lam in (0.1, 0.2, 0.3, 0.5, 1.0):
        for mode in ("mass", "top1"):
            print(form, lam, mode, round(np.mean([recall100(combo(R[q][form], lam, mode), q) for q in R]), 4))
