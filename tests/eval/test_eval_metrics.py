"""Metric functions: hand-computed values, and agreement with ranx on random runs."""

from __future__ import annotations

import math
import random

import pytest

from lcr.errors import BadInput
from lcr.eval.metrics import (
    average_precision,
    dcg,
    gain_value,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
    reciprocal_rank,
)
from lcr.records import Qrels, Run, ranking

L3, L5 = math.log2(3), math.log2(5)


def test_gain_schemes() -> None:
    assert [gain_value(g, "linear") for g in range(4)] == [0, 1, 2, 3]
    assert [gain_value(g, "exponential") for g in range(4)] == [0, 1, 3, 7]
    assert [gain_value(g, "keller") for g in range(4)] == [0, 1, 2, 4]
    with pytest.raises(BadInput, match="linear, exponential, keller"):
        gain_value(1, "log")  # type: ignore[arg-type]


def test_dcg() -> None:
    assert dcg([3, 2, 0, 1]) == pytest.approx(3 + 2 / L3 + 0 / 2 + 1 / L5)
    assert dcg([3, 2, 0, 1], k=2) == pytest.approx(3 + 2 / L3)
    assert dcg([]) == 0.0


def test_ndcg_linear() -> None:
    # relevant doc at rank 2 of 2: (3 / log2 3) / 3
    assert ndcg_at_k([0, 3], [3, 0], k=2) == pytest.approx(1 / L3)
    # judged docs the system did not rank still count in the ideal
    assert ndcg_at_k([2], [3, 2], k=10) == pytest.approx(2 / (3 + 2 / L3))
    assert ndcg_at_k([3, 2, 1], [1, 2, 3], k=3) == pytest.approx(1.0)
    # cutoff applies to the ideal as well
    assert ndcg_at_k([0, 3], [3, 3], k=1) == 0.0
    assert ndcg_at_k([1, 1], [0, 0], k=5) == 0.0  # no gain to find


def test_ndcg_exponential_and_keller() -> None:
    assert ndcg_at_k([1, 2], [2, 1], 2, "exponential") == pytest.approx((1 + 3 / L3) / (3 + 1 / L3))
    assert ndcg_at_k([2, 3], [3, 2], 2, "keller") == pytest.approx((2 + 4 / L3) / (4 + 2 / L3))
    with pytest.raises(BadInput):
        ndcg_at_k([1], [1], 1, "exp")  # type: ignore[arg-type]


def test_precision() -> None:
    assert precision_at_k([True, False, True], 2) == pytest.approx(1 / 2)
    assert precision_at_k([True, False, True], 5) == pytest.approx(2 / 5)  # denominator stays k
    with pytest.raises(BadInput):
        precision_at_k([True], 0)


def test_average_precision() -> None:
    assert average_precision([False, True, False, True], 3) == pytest.approx((1 / 2 + 2 / 4) / 3)
    assert average_precision([False, True, False, True], 2) == pytest.approx((1 / 2 + 2 / 4) / 2)
    assert average_precision([True, True], 2) == 1.0
    assert average_precision([False], 0) == 0.0


def test_recall_and_reciprocal_rank() -> None:
    assert recall_at_k([True, False, True, True], 2, 4) == pytest.approx(1 / 4)
    assert recall_at_k([True, False, True, True], 10, 4) == pytest.approx(3 / 4)
    assert recall_at_k([True], 1, 0) == 0.0
    assert reciprocal_rank([False, False, True]) == pytest.approx(1 / 3)
    assert reciprocal_rank([]) == 0.0


def _random_case(seed: int) -> tuple[Qrels, Run]:
    rng = random.Random(seed)
    qrels: Qrels = {}
    run: Run = {}
    for q in range(25):
        qid = f"q{q}"
        docs = [f"d{i}" for i in range(60)]
        judged = rng.sample(docs, rng.randint(1, 30))
        qrels[qid] = {d: rng.randint(0, 3) for d in judged}
        qrels[qid][judged[0]] = rng.randint(1, 3)  # at least one relevant doc
        ranked = rng.sample(docs, rng.randint(5, 50))
        run[qid] = {d: rng.random() for d in ranked}  # distinct scores: no tie conventions involved
    return qrels, run


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_agrees_with_ranx(seed: int) -> None:
    ranx = pytest.importorskip("ranx")
    qrels, run = _random_case(seed)
    metrics = ["ndcg@5", "ndcg@20", "ndcg_burges@10", "map", "mrr", "precision@5", "recall@10"]
    expected = ranx.evaluate(ranx.Qrels(qrels), ranx.Run(run), metrics, return_mean=False)
    for i, qid in enumerate(sorted(qrels)):  # ranx orders queries by id
        ranked = ranking(run[qid])
        grades = [qrels[qid].get(d, 0) for d in ranked]
        ideal = list(qrels[qid].values())
        rel = [g > 0 for g in grades]
        n_rel = sum(1 for g in ideal if g > 0)
        ours = {
            "ndcg@5": ndcg_at_k(grades, ideal, 5),
            "ndcg@20": ndcg_at_k(grades, ideal, 20),
            "ndcg_burges@10": ndcg_at_k(grades, ideal, 10, "exponential"),
            "map": average_precision(rel, n_rel),
            "mrr": reciprocal_rank(rel),
            "precision@5": precision_at_k(rel, 5),
            "recall@10": recall_at_k(rel, 10, n_rel),
        }
        for m in metrics:
            assert ours[m] == pytest.approx(float(expected[m][i]), abs=1e-9), (qid, m)
