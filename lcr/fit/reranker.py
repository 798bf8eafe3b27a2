"""The RankSVM reranker, fitted estimator-style (:class:`RerankerRecipe`) on cross-fitted features.

Per outer fold: the LCM-LAI fold model (trained on the training queries) and the fold's RankSVM make
the fold's :class:`~lcr.pipeline.compose.PipelineParts`, from which the production
:func:`~lcr.pipeline.compose.build_pipeline` composes the very pipeline an index with those models
serves. Features of the *training* queries are cross-fitted: each inner fold's queries get their
LCM-LAI features from a model trained on the other inner folds, so the RankSVM never learns to trust a
score that has seen the query it is scoring. C and the feature normalisation are chosen by inner
cross-validation on the training queries only (:meth:`RankSVM.fit_cv`, once per normalisation).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lcr.encode.embedding_cache import cached_encoder
from lcr.eval.querysets import cv5_folds
from lcr.fit.lcm_lai import ExperimentConfig, Resources, fold_model
from lcr.index.bundle import DenseParts, open_case_store, open_index_lexical
from lcr.index.casestore import CaseStore
from lcr.index.lexical import LexicalBackend
from lcr.models.ranksvm import RankSVM
from lcr.pipeline.compose import FIRST_STAGE_DEPTH, PipelineParts, Stages
from lcr.records import Qrels, Query
from lcr.rerank.features import NORMALISATIONS, FeatureSpec, FeatureTable
from lcr.rerank.stages import LEGAL_FEATURES

log = logging.getLogger(__name__)

#: The reranker the product ships (trained by ``lcr train --reranker``).
PRODUCTION_RERANKER = "ranksvm-legal"
#: Where a fold RankSVM records the inner-CV score of each feature normalisation it tried.
NORMALISATION_CV_KEY = "normalisation_cv"

Values = dict[str, dict[str, dict[str, float]]]


def fold_stages(res: Resources, cfg: ExperimentConfig, lexical: LexicalBackend, store: CaseStore, fold: int | str,
                train_qids: list[str]) -> Stages:
    """The stages of one fold: its LCM-LAI model over the corpus sentences, exactly as an index built
    with that model holds them (FAISS and candidate views are computed from the same sentence store)."""
    model = fold_model(res, cfg, cfg.lcm_variant, fold, train_qids, show_progress=False)
    dense = DenseParts(model, res.labels, res.cases, None, cached_encoder(cfg.encoder), cfg.train.max_sentences,
                       cfg.article_weight)
    return Stages(PipelineParts(lexical, store, dense))


def _inner_folds(train_qids: list[str], n: int = 4) -> list[list[str]]:
    return [train_qids[i::n] for i in range(n)]


def training_rows(qrels: Qrels, stages: Stages, query: Query, pools: dict[str, list[str]] | None,
                  served: bool) -> list[str]:
    """A training query's rows: its labelled candidates, with ``pools`` its whole pool, with ``served``
    also its first-stage top :data:`FIRST_STAGE_DEPTH` over the corpus (from the same cross-fitted stages)."""
    rows = set(qrels[query.qid]) | (set(pools.get(query.qid, ())) if pools else set())
    if served:
        rows |= {h.case_id for h in stages.first_stage().rank(query, None, FIRST_STAGE_DEPTH)}
    return sorted(rows)


def cross_fitted_values(res: Resources, cfg: ExperimentConfig, lexical: LexicalBackend, store: CaseStore,
                        folds: Sequence[Sequence[str]], labels: Sequence[int | str], queries: dict[str, Query],
                        pools: dict[str, list[str]] | None = None, served: bool = False) -> Values:
    """Cross-fitting: the features of each fold's queries from the stages of a model trained on the other
    folds only (``labels[i]`` names fold *i*'s model in the cache), so no query's features come from a model
    that has seen it. Rows: :func:`training_rows`."""
    values: Values = {}
    for i, held in enumerate(folds):
        rest = [q for j, f in enumerate(folds) if j != i for q in f]
        stages = fold_stages(res, cfg, lexical, store, labels[i], rest)
        for q in held:
            if q in res.qrels and q in queries:
                values[q] = stages.features(queries[q], training_rows(res.qrels, stages, queries[q], pools, served))
    return values


def training_values(res: Resources, cfg: ExperimentConfig, lexical: LexicalBackend, store: CaseStore, fold: int,
                    train_qids: list[str], queries: dict[str, Query],
                    pools: dict[str, list[str]] | None = None, served: bool = False) -> Values:
    """Cross-fitted features of one outer fold's training queries, over four inner folds of them (with
    ``pools``: of each query's whole pool, the unlabelled documents counting as grade 0; with ``served``:
    also of its first-stage top candidates over the corpus, the unjudged ones grade 0)."""
    inner = _inner_folds(sorted(q for q in train_qids if q in res.qrels and q in queries))
    return cross_fitted_values(res, cfg, lexical, store, inner, [f"{fold}-{g}" for g in range(len(inner))],
                               queries, pools, served)


def production_values(res: Resources, cfg: ExperimentConfig, lexical: LexicalBackend, store: CaseStore,
                      queries: dict[str, Query], pools: dict[str, list[str]] | None = None,
                      served: bool = False) -> Values:
    """Cross-fitted features of all queries for a production reranker: each cv5 fold's queries get their
    LCM-LAI features from the model trained on the other four folds (the evaluation's fold models)."""
    folds = cv5_folds("lecard-v1")
    return cross_fitted_values(res, cfg, lexical, store, folds, list(range(len(folds))), queries, pools, served)


@dataclass(frozen=True)
class RerankerRecipe:
    """How a RankSVM reranker is trained: which features, and which documents of a training query are its
    rows (the labelled candidates; with ``pools`` its whole pool, unlabelled = grade 0; with ``served`` also
    the first stage's top over the corpus). C and the feature normalisation are chosen by inner CV."""

    features: tuple[str, ...]
    pools: bool = True
    served: bool = False

    def fit(self, values: Values, qrels: Qrels) -> RankSVM:
        """The RankSVM over ``values`` (query -> case -> feature values): one inner-CV fit per feature
        normalisation, the best inner-CV score kept (ties go to the earlier of :data:`NORMALISATIONS`);
        every normalisation's score is recorded in ``model.metadata[NORMALISATION_CV_KEY]``."""
        models: dict[str, RankSVM] = {}
        for normalise in NORMALISATIONS:
            spec = FeatureSpec(tuple(self.features), normalise=normalise)
            table = FeatureTable.build(values, spec)
            model = RankSVM()
            spec.save_to(model)
            models[normalise] = model.fit_cv(table.matrix, table.grades_for(qrels), table.groups,
                                             table.feature_names)
        scores = {normalise: model.cv_scores[model.C] for normalise, model in models.items()}
        chosen = models[max(scores, key=scores.__getitem__)]  # max keeps the first of equal scores
        chosen.metadata[NORMALISATION_CV_KEY] = scores
        return chosen

    def fit_production(self, res: Resources, cfg: ExperimentConfig, lexical: LexicalBackend, store: CaseStore,
                       queries: dict[str, Query], pools: dict[str, list[str]]) -> tuple[RankSVM, int]:
        """The reranker on every judged query, its features cross-fitted over the cv5 folds; returns the
        model and the number of training queries."""
        values = production_values(res, cfg, lexical, store, queries, pools if self.pools else None, self.served)
        return self.fit(values, res.qrels), len(values)


#: The served reranker's recipe (``ranksvm-legal``): every legal feature, whole pools as training rows.
SERVED_RECIPE = RerankerRecipe(LEGAL_FEATURES, pools=True)


@functools.cache
def lexical_and_store(index_folder: Path) -> tuple[LexicalBackend, CaseStore]:
    """An index's lexical backend and case store (what the fold stages are built over)."""
    return open_index_lexical(index_folder), open_case_store(index_folder)
