"""Leakage audit on tiny hand-made Chinese texts, and metrics with the leaked documents removed."""

from __future__ import annotations

import pytest

from lcr.eval.data import EvalData
from lcr.eval.leakage import (
    audit_leakage,
    containment,
    filter_eval_data,
    filter_run,
    metrics_without_leaked,
    normalise,
)
from lcr.eval.protocols import get_protocol

QUERY = (
    "2018年1月15日14时10分许，被告人莫某某酒后驾驶湘A×××××号小型轿车沿长沙市天心区书院路由北往南行驶，"
    "被执勤民警查获。经鉴定，其血液中乙醇含量为185.6mg/100ml。"
)
# the query's own judgment: real name, other spacing and punctuation, inside a longer fact section
OWN_JUDGMENT = (
    "长沙市天心区人民检察院指控： 2018年1月15日 14时10分许, 被告人莫新国酒后驾驶湘A12345号小型轿车"
    "沿长沙市天心区书院路由北往南行驶, 被执勤民警查获. 经鉴定, 其血液中乙醇含量为185.6mg/100ml. "
    "被告人莫新国归案后如实供述了自己的罪行。"
)
UNRELATED = "被告人李某于2017年3月在广州市白云区某小区内盗窃他人电动自行车一辆，价值人民币两千元，后被公安机关抓获归案。"
PARAPHRASE = (
    "2018年1月中旬的一天下午，一名男子饮酒后开车行驶在长沙的道路上，被交警拦下。"
    "经鉴定，其血液中乙醇含量为185.6mg/100ml。"
)


def test_normalise_keeps_letters_and_digits() -> None:
    assert normalise("湘A×××××号， 185.6mg/100ml。\n") == "湘A号1856mg100ml"
    assert normalise("１２ＡＢ") == "12AB"  # full-width folded by NFKC


def test_containment() -> None:
    assert containment(QUERY, QUERY) == 1.0
    assert containment(QUERY, OWN_JUDGMENT) > 0.9  # the name behind 某某 and the plate do not count
    assert containment(QUERY, UNRELATED) == pytest.approx(0.0, abs=0.02)
    assert 0.2 < containment(QUERY, PARAPHRASE) < 0.6
    assert containment("很短", QUERY) == 0.0  # no 8-gram at all


def test_audit_finds_planted_duplicates() -> None:
    facts = {
        "a": OWN_JUDGMENT,  # in q1's pool, graded 3
        "b": UNRELATED,
        "c": PARAPHRASE,
        "d": "另案：" + QUERY,  # a co-defendant's judgment, in q2's pool only
        "e": UNRELATED + "。被告人李某归案后如实供述。",
    }
    report = audit_leakage(
        queries={"q1": QUERY, "q2": UNRELATED},
        facts_of=facts.__getitem__,
        pools={"q1": ["a", "b", "c"], "q2": ["b", "d", "e"]},
        corpus_ids=sorted(facts),
        threshold=0.5,
        qrels={"q1": {"a": 3, "c": 1}, "q2": {"b": 3}},
    )
    q1, q2 = report.queries
    assert (q1.best_corpus, q1.best_corpus_id) == (1.0, "d")
    assert q1.best_pool_id == "a" and q1.best_pool > 0.9
    assert [(d.doc_id, d.in_pool, d.grade) for d in q1.leaked] == [("d", False, None), ("a", True, 3)]
    # q2's facts sit verbatim in b (its own, graded 3) and e
    assert {d.doc_id for d in q2.leaked} == {"b", "e"}
    assert report.leaked_ids(pool_only=True) == {"q1": {"a"}, "q2": {"b", "e"}}
    summary = report.summary()
    assert (summary.queries_leaked_in_pool, summary.queries_leaked_in_corpus) == (2, 2)
    assert summary.pool_grades == {"3": 2, "unlabelled": 1}
    assert sum(summary.best_corpus_histogram.values()) == 2
    assert report.to_json()["summary"]["leaked_docs_in_corpus"] == 4  # type: ignore[index]


def tiny_data() -> EvalData:
    """q1: ``a`` (grade 3) is q1's leaked own judgment; q2 has no leak."""
    return EvalData(
        name="lecard-v1",
        qrels={"q1": {"a": 3, "b": 3, "c": 1}, "q2": {"d": 3, "e": 0}},
        query_order=["q1", "q2"],
        pools={"q1": ["a", "b", "c", "x"], "q2": ["d", "e", "a"]},
        labelled_top30={"q1": ["a", "b", "c"], "q2": ["d", "e"]},
        corpus_ids=frozenset("abcdex"),
    )


RUN = {"q1": {"a": 4.0, "x": 3.5, "c": 3.0, "b": 2.0}, "q2": {"e": 2.0, "d": 1.0, "a": 0.5}}


def test_filter_removes_only_the_querys_leaked_docs() -> None:
    leaked = {"q1": {"a"}}
    data = filter_eval_data(tiny_data(), leaked)
    assert data.qrels == {"q1": {"b": 3, "c": 1}, "q2": {"d": 3, "e": 0}}
    assert data.pools == {"q1": ["b", "c", "x"], "q2": ["d", "e", "a"]}
    assert data.labelled_top30 == {"q1": ["b", "c"], "q2": ["d", "e"]}
    assert filter_run(RUN, leaked)["q1"] == {"x": 3.5, "c": 3.0, "b": 2.0}
    assert filter_run(RUN, leaked)["q2"] == RUN["q2"]


def test_metrics_after_removal() -> None:
    leaked = {"q1": {"a"}}
    hard = get_protocol("lecard-v1", "hard")
    before, after = metrics_without_leaked(hard, tiny_data(), RUN, ["q1", "q2"], leaked)
    # q1 before: a(3) x c(1) b(3): AP = (1/1 + 2/4) / 2; after: x c b: AP = (1/3) / 1
    # q2 (unchanged): e d a: AP = 1/2
    assert before["MAP"] == pytest.approx(((1 + 2 / 4) / 2 + 1 / 2) / 2)
    assert after["MAP"] == pytest.approx((1 / 3 + 1 / 2) / 2)
    assert after["P@5"] == pytest.approx((1 / 5 + 1 / 5) / 2)
    official = get_protocol("lecard-v1", "official")
    before, after = metrics_without_leaked(official, tiny_data(), RUN, ["q1"], leaked)
    # official ranks the labelled docs only: a c b -> c b
    assert (before["MAP"], after["MAP"]) == (pytest.approx((1 + 2 / 3) / 2), pytest.approx(1 / 2))
