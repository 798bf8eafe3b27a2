"""Offline reranker experiments over dumped fold features."""
import os

OUT = os.environ.get("LCR_PROBES", os.path.expanduser("~/.cache/lcr/probes"))
os.makedirs(OUT, exist_ok=True)
import json
import sys
from pathlib import Path

from data_tools.registry import load_benchmark
from lcr.eval.data import EvalData
from lcr.eval.protocols import get_protocol
from lcr.experiments.crossfit import fit_fold_ranksvm
from lcr.rerank.features import FeatureSpec, FeatureTable
from lcr.rerank.stages import LEGAL_FEATURES

ds, queries = load_benchmark("lecard-v1", Path("../shared/data/lecard"))
ED = EvalData.from_lecard_v1(ds)
QRELS = {q: dict(v) for q, v in ED.qrels.items()}
OFF = get_protocol("lecard-v1", "official"); HARD = get_protocol("lecard-v1", "hard")

def load(folder):
    return [json.load(open(Path(folder) / f"fold{i}.json")) for i in range(5)]

def baseline_fit(train, feats=LEGAL_FEATURES):
    return fit_fold_ranksvm(train, QRELS, feats)

def score_model(model, test, cands):
    spec = FeatureSpec.of(model)
    run = {}
    for q, ids in cands.items():
        vals = {q: {c: test[q].get(c, {}) for c in ids}}
        t = FeatureTable.build(vals, spec)
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

if __name__ == "__main__":
    folds = load(sys.argv[1])
    m, n, hm, *_ = evaluate(folds)
    print(f"baseline official MAP {m:.4f} NDCG@30 {n:.4f} hard MAP {hm:.4f}")
