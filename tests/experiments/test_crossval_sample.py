"""LCM-LAI end to end on the bundled sample with the instant random encoder: resources, LAP
pre-training, a fold model, ranking, FAISS search, and the LAP report."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import torch

from data_tools.lecard import load_lecard_v1
from data_tools.registry import iter_corpus
from lcr.experiments.lap_eval import evaluate_lap
from lcr.fit.lcm_lai import ExperimentConfig, fold_model, fold_model_dir, prepare, pretrained_lap
from lcr.index.bundle import build_index
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
    ranker = LcmLaiRanker("lcm-lai", model, res.labels, lambda q: res.queries, res.cases, 6)
    q = ds.queries[-1]
    cands = sorted(ds.qrels[q.qid])
    hits = ranker.rank(Query(q.qid, q.text), cands, 5)
    assert len(hits) == 5 and [h.rank for h in hits] == [1, 2, 3, 4, 5]
    assert hits[0].score >= hits[-1].score
    corpus_hits = ranker.rank(Query(q.qid, q.text), None, 10)
    assert len(corpus_hits) == 10 and all(h.case_id in res.cases for h in corpus_hits)
    query = Query(q.qid, q.text)
    feats = ranker.pair_features(query, cands[:3])
    assert set(feats) == set(cands[:3])
    assert all(m.matched and m.matched[0].query_sentence in res.queries.texts(q.qid) for m in feats.values())
    # the same fold trained again is loaded from disk, not retrained
    again = fold_model(res, cfg, "lcm-lai", 0, train, show_progress=False)
    assert all((a == b).all() for a, b in zip(model.state_dict().values(), again.state_dict().values(), strict=True))


def test_training_is_deterministic_and_keyed_by_what_the_model_saw(setup, tmp_path, monkeypatch):
    ds, res, cfg = setup
    train = [q.qid for q in ds.queries[:8]]
    first = fold_model(res, cfg, "lcm-lai", 0, train, show_progress=False)
    # a clean model cache trains the same weights again (seeded per phase, one torch thread), whatever
    # order the training queries are listed in
    monkeypatch.setenv("LCR_MODELS_DIR", str(tmp_path / "fresh"))
    retrained = fold_model(res, cfg, "lcm-lai", 0, train[::-1], show_progress=False)
    assert all(torch.equal(a, b) for a, b in zip(first.state_dict().values(), retrained.state_dict().values(),
                                                 strict=True))
    # an edited query text is a different training set: a different model folder
    edited = dataclasses.replace(res, query_texts={**res.query_texts, train[0]: "改写后的事实"})
    assert fold_model_dir(edited, cfg, "lcm-lai", 0, train) != fold_model_dir(res, cfg, "lcm-lai", 0, train)
    other_qrels = {**res.qrels, train[0]: {**res.qrels[train[0]], next(iter(res.qrels[train[0]])): 0}}
    assert fold_model_dir(dataclasses.replace(res, qrels=other_qrels), cfg, "lcm-lai", 0, train) != \
        fold_model_dir(res, cfg, "lcm-lai", 0, train)


def test_no_lap_variant_and_e5_cosine(setup):
    ds, res, cfg = setup
    model = fold_model(res, cfg, "lcm-lai-no-lap", 0, [q.qid for q in ds.queries[:8]], show_progress=False)
    assert not model.config.use_lap
    q = ds.queries[0]
    hits = E5CosineRanker(lambda _: res.queries, res.cases).rank(Query(q.qid, q.text), sorted(ds.qrels[q.qid]), 3)
    assert len(hits) == 3


def test_lap_report_has_both_systems(setup):
    _, res, cfg = setup
    report = evaluate_lap(pretrained_lap(res, cfg, "lcm-lai", show_progress=False), res, 6)
    row = report["results"]["lecard-heldout"]
    assert set(row) == {"lcm-lai-lap", "tfidf-logreg"}
    assert 0.0 <= row["lcm-lai-lap"]["micro_f1"] <= 1.0
