"""Per-voter charge priors as separate RankSVM features."""
import os

OUT = os.environ.get("LCR_PROBES", os.path.expanduser("~/.cache/lcr/probes"))
os.makedirs(OUT, exist_ok=True)
import json
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import *

from lcr.experiments.systems import lexical_and_store

folds = load(sys.argv[1]); which = sys.argv[2].split(",")
V = json.load(open(f"{OUT}/voters.json"))
_, store = lexical_and_store(Path("indexes/lecard-v1"))
legal = {c: v for c, (v, _) in store.legal_many(store.ids()).items()}
def add(values):
    out = {}
    for q, cases in values.items():
        out[q] = {}
        for c, f in cases.items():
            g = dict(f)
            for v in which:
                d = V[q][v]
                g[f"prior_{v}"] = min(1.0, sum(d.get(ch, 0.0) for ch in legal.get(c, [])))
                top = next(iter(sorted(d, key=lambda k: -d[k])), None)
                g[f"top1_{v}"] = float(top in legal.get(c, []))
            out[q][c] = g
    return out
names = tuple(x for v in which for x in (f"prior_{v}", f"top1_{v}"))
def fit(train):
    return fit_fold_ranksvm(add(train), QRELS, (*LEGAL_FEATURES, *names))
def scorer(model, test, cands):
    return score_model(model, add({q: {c: test[q].get(c, {}) for c in ids_} for q, ids_ in cands.items()}), cands)
m, n, hm, *_ = evaluate(folds, fit, scorer)
print(f"voters {which} official MAP {m:.4f} NDCG@30 {n:.4f} hard MAP {hm:.4f}", flush=True)
