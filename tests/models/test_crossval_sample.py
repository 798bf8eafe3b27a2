"""LCM-LAI end to end on the bundled sample with the instant random encoder: resources, LAP
pre-training, a fold model, ranking, FAISS search, and the LAP report."""

from __future__ import annotations

from pathlib import Path

import pytest

from data_tools.lecard import load_lecard_v1
from data_tools.registry import iter_corpus
from lcr.index.bundle import build_index
from lcr.models.crossval import ExperimentConfig, fold_model, prepare
from lcr.models.lap_eval import evaluate_lap
from lcr.models.train import TrainConfig
from lcr.records import Query
from lcr.retrieve.dense import E5CosineRanker, LcmLaiRanker

SAMPLE = Path(__file__).resolve().parents[2] / "data_tools" / "sample" / "lecard"


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lcm")
    mp = pytest.MonkeyPatch()
    mp.setenv("LCR_CACHE_DIR", str(tmp / "cache"))
    mp.setenv("LCR_MODELS_DIR", str(tmp / "models"))
    build_index(iter_corpus("lecard-v1", SAMPLE), tmp / "index", ["facts"], show_progress=False)
    ds = load_lecard_v1(SAMPLE)
    cfg = ExperimentConfig(encoder="random:32", cail="", train=TrainConfig(
        lap_epochs=1, rank_steps=20, max_sentences=6, label_min_count=1))
    res = prepare(tmp / "index", {q.qid: q for q in ds.queries}, ds.qrels, cfg, show_progress=False)
    yield ds, res, cfg
    mp.undo()


def test_fold_model_ranks_candidates_and_corpus(setup):
    ds, res, cfg = setup
    train = [q.qid for q in ds.queries[:8]]
    model = fold_model(res, cfg, "lcm-lai", 0, train, show_progress=False)
    ranker = LcmLaiRanker("lcm-lai", model, lambda q: res.queries, res.cases, 6)
    q = ds.queries[-1]
    cands = sorted(ds.qrels[q.qid])
    hits = ranker.rank(Query(q.qid, q.text), cands, 5)
    assert len(hits) == 5 and [h.rank for h in hits] == [1, 2, 3, 4, 5]
    assert hits[0].score >= hits[-1].score
    corpus_hits = ranker.rank(Query(q.qid, q.text), None, 10)
    assert len(corpus_hits) == 10 and all(h.case_id in res.cases for h in corpus_hits)
    feats = ranker.pair_features(Query(q.qid, q.text), cands[:3])
    assert set(feats) == set(cands[:3])
    # the same fold trained again is loaded from disk, not retrained
    again = fold_model(res, cfg, "lcm-lai", 0, train, show_progress=False)
    assert all((a == b).all() for a, b in zip(model.state_dict().values(), again.state_dict().values(), strict=True))


def test_no_lap_variant_and_e5_cosine(setup):
    ds, res, cfg = setup
    model = fold_model(res, cfg, "lcm-lai-no-lap", 0, [q.qid for q in ds.queries[:8]], show_progress=False)
    assert not model.config.use_lap
    q = ds.queries[0]
    hits = E5CosineRanker(lambda _: res.queries, res.cases).rank(Query(q.qid, q.text), sorted(ds.qrels[q.qid]), 3)
    assert len(hits) == 3


def test_lap_report_has_both_systems(setup):
    _, res, cfg = setup
    from lcr.models.crossval import pretrained_lap

    report = evaluate_lap(pretrained_lap(res, cfg, "lcm-lai", show_progress=False), res, 6)
    row = report["results"]["lecard-heldout"]
    assert set(row) == {"lcm-lai-lap", "tfidf-logreg"}
    assert 0.0 <= row["lcm-lai-lap"]["micro_f1"] <= 1.0
