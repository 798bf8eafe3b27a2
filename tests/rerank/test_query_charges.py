"""The query-side charge predictor: neighbour votes, mixing, the hint that boosts but never filters, and
the query-like text the pseudo-query measurement reads."""

from __future__ import annotations

import pytest

from lcr.experiments.query_lap import query_like
from lcr.records import Query
from lcr.rerank.query_charges import ChargePredictor, charge_set, knn_votes, mix, top1, with_hint

CHARGES = {"a": ["盗窃罪"], "b": ["盗窃罪", "抢劫罪"], "c": ["诈骗罪"]}


def test_neighbours_vote_by_rank_and_split_over_their_charges():
    votes = knn_votes(["a", "b", "c", "unknown"], CHARGES)
    raw = {"盗窃罪": 1 / 2 + 1 / 3 / 2, "抢劫罪": 1 / 3 / 2, "诈骗罪": 1 / 4}
    total = sum(raw.values())
    assert votes == pytest.approx({c: v / total for c, v in raw.items()})
    assert list(votes)[0] == "盗窃罪" and sum(votes.values()) == pytest.approx(1.0)
    assert knn_votes([], CHARGES) == {}


def test_mix_renormalises_over_the_voters_that_have_an_opinion():
    assert mix([{"x": 1.0}, {}, {"y": 1.0}]) == pytest.approx({"x": 0.5, "y": 0.5})
    assert mix([{"x": 1.0}, {"y": 1.0}], [3, 1]) == pytest.approx({"x": 0.75, "y": 0.25})


def test_a_hint_boosts_and_never_removes():
    probs = {"诈骗罪": 0.9, "盗窃罪": 0.1}
    hinted = with_hint(probs, ["盗窃"])  # the 罪 suffix is added
    assert top1(hinted) == "盗窃罪" and hinted["诈骗罪"] > 0
    assert with_hint(probs, [" "]) == probs


def test_charge_set_keeps_the_top_one_and_the_likely_others():
    assert charge_set({"x": 0.2, "y": 0.15}) == {"x"}
    assert charge_set({"x": 0.5, "y": 0.4, "z": 0.1}) == {"x", "y"}
    assert charge_set({}) == set()


def test_predictor_averages_its_voters_and_memoises_per_query():
    calls = []

    def bm25(query, k):
        calls.append(k)
        return ["c", "a"]

    p = ChargePredictor(CHARGES, {"bm25-knn": bm25, "other": lambda q, k: ["a"]}, k=2)
    q = Query("q1", "某某骗取他人钱财", hint_charges=["抢劫罪"])
    assert set(p.voters(q)) == {"bm25-knn", "other"}
    p.voters(q)
    assert calls == [2]  # the same query object is not searched twice
    plain = p.predict(q, use_hint=False)
    assert top1(plain) == "盗窃罪"  # 'other' is sure of 盗窃罪, bm25-knn leans to 诈骗罪
    assert "抢劫罪" in p.predict(q) and "抢劫罪" not in plain


def test_query_like_drops_the_sentences_that_state_the_law():
    facts = ("2018年5月，被告人张某在某超市窃取手机一部，价值3000元。公诉机关指控被告人张某犯盗窃罪。"
             "被告人张某构成盗窃罪。案发后，张某退赔了被害人的损失。")
    text = query_like(facts)
    assert "窃取手机" in text and "退赔" in text
    assert "指控" not in text and "构成" not in text and "盗窃罪" not in text


def test_voter_weights_are_selected_on_pseudo_queries_nearest_to_equal_on_ties():
    from lcr.experiments.query_lap import select_voter_weights

    # 'good' is right on every pseudo-query, 'bad' always wrong and more confident
    votes = [{"good": {"甲罪": 0.6, "乙罪": 0.4}, "bad": {"乙罪": 0.7, "甲罪": 0.3}} for _ in range(4)]
    truths = [{"甲罪"}] * 4
    out = select_voter_weights(votes, truths, step=0.25)
    assert out["top1_single"] == {"bad": 0.0, "good": 1.0}
    assert out["top1_equal"] == 0.0 and out["top1_selected"] == 1.0
    # good alone and good 0.75 / bad 0.25 both win (0.75·0.6 + 0.25·0.3 > 0.75·0.4 + 0.25·0.7); the tie
    # goes to the weights nearer to equal
    assert out["selected"] == {"bad": 0.25, "good": 0.75}
