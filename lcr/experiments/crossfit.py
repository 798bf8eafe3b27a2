"""RankSVM on LeCaRD, cross-validated: each fold's pipeline parts, and cross-fitted training features.

Per outer fold: the LCM-LAI fold model (trained on the training queries) and the fold's RankSVM make
the fold's :class:`~lcr.pipeline.compose.PipelineParts`, from which the production
:func:`~lcr.pipeline.compose.build_pipeline` composes the very pipeline an index with those models
serves. Features of the *training* queries are cross-fitted: each inner fold's queries get their
LCM-LAI features from a model trained on the other inner folds, so the RankSVM never learns to trust a
score that has seen the query it is scoring. C and the feature normalisation are chosen by inner
cross-validation on the training queries only (:meth:`RankSVM.fit_cv`, once per normalisation).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from lcr.encode.embedding_cache import cached_encoder
from lcr.eval.querysets import cv5_folds
from lcr.experiments.crossval import ExperimentConfig, Resources, fold_model
from lcr.index.bundle import DenseParts
from lcr.index.casestore import CaseStore
from lcr.index.lexical import TantivyBM25
from lcr.models.lcm_lai import FEATURE_NAMES
from lcr.models.ranksvm import RankSVM
from lcr.pipeline.compose import FIRST_STAGE_DEPTH, PipelineParts, Stages
from lcr.records import Qrels, Query
from lcr.rerank.features import NORMALISATIONS, FeatureSpec, FeatureTable
from lcr.rerank.stages import ALL_FEATURES, CHARGE_FEATURES, CIRCUMSTANCE_FEATURES, LEGAL_FEATURES

log = logging.getLogger(__name__)

#: Feature groups, for the ablation systems ``ranksvm-minus-<group>``.
FEATURE_GROUPS = {
    "lexical": ("bm25_facts", "bm25_reasoning", "bm25_full_text"),
    "encoder": ("e5_cosine",),
    "lcm": ("lcm_lai", *FEATURE_NAMES),
    "articles": ("cited_article_mass", "cited_circumstance_mass", "charge_match"),
}
#: The query-side legal groups, ablated from ``ranksvm-legal`` as ``ranksvm-legal-minus-<group>``.
LEGAL_GROUPS = {"charges": CHARGE_FEATURES, "circumstances": CIRCUMSTANCE_FEATURES}
FEATURE_SETS = {"ranksvm": ALL_FEATURES, "ranksvm-lcm-pooled": FEATURE_NAMES, "ranksvm-pool": ALL_FEATURES,
                **{f"ranksvm-minus-{g}": tuple(f for f in ALL_FEATURES if f not in fs)
                   for g, fs in FEATURE_GROUPS.items()},
                "ranksvm-legal": LEGAL_FEATURES, "ranksvm-legal-served": LEGAL_FEATURES,
                **{f"ranksvm-legal-minus-{g}": tuple(f for f in LEGAL_FEATURES if f not in fs)
                   for g, fs in LEGAL_GROUPS.items()}}
#: Systems trained on whole pools (unlabelled documents as grade 0) instead of the labelled candidates only.
POOL_TRAINED = {"ranksvm-pool", "ranksvm-legal", *(f"ranksvm-legal-minus-{g}" for g in LEGAL_GROUPS),
                "ranksvm-legal-served"}
#: Systems whose training rows also hold each training query's first-stage top :data:`FIRST_STAGE_DEPTH`
#: over the whole corpus (the documents the served reranker actually re-scores), the unjudged ones as
#: grade 0, so that the reranker learns to keep unjudged look-alikes below judged cases.
SERVED_TRAINED = {"ranksvm-legal-served"}
#: The reranker the product ships (trained by ``lcr train --reranker``).
PRODUCTION_RERANKER = "ranksvm-legal"
#: Where a fold RankSVM records the inner-CV score of each feature normalisation it tried.
NORMALISATION_CV_KEY = "normalisation_cv"

Values = dict[str, dict[str, dict[str, float]]]


def fold_stages(res: Resources, cfg: ExperimentConfig, lexical: TantivyBM25, store: CaseStore, fold: int | str,
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


def training_values(res: Resources, cfg: ExperimentConfig, lexical: TantivyBM25, store: CaseStore, fold: int,
                    train_qids: list[str], queries: dict[str, Query],
                    pools: dict[str, list[str]] | None = None, served: bool = False) -> Values:
    """Cross-fitted features of every training query's labelled candidates (with ``pools``: of its whole
    pool, the unlabelled documents counting as grade 0; with ``served``: also of its first-stage top
    candidates over the corpus, the unjudged ones grade 0)."""
    values: Values = {}
    inner = _inner_folds(sorted(q for q in train_qids if q in res.qrels and q in queries))
    for g, held in enumerate(inner):
        rest = [q for h, f in enumerate(inner) if h != g for q in f]
        stages = fold_stages(res, cfg, lexical, store, f"{fold}-{g}", rest)
        for q in held:
            values[q] = stages.features(queries[q], training_rows(res.qrels, stages, queries[q], pools, served))
    return values


def production_values(res: Resources, cfg: ExperimentConfig, lexical: TantivyBM25, store: CaseStore,
                      queries: dict[str, Query], pools: dict[str, list[str]] | None = None) -> Values:
    """Cross-fitted features of all queries for the production reranker: each cv5 fold's queries get
    their LCM-LAI features from the model trained on the other four folds (the evaluation's fold models).
    With ``pools``, every pool document is a training row (unlabelled = grade 0), as in ``ranksvm-pool``."""
    folds = cv5_folds("lecard-v1")
    values: Values = {}
    for i, held in enumerate(folds):
        rest = [q for j, f in enumerate(folds) if j != i for q in f]
        stages = fold_stages(res, cfg, lexical, store, i, rest)
        for q in held:
            if q in res.qrels and q in queries:
                values[q] = stages.features(queries[q], training_rows(res.qrels, stages, queries[q], pools, False))
    return values


def fit_fold_ranksvm(values: Values, qrels, feature_set: Sequence[str]) -> RankSVM:
    """The fold's RankSVM: one inner-CV fit per feature normalisation, the best inner-CV score kept
    (ties go to the earlier of :data:`NORMALISATIONS`); every normalisation's score is recorded in
    ``model.metadata[NORMALISATION_CV_KEY]``."""
    models: dict[str, RankSVM] = {}
    for normalise in NORMALISATIONS:
        spec = FeatureSpec(tuple(feature_set), normalise=normalise)
        table = FeatureTable.build(values, spec)
        model = RankSVM()
        spec.save_to(model)
        models[normalise] = model.fit_cv(table.matrix, table.grades_for(qrels), table.groups, table.feature_names)
    scores = {normalise: model.cv_scores[model.C] for normalise, model in models.items()}
    chosen = models[max(scores, key=scores.__getitem__)]  # max keeps the first of equal scores
    chosen.metadata[NORMALISATION_CV_KEY] = scores
    return chosen
