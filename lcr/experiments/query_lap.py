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

Other predictors are scored beside them, as ablations (none feeds the product): the BM25 voter with
fewer or more neighbours, or over the judgments' full text (:data:`KNN_VARIANTS`); a supervised
charge classifier (``tfidf-logreg``: TF-IDF char 1-2-grams + one-vs-rest logistic regression, C=10,
trained on every corpus judgment made query-like, :func:`query_like`, except the LeCaRD queries'
near-duplicates); and ``jurex-elements``, the query's fact sentences against the four elements of
JUREX-4E's 155 charges (:func:`element_voter`); each alone and mixed equally with the product's prediction.

The voters' weights are chosen without the queries (:func:`select_voter_weights`): on
:data:`PSEUDO_QUERIES` *pseudo-queries*, corpus judgments made to read like queries (their fact sections
without the sentences that name the charge, the prosecution or the court's finding, cut to
:data:`PSEUDO_CHARS` characters), drawn from the fifth of the candidates held out of all LAP training,
each scored against its own judgment's charges, its neighbours never including that judgment or a
near-duplicate of it. The same table shows how much harder LeCaRD's queries are than ordinary cases.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import MultiLabelBinarizer
from tqdm import tqdm

from data_tools.registry import load_benchmark
from lcr.charge_elements import charge_elements
from lcr.encode.sentence_store import SENTENCE_ROLE
from lcr.errors import BadQuery
from lcr.eval.leakage import ANONYMISED, DEFAULT_THRESHOLD, ngram_hashes
from lcr.eval.querysets import cv5_folds
from lcr.experiments.near_duplicates import leaked_duplicates
from lcr.experiments.systems import fold_stages_cached, lexical_and_store
from lcr.fit.lcm_lai import held_out
from lcr.index.casestore import CaseStore
from lcr.law import criminal_law
from lcr.pipeline.compose import Stages
from lcr.pipeline.compose import neighbours as corpus_neighbours
from lcr.records import Query
from lcr.rerank.query_charges import (
    ChargePredictor,
    Distribution,
    charge_set,
    knn_votes,
    mix,
    normalised,
    top1,
)
from lcr.retrieve.dense import QueryEncoder
from lcr.retrieve.lexical import BM25Ranker

SPLITS = ("all", "common", "controversial")
#: The product's predictor (what the served pipeline's charge features read).
PRODUCT = "combined"
#: Pseudo-queries: how many corpus judgments, and how much of each one's query-like facts.
PSEUDO_QUERIES = 400
PSEUDO_CHARS = 1500
#: A sentence naming the charge, the prosecution or the court's finding is not query-like.
_LEGAL_SENTENCE = re.compile(r"指控|公诉|检察院|罪名|构成|一案|起诉|判决|本院|犯.{0,12}罪")


#: BM25 kNN voters scored as ablations: name -> (field searched, neighbours).
KNN_VARIANTS = {"bm25-knn@5": ("facts", 5), "bm25-knn@50": ("facts", 50), "full-text-knn": ("full_text", 20)}


def charge_classifier(store: CaseStore, case_charges: dict[str, list[str]],
                      exclude: set[str]) -> Callable[[Query], Distribution]:
    """``tfidf-logreg``: a supervised charge classifier over the corpus judgments' query-like facts."""
    ids = [c for c in store.ids() if case_charges.get(c) and c not in exclude]
    labels = MultiLabelBinarizer()
    y = labels.fit_transform([case_charges[c] for c in ids])
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), min_df=2, max_features=200_000, sublinear_tf=True)
    x = vec.fit_transform([query_like(store.facts(c)) for c in tqdm(ids, desc="classifier texts", leave=False)])
    clf = OneVsRestClassifier(LogisticRegression(C=10.0, max_iter=200, solver="liblinear"), n_jobs=1).fit(x, y)

    def predict(query: Query) -> Distribution:
        probs = clf.predict_proba(vec.transform([query.text]))[0]
        return normalised({c: float(p) for c, p in zip(labels.classes_, probs, strict=True)})
    return predict


#: Softmax temperature of the element voter's cosines (e5 cosines of related texts sit within a few hundredths).
ELEMENT_TEMPERATURE = 0.02


def element_voter(queries: QueryEncoder) -> Callable[[Query], Distribution]:
    """``jurex-elements``: each charge JUREX-4E describes, scored by the best cosine between one of the
    query's fact sentences (encoded as the pipeline encodes them) and the charge's four elements in one
    text; a softmax over the charges at :data:`ELEMENT_TEMPERATURE`. Reads no label."""
    table = charge_elements()
    names = list(table)
    texts = [f"{e.charge}：{e.object}；{e.objective}；{e.subject}；{e.subjective}" for e in table.values()]
    vectors = queries.encoder.encode(texts, role=SENTENCE_ROLE).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)

    def predict(query: Query) -> Distribution:
        sentences = queries(query).embeddings(query.qid).astype(np.float32)
        sentences /= np.linalg.norm(sentences, axis=1, keepdims=True)
        best = (sentences @ vectors.T).max(axis=0)
        weights = np.exp((best - best.max()) / ELEMENT_TEMPERATURE)
        return normalised({c: float(w) for c, w in zip(names, weights, strict=True)})
    return predict


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
    lexical, store = lexical_and_store(index_folder)
    folds = cv5_folds("lecard-v1")
    predictions: dict[str, dict[str, Distribution]] = {}
    leaked = leaked_duplicates(index_folder, data)
    knn = {name: corpus_neighbours(BM25Ranker(lexical, field)) for name, (field, _) in KNN_VARIANTS.items()}
    classifier = charge_classifier(store, {c: list(v) for c, (v, _) in store.legal_many(store.ids()).items()},
                                   set().union(*leaked.values()) if leaked else set())
    for i, held in enumerate(folds):
        rest = sorted(q for j, f in enumerate(folds) if j != i for q in f)
        stages = fold_stages_cached(index_folder, data, config, i, tuple(rest))
        assert stages.charges is not None and stages.lcm is not None
        elements = element_voter(stages.lcm.queries)
        clean = ChargePredictor(stages.charges.case_charges,
                                {n: _without(f, leaked) for n, f in stages.charges.neighbours.items()},
                                lap=stages.lcm.query_articles, labels=stages.lcm.labels)
        for q in held:
            if q not in queries:
                continue
            votes = stages.charges.voters(queries[q])
            row = {**votes, "combined": stages.charges.predict(queries[q], use_hint=False),
                   "equal-weights": mix(list(votes.values())),
                   "knn-only": mix([votes["bm25-knn"], votes["dense-knn"]])}
            clean_votes = clean.voters(queries[q])
            row["bm25-knn-no-duplicates"] = clean_votes["bm25-knn"]
            row["dense-knn-no-duplicates"] = clean_votes["dense-knn"]
            row["combined-no-duplicates"] = clean.predict(queries[q], use_hint=False)
            for name, (_, k) in KNN_VARIANTS.items():
                row[name] = knn_votes(knn[name](queries[q], k), stages.charges.case_charges)
            row["tfidf-logreg"] = classifier(queries[q])
            row["combined+tfidf-logreg"] = mix([row["combined"], row["tfidf-logreg"]])
            row["jurex-elements"] = elements(queries[q])
            row["combined+jurex-elements"] = mix([row["combined"], row["jurex-elements"]])
            for name, dist in row.items():
                predictions.setdefault(name, {})[q] = dist
    splits = {name: [q for q in ds.split(name) if q in queries and queries[q].charges] for name in SPLITS}
    return {name: {split: score(preds, queries, qids) for split, qids in splits.items()}
            for name, preds in predictions.items()}


def query_like(facts: str) -> str:
    """A judgment's facts without the sentences that state its legal characterisation, as a query reads."""
    sentences = re.split(r"(?<=[。；！？])", facts)
    return "".join(s for s in sentences if not _LEGAL_SENTENCE.search(s))[:PSEUDO_CHARS]


def _kept(find: Callable[[Query, int], list[str]], keep: Callable[[str], bool]):
    def neighbours(query: Query, k: int) -> list[str]:
        return [c for c in find(query, 3 * k) if keep(c)][:k]
    return neighbours


def pseudo_query_votes(stages: Stages, store: CaseStore, exclude: set[str], n: int = PSEUDO_QUERIES,
                       seed: int = 0) -> tuple[list[dict[str, Distribution]], list[set[str]]]:
    """Every voter's distribution for ``n`` pseudo-queries, and each one's true charges. The judgments
    are drawn from the fifth held out of all LAP training (so the LAP head has not seen them), leaving
    out ``exclude``; a pseudo-query's neighbours never include its judgment or a near-duplicate of it."""
    assert stages.charges is not None
    legal = stages.charges.case_charges
    pool = [c for c in store.ids() if held_out(c) and c not in exclude and legal.get(c)]
    chosen = random.Random(seed).sample(pool, min(n, len(pool)))
    hashes: dict[str, np.ndarray] = {}

    def doc_hashes(cid: str) -> np.ndarray:
        if cid not in hashes:
            hashes[cid] = ngram_hashes(store.facts(cid))
        return hashes[cid]

    lcm = stages.lcm
    votes, truths = [], []
    for cid in tqdm(chosen, desc="pseudo-queries", leave=False):
        text = query_like(store.facts(cid))
        grams = ngram_hashes(text, skip=ANONYMISED)
        if not text or not len(grams):
            continue

        def keep(other: str, cid=cid, grams=grams) -> bool:
            return other != cid and np.isin(grams, doc_hashes(other), assume_unique=True).mean() < DEFAULT_THRESHOLD

        predictor = ChargePredictor(legal, {name: _kept(find, keep) for name, find in stages.charges.neighbours.items()},
                                    lap=lcm.query_articles if lcm is not None else None,
                                    labels=lcm.labels if lcm is not None else None)
        try:
            votes.append(predictor.voters(Query(f"pseudo-{cid}", text)))
        except BadQuery:  # no usable fact sentence left
            continue
        truths.append(set(legal[cid]))
    return votes, truths


def _accuracy(votes: list[dict[str, Distribution]], truths: list[set[str]], weights: dict[str, float]) -> float:
    hits = [top1(mix(list(v.values()), [weights.get(name, 0.0) for name in v])) in t
            for v, t in zip(votes, truths, strict=True)]
    return float(np.mean(hits)) if hits else 0.0


def select_voter_weights(votes: list[dict[str, Distribution]], truths: list[set[str]],
                         step: float = 0.1) -> dict:
    """The voter weights (a grid over the simplex) with the best top-1 accuracy on the pseudo-queries;
    ties go to the weights nearest to equal. Also each voter alone and the equal mix, for the report."""
    names = sorted({name for v in votes for name in v})
    ticks = int(round(1 / step))
    grid = [dict(zip(names, (t / ticks for t in combo), strict=True))
            for combo in itertools.product(range(ticks + 1), repeat=len(names)) if sum(combo) == ticks]
    equal = {name: 1.0 / len(names) for name in names}

    def distance(w: dict[str, float]) -> float:
        return sum((w[n] - equal[n]) ** 2 for n in names)

    scored = [(_accuracy(votes, truths, w), -distance(w), w) for w in grid]
    best_acc, _, best = max(scored, key=lambda t: (t[0], t[1]))
    return {"pseudo_queries": len(truths), "grid_step": step, "selected": {n: round(best[n], 3) for n in names},
            "top1_selected": best_acc, "top1_equal": _accuracy(votes, truths, equal),
            "top1_single": {n: _accuracy(votes, truths, {n: 1.0}) for n in names},
            "chars": PSEUDO_CHARS}


def pseudo_queries_report(index_folder: Path, data: Path, config: Path | None = None) -> dict:
    """The pseudo-query measurement and voter selection over an index's corpus, with fold 0's stages
    (the held-out judgments are outside every fold's LAP training), leaving out the LeCaRD queries'
    near-duplicates."""
    _, store = lexical_and_store(index_folder)
    leaked = leaked_duplicates(index_folder, data)
    folds = cv5_folds("lecard-v1")
    rest = sorted(q for f in folds[1:] for q in f)
    stages = fold_stages_cached(index_folder, data, config, 0, tuple(rest))
    votes, truths = pseudo_query_votes(stages, store, set().union(*leaked.values()) if leaked else set())
    return select_voter_weights(votes, truths)
