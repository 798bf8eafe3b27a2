import os

OUT = os.environ.get("LCR_PROBES", os.path.expanduser("~/.cache/lcr/probes"))
os.makedirs(OUT, exist_ok=True)
from pathlib import Path

import numpy as np

from data_tools.registry import load_benchmark
from lcr.eval.data import EvalData
from lcr.eval.querysets import shortened
from lcr.experiments.systems import lexical_and_store
from lcr.records import Query
from lcr.retrieve.lexical import BM25Ranker

ds, queries = load_benchmark("lecard-v1", Path("../shared/data/lecard"))
ed = EvalData.from_lecard_v1(ds); corpus=set(ed.corpus_ids)
lex, store = lexical_and_store(Path("indexes/lecard-v1"))
bm = BM25Ranker(lex, "facts")
short = shortened(queries)
def recall(ranked, q, k=100):
    rel = {d for d,g in ds.qrels[q].items() if g >= 2}
    return len(rel & set(ranked[:k])) / len(rel)
def search(text, k=1000):
    return [h.case_id for h in bm.rank(Query("x", text), None, k+200) if h.case_id in corpus][:k]
for fb, chars in ((0,0),(1,300),(3,300),(3,600),(5,300),(10,200)):
    rs=[]
    for q, Q in short.items():
        first = search(Q.text, 50)
        text = Q.text + "".join(store.facts(c)[:chars] for c in first[:fb])
        rs.append(recall(search(text), q))
    print(fb, chars, round(np.mean(rs),4), flush=True)
