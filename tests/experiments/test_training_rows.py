"""Which documents a training query contributes to a fold RankSVM: labelled, whole pool, or also the
first stage's candidates over the corpus (what the served reranker re-scores)."""

from __future__ import annotations

from lcr.fit.reranker import training_rows
from lcr.pipeline.compose import FIRST_STAGE_DEPTH
from lcr.records import Query, ScoredCase


class _FirstStage:
    def __init__(self, ids: list[str]):
        self.ids = ids
        self.calls: list[tuple[str, int]] = []

    def rank(self, query, candidates, k):
        assert candidates is None  # the whole corpus
        self.calls.append((query.qid, k))
        return [ScoredCase(c, 1.0 / (i + 1), i + 1) for i, c in enumerate(self.ids[:k])]


class _Stages:
    def __init__(self, ids: list[str]):
        self.ranker = _FirstStage(ids)

    def first_stage(self):
        return self.ranker


QRELS = {"q": {"a": 3, "b": 0}}
POOLS = {"q": ["a", "b", "c"]}
QUERY = Query("q", "被告人张某盗窃财物。")


def test_labelled_and_pool_rows_do_not_search_the_corpus():
    stages = _Stages(["x", "a"])
    assert training_rows(QRELS, stages, QUERY, None, served=False) == ["a", "b"]
    assert training_rows(QRELS, stages, QUERY, POOLS, served=False) == ["a", "b", "c"]
    assert stages.ranker.calls == []


def test_served_rows_add_the_first_stage_candidates_once():
    stages = _Stages(["x", "a", "y"])
    assert training_rows(QRELS, stages, QUERY, POOLS, served=True) == ["a", "b", "c", "x", "y"]
    assert stages.ranker.calls == [("q", FIRST_STAGE_DEPTH)]
