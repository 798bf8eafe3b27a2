"""Other lexical scorers over the fact sections (probe, stop 22): query likelihood with Dirichlet smoothing,
word TF-IDF cosine, and character 2-3-gram TF-IDF cosine (candidates made query-like). Each ranks alone,
no training, all 107 queries; the values per query and candidate go to ``$LCR_PROBES/extra.json``.

Usage: lexical_alt.py
"""
import collections
import json
import math

from harness import *
from sklearn.feature_extraction.text import TfidfVectorizer

from lcr.experiments.query_lap import query_like

lex, store = lexical_and_store(IDX)
seg = lex.segmenter
ids = store.ids()
facts = {c: store.facts(c) for c in ids}
print('facts read', flush=True)
toks = {c: seg.tokenize(facts[c]) for c in ids}
print('tokenized', flush=True)
# collection LM
cf = collections.Counter(); total = 0
for c in ids: cf.update(toks[c]); total += len(toks[c])
qtok = {q: seg.tokenize(queries[q].text) for q in queries}
need = {q: sorted(set(ds.pools.get(q, ())) | set(ds.qrels.get(q, {}))) for q in queries}
MU = 1000
def lm(q, c):
    tf = collections.Counter(toks[c]); L = len(toks[c]); s = 0.0
    for t in qtok[q]:
        p = cf.get(t, 0) / total
        if p == 0: continue
        s += math.log((tf.get(t, 0) + MU * p) / (L + MU)) - math.log(p)  # rank-equivalent, length-normalised
    return s / max(1, len(qtok[q]))
wv = TfidfVectorizer(analyzer=lambda x: x, sublinear_tf=True, min_df=2).fit([toks[c] for c in ids])
W = wv.transform([toks[c] for c in ids]); row = {c: i for i, c in enumerate(ids)}
QW = wv.transform([qtok[q] for q in queries]); qrow = {q: i for i, q in enumerate(queries)}
ql = {c: query_like(facts[c])[:3000] for c in ids}
cv = TfidfVectorizer(analyzer='char', ngram_range=(2, 3), sublinear_tf=True, min_df=2, max_features=500000).fit([ql[c] for c in ids])
C = cv.transform([ql[c] for c in ids]); QC = cv.transform([queries[q].text for q in queries])
print('vectorised', flush=True)
out = {}
for q in queries:
    rows = [row[c] for c in need[q]]
    wcos = (W[rows] @ QW[qrow[q]].T).toarray().ravel()
    ccos = (C[rows] @ QC[qrow[q]].T).toarray().ravel()
    out[q] = {c: {"lm_dir": lm(q, c), "tfidf_cos": float(a), "char_cos": float(b), "log_len": math.log1p(len(facts[c]))}
              for c, a, b in zip(need[q], wcos, ccos)}
json.dump(out, open(f"{OUT}/extra.json", 'w'))
# standalone quality of each feature
for name in ("lm_dir", "tfidf_cos", "char_cos"):
    for pn, prot in (("off", OFF), ("hard", HARD)):
        run = {q: {c: out[q][c][name] for c in prot.candidates(ED, q)} for q in queries}
        r = prot.evaluate(run, ED, list(queries))
        print(name, pn, round(r.mean["MAP"], 4), round(r.mean["NDCG@30"], 4), flush=True)
