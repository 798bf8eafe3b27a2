"""Each query's first-stage lists over the corpus (BM25, the fused hybrid, LCM-LAI FAISS) and its predicted
charges, for its short and full form, by its cv5 fold's stages -> ``$LCR_PROBES/short_fs.json``."""
import json

from harness import *

from lcr.eval.querysets import shortened
from lcr.experiments.systems import fold_stages_cached

corpus = set(ED.corpus_ids)
short = shortened(queries)
res = {}
for i, held, rest in fold_splits():
    st = fold_stages_cached(IDX, DATA, None, i, rest)
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
json.dump(res, open(f"{OUT}/short_fs.json", "w"), ensure_ascii=False)
