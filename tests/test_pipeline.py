"""The full Searcher on the bundled sample: hybrid first stage, RankSVM, explanations, filters,
similar-by-id, and refusal of a mismatched model (random encoder, so it runs in seconds)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from data_tools.lecard import load_lecard_v1
from data_tools.registry import iter_corpus
from lcr.errors import IndexMismatch
from lcr.index.bundle import DenseConfig, build_index
from lcr.index.casestore import CaseStore
from lcr.index.lexical import TantivyBM25
from lcr.models.crossval import ExperimentConfig, fold_model, models_dir, prepare
from lcr.models.train import TrainConfig
from lcr.pipeline import Filters, Searcher
from lcr.rerank.crossval import FEATURE_SETS, fit_fold_ranksvm, training_values

SAMPLE = Path(__file__).resolve().parents[1] / "data_tools" / "sample" / "lecard"
DRUNK = "2018年1月15日，被告人莫新国酒后驾驶小型轿车在道路上行驶，经检验，其血液中乙醇含量为201.1毫克／100毫升。"


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pipe")
    mp = pytest.MonkeyPatch()
    mp.setenv("LCR_CACHE_DIR", str(tmp / "cache"))
    mp.setenv("LCR_MODELS_DIR", str(tmp / "models"))
    build_index(iter_corpus("lecard-v1", SAMPLE), tmp / "lex", ["facts", "reasoning", "full_text"],
                show_progress=False)
    ds = load_lecard_v1(SAMPLE)
    queries = {q.qid: q for q in ds.queries}
    cfg = ExperimentConfig(encoder="random:32", cail="", train=TrainConfig(
        lap_epochs=1, rank_steps=20, max_sentences=6, label_min_count=1))
    res = prepare(tmp / "lex", queries, ds.qrels, cfg, show_progress=False)
    train = sorted(queries)
    fold_model(res, cfg, "lcm-lai", 7, train, show_progress=False)
    lexical = TantivyBM25(progress=False).open(tmp / "lex" / "lexical")
    store = CaseStore.open(tmp / "lex" / "cases.sqlite")
    values = training_values(res, cfg, lexical, store, 7, train, queries)
    reranker = fit_fold_ranksvm(values, ds.qrels, FEATURE_SETS["ranksvm"])
    reranker.save(tmp / "ranksvm")
    model_dir = models_dir() / "lcm-lai" / cfg.key("lcm-lai") / "fold-7"
    build_index(iter_corpus("lecard-v1", SAMPLE), tmp / "full", ["facts", "reasoning", "full_text"],
                DenseConfig(model_dir, "random:32", 6, 0.3, tmp / "ranksvm"), show_progress=False)
    yield tmp
    mp.undo()


def test_full_pipeline_ranks_and_explains(index):
    s = Searcher.open(index / "full")
    assert s.pipeline_name == "hybrid-rrf@0.25>>ranksvm"
    hits = s.search(DRUNK, k=5)
    assert [h.rank for h in hits] == [1, 2, 3, 4, 5]
    assert "危险驾驶罪" in hits[0].charges
    ex = hits[0].explanation
    assert ex["matched_sentences"] and {"query_sentence", "case_sentence", "weight"} <= set(ex["matched_sentences"][0])
    assert len(ex["predicted_articles"]) == 5
    # contributions are the RankSVM's decomposition of the score
    assert abs(sum(ex["contributions"].values()) - hits[0].score) < 1e-2
    assert ex["why"]


def test_filters_and_similar(index):
    s = Searcher.open(index / "full")
    hits = s.search(DRUNK, k=5, filters=Filters(charges=["盗窃罪"]))
    assert hits and all("盗窃罪" in h.charges for h in hits)
    first = s.search(DRUNK, k=1)[0].case_id
    sim = s.similar(first, k=3)
    assert first not in [h.case_id for h in sim] and [h.rank for h in sim] == [1, 2, 3]


def test_index_refuses_a_model_for_another_encoder(index, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(index / "full", bad)
    manifest = (bad / "model" / "manifest.json").read_text(encoding="utf-8")
    (bad / "model" / "manifest.json").write_text(manifest.replace("random-ngram-v1", "other-encoder"),
                                                 encoding="utf-8")
    with pytest.raises(IndexMismatch, match="other-encoder"):
        Searcher.open(bad)
