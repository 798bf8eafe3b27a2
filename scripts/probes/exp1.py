import os

OUT = os.environ.get("LCR_PROBES", os.path.expanduser("~/.cache/lcr/probes"))
os.makedirs(OUT, exist_ok=True)
import sys

import numpy as np

sys.path.insert(0, os.environ.get("LCR_PROBES_LIB", "")); sys.path.insert(0, os.path.dirname(__file__))
from harness import *

from lcr.rerank.stages import LEGAL_FEATURES

folds = load(sys.argv[1])
which = sys.argv[2]

def zq(values, names):
    """per-query z-score of names -> new dict with z_<name>"""
    out = {}
    for q, cases in values.items():
        ids = list(cases)
        M = np.array([[cases[c].get(n, np.nan) for n in names] for c in ids], float)
        mu = np.nanmean(M, 0); sd = np.nanstd(M, 0); sd[~(sd > 1e-12)] = 1
        Z = np.nan_to_num((M - mu) / sd)
        out[q] = {c: dict(zip(names, Z[i])) for i, c in enumerate(ids)}
    return out

CROSS_A = ["charge_prior", "charge_prior_top1"]
CROSS_B = ["bm25_facts", "bm25_full_text", "lcm_lai", "e5_cosine", "charge_match", "cited_article_mass"]
def with_crosses(values):
    z = zq(values, CROSS_A + CROSS_B)
    out = {}
    for q, cases in values.items():
        out[q] = {}
        for c, f in cases.items():
            g = dict(f); zz = z[q][c]
            for a in CROSS_A:
                for b in CROSS_B:
                    g[f"{a}*{b}"] = zz[a] * zz[b]
            out[q][c] = g
    return out
XNAMES = tuple(f"{a}*{b}" for a in CROSS_A for b in CROSS_B)

if which == "cross":
    def fit(train):
        return fit_fold_ranksvm(with_crosses(train), QRELS, (*LEGAL_FEATURES, *XNAMES))
    def scorer(model, test, cands):
        sub = {q: {c: test[q].get(c, {}) for c in ids} for q, ids in cands.items()}
        return score_model(model, with_crosses(sub), cands)
    m, n, hm, *_ = evaluate(folds, fit, scorer)
elif which.startswith("lgbm"):
    import lightgbm as lgb
    def table(values, names):
        t = FeatureTable.build(values, FeatureSpec(tuple(names), normalise="query-zscore"))
        return t
    def fit(train):
        t = table(train, LEGAL_FEATURES)
        y = t.grades_for(QRELS)
        qs = t.qids; sizes = [sum(1 for _ in g) for _, g in __import__("itertools").groupby(qs)]
        mdl = lgb.LGBMRanker(objective="lambdarank", n_estimators=int(which[4:] or 200), learning_rate=0.05,
                             num_leaves=7, min_child_samples=20, subsample=0.8, subsample_freq=1,
                             colsample_bytree=0.8, verbose=-1, random_state=13)
        mdl.fit(t.matrix, y, group=sizes)
        return mdl
    def scorer(model, test, cands):
        run = {}
        for q, ids in cands.items():
            t = table({q: {c: test[q].get(c, {}) for c in ids}}, LEGAL_FEATURES)
            run[q] = dict(zip(ids, map(float, model.predict(t.matrix))))
        return run
    m, n, hm, *_ = evaluate(folds, fit, scorer)
print(f"{which} official MAP {m:.4f} NDCG@30 {n:.4f} hard MAP {hm:.4f}", flush=True)
