"""RM3-style feedback for short queries: the top ``fb`` BM25 cases' first ``chars`` fact characters
appended to the query; corpus R@100."""
import numpy as np
from harness import *

from lcr.eval.querysets import shortened
from lcr.records import Query
from lcr.retrieve.lexical import BM25Ranker

corpus = set(ED.corpus_ids)
lex, store = lexical_and_store(IDX)
bm = BM25Ranker(lex, "facts")
short = shortened(queries)


def search(text, k=1000):
    return [h.case_id for h in bm.rank(Query("x", text), None, k + 200) if h.case_id in corpus][:k]


for fb, chars in ((0, 0), (1, 300), (3, 300), (3, 600), (5, 300), (10, 200)):
    rs = []
    for q, Q in short.items():
        first = search(Q.text, 50)
        text = Q.text + "".join(store.facts(c)[:chars] for c in first[:fb])
        rs.append(recall100(search(text), q))
    print(fb, chars, round(np.mean(rs), 4), flush=True)
