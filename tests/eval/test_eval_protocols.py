"""Protocols on tiny hand-made benchmarks, every number computed by hand."""

from __future__ import annotations

import logging
import math

import pytest

from lcr.errors import BadInput
from lcr.eval.data import EvalData, dataset_name
from lcr.eval.protocols import get_protocol, protocol_names

L3, L5 = math.log2(3), math.log2(5)


def v1_data() -> EvalData:
    """q1: ``h`` is hand-added (judged 3, not in the top 30); ``6816`` is a query KELLER drops."""
    return EvalData(
        name="lecard-v1",
        qrels={"q1": {"a": 3, "b": 2, "c": 0, "h": 3}, "6816": {"d": 1, "e": 3}},
        query_order=["q1", "6816"],
        pools={"q1": ["a", "b", "c", "h", "x", "y"], "6816": ["d", "e", "z"]},
        labelled_top30={"q1": ["a", "b", "c"], "6816": ["d", "e"]},
        corpus_ids=frozenset("abchxydez"),
    )


RUN = {"q1": {"x": 9.0, "h": 8.0, "b": 7.0, "a": 6.0, "c": 5.0, "elsewhere": 10.0}}


def test_official_quirk_and_restriction() -> None:
    result = get_protocol("lecard-v1", "official").evaluate(RUN, v1_data(), ["q1"])
    q1 = result.per_query["q1"]
    # ranked labelled docs: h b a c; h is not in the top 30 so it gains 0, but counts in the ideal
    assert q1["NDCG@10"] == pytest.approx((2 / L3 + 3 / 2) / (3 + 3 / L3 + 2 / 2))
    assert q1["NDCG@30"] == q1["NDCG@10"]
    # grade 3 relevant: h (rank 1) and a (rank 3)
    assert q1["P@5"] == pytest.approx(2 / 5)
    assert q1["MAP"] == pytest.approx((1 / 1 + 2 / 3) / 2)
    assert result.mean == q1


def test_official_needs_top30() -> None:
    data = v1_data()
    data.labelled_top30 = None
    with pytest.raises(BadInput, match="labelled_top30"):
        get_protocol("lecard-v1", "official").evaluate(RUN, data, ["q1"])


def test_official_ap_over_ranked_relevant() -> None:
    # a run that omits h: AP is divided by the grade-3 docs it ranked (upstream), not by all judged
    run = {"q1": {"b": 3.0, "a": 2.0}}
    q1 = get_protocol("lecard-v1", "official").evaluate(run, v1_data(), ["q1"]).per_query["q1"]
    assert q1["MAP"] == pytest.approx(1 / 2)


def test_hard_ranks_the_pool() -> None:
    result = get_protocol("lecard-v1", "hard").evaluate(RUN, v1_data(), ["q1"])
    q1 = result.per_query["q1"]
    # ranked pool: x h b a c ("elsewhere" is not in the pool); grades 0 3 2 3 0
    assert q1["NDCG@10"] == pytest.approx((3 / L3 + 2 / 2 + 3 / L5) / (3 + 3 / L3 + 2 / 2))
    assert q1["P@5"] == pytest.approx(2 / 5)
    assert q1["MAP"] == pytest.approx((1 / 2 + 2 / 4) / 2)


def test_missing_query_scores_zero_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="lcr.eval.protocols"):
        result = get_protocol("lecard-v1", "hard").evaluate(RUN, v1_data(), ["q1", "6816"])
    assert result.missing == ["6816"]
    assert all(v == 0.0 for v in result.per_query["6816"].values())
    assert result.mean["MAP"] == pytest.approx(result.per_query["q1"]["MAP"] / 2)
    assert "1 of 2 queries missing" in caplog.text


def test_keller_gain_and_dropped_queries() -> None:
    run = {"q1": {"a": 4.0, "b": 3.0, "h": 2.0, "c": 1.0}}
    result = get_protocol("lecard-v1", "keller").evaluate(run, v1_data(), ["q1", "6816"])
    assert result.skipped == ["6816"]
    q1 = result.per_query["q1"]
    # gains 2^(g-1): a 4, b 2, h 4, c 0; ideal 4 4 2 0
    assert q1["NDCG@3"] == pytest.approx((4 + 2 / L3 + 4 / 2) / (4 + 4 / L3 + 2 / 2))
    assert q1["P@1"] == 1.0
    assert q1["MRR"] == 1.0
    assert q1["MAP"] == pytest.approx((1 + 2 / 3) / 2)
    assert result.mean == q1


def test_keller_falls_back_to_grade_two() -> None:
    data = EvalData("lecard-v2", {"7": {"f": 2, "g": 1}}, ["7"], {"7": ["f", "g"]})
    q = get_protocol("lecard-v2", "keller").evaluate({"7": {"g": 2.0, "f": 1.0}}, data, ["7"]).per_query["7"]
    assert q["NDCG@3"] == pytest.approx((1 + 2 / L3) / (2 + 1 / L3))
    assert q["MAP"] == pytest.approx(1 / 2)
    assert q["MRR"] == pytest.approx(1 / 2)
    assert q["P@1"] == 0.0
    assert q["P@3"] == pytest.approx(1 / 3)


def test_v1_corpus() -> None:
    run = {"q1": {"elsewhere": 10.0, "y": 9.0, "b": 8.0, "c": 7.0, "a": 6.0}}
    q1 = get_protocol("lecard-v1", "corpus").evaluate(run, v1_data(), ["q1"]).per_query["q1"]
    # "elsewhere" is outside the corpus; ranked y b c a; relevant (grade >= 2): a b h
    assert q1["R@100"] == pytest.approx(2 / 3)
    assert q1["MAP"] == pytest.approx((1 / 2 + 2 / 4) / 3)
    assert q1["NDCG@30"] == pytest.approx((2 / L3 + 3 / L5) / (3 + 3 / L3 + 2 / 2))


def test_v2_corpus_skips_queries_without_gold() -> None:
    data = EvalData("lecardv2", {"1": {"a": 2, "b": 3, "c": 1}, "2": {"d": 1}}, ["1", "2"], {})
    result = get_protocol("lecard-v2", "corpus").evaluate({"1": {"c": 2.0, "a": 1.0}}, data, ["1", "2"])
    assert result.skipped == ["2"]
    assert result.missing == []
    assert result.mean == {"R@100": 0.5, "R@200": 0.5, "R@500": 0.5, "R@1000": 0.5}


def test_v2_pool_counts_queries_without_grade_three() -> None:
    data = EvalData(
        "lecard-v2", {"1": {"a": 3, "b": 1}, "2": {"c": 2}}, ["1", "2"], {"1": ["a", "b", "z"], "2": ["c"]}
    )
    run = {"1": {"z": 3.0, "a": 2.0, "b": 1.0}, "2": {"c": 1.0}}
    result = get_protocol("lecard-v2", "pool").evaluate(run, data, ["1", "2"])
    assert result.per_query["1"]["NDCG@10"] == pytest.approx((3 / L3 + 1 / 2) / (3 + 1 / L3))
    assert result.per_query["2"] == {"NDCG@10": 1.0, "NDCG@20": 1.0, "NDCG@30": 1.0, "MAP": 0.0}
    assert result.mean["MAP"] == pytest.approx(1 / 4)


def test_candidates() -> None:
    data = v1_data()
    assert get_protocol("lecard-v1", "official").candidates(data, "q1") == ["a", "b", "c", "h"]
    assert get_protocol("lecard-v1", "hard").candidates(data, "q1") == data.pools["q1"]
    assert get_protocol("lecard-v1", "corpus").candidates(data, "q1") is None


def test_registry_and_errors() -> None:
    assert protocol_names("LeCaRD") == ["official", "hard", "keller", "corpus"]
    assert protocol_names("lecardv2") == ["corpus", "pool", "keller"]
    with pytest.raises(BadInput, match="choose one of official, hard, keller, corpus"):
        get_protocol("lecard-v1", "easy")
    with pytest.raises(BadInput, match="unknown dataset"):
        dataset_name("coliee")
    protocol = get_protocol("lecard-v1", "official")
    assert "labelled_top30" in protocol.describe()
    with pytest.raises(BadInput, match="unknown query ids"):
        protocol.evaluate(RUN, v1_data(), ["nope"])
    with pytest.raises(BadInput, match="no queries"):
        protocol.evaluate(RUN, v1_data(), [])
    v2 = EvalData("lecard-v2", {"1": {"a": 2}}, ["1"], {})
    with pytest.raises(BadInput, match="cannot evaluate lecard-v2"):
        protocol.evaluate(RUN, v2, ["1"])


def test_top30_judgments() -> None:
    restricted = v1_data().top30_judgments()
    assert restricted.qrels["q1"] == {"a": 3, "b": 2, "c": 0}
    assert v1_data().qrels["q1"]["h"] == 3


def test_from_loader_objects() -> None:
    class V1:
        qrels = {5: {10: 3}}
        pools = {5: [10, 11]}
        combined_top30 = {5: [10]}
        query_order = ["5"]

    class V2:
        qrels = {"10": {"a": 2}, "2": {"b": 1}}
        pools = {"10": ["a"], "2": ["b"]}
        test_qids = [10]

    v1 = EvalData.from_lecard_v1(V1())
    assert (v1.qrels, v1.pools, v1.labelled_top30) == ({"5": {"10": 3}}, {"5": ["10", "11"]}, {"5": ["10"]})
    assert v1.corpus_ids == frozenset({"10", "11"})
    v2 = EvalData.from_lecard_v2(V2())
    assert (v2.name, v2.query_order, v2.test_qids, v2.corpus_ids) == ("lecard-v2", ["2", "10"], ["10"], None)
