"""Per-feature normalisation, grade emphasis in the pairs, and an ensemble of normalisations (probe, stop 22).

Usage: exp_norm.py FEATURE_DUMP VARIANT[,VARIANT...]
"""
import sys

import numpy as np
from harness import *

from lcr.models.ranksvm import RankSVM

RAW_OK = ("charge_prior", "charge_prior_top1", "cited_article_mass", "cited_circumstance_mass", "charge_match",
          "circ_flag_jaccard", "circ_flag_overlap", "circ_amount_match", "circ_injury_match", "circ_drug_match",
          "circ_alcohol_match")


def matrix(values, plan):
    """``plan``: (feature, normalisation) columns; rows in ``values`` order."""
    cols, t = [], None
    for norm in dict.fromkeys(n for _, n in plan):
        names = tuple(f for f, n in plan if n == norm)
        t = FeatureTable.build(values, FeatureSpec(names, normalise=norm))
        cols.append((names, norm, t.matrix))
    order = {(f, n): (i, names.index(f)) for i, (names, n, _) in enumerate(cols) for f in names}
    X = np.column_stack([cols[order[(f, n)][0]][2][:, order[(f, n)][1]] for f, n in plan])
    return X, t


LEXICAL = ("bm25_facts", "bm25_reasoning", "bm25_full_text", "e5_cosine", "lcm_lai")


def variant(name):
    """``<base>[-bin|-emph|-gd]``; base ``raw`` (what every fold's inner CV picks), ``minmax``, ``mixed``
    (lexical min-max, legal raw), ``raw+rel`` (raw, plus min-max copies of the lexical scores)."""
    base, _, tail = name.partition("-")
    plan = {"raw": [(f, "none") for f in LEGAL_FEATURES],
            "minmax": [(f, "query-minmax") for f in LEGAL_FEATURES],
            "mixed": [(f, "none" if f in RAW_OK else "query-minmax") for f in LEGAL_FEATURES],
            "raw+rel": [(f, "none") for f in LEGAL_FEATURES] + [(f, "query-minmax") for f in LEXICAL],
            "raw+relall": [(f, "none") for f in LEGAL_FEATURES] + [(f, "query-minmax") for f in LEGAL_FEATURES],
            }[base]
    gmap, weight = None, "none"
    if tail == "bin":
        gmap = {0: 0, 1: 0, 2: 0, 3: 1}
    elif tail == "emph":
        gmap, weight = {0: 0, 1: 1, 2: 2, 3: 4}, "grade-diff"
    elif tail == "gd":
        weight = "grade-diff"
    return plan, gmap, weight


def _query_aps(scores, grades, groups, k, gain):
    """Average precision of grade 3 per query (the inner-CV score of the ``-mapcv`` variants)."""
    out = []
    for q in np.unique(groups):
        rows = np.flatnonzero(groups == q)
        g = grades[rows]
        ranked = g[np.lexsort((g, -scores[rows]))] >= 3
        hits = np.cumsum(ranked)
        out.append(float((hits / np.arange(1, len(ranked) + 1))[ranked].sum() / max(1, ranked.sum())))
    return out


def run(folds, name):
    """One variant; ``<variant>-mapcv`` scores the inner CV by grade-3 AP (for this variant only)."""
    import lcr.models.ranksvm as ranksvm_module

    ndcgs = ranksvm_module._query_ndcgs
    if name.endswith("-mapcv"):
        ranksvm_module._query_ndcgs = _query_aps
    try:
        _run(folds, name)
    finally:
        ranksvm_module._query_ndcgs = ndcgs


def _run(folds, name):
    plan, gmap, weight = variant(name.removesuffix("-mapcv"))
    names = [f"{f}@{n}" for f, n in plan]

    def fit(train):
        X, t = matrix(train, plan)
        g = t.grades_for(QRELS)
        if gmap:
            g = np.array([gmap[int(v)] for v in g])
        return RankSVM(pair_weight=weight).fit_cv(X, g, t.groups, names)

    def scorer(model, test, cands):
        out = {}
        for q, ids in cands.items():
            X, _ = matrix(subset(test, {q: ids}), plan)
            out[q] = dict(zip(ids, map(float, model.decision_function(X))))
        return out
    m, n, hm, *_ = evaluate(folds, fit, scorer)
    print(f"{name} official MAP {m:.4f} NDCG@30 {n:.4f} hard MAP {hm:.4f}", flush=True)


def run_ensemble(folds):
    """The three normalisations' inner-CV RankSVMs, each query's scores z-scored and summed."""
    def fit(train):
        return [_fixed(train, n) for n in ("none", "query-zscore", "query-minmax")]

    def _z(x):
        x = np.asarray(x, float)
        return (x - x.mean()) / (x.std() + 1e-12)

    def scorer(models, test, cands):
        out = {}
        for q, ids in cands.items():
            total = np.zeros(len(ids))
            for m in models:
                t = FeatureTable.build(subset(test, {q: ids}), FeatureSpec.of(m))
                total += _z(m.decision_function(t.matrix))
            out[q] = dict(zip(ids, map(float, total)))
        return out
    m, n, hm, *_ = evaluate(folds, fit, scorer)
    print(f"ensemble official MAP {m:.4f} NDCG@30 {n:.4f} hard MAP {hm:.4f}", flush=True)


def _fixed(train, normalise):
    spec = FeatureSpec(tuple(LEGAL_FEATURES), normalise=normalise)
    t = FeatureTable.build(train, spec)
    model = RankSVM()
    spec.save_to(model)
    return model.fit_cv(t.matrix, t.grades_for(QRELS), t.groups, t.feature_names)


if __name__ == "__main__":
    folds = load(sys.argv[1])
    for v in sys.argv[2].split(","):
        run_ensemble(folds) if v == "ens" else run(folds, v)
