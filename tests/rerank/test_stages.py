"""The reranker stages: RankSVM re-scoring with contributions in the evidence, one-feature reranking,
and refusal of a model whose saved columns disagree with its spec."""

from __future__ import annotations

import numpy as np
import pytest

from lcr.errors import BadInput, IndexMismatch
from lcr.experiments.single_feature import FeatureReranker
from lcr.models.ranksvm import RankSVM
from lcr.ranking import Pipeline
from lcr.records import Evidence, Query, ScoredCase, SentencePair
from lcr.rerank.features import SPEC_KEY, FeatureSpec
from lcr.rerank.stages import RankSVMReranker

FEATS = {"a": {"bm25": -1.0, "dense": 0.0}, "b": {"bm25": 2.0, "dense": 0.0}, "c": {"bm25": 0.5}}


class Features:
    def __call__(self, query, case_ids):
        return {c: FEATS[c] for c in case_ids}

    def evidence(self, query, case_ids):
        return {c: Evidence([SentencePair("q", c, 0.5)]) for c in case_ids}


class Listed:
    """A first stage over a fixed list."""

    name = "listed"

    def rank(self, query, candidates, k):
        hits = [ScoredCase("a", 3.0, 1), ScoredCase("b", 2.0, 2), ScoredCase("c", 1.0, 3), ScoredCase("d", 0.5, 4)]
        return hits[:k]


def _fitted() -> RankSVM:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    grades = (X[:, 0] > 0.5).astype(int) + (X[:, 0] > 1.0)
    spec = FeatureSpec(("bm25", "dense"))
    model = RankSVM().fit(X, grades, np.repeat(np.arange(6), 10), spec.columns)
    spec.save_to(model)
    return model


def test_ranksvm_reranker_sorts_and_explains() -> None:
    reranker = RankSVMReranker(_fitted(), Features())
    hits = [ScoredCase("a", 3.0, 1), ScoredCase("b", 2.0, 2), ScoredCase("c", 1.0, 3)]
    out = reranker.rerank(Query("q", "事实"), hits, k=2)
    assert [h.case_id for h in out] == ["b", "c"] and [h.rank for h in out] == [1, 2]
    top = out[0]
    assert top.features == {"bm25": 2.0, "dense": 0.0}
    assert sum(top.evidence.contributions.values()) == pytest.approx(top.score)
    assert top.evidence.matched_sentences == [SentencePair("q", "b", 0.5)]
    assert reranker.rerank(Query("q", "事实"), [], k=2) == []
    with pytest.raises(BadInput, match="duplicate"):
        reranker.rerank(Query("q", "事实"), hits + hits[:1], k=2)


def test_ranksvm_reranker_refuses_a_model_whose_spec_disagrees() -> None:
    model = _fitted()
    model.metadata[SPEC_KEY] = FeatureSpec(("bm25", "lcm")).to_dict()
    with pytest.raises(IndexMismatch, match="expects features"):
        RankSVMReranker(model, Features())


def test_pipeline_reranks_the_head_and_keeps_the_tail_in_first_stage_order() -> None:
    pipe = Pipeline(Listed(), depth=3) >> FeatureReranker("bm25", Features())
    assert pipe.name == "listed>>feature:bm25"
    four = pipe.rank(Query("q", "事实"), None, 4)
    assert [h.case_id for h in four] == ["b", "c", "a", "d"]
    # the reranked head does not depend on k: the top 2 is the prefix of the top 4
    assert [h.case_id for h in pipe.rank(Query("q", "事实"), None, 2)] == ["b", "c"]
