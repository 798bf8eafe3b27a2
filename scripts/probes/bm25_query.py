"""BM25 with other query weightings (probe, stop 22): distinct terms (the product), raw and square-root
query term frequency, and the query cut to content words by jieba POS tags (no person / place / time /
number words). Each ranks alone, no training, all 107 queries.

Usage: bm25_query.py
"""
import collections
import re

import jieba.posseg as pseg
import tantivy
from harness import *

lex, store = lexical_and_store(IDX)
qids = [q for q in queries]
def run_with(termsfn, field="facts", prot=OFF):
    run={}
    for q in qids:
        ids = prot.candidates(ED, q)
        terms = termsfn(queries[q].text)
        if not terms: run[q]={c:0.0 for c in ids}; continue
        qq = tantivy.Query.boolean_query([(tantivy.Occur.Should, tantivy.Query.boost_query(tantivy.Query.term_query(lex._schema, field, t, index_option="freq"), float(w))) for t,w in terms.items()])
        wanted=dict.fromkeys(ids,0.0)
        for cid,s in lex._hits(lex._restricted(qq, wanted), len(wanted)): wanted[cid]=s
        run[q]=wanted
    r = prot.evaluate(run, ED, qids)
    return r.mean["MAP"], r.mean["NDCG@30"]
seg = lex.segmenter
def distinct(t): return {x:1.0 for x in dict.fromkeys(seg.tokenize(t))}
def qtf(t): return dict(collections.Counter(seg.tokenize(t)))
def sqrtqtf(t): return {k:v**0.5 for k,v in collections.Counter(seg.tokenize(t)).items()}
DROP={'nr','ns','nt','t','m','q','nrt','nrfg','mq','tg'}
cache={}
def pos_ok(t):
    if t not in cache:
        ok=set()
        for w,f in pseg.cut(t):
            if f not in DROP and not re.search(r'[0-9０-９×某]', w): ok.add(w.strip().lower())
        cache[t]=ok
    return cache[t]
def posf(t):
    ok=pos_ok(t); return {x:1.0 for x in dict.fromkeys(seg.tokenize(t)) if x in ok}
def posqtf(t):
    ok=pos_ok(t); return {k:v**0.5 for k,v in collections.Counter(seg.tokenize(t)).items() if k in ok}
for name,fn in [('distinct',distinct),('qtf',qtf),('sqrtqtf',sqrtqtf),('pos',posf),('pos+sqrtqtf',posqtf)]:
    for prot,pn in ((OFF,'off'),(HARD,'hard')):
        print(name, pn, run_with(fn, prot=prot), flush=True)
