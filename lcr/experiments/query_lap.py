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
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from data_tools.registry import load_benchmark
from lcr.eval.leakage import audit_leakage
from lcr.eval.querysets import cv5_folds
from lcr.experiments.systems import fold_stages_cached, lexical_and_store
from lcr.law import criminal_law
from lcr.records import Query
from lcr.rerank.query_charges import ChargePredictor, Distribution, charge_set, mix, top1

SPLITS = ("all", "common", "controversial")
#: The product's predictor (what the served pipeline's charge features read).
PRODUCT = "combined"


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
