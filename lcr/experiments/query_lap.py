"""The query side of LAP: how well lcr infers, from a LeCaRD query's facts alone, the law it falls under.

Each query's true charges (``crime`` in query.json) are used here and only here, to *score* the
predictions; no model sees them. Every query is predicted by its cv5 fold's stages (the LCM-LAI LAP head
trained without that fold's queries; the kNN voters read the corpus and its judgments' own charges).

Metrics, over the queries with at least one true charge (106 of 107: ridx -743 has none):

* ``top1_charge_accuracy``: the most probable charge is one of the query's charges;
* ``charge_set_f1``: per-query F1 between the predicted charge set (:func:`charge_set`) and the true one;
* ``article_set_f1``: the same over the specific-part articles defining those charges (the statute's
  charge names map charges to articles, e.g. 盗窃罪 -> 刑法:264).

The kNN voters are also scored with the query's near-duplicates (its own judgment, an appeal, a
co-defendant's: :mod:`lcr.eval.leakage`) removed from the neighbours, since a production query has no
copy of itself in the corpus.

For scale, :func:`pseudo_query_side` scores the BM25-kNN voter the same way on corpus judgments made to
read like queries (their fact sections without the sentences that name the charge or the prosecution,
cut to :data:`PSEUDO_CHARS` characters; neighbours without the judgment itself and its near-duplicates),
where the truth is each judgment's own charges: how hard LeCaRD's queries are next to ordinary cases.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np

from data_tools.registry import load_benchmark
from lcr.eval.leakage import ANONYMISED, DEFAULT_THRESHOLD, audit_leakage, ngram_hashes
from lcr.eval.querysets import cv5_folds
from lcr.experiments.systems import fold_stages_cached, lexical_and_store
from lcr.index.casestore import CaseStore
from lcr.index.lexical import LexicalBackend
from lcr.law import criminal_law
from lcr.records import Query
from lcr.rerank.query_charges import (
    NEIGHBOURS,
    ChargePredictor,
    Distribution,
    charge_set,
    knn_votes,
    mix,
    top1,
)

SPLITS = ("all", "common", "controversial")
#: The product's predictor (what the served pipeline's charge features read).
PRODUCT = "combined"
#: Pseudo-queries: how many corpus judgments, and how much of each one's query-like facts.
PSEUDO_QUERIES = 400
PSEUDO_CHARS = 1500
#: A sentence naming the charge, the prosecution or the court's finding is not query-like.
_LEGAL_SENTENCE = re.compile(r"指控|公诉|检察院|罪名|构成|一案|起诉|判决|本院|犯.{0,12}罪")


def charge_articles() -> dict[str, set[str]]:
    """Charge name -> the keys of the articles that define it."""
    out: dict[str, set[str]] = {}
    for key, art in criminal_law().items():
        for c in art.charges:
            out.setdefault(c, set()).add(key)
    return out


def _f1(pred: set[str], gold: set[str]) -> float:
    if not pred or not gold:
        return 0.0
    tp = len(pred & gold)
    return 2 * tp / (len(pred) + len(gold))


def score(predictions: dict[str, Distribution], queries: dict[str, Query], qids: list[str]) -> dict[str, float]:
    to_articles = charge_articles()

    def articles(charges: set[str]) -> set[str]:
        return {a for c in charges for a in to_articles.get(c, ())}

    rows = []
    for q in qids:
        gold = set(queries[q].charges)
        probs = predictions.get(q, {})
        pred = charge_set(probs)
        rows.append((float(top1(probs) in gold), _f1(pred, gold), _f1(articles(pred), articles(gold))))
    m = np.array(rows) if rows else np.zeros((0, 3))
    return {"queries": len(rows), "top1_charge_accuracy": float(m[:, 0].mean()) if rows else 0.0,
            "charge_set_f1": float(m[:, 1].mean()) if rows else 0.0,
            "article_set_f1": float(m[:, 2].mean()) if rows else 0.0}


def _without(find: Callable[[Query, int], list[str]], leaked: dict[str, set[str]]):
    def neighbours(query: Query, k: int) -> list[str]:
        drop = leaked.get(query.qid, set())
        return [c for c in find(query, k + len(drop)) if c not in drop][:k]
    return neighbours


def evaluate_query_charges(index_folder: Path, data: Path, config: Path | None = None) -> dict:
    """Every voter, their combination (the product's), and the kNN voters without near-duplicates."""
    ds, queries = load_benchmark("lecard-v1", data)
    _, store = lexical_and_store(index_folder)
    folds = cv5_folds("lecard-v1")
    predictions: dict[str, dict[str, Distribution]] = {}
    leaked = audit_leakage({q.qid: q.text for q in queries.values()}, store.facts, ds.pools,
                           store.ids()).leaked_ids()
    for i, held in enumerate(folds):
        rest = sorted(q for j, f in enumerate(folds) if j != i for q in f)
        stages = fold_stages_cached(index_folder, data, config, i, tuple(rest))
        assert stages.charges is not None and stages.lcm is not None
        clean = ChargePredictor(stages.charges.case_charges,
                                {n: _without(f, leaked) for n, f in stages.charges.neighbours.items()},
                                lap=stages.lcm.query_articles, labels=stages.lcm.labels)
        for q in held:
            if q not in queries:
                continue
            votes = stages.charges.voters(queries[q])
            row = {**votes, "combined": mix(list(votes.values())),
                   "knn-only": mix([votes["bm25-knn"], votes["dense-knn"]])}
            clean_votes = clean.voters(queries[q])
            row["bm25-knn-no-duplicates"] = clean_votes["bm25-knn"]
            row["dense-knn-no-duplicates"] = clean_votes["dense-knn"]
            row["combined-no-duplicates"] = mix(list(clean_votes.values()))
            for name, dist in row.items():
                predictions.setdefault(name, {})[q] = dist
    splits = {name: [q for q in ds.split(name) if q in queries and queries[q].charges] for name in SPLITS}
    return {name: {split: score(preds, queries, qids) for split, qids in splits.items()}
            for name, preds in predictions.items()}


def query_like(facts: str) -> str:
    """A judgment's facts without the sentences that state its legal characterisation, as a query reads."""
    sentences = re.split(r"(?<=[。；！？])", facts)
    return "".join(s for s in sentences if not _LEGAL_SENTENCE.search(s))[:PSEUDO_CHARS]


def pseudo_query_side(lexical: LexicalBackend, store: CaseStore, exclude: set[str],
                      n: int = PSEUDO_QUERIES, seed: int = 0) -> dict[str, float]:
    """Top-1 charge accuracy of the BM25-kNN voter on ``n`` corpus judgments (not in ``exclude``, with
    charges) made query-like, each scored against its own charges."""
    legal = store.legal_many(store.ids())
    pool = [c for c in store.ids() if c not in exclude and legal[c][0]]
    chosen = random.Random(seed).sample(pool, min(n, len(pool)))
    hashes: dict[str, np.ndarray] = {}

    def doc_hashes(cid: str) -> np.ndarray:
        if cid not in hashes:
            hashes[cid] = ngram_hashes(store.facts(cid))
        return hashes[cid]

    hits = []
    for cid in chosen:
        text = query_like(store.facts(cid))
        grams = ngram_hashes(text, skip=ANONYMISED)
        if not text or not len(grams):
            continue
        neighbours = [h.case_id for h in lexical.search(text, NEIGHBOURS * 3, field="facts")
                      if h.case_id != cid
                      and np.isin(grams, doc_hashes(h.case_id), assume_unique=True).mean() < DEFAULT_THRESHOLD]
        votes = knn_votes(neighbours[:NEIGHBOURS], {c: legal[c][0] for c in neighbours})
        hits.append(float(top1(votes) in set(legal[cid][0])))
    return {"pseudo_queries": len(hits), "top1_charge_accuracy_bm25_knn": float(np.mean(hits)) if hits else 0.0,
            "chars": PSEUDO_CHARS, "seed": seed}


def pseudo_queries_report(index_folder: Path, data: Path) -> dict[str, float]:
    """:func:`pseudo_query_side` over an index's corpus, leaving out the LeCaRD queries' near-duplicates."""
    ds, queries = load_benchmark("lecard-v1", data)
    lexical, store = lexical_and_store(index_folder)
    leaked = audit_leakage({q.qid: q.text for q in queries.values()}, store.facts, ds.pools,
                           store.ids()).leaked_ids()
    return pseudo_query_side(lexical, store, set().union(*leaked.values()) if leaked else set())
