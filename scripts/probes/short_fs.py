import os

OUT = os.environ.get("LCR_PROBES", os.path.expanduser("~/.cache/lcr/probes"))
os.makedirs(OUT, exist_ok=True)
import json
from pathlib import Path

from data_tools.registry import load_benchmark
from lcr.eval.data import EvalData
from lcr.eval.querysets import cv5_folds, shortened
from lcr.experiments.systems import fold_stages_cached, lexical_and_store

idx=Path("indexes/lecard-v1"); data=Path("../shared/data/lecard")
ds, queries = load_benchmark("lecard-v1", data)
ed = EvalData.from_lecard_v1(ds)
corpus = set(ed.corpus_ids)
short = shortened(queries)
folds = cv5_folds("lecard-v1")
_, store = lexical_and_store(idx)
legal = {c: v for c,(v,_) in store.legal_many(store.ids()).items()}
res = {}
for i, held in enumerate(folds):
    rest = tuple(sorted(q for j, f in enumerate(folds) if j != i for q in f))
    st = fold_stages_cached(idx, data, None, i, rest)
    for q in held:
        if q not in short: continue
        for form, Q in (("short", short[q]), ("full", queries[q])):
            hits = st.bm25.rank(Q, None, 1500)
            hits = [(h.case_id, h.score) for h in hits if h.case_id in corpus][:1000]
            fused = [(h.case_id, h.score) for h in st.first_stage().rank(Q, None, 1000) if h.case_id in corpus]
            prior = st.charges.predict(Q, use_hint=False)
            dense = [(h.case_id, h.score) for h in st.lcm.rank(Q, None, 1000) if h.case_id in corpus]
            res.setdefault(q, {})[form] = {"bm25": hits, "fused": fused, "prior": prior, "dense": dense[:300]}
    print(i, flush=True)
json.dump(res, open(f"{OUT}/short_fs.json","w"), ensure_ascii=False)
