"""Each query's charge voters (bm25-knn, dense-knn, LAP by its cv5 fold's stages; the TF-IDF classifier)
-> ``$LCR_PROBES/voters.json``, and the top-1 charge accuracy of each voter and of voter mixes."""
import json

import numpy as np
from harness import *

from lcr.experiments.query_lap import _leaked, charge_classifier
from lcr.experiments.systems import fold_stages_cached
from lcr.rerank.query_charges import mix, top1

_, store = lexical_and_store(IDX)
out = {}
for i, held, rest in fold_splits():
    st = fold_stages_cached(IDX, DATA, None, i, rest)
    for q in held:
        if q in queries:
            out[q] = st.charges.voters(queries[q])
leaked = _leaked(IDX, DATA)
clf = charge_classifier(store, case_charges(), set().union(*leaked.values()))
for q in out:
    out[q]["tfidf"] = clf(queries[q])
json.dump(out, open(f"{OUT}/voters.json", "w"), ensure_ascii=False)

qs = [q for q in out if queries[q].charges]
names = ("bm25-knn", "dense-knn", "lap", "tfidf")
for weights in ([1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [.4, .4, .2, 0], [.4, .4, .2, .5],
                [.4, .4, .2, 1], [.4, .4, .2, 2], [.4, 0, .2, 1], [1, 0, 0, 1], [.4, .4, .6, 1]):
    acc = np.mean([top1(mix([out[q][n] for n in names], weights)) in queries[q].charges for q in qs])
    print(dict(zip(names, weights)), round(float(acc), 4))
