"""The systems ``lcr eval`` knows by name, each built from the product's own stages.

Learned systems are per-fold factories: the evaluation runner asks for the ranker of fold *i*, built
from models trained on the other folds' queries only. ``ranksvm`` and its variants and ``hybrid-rrf@0.25``
are the production pipeline itself (:func:`~lcr.pipeline.compose.compose`, the composition an index
serves, over the fold's models); the others are ablations composed of the same stages.

* ``bm25-<field>``: BM25 over the index (no training); ``bm25-facts-jurex``: the query expanded with its
  neighbours' charge's four elements (:mod:`lcr.experiments.element_expansion`);
* ``e5-cosine``: the plain encoder's mean-sentence cosine;
* ``lcm-lai``, ``lcm-lai-no-lap``, ``lcm-lai-semantic-only``, ``lcm-lai-pool``: LCM-LAI alone;
  ``lcm-lai-weak`` (also trained on corpus pseudo-queries, :mod:`lcr.models.weak_supervision`) and its
  ``-semantic-only`` / ``-no-lap`` ablations, ``-circ`` (pseudo-queries' top grade also needs the same cited
  articles) and ``-exact`` (reads the candidates' cited articles, ``exact_articles``);
* ``hybrid-rrf``/``hybrid-weighted`` [``@0.5``/``@0.25``]: BM25 ∪ LCM-LAI FAISS, dense weight 1 (or w);
* ``ranksvm``, ``ranksvm-pool``, ``ranksvm-legal`` (the product), ``ranksvm-lcm-pooled``, ``ranksvm-minus-<group>``,
  ``ranksvm-legal-minus-<charges|circumstances>``, ``ranksvm-legal-served`` (trained on the first
  stage's corpus candidates too): hybrid >> RankSVM;
* ``feature:<name>``: hybrid >> one feature alone;
* ``<ranksvm system>+hint``: the same system, each query given its true charges as the user's charge hint
  (a boost, never a filter): what a lawyer who knows the charge gets. Its own rows: never a fact-only number.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from data_tools.registry import load_benchmark
from lcr.encode.embedding_cache import cached_encoder
from lcr.errors import BadInput
from lcr.eval.runner import RankerFactory
from lcr.experiments.crossfit import FEATURE_SETS, POOL_TRAINED, SERVED_TRAINED, recipe
from lcr.experiments.element_expansion import SYSTEM as EXPANDED
from lcr.experiments.element_expansion import ElementExpandedBM25
from lcr.experiments.near_duplicates import leaked_duplicates
from lcr.experiments.single_feature import FeatureReranker
from lcr.fit.lcm_lai import VARIANTS, fold_model, resources
from lcr.fit.reranker import fold_stages, lexical_and_store, training_values
from lcr.models.ranksvm import RankSVM
from lcr.pipeline.compose import FIRST_STAGE, FIRST_STAGE_DEPTH, FUSION_DEPTH, Stages, compose
from lcr.ranking import Pipeline, Ranker
from lcr.records import Query, ScoredCase
from lcr.rerank.stages import LEGAL_FEATURES
from lcr.retrieve.dense import E5CosineRanker, LcmLaiRanker, QueryEncoder
from lcr.retrieve.fusion import FusionRanker
from lcr.retrieve.lexical import BM25Ranker
from lcr.system_spec import SystemSpec

BM25_SYSTEMS = ("bm25-facts", "bm25-reasoning", "bm25-full-text")
#: Systems that train nothing: a training seed does not change them.
UNTRAINED = (*BM25_SYSTEMS, EXPANDED, "e5-cosine")
#: The first stages' fusions, and the dense weights they are evaluated at (``hybrid-rrf@0.25``).
HYBRID_SYSTEMS = {"hybrid-rrf": "rrf", "hybrid-weighted": "weighted"}
DENSE_WEIGHTS = (None, 0.5, 0.25)


def system_specs() -> list[SystemSpec]:
    """Every system ``lcr eval --system`` builds (under any config)."""
    return [*(SystemSpec(system=s) for s in (*BM25_SYSTEMS, EXPANDED, "e5-cosine", *VARIANTS)),
            *(SystemSpec(system=h, dense_weight=w) for h in HYBRID_SYSTEMS for w in DENSE_WEIGHTS),
            *(SystemSpec(system=f, charge_hint=hint) for hint in (False, True) for f in FEATURE_SETS),
            *(SystemSpec(system=f"feature:{f}") for f in LEGAL_FEATURES)]


def system_names() -> list[str]:
    return [s.name for s in system_specs()]


class WithChargeHint:
    """Evaluation only: ranks each query with its true charges as the charge hint."""

    def __init__(self, inner: Ranker):
        self.inner = inner
        self.name = SystemSpec(system=inner.name, charge_hint=True).name

    def rank(self, query: Query, candidates: Sequence[str] | None, k: int) -> list[ScoredCase]:
        return self.inner.rank(replace(query, hint_charges=list(query.charges)), candidates, k)


@functools.cache
def fold_stages_cached(index_folder: Path, data: Path, config: Path | None, fold: int,
                 train_key: tuple[str, ...]) -> Stages:
    res, cfg = resources(index_folder, data, config)
    lexical, store = lexical_and_store(index_folder)
    return fold_stages(res, cfg, lexical, store, fold, list(train_key))


@functools.cache
def _training_values(index_folder: Path, data: Path, config: Path | None, fold: int,
                     train_key: tuple[str, ...], with_pools: bool, served: bool = False):
    """Cross-fitted training features of one fold (memoised: every RankSVM variant of the fold reuses them)."""
    res, cfg = resources(index_folder, data, config)
    lexical, store = lexical_and_store(index_folder)
    ds, queries = load_benchmark("lecard-v1", data)
    return training_values(res, cfg, lexical, store, fold, list(train_key), queries,
                           ds.pools if with_pools else None, served)


@functools.cache
def fold_ranksvm(index_folder: Path, data: Path, config: Path | None, name: str, fold: int,
                 train_key: tuple[str, ...]) -> RankSVM:
    """The RankSVM ``name`` of one fold (memoised across protocols)."""
    res, _ = resources(index_folder, data, config)
    values = _training_values(index_folder, data, config, fold, train_key, name in POOL_TRAINED,
                              name in SERVED_TRAINED)
    return recipe(name).fit(values, res.qrels)


def lexical_backend(index_folder: Path) -> str | None:
    """The index's lexical backend as a system-name part: ``None`` for the embedded tantivy index."""
    lexical, _ = lexical_and_store(index_folder)
    return None if lexical.name == "tantivy-bm25" else lexical.name.removesuffix("-bm25")


def build_system(spec: SystemSpec, index_folder: Path, data: Path, config: Path | None = None,
                 ) -> Ranker | RankerFactory:
    """The ranker (or per-fold factory) ``spec`` names over the index at ``index_folder``; the parts a
    config sets (seed, sentences, variant, encoder) come from ``config``."""
    if spec.named_system not in system_names():
        raise BadInput(f"unknown system {spec.named_system!r}; choose one of {', '.join(system_names())} "
                       "or a .trec run file")
    system = spec.system
    if system in BM25_SYSTEMS:
        lexical, _ = lexical_and_store(index_folder)
        return BM25Ranker(lexical, system.removeprefix("bm25-").replace("-", "_"))
    if system == EXPANDED:
        lexical, store = lexical_and_store(index_folder)
        legal = store.legal_many(store.ids())
        return ElementExpandedBM25(lexical, {c: charges for c, (charges, _) in legal.items()},
                                   leaked_duplicates(index_folder, data))
    if spec.charge_hint:
        inner = build_system(spec.model_copy(update={"charge_hint": False}), index_folder, data, config)
        assert callable(inner)
        return lambda fold, train_qids: WithChargeHint(inner(fold, train_qids))
    if system == "e5-cosine":
        res, cfg = resources(index_folder, data, config)
        return E5CosineRanker(QueryEncoder(cached_encoder(cfg.encoder), cfg.train.max_sentences), res.cases)

    def stages(fold: int, train_qids: list[str]) -> Stages:
        return fold_stages_cached(index_folder, data, config, fold, tuple(sorted(train_qids)))

    def factory(fold: int, train_qids: list[str]) -> Ranker:
        if system in VARIANTS:
            res, cfg = resources(index_folder, data, config)
            model = fold_model(res, cfg, system, fold, train_qids)
            queries = QueryEncoder(cached_encoder(cfg.encoder), cfg.train.max_sentences)
            return LcmLaiRanker(system, model, res.labels, queries, res.cases, cfg.train.max_sentences,
                                cfg.article_weight,
                                case_articles=res.exact_articles() if model.config.exact_articles else None)
        st = stages(fold, train_qids)
        if spec.named_system == FIRST_STAGE.name:  # the served first stage, composed as an index serves it
            return compose(st, spec)
        if system in HYBRID_SYSTEMS:  # the served first stage's fusions at other weights (ablations)
            weight = spec.dense_weight or 1.0
            assert st.lcm is not None, "a hybrid system needs an index with an LCM-LAI dense part"
            return FusionRanker([st.bm25, st.lcm], method=HYBRID_SYSTEMS[system], weights=[1.0, weight],
                                depth=FUSION_DEPTH, name=spec.named_system)
        if system in FEATURE_SETS:
            model = fold_ranksvm(index_folder, data, config, system, fold, tuple(sorted(train_qids)))
            return compose(st, spec, model)
        feature = system.removeprefix("feature:")
        return Pipeline(st.first_stage(), depth=FIRST_STAGE_DEPTH) >> FeatureReranker(feature, st.features)

    return factory
