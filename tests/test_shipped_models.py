"""The production models shipped in lcr/resources/models build a full-pipeline index (BM25 + LCM-LAI FAISS +
RankSVM) that answers with explanations: what the README's first command serves."""

from __future__ import annotations

import itertools
from pathlib import Path

from data_tools.registry import iter_corpus
from lcr.index.bundle import DenseConfig, build_index
from lcr.pipeline import Searcher

REPO = Path(__file__).resolve().parents[1]
MODELS = REPO / "lcr" / "resources" / "models"
SAMPLE = REPO / "data_tools" / "sample" / "lecard"


def test_shipped_models_serve_the_full_pipeline(tmp_path):
    cases = itertools.islice(iter_corpus("lecard-v1", SAMPLE), 80)
    dense = DenseConfig(MODELS / "lcm-lai", "e5-onnx-int8", 12, 0.3, MODELS / "ranksvm-legal")
    build_index(cases, tmp_path / "idx", dense=dense, show_progress=False)
    searcher = Searcher.open(tmp_path / "idx")
    assert searcher.pipeline_name == "hybrid-rrf@0.25>>ranksvm-legal"
    hits = searcher.search("被告人酒后驾驶机动车，经检验其血液中乙醇含量为201.1毫克/100毫升。", k=5)
    assert len(hits) == 5
    ex = hits[0].explanation
    assert ex["contributions"] and ex["predicted_articles"] and ex["predicted_charges"]
    assert ex["predicted_charges"][0]["charge"] == "危险驾驶罪"
    assert set(searcher.model_manifests()) == {"model", "reranker"}


def test_index_build_can_encode_on_ray(tmp_path, monkeypatch):
    ray = __import__("pytest").importorskip("ray")
    monkeypatch.setenv("LCR_CACHE_DIR", str(tmp_path / "cache"))
    cases = list(itertools.islice(iter_corpus("lecard-v1", SAMPLE), 30))
    dense = DenseConfig(MODELS / "lcm-lai", "e5-onnx-int8", 12, 0.3, MODELS / "ranksvm-legal", ray=True)
    try:
        build_index(cases, tmp_path / "idx", dense=dense, show_progress=False)
    finally:
        ray.shutdown()
    assert list((tmp_path / "cache" / "shards").glob("*/shard-00000"))
    hits = Searcher.open(tmp_path / "idx").search("被告人酒后驾驶机动车，血液中乙醇含量为201.1毫克/100毫升。", k=3)
    assert len(hits) == 3 and hits[0].explanation["predicted_charges"]
