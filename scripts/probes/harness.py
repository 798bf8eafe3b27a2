"""Shared parts of the probes: the benchmark, the folds, the output folder, and offline reranker
experiments over dumped fold features (``dump_features.py``)."""
import json
import os
import sys
from pathlib import Path

from data_tools.registry import load_benchmark
from lcr.eval.data import EvalData
from lcr.eval.metrics import recall_at_k
from lcr.eval.protocols import get_protocol
from lcr.eval.querysets import cv5_folds
from lcr.experiments.crossfit import fit_fold_ranksvm
from lcr.experiments.systems import lexical_and_store
from lcr.rerank.features import FeatureSpec, FeatureTable
from lcr.rerank.stages import LEGAL_FEATURES

OUT = os.environ.get("LCR_PROBES", os.path.expanduser("~/.cache/lcr/probes"))
os.makedirs(OUT, exist_ok=True)
IDX = Path("indexes/lecard-v1"); DATA = Path("../shared/data/lecard")
ds, queries = load_benchmark("lecard-v1", DATA)
ED = EvalData.from_lecard_v1(ds)
QRELS = {q: dict(v) for q, v in ED.qrels.items()}
OFF = get_protocol("lecard-v1", "official"); HARD = get_protocol("lecard-v1", "hard")


def fold_splits():
    """(fold, held-out qids, sorted training qids) of each cv5 fold."""
    folds = cv5_folds("lecard-v1")
    for i, held in enumerate(folds):
        yield i, held, tuple(sorted(q for j, f in enumerate(folds) if j != i for q in f))


def case_charges():
    """Every corpus case's own charges."""
    _, store = lexical_and_store(IDX)
    return {c: v for c, (v, _) in store.legal_many(store.ids()).items()}


def recall100(ranked, q):
    """Corpus-protocol R@100 (relevant = grade >= 2) of ``ranked`` for query ``q``."""
    rel = {d for d, g in ds.qrels[q].items() if g >= 2}
    return recall_at_k([d in rel for d in ranked[:100]], 100, len(rel))


def load(folder):
    return [json.load(open(Path(folder) / f"fold{i}.json")) for i in range(5)]


def baseline_fit(train, feats=LEGAL_FEATURES):
    return fit_fold_ranksvm(train, QRELS, feats)


def subset(test, cands):
    """The dumped test features of each query's candidates only (normalisation runs over these rows)."""
    return {q: {c: test[q].get(c, {}) for c in ids} for q, ids in cands.items()}


def score_model(model, test, cands):
    spec = FeatureSpec.of(model)
    run = {}
    for q, ids in cands.items():
        t = FeatureTable.build(subset(test, {q: ids}), spec)
        run[q] = dict(zip(ids, map(float, model.decision_function(t.matrix))))
    return run


def evaluate(folds, fit=baseline_fit, scorer=score_model):
    runs = {"official": {}, "hard": {}}
    for f in folds:
        m = fit(f["train"])
        for name, prot in (("official", OFF), ("hard", HARD)):
            cands = {q: prot.candidates(ED, q) for q in f["test"]}
            runs[name].update(scorer(m, f["test"], cands))
    qids = [q for f in folds for q in f["held"] if q in queries]
    o = OFF.evaluate(runs["official"], ED, qids); h = HARD.evaluate(runs["hard"], ED, qids)
    return o.mean["MAP"], o.mean["NDCG@30"], h.mean["MAP"], o, h


def evaluate_added(folds, add, names):
    """``ranksvm-legal`` with the features ``names`` that ``add`` (values -> values) computes over each
    query's rows, at training and at test time alike."""
    def fit(train):
        return fit_fold_ranksvm(add(train), QRELS, (*LEGAL_FEATURES, *names))

    def scorer(model, test, cands):
        return score_model(model, add(subset(test, cands)), cands)
    return evaluate(folds, fit, scorer)


if __name__ == "__main__":
    m, n, hm, *_ = evaluate(load(sys.argv[1]))
    print(f"baseline official MAP {m:.4f} NDCG@30 {n:.4f} hard MAP {hm:.4f}")
