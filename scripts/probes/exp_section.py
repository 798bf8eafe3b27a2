"""Legal features from the query's BM25 neighbours (probe, stop 22), added to ``ranksvm-legal``:

* ``section_prior`` / ``chapter_prior``: the neighbours' charge votes summed over every charge in the
  statute section (chapter) of the candidate's charges, so that a confusable neighbour charge (盗窃 /
  诈骗, 寻衅滋事 / 聚众斗殴) still counts;
* ``article_knn`` / ``paragraph_knn``: the share of neighbours citing each Criminal Law article
  (paragraph), cosine with the articles (paragraphs) the candidate cites, sentencing boilerplate left out.

Usage: exp_section.py FEATURE_DUMP [FEATURES[+FEATURES],...]   (LCR_PROBE_CLEAN=1: no query's own judgment votes)
"""
import csv
import sys

import legal_documents_cn
from harness import *

from lcr.experiments.query_lap import _leaked, _without
from lcr.law import criminal_law
from lcr.pipeline.compose import neighbours
from lcr.rerank.query_charges import NEIGHBOURS as K
from lcr.rerank.query_charges import knn_votes
from lcr.retrieve.lexical import BM25Ranker

SECTION, CHAPTER = {}, {}
with (Path(legal_documents_cn.__file__).parent / "criminal_law.csv").open(encoding="utf-8-sig") as f:
    where = {(int(r["article_code"]), int(r["article_sub_code"] or 0)): (r["chapter_code"], r["section_code"])
             for r in csv.DictReader(f) if r["part_name"] == "分则" and r["article_code"].strip().isdigit()}
for art in criminal_law().values():
    for c in art.charges:
        if (art.number, art.sub) in where:
            SECTION[c] = where[(art.number, art.sub)]
            CHAPTER[c] = SECTION[c][0]

lexical, store = lexical_and_store(IDX)
CHARGES = case_charges()
missing = sorted({c for v in CHARGES.values() for c in v if c not in SECTION})
print("charges without a section:", len(missing), missing[:5])
#: The product's BM25 voter's neighbours; with LCR_PROBE_CLEAN=1 the queries' own judgments (and near
#: copies, the leakage audit's) never vote.
find = neighbours(BM25Ranker(lexical, "facts"))
if os.environ.get("LCR_PROBE_CLEAN") == "1":
    find = _without(find, _leaked(IDX, DATA))
NEIGHBOURS = {q: find(queries[q], K) for q in queries}
PRIOR = {q: knn_votes(NEIGHBOURS[q], CHARGES) for q in queries}
#: Sentencing boilerplate every judgment cites (fines, confiscation, term counting, compensation).
BOILERPLATE = {36, 44, 45, 47, 52, 53, 61, 64}
PROVISIONS = {}
for cid, (_, refs) in store.legal_many(store.ids()).items():
    arts = {r.article for r in refs if r.statute == "刑法" and r.article not in BOILERPLATE}
    paras = {(r.article, r.paragraph) for r in refs if r.statute == "刑法" and r.article not in BOILERPLATE}
    PROVISIONS[cid] = (arts, paras)


def knn_provisions(q, level):
    """Weighted share of the query's neighbours citing each provision (``level`` 0 article, 1 paragraph)."""
    out, total = {}, 0.0
    for rank, cid in enumerate(NEIGHBOURS[q]):
        w = 1.0 / (rank + 2)
        total += w
        for a in PROVISIONS.get(cid, (set(), set()))[level]:
            out[a] = out.get(a, 0.0) + w
    return {a: v / total for a, v in out.items()}


PROV = {q: (knn_provisions(q, 0), knn_provisions(q, 1)) for q in queries}


def cosine(dist, keys):
    if not keys or not dist:
        return 0.0
    dot = sum(dist.get(k, 0.0) for k in keys)
    return dot / ((sum(v * v for v in dist.values()) ** 0.5) * len(keys) ** 0.5)


def mass(q, cid, level):
    keys = {level.get(c) for c in CHARGES.get(cid, ())} - {None}
    return min(1.0, sum(p for c, p in PRIOR[q].items() if level.get(c) in keys))


def add(values):
    return {q: {c: {**v, "section_prior": mass(q, c, SECTION), "chapter_prior": mass(q, c, CHAPTER),
                    "article_knn": cosine(PROV[q][0], PROVISIONS.get(c, (set(), set()))[0]),
                    "paragraph_knn": cosine(PROV[q][1], PROVISIONS.get(c, (set(), set()))[1])}
                for c, v in cases.items()} for q, cases in values.items()}


if __name__ == "__main__":
    folds = load(sys.argv[1])
    sets = [tuple(a.split("+")) for a in sys.argv[2].split(",")] if len(sys.argv) > 2 else [
        ("section_prior",), ("chapter_prior",), ("article_knn",), ("paragraph_knn",), ("article_knn", "paragraph_knn")]
    for names in sets:
        m, n, hm, *_ = evaluate_added(folds, add, names)
        print(f"+{'+'.join(names)} official MAP {m:.4f} NDCG@30 {n:.4f} hard MAP {hm:.4f}", flush=True)
