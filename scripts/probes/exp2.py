"""Cluster feature: candidate's tf-idf cosine to the top-k candidates by ``anchor`` (same list)."""
import sys

import numpy as np
from harness import *
from sklearn.feature_extraction.text import TfidfVectorizer

folds = load(sys.argv[1]); K = int(sys.argv[2]); anchor = sys.argv[3]
_, store = lexical_and_store(IDX)
ids = sorted({c for f in folds for part in ("train", "test") for q in f[part] for c in f[part][q]})
vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=200000)
X = vec.fit_transform([store.facts(c) for c in ids]); row = {c: i for i, c in enumerate(ids)}


def add(values):
    out = {}
    for q, cases in values.items():
        cs = list(cases)
        a = sorted(cs, key=lambda c: -cases[c].get(anchor, 0))[:K]
        S = (X[[row[c] for c in cs]] @ X[[row[c] for c in a]].T).toarray()
        out[q] = {}
        for i, c in enumerate(cs):
            s = [S[i, j] for j, d in enumerate(a) if d != c]
            out[q][c] = {**cases[c], "cluster": float(np.mean(s)) if s else 0.0}
    return out


m, n, hm, *_ = evaluate_added(folds, add, ("cluster",))
print(f"cluster K={K} anchor={anchor} official MAP {m:.4f} NDCG@30 {n:.4f} hard MAP {hm:.4f}", flush=True)
