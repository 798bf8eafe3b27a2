"""Slow tier: on full LeCaRD v1, the served pipeline (an index built with one cv5 fold's models, opened
through the bundle) and the cv5 evaluation's pipeline for that fold rank identically. Training is cut
short (the property does not depend on model quality); the encoder is the production one, so the
embedding cache (``$LCR_CACHE_DIR``) makes this minutes, not the first encode's ~10."""

from __future__ import annotations

import json

import pytest

from data_tools.lecard import load_lecard_v1
from data_tools.registry import iter_corpus
from lcr.eval import get_protocol
from lcr.eval.data import EvalData
from lcr.eval.querysets import cv5_folds
from lcr.eval.runner import run_ranker
from lcr.experiments.systems import build_system, fold_ranksvm
from lcr.fit.lcm_lai import fold_model_dir, resources
from lcr.index.bundle import DenseConfig, build_index
from lcr.pipeline import Searcher
from lcr.records import Query
from lcr.system_spec import SystemSpec

pytestmark = pytest.mark.slow
QUICK = {"encoder": "e5-onnx-int8", "cail": "", "train": {"lap_epochs": 1, "rank_steps": 30}}


def test_served_and_evaluated_pipelines_rank_alike_on_full_lecard(lecard_data, lecard_index, tmp_path,
                                                                  monkeypatch):
    monkeypatch.setenv("LCR_MODELS_DIR", str(tmp_path / "models"))
    config = tmp_path / "quick.json"
    config.write_text(json.dumps(QUICK), encoding="utf-8")
    folds = cv5_folds("lecard-v1")
    test, train = folds[0][:6], sorted(q for f in folds[1:] for q in f)
    evaluated = build_system(SystemSpec(system="ranksvm"), lecard_index, lecard_data, config)(0, train)
    res, cfg = resources(lecard_index, lecard_data, config)
    fold_ranksvm(lecard_index, lecard_data, config, "ranksvm", 0, tuple(train)).save(tmp_path / "ranksvm")
    dense = DenseConfig(fold_model_dir(res, cfg, "lcm-lai", 0, train), cfg.encoder, cfg.train.max_sentences,
                        cfg.article_weight, tmp_path / "ranksvm")
    build_index(iter_corpus("lecard-v1", lecard_data), tmp_path / "full", ["facts", "reasoning", "full_text"],
                dense, show_progress=False)
    served = Searcher.open(tmp_path / "full")
    assert served.pipeline_name == evaluated.name

    ds = load_lecard_v1(lecard_data)
    queries = {q.qid: q for q in ds.queries}
    data = EvalData.from_lecard_v1(ds)
    for name, depth in (("corpus", 100), ("official", None)):
        protocol = get_protocol("lecard-v1", name)
        run = run_ranker(evaluated, queries, protocol, data, test, depth=depth or 1000, show_progress=False)
        for qid in test:
            cands = protocol.candidates(data, qid)
            hits = served.pipeline.rank(Query(qid, queries[qid].text), cands, len(cands) if cands else depth)
            assert [h.case_id for h in hits] == list(run[qid]), (name, qid)
            assert [h.score for h in hits] == pytest.approx(list(run[qid].values()), abs=1e-9)
