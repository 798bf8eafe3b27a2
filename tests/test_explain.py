"""A hit's reasons read as a Chinese lawyer writes them (issue 26 #1), its matched sentences are the court's
findings, once each (#2), and the predictions shown agree with each other (#3)."""

from __future__ import annotations

from lcr.charge_elements import charge_elements, elements_of
from lcr.pipeline.explain import (
    SHOWN_PROBABILITY,
    article_zh,
    evidence_pairs,
    reasons,
    shared_charges,
    shared_elements,
    shown_predictions,
)
from lcr.records import ArticleRef, Case, PredictedArticle, PredictedCharge, SentencePair
from lcr.text.circumstances import extract_circumstances

QUERY = "被告人张某于2019年5月饮酒后驾驶小型轿车，经鉴定血液中乙醇含量为201.1mg/100ml。案发后张某主动投案，如实供述。"
CASE = Case("c1", "被告人李某酒后驾驶机动车，经检验其血液中乙醇含量为166.2mg/100ml。李某到公安机关自动投案，如实供述罪行。",
            charges=["危险驾驶罪"], articles=[ArticleRef("刑法", 133, 1), ArticleRef("刑法", 67)])


def test_article_names_use_the_statutes_numerals():
    assert article_zh("刑法:133-1") == "刑法第一百三十三条之一"
    assert article_zh("刑法:264") == "刑法第二百六十四条"
    assert article_zh("刑法:67") == "刑法第六十七条"


def test_reasons_are_legal_chinese_from_the_evidence():
    articles, charges = shown_predictions([PredictedArticle("刑法:133-1", "", 0.28)],
                                          [PredictedCharge("危险驾驶罪", 0.96)])
    pair = SentencePair("饮酒后驾驶小型轿车", "李某酒后驾驶机动车", 0.4)
    out = reasons(CASE, articles, charges, [], extract_circumstances(QUERY), extract_circumstances(CASE.facts),
                  [pair])
    assert out[0] == "同为危险驾驶罪"
    assert out[1] == "均援引刑法第一百三十三条之一"
    assert "血液酒精含量分别为 201.1 与 166.2 毫克/100毫升，均属醉酒驾驶" in out
    assert any(r.startswith("均有自首") for r in out)
    assert out[-1] == "事实相近：「饮酒后驾驶小型轿车」与「李某酒后驾驶机动车」"
    # no engine jargon
    assert not any(word in r for r in out for word in ("charge_prior", "lcm_lai", "signals", "predicted"))


def test_a_hinted_charge_counts_as_expected():
    out = reasons(CASE, [], [], ["危险驾驶罪"], extract_circumstances(""), extract_circumstances(""), [])
    assert out == ["同为危险驾驶罪"]


def test_predictions_shown_are_above_the_threshold_and_consistent():
    articles, charges = shown_predictions(
        [PredictedArticle("刑法:205", "", 0.001), PredictedArticle("刑法:133-1", "", 0.28),
         PredictedArticle("刑法:67", "", 0.5)],
        [PredictedCharge("危险驾驶罪", 0.96), PredictedCharge("交通肇事罪", 0.02)])
    shown = {a.article: a.probability for a in articles}
    assert "刑法:205" not in shown  # never a 0 % article
    assert shown["刑法:133-1"] == 0.96  # the article defining a 96 % charge is at least 96 % likely
    assert articles[0].article == "刑法:133-1" and articles[0].name.startswith("刑法第133条之一")
    assert [c.charge for c in charges] == ["危险驾驶罪"]
    assert all(a.probability >= SHOWN_PROBABILITY for a in articles)


def test_evidence_pairs_are_findings_once_each_with_weight():
    pairs = [
        SentencePair("被告人酒后驾驶", "李某酒后驾驶机动车", 0.5),
        SentencePair("被告人酒后驾驶", "李某酒后驾驶机动车", 0.5),  # the same pair twice
        SentencePair("血液中乙醇含量", "5、呼气式酒精检测单，证实李某饮酒", 0.9),  # an evidence list
        SentencePair("主动投案", "辩护人提出李某系自首，请求从轻处罚", 0.8),  # a defence statement
        SentencePair("如实供述", "李某到案后如实供述", 0.0),  # weight 0
        SentencePair("驾驶小型轿车", "李某驾驶小型普通客车", 0.3),
    ]
    out = evidence_pairs(pairs)
    assert [(p.case_sentence, p.weight) for p in out] == [("李某酒后驾驶机动车", 0.5), ("李某驾驶小型普通客车", 0.3)]


def test_a_shared_charge_comes_with_its_four_elements_from_jurex():
    _, charges = shown_predictions([], [PredictedCharge("危险驾驶罪", 0.96), PredictedCharge("盗窃罪", 0.1)])
    same = shared_charges(CASE, charges, [])
    assert same == ["危险驾驶罪"]  # 盗窃罪 is below the shown probability, and not the case's charge anyway
    (elements,) = shared_elements(same)
    assert elements.charge == "危险驾驶罪" and elements.source == "JUREX-4E"
    assert "道路" in elements.objective and elements.subjective == "故意"
    assert "【" not in elements.object and "#" not in elements.objective  # the outline's marks are not shown
    assert shared_elements(shared_charges(CASE, [], ["盗窃罪"])) == []  # a hint the case does not share
    assert elements_of("盗窃") == elements_of("盗窃罪") and elements_of("不存在罪") is None
    assert len(charge_elements()) == 155
