"""RankSVM on LeCaRD, cross-validated, and the systems built around it.

Per outer fold: the LCM-LAI fold model (trained on the training queries) supplies the features of the
test queries. Features of the *training* queries are cross-fitted: each inner fold's queries get their
LCM-LAI features from a model trained on the other inner folds, so the RankSVM never learns to trust a
score that has seen the query it is scoring. C is chosen by inner cross-validation on the training
queries only (:meth:`RankSVM.fit_cv`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lcr.errors import BadInput
from lcr.index.casestore import CaseStore
from lcr.index.lexical import TantivyBM25
from lcr.models.crossval import ExperimentConfig, Resources, fold_model
from lcr.models.lcm_lai import FEATURE_NAMES
from lcr.records import Query, ScoredCase
from lcr.rerank.features import FeatureSpec, FeatureTable
from lcr.rerank.legal_features import LegalFeatures
from lcr.rerank.ranksvm import RankSVM
from lcr.retrieve.base import Ranker, finalise
from lcr.retrieve.dense import E5CosineRanker, LcmLaiRanker
from lcr.retrieve.fusion import DENSE_WEIGHT, FusionRanker
from lcr.retrieve.lexical import BM25Ranker

log = logging.getLogger(__name__)

ALL_FEATURES = ("bm25_facts", "bm25_reasoning", "bm25_full_text", "e5_cosine", "lcm_lai", *FEATURE_NAMES,
                "cited_article_mass", "cited_circumstance_mass", "charge_match")
#: Feature groups, for the ablation systems ``ranksvm-minus-<group>``.
FEATURE_GROUPS = {
    "lexical": ("bm25_facts", "bm25_reasoning", "bm25_full_text"),
    "encoder": ("e5_cosine",),
    "lcm": ("lcm_lai", *FEATURE_NAMES),
    "articles": ("cited_article_mass", "cited_circumstance_mass", "charge_match"),
}
FEATURE_SETS = {"ranksvm": ALL_FEATURES, "ranksvm-lcm-pooled": FEATURE_NAMES, "ranksvm-pool": ALL_FEATURES,
                **{f"ranksvm-minus-{g}": tuple(f for f in ALL_FEATURES if f not in fs)
                   for g, fs in FEATURE_GROUPS.items()}}
#: Systems trained on whole pools (unlabelled documents as grade 0) instead of the labelled candidates only.
POOL_TRAINED = {"ranksvm-pool"}
RERANK_DEPTH = 100


@dataclass
class FoldParts:
    lcm: LcmLaiRanker
    features: LegalFeatures
    first_stage: FusionRanker


def fold_parts(res: Resources, cfg: ExperimentConfig, lexical: TantivyBM25, store: CaseStore, fold: int | str,
               train_qids: list[str], fusion: str = "rrf") -> FoldParts:
    model = fold_model(res, cfg, "lcm-lai", fold, train_qids, show_progress=False)  # type: ignore[arg-type]
    lcm = LcmLaiRanker("lcm-lai", model, lambda q: res.queries, res.cases, cfg.train.max_sentences,
                       cfg.article_weight)
    e5 = E5CosineRanker(lambda q: res.queries, res.cases)
    feats = LegalFeatures(lexical, store, e5, lcm, res.labels)
    first = FusionRanker([BM25Ranker(lexical, "facts"), lcm], method=fusion,  # type: ignore[arg-type]
                         weights=[1.0, DENSE_WEIGHT], name=f"hybrid-{fusion}@{DENSE_WEIGHT:g}")
    return FoldParts(lcm, feats, first)


def _inner_folds(train_qids: list[str], n: int = 4) -> list[list[str]]:
    return [train_qids[i::n] for i in range(n)]


def training_values(res: Resources, cfg: ExperimentConfig, lexical: TantivyBM25, store: CaseStore, fold: int,
                    train_qids: list[str], queries: dict[str, Query],
                    pools: dict[str, list[str]] | None = None) -> dict[str, dict[str, dict[str, float]]]:
    """Cross-fitted features of every training query's labelled candidates (with ``pools``: of its whole
    pool, the unlabelled documents counting as grade 0)."""
    values: dict[str, dict[str, dict[str, float]]] = {}
    inner = _inner_folds(sorted(train_qids))
    for g, held in enumerate(inner):
        rest = [q for h, f in enumerate(inner) if h != g for q in f]
        parts = fold_parts(res, cfg, lexical, store, f"{fold}-{g}", rest)
        for q in held:
            cands = sorted(set(res.qrels[q]) | set(pools.get(q, ()))) if pools else sorted(res.qrels[q])
            values[q] = parts.features(queries[q], cands)
    return values


def production_values(res: Resources, cfg: ExperimentConfig, lexical: TantivyBM25, store: CaseStore,
                      queries: dict[str, Query], pools: dict[str, list[str]] | None = None
                      ) -> dict[str, dict[str, dict[str, float]]]:
    """Cross-fitted features of all queries for the production reranker: each cv5 fold's queries get
    their LCM-LAI features from the model trained on the other four folds (the evaluation's fold models).
    With ``pools``, every pool document is a training row (unlabelled = grade 0), as in ``ranksvm-pool``."""
    from lcr.eval.querysets import cv5_folds

    folds = cv5_folds("lecard-v1")
    values: dict[str, dict[str, dict[str, float]]] = {}
    for i, held in enumerate(folds):
        rest = [q for j, f in enumerate(folds) if j != i for q in f]
        parts = fold_parts(res, cfg, lexical, store, i, rest)
        for q in held:
            cands = sorted(set(res.qrels[q]) | set(pools.get(q, ()))) if pools else sorted(res.qrels[q])
            values[q] = parts.features(queries[q], cands)
    return values


def fit_fold_ranksvm(values, qrels, feature_set: Sequence[str]) -> RankSVM:
    spec = FeatureSpec(tuple(feature_set), normalise="query-zscore")
    table = FeatureTable.build(values, spec)
    model = RankSVM()
    spec.save_to(model)
    return model.fit_cv(table.matrix, table.grades_for(qrels), table.groups, table.feature_names)


class _FeatureReranker:
    """Shared shape of the feature-based rankers: candidates come from the caller, or else from the first
    stage's top ``depth`` (the tail below keeps its first-stage order); subclasses score the features."""

    name: str

    def __init__(self, features: Callable, first_stage: Ranker | None, depth: int = RERANK_DEPTH):
        self.features = features
        self.first_stage = first_stage
        self.depth = depth

    def _score(self, ids: list[str], values: dict[str, dict[str, float]]) -> list[ScoredCase]:
        raise NotImplementedError

    def rank(self, query: Query, candidates: Sequence[str] | None, k: int) -> list[ScoredCase]:
        tail: list[ScoredCase] = []
        if candidates is None:
            if self.first_stage is None:
                raise BadInput(f"{self.name} has no first stage: give it candidates")
            first = self.first_stage.rank(query, None, max(k, self.depth))
            ids, tail = [h.case_id for h in first[: self.depth]], first[self.depth :]
        else:
            ids = list(candidates)
        hits = finalise(self._score(ids, self.features(query, ids)))
        floor = min((h.score for h in hits), default=0.0)
        hits += [ScoredCase(h.case_id, floor - 1.0 - i, features=h.features) for i, h in enumerate(tail)]
        return finalise(hits)[:k]


class RankSVMRanker(_FeatureReranker):
    """First stage (when no candidates are given) >> features >> RankSVM."""

    def __init__(self, name: str, model: RankSVM, features: Callable, first_stage: Ranker | None,
                 depth: int = RERANK_DEPTH):
        super().__init__(features, first_stage, depth)
        self.name = name
        self.model = model
        self.spec = FeatureSpec.of(model)

    def _score(self, ids: list[str], values: dict[str, dict[str, float]]) -> list[ScoredCase]:
        table = FeatureTable.build({"q": {c: values[c] for c in ids}}, self.spec)
        scores = self.model.decision_function(table.matrix)
        hits = []
        for i, c in enumerate(ids):
            contrib = {f"contrib:{n}": v for n, v in self.model.contributions(table.matrix[i]).items()}
            hits.append(ScoredCase(c, float(scores[i]), features={**values[c], **contrib}))
        return hits


class SingleFeatureRanker(_FeatureReranker):
    """Ranks by one feature alone."""

    def __init__(self, feature: str, features: Callable, first_stage: Ranker, depth: int = RERANK_DEPTH):
        super().__init__(features, first_stage, depth)
        self.name = f"feature:{feature}"
        self.feature = feature

    def _score(self, ids: list[str], values: dict[str, dict[str, float]]) -> list[ScoredCase]:
        return [ScoredCase(c, values[c].get(self.feature, 0.0)) for c in ids]
