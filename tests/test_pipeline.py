"""The full pipeline on the bundled sample (random encoder, so it runs in seconds): the served pipeline
is the evaluated one, and it ranks, explains, filters, finds similar cases, and refuses a mismatched
model."""

from __future__ import annotations

import json
import shutil
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import pytest

from data_tools.lecard import load_lecard_v1
from data_tools.registry import iter_corpus
from lcr.errors import IndexMismatch
from lcr.eval import get_protocol
from lcr.eval.data import EvalData
from lcr.eval.querysets import cv5_folds
from lcr.eval.runner import run_ranker
from lcr.experiments.systems import build_system, fold_ranksvm
from lcr.fit.lcm_lai import fold_model_dir, resources
from lcr.index.bundle import DenseConfig, build_index
from lcr.pipeline import Filters, Searcher
from lcr.records import Query
from lcr.system_spec import SystemSpec

SAMPLE = Path(__file__).resolve().parents[1] / "data_tools" / "sample" / "lecard"
DRUNK = "2018年1月15日，被告人莫新国酒后驾驶小型轿车在道路上行驶，经检验，其血液中乙醇含量为201.1毫克／100毫升。"
FIELDS = ["facts", "reasoning", "full_text"]
CONFIG = {"encoder": "random:32", "cail": "", "train": {"lap_epochs": 1, "rank_steps": 20, "max_sentences": 6,
                                                         "label_min_count": 1}}


@pytest.fixture(scope="module")
def fold(tmp_path_factory):
    """Fold 0 of cv5 on the sample: the evaluation's ranker for it, and an index built with its models."""
    tmp = tmp_path_factory.mktemp("pipe")
    mp = pytest.MonkeyPatch()
    mp.setenv("LCR_CACHE_DIR", str(tmp / "cache"))
    mp.setenv("LCR_MODELS_DIR", str(tmp / "models"))
    build_index(iter_corpus("lecard-v1", SAMPLE), tmp / "lex", FIELDS, show_progress=False)
    config = tmp / "config.json"
    config.write_text(json.dumps(CONFIG), encoding="utf-8")
    ds = load_lecard_v1(SAMPLE)
    sample = {q.qid for q in ds.queries}
    test = [q for q in cv5_folds("lecard-v1")[0] if q in sample]
    train = sorted(sample - set(test))
    evaluated = build_system(SystemSpec(system="ranksvm"), tmp / "lex", SAMPLE, config)(0, train)
    res, cfg = resources(tmp / "lex", SAMPLE, config)
    fold_ranksvm(tmp / "lex", SAMPLE, config, "ranksvm", 0, tuple(train)).save(tmp / "ranksvm")
    build_index(iter_corpus("lecard-v1", SAMPLE), tmp / "full", FIELDS,
                DenseConfig(fold_model_dir(res, cfg, "lcm-lai", 0, train), "random:32", 6, 0.3, tmp / "ranksvm"),
                show_progress=False)
    yield tmp, ds, test, evaluated
    mp.undo()


def test_served_pipeline_is_the_evaluated_pipeline(fold):
    tmp, ds, test, evaluated = fold
    served = Searcher.open(tmp / "full")
    assert served.pipeline_name == evaluated.name == "hybrid-rrf@0.25>>ranksvm"
    queries = {q.qid: q for q in ds.queries}
    data = EvalData.from_lecard_v1(ds)
    assert test
    for name in ("corpus", "official"):
        protocol = get_protocol("lecard-v1", name)
        run = run_ranker(evaluated, queries, protocol, data, test, depth=30, show_progress=False)
        for qid in test:
            cands = protocol.candidates(data, qid)
            k = len(cands) if cands is not None else 30
            hits = served.pipeline.rank(Query(qid, queries[qid].text), cands, k)
            assert [h.case_id for h in hits] == list(run[qid]), (name, qid)
            assert [h.score for h in hits] == pytest.approx(list(run[qid].values()), abs=1e-9)
    # what a user sees is the prefix of what is evaluated
    qid = test[0]
    top = [h.case_id for h in served.search(queries[qid].text, k=10)]
    assert top == [h.case_id for h in evaluated.rank(Query(qid, queries[qid].text), None, 30)][:10]


def test_full_pipeline_ranks_and_explains(fold):
    s = Searcher.open(fold[0] / "full")
    hits = s.search(DRUNK, k=5)
    assert [h.rank for h in hits] == [1, 2, 3, 4, 5]
    assert "危险驾驶罪" in hits[0].charges
    ex = hits[0].explanation
    assert ex.matched_sentences and ex.matched_sentences[0].query_sentence in DRUNK
    assert all(p.weight > 0 for p in ex.matched_sentences)
    shown = ex.predicted_articles
    assert shown and all(p.probability >= 0.2 for p in shown)  # only articles above the stated threshold
    # contributions are the RankSVM's decomposition of the score
    assert abs(sum(ex.contributions.values()) - hits[0].score) < 1e-2
    assert ex.reasons
    # the printed / sent form keeps the computed parts only, as plain JSON
    out = hits[0].to_dict()["explanation"]
    assert {"query_sentence", "case_sentence", "weight"} == set(out["matched_sentences"][0])
    assert "same_case_as" not in out and json.dumps(out, ensure_ascii=False)


def test_filters_and_similar(fold):
    s = Searcher.open(fold[0] / "full")
    hits = s.search(DRUNK, k=5, filters=Filters(charges=["盗窃罪"]))
    assert hits and all("盗窃罪" in h.charges for h in hits)
    first = s.search(DRUNK, k=1)[0].case_id
    sim = s.similar(first, k=3)
    assert first not in [h.case_id for h in sim] and [h.rank for h in sim] == [1, 2, 3]


def test_index_refuses_a_model_for_another_encoder(fold, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(fold[0] / "full", bad)
    manifest = (bad / "model" / "manifest.json").read_text(encoding="utf-8")
    (bad / "model" / "manifest.json").write_text(manifest.replace("random-ngram-v1", "other-encoder"),
                                                 encoding="utf-8")
    with pytest.raises(IndexMismatch, match="other-encoder"):
        Searcher.open(bad)


def test_index_refuses_an_unknown_layout_version(fold, tmp_path):
    bad = tmp_path / "future"
    shutil.copytree(fold[0] / "full", bad)
    manifest = json.loads((bad / "manifest.json").read_text(encoding="utf-8"))
    (bad / "manifest.json").write_text(json.dumps({**manifest, "format_version": 99}), encoding="utf-8")
    with pytest.raises(IndexMismatch, match="layout version 99"):
        Searcher.open(bad)


@contextmanager
def _counted(searcher: Searcher) -> Iterator[Counter]:
    """Count the encoder and LCM-LAI model passes ``searcher`` makes (thread-safe); the encoder object
    is shared by searchers over one encoder, so the counters come off on exit."""
    counts: Counter = Counter()
    lock = threading.Lock()
    owners = [(searcher.stages.lcm.queries.encoder, "encode"), (searcher.stages.lcm.model, "view"),
              (searcher.stages.lcm.model, "pair_features")]

    def wrap(inner, name: str):
        def call(*args, **kwargs):
            with lock:
                counts[name] += 1
            return inner(*args, **kwargs)
        return call

    for owner, name in owners:
        setattr(owner, name, wrap(getattr(owner, name), name))
    try:
        yield counts
    finally:
        for owner, name in owners:
            delattr(owner, name)  # the instance attribute goes; the class's method shows through again


def test_concurrent_searches_give_the_sequential_results_with_the_same_model_passes(fold):
    """8 threads, 8 distinct queries, one shared Searcher: the per-query state lives in each query's
    context, so no request evicts another's work or sees it."""
    tmp, ds, _, _ = fold
    texts = [q.text for q in ds.queries]
    texts = [texts[i % len(texts)] + ("" if i < len(texts) else f"被告人于第{i}次到案。") for i in range(8)]
    assert len(set(texts)) == 8

    def answer(s: Searcher, text: str) -> str:
        return json.dumps([asdict(h) for h in s.search(text, k=10)], ensure_ascii=False, sort_keys=True)

    sequential = Searcher.open(tmp / "full")
    with _counted(sequential) as seq_counts:
        expected = [answer(sequential, t) for t in texts]
    shared = Searcher.open(tmp / "full")
    barrier = threading.Barrier(8)

    def racing(text: str) -> str:
        barrier.wait()  # all 8 requests in flight together
        return answer(shared, text)

    with _counted(shared) as counts, ThreadPoolExecutor(8) as pool:
        got = list(pool.map(racing, texts))
    assert got == expected
    assert counts == seq_counts and counts["encode"] == 8  # one encoder pass per query, none redone
