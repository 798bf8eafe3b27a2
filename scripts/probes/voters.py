import os

OUT = os.environ.get("LCR_PROBES", os.path.expanduser("~/.cache/lcr/probes"))
os.makedirs(OUT, exist_ok=True)
import json
from pathlib import Path

from data_tools.registry import load_benchmark
from lcr.eval.querysets import cv5_folds
from lcr.experiments.query_lap import _leaked, charge_classifier
from lcr.experiments.systems import fold_stages_cached, lexical_and_store

idx=Path("indexes/lecard-v1"); data=Path("../shared/data/lecard")
ds, queries = load_benchmark("lecard-v1", data)
folds = cv5_folds("lecard-v1")
_, store = lexical_and_store(idx)
out = {}
for i, held in enumerate(folds):
    rest = tuple(sorted(q for j, f in enumerate(folds) if j != i for q in f))
    st = fold_stages_cached(idx, data, None, i, rest)
    for q in held:
        if q in queries:
            out[q] = st.charges.voters(queries[q])
leaked = _leaked(idx, data)
clf = charge_classifier(store, {c: list(v) for c, (v, _) in store.legal_many(store.ids()).items()}, set().union(*leaked.values()))
for q in out:
    out[q]["tfidf"] = clf(queries[q])
json.dump(out, open(f"{OUT}/voters.json", "w"), ensure_ascii=False)
