"""The learned systems `lcr eval` knows by name: the plain encoder cosine and the LCM-LAI variants.

Each LCM-LAI variant is a per-fold factory: the evaluation runner asks it for the ranker of fold *i*,
built from a model trained on the other folds' queries only.
"""

from __future__ import annotations

import functools
from pathlib import Path

from lcr.eval.experiments import SYSTEMS
from lcr.models.crossval import DEFAULT_CONFIG, VARIANTS, ExperimentConfig, Resources, fold_model, prepare
from lcr.records import Query
from lcr.retrieve.dense import E5CosineRanker, LcmLaiRanker


@functools.cache
def resources(index_folder: Path, data: Path, config_path: Path = DEFAULT_CONFIG) -> tuple[Resources, ExperimentConfig]:
    import torch

    from data_tools.registry import load_benchmark

    # The heads are small: one torch thread is as fast, and two threads collapse (OpenMP barriers spin)
    # whenever anything else runs on a 2-core machine.
    torch.set_num_threads(1)
    cfg = ExperimentConfig.load(config_path)
    ds, queries = load_benchmark("lecard-v1", data)
    return prepare(index_folder, queries, ds.qrels, cfg, pools=ds.pools), cfg


def _query_store(res: Resources):
    def lookup(query: Query):
        return res.queries

    return lookup


def e5_cosine(index_folder: Path, data: Path) -> E5CosineRanker:
    res, _ = resources(index_folder, data)
    return E5CosineRanker(_query_store(res), res.cases)


def lcm_system(variant: str):
    def build(index_folder: Path, data: Path):
        res, cfg = resources(index_folder, data)

        def factory(fold: int, train_qids: list[str]) -> LcmLaiRanker:
            model = fold_model(res, cfg, variant, fold, train_qids)
            return LcmLaiRanker(variant, model, _query_store(res), res.cases, cfg.train.max_sentences,
                                cfg.article_weight)

        return factory

    return build


def register() -> None:
    SYSTEMS.setdefault("e5-cosine", e5_cosine)
    for variant in VARIANTS:
        SYSTEMS.setdefault(variant, lcm_system(variant))


@functools.cache
def lexical_and_store(index_folder: Path):
    from lcr.index.casestore import CaseStore
    from lcr.index.lexical import TantivyBM25

    return TantivyBM25(progress=False).open(index_folder / "lexical"), CaseStore.open(
        index_folder / "cases.sqlite"
    )


@functools.cache
def _fold_parts(index_folder: Path, data: Path, fold: int, train_key: tuple[str, ...], fusion: str):
    from lcr.rerank.crossval import fold_parts

    res, cfg = resources(index_folder, data)
    lexical, store = lexical_and_store(index_folder)
    return fold_parts(res, cfg, lexical, store, fold, list(train_key), fusion)


def hybrid_system(fusion: str, dense_weight: float = 1.0):
    """BM25 (facts) fused with LCM-LAI's FAISS search; ``dense_weight`` scales the dense list's share."""

    def build(index_folder: Path, data: Path):
        from lcr.retrieve.fusion import FusionRanker

        def factory(fold: int, train_qids: list[str]):
            parts = _fold_parts(index_folder, data, fold, tuple(sorted(train_qids)), fusion)
            suffix = "" if dense_weight == 1.0 else f"@{dense_weight:g}"
            return FusionRanker(parts.first_stage.rankers, fusion, [1.0, dense_weight],  # type: ignore[arg-type]
                                name=f"hybrid-{fusion}{suffix}", depth=parts.first_stage.depth)

        return factory

    return build


@functools.cache
def _training_values(index_folder: Path, data: Path, fold: int, train_key: tuple[str, ...], with_pools: bool):
    """Cross-fitted training features of one fold (memoised: every RankSVM variant of the fold reuses them)."""
    from data_tools.registry import load_benchmark
    from lcr.rerank.crossval import training_values

    res, cfg = resources(index_folder, data)
    lexical, store = lexical_and_store(index_folder)
    ds, queries = load_benchmark("lecard-v1", data)
    return training_values(res, cfg, lexical, store, fold, list(train_key), queries,
                           ds.pools if with_pools else None)


@functools.cache
def _fold_ranksvm(index_folder: Path, data: Path, name: str, fold: int, train_key: tuple[str, ...]):
    """The RankSVM of one fold (memoised across protocols)."""
    from lcr.rerank.crossval import FEATURE_SETS, POOL_TRAINED, fit_fold_ranksvm

    res, _ = resources(index_folder, data)
    values = _training_values(index_folder, data, fold, train_key, name in POOL_TRAINED)
    return fit_fold_ranksvm(values, res.qrels, FEATURE_SETS[name])


def ranksvm_system(name: str):
    def build(index_folder: Path, data: Path):
        from lcr.rerank.crossval import RankSVMRanker

        def factory(fold: int, train_qids: list[str]):
            key = tuple(sorted(train_qids))
            parts = _fold_parts(index_folder, data, fold, key, "rrf")
            model = _fold_ranksvm(index_folder, data, name, fold, key)
            return RankSVMRanker(name, model, parts.features, parts.first_stage)

        return factory

    return build


def single_feature_system(feature: str):
    def build(index_folder: Path, data: Path):
        from lcr.rerank.crossval import SingleFeatureRanker

        def factory(fold: int, train_qids: list[str]):
            parts = _fold_parts(index_folder, data, fold, tuple(sorted(train_qids)), "rrf")
            return SingleFeatureRanker(feature, parts.features, parts.first_stage)

        return factory

    return build


def register_all() -> None:
    from lcr.rerank.crossval import ALL_FEATURES, FEATURE_SETS

    register()
    for fusion in ("rrf", "weighted"):
        SYSTEMS.setdefault(f"hybrid-{fusion}", hybrid_system(fusion))
        for w in (0.5, 0.25):
            SYSTEMS.setdefault(f"hybrid-{fusion}@{w:g}", hybrid_system(fusion, w))
    for name in FEATURE_SETS:
        SYSTEMS.setdefault(name, ranksvm_system(name))
    for feature in ALL_FEATURES:
        SYSTEMS.setdefault(f"feature:{feature}", single_feature_system(feature))
