"""Feature crosses (``cross``) or LambdaMART (``lgbm<trees>``, LightGBM from ``$LCR_PROBES_LIB``)."""
import itertools
import os
import sys

from harness import *

folds = load(sys.argv[1])
which = sys.argv[2]

CROSS_A = ["charge_prior", "charge_prior_top1"]
CROSS_B = ["bm25_facts", "bm25_full_text", "lcm_lai", "e5_cosine", "charge_match", "cited_article_mass"]
XNAMES = tuple(f"{a}*{b}" for a in CROSS_A for b in CROSS_B)


def with_crosses(values):
    """Each (a, b) cross as the product of the two features z-scored over the query's rows."""
    spec = FeatureSpec(tuple(CROSS_A + CROSS_B), normalise="query-zscore")
    out = {}
    for q, cases in values.items():
        t = FeatureTable.build({q: cases}, spec)
        out[q] = {}
        for i, c in enumerate(t.case_ids):
            z = t.row(i)
            out[q][c] = {**cases[c], **{f"{a}*{b}": z[a] * z[b] for a in CROSS_A for b in CROSS_B}}
    return out


if which == "cross":
    m, n, hm, *_ = evaluate_added(folds, with_crosses, XNAMES)
elif which.startswith("lgbm"):
    if os.environ.get("LCR_PROBES_LIB"):
        sys.path.insert(0, os.environ["LCR_PROBES_LIB"])
    import lightgbm as lgb
    spec = FeatureSpec(tuple(LEGAL_FEATURES), normalise="query-zscore")

    def fit(train):
        t = FeatureTable.build(train, spec)
        sizes = [len(list(g)) for _, g in itertools.groupby(t.qids)]
        mdl = lgb.LGBMRanker(objective="lambdarank", n_estimators=int(which[4:] or 200), learning_rate=0.05,
                             num_leaves=7, min_child_samples=20, subsample=0.8, subsample_freq=1,
                             colsample_bytree=0.8, verbose=-1, random_state=13)
        mdl.fit(t.matrix, t.grades_for(QRELS), group=sizes)
        return mdl

    def scorer(model, test, cands):
        run = {}
        for q, ids in cands.items():
            t = FeatureTable.build(subset(test, {q: ids}), spec)
            run[q] = dict(zip(ids, map(float, model.predict(t.matrix))))
        return run
    m, n, hm, *_ = evaluate(folds, fit, scorer)
print(f"{which} official MAP {m:.4f} NDCG@30 {n:.4f} hard MAP {hm:.4f}", flush=True)
