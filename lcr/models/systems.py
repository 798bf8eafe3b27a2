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
    from data_tools.registry import load_benchmark

    cfg = ExperimentConfig.load(config_path)
    ds, queries = load_benchmark("lecard-v1", data)
    return prepare(index_folder, queries, ds.qrels, cfg), cfg


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
