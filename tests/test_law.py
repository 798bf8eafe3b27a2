"""The statute as lcr names it: 之一 articles carry their own charges, the general part its headings."""

import pytest

from lcr.law import criminal_law, describe


@pytest.mark.parametrize("key, name", [
    ("刑法:133", "刑法第133条【交通肇事罪】"),
    ("刑法:133-1", "刑法第133条之一【危险驾驶罪】"),
    ("刑法:234", "刑法第234条【故意伤害罪】"),
    ("刑法:234-1", "刑法第234条之一【组织出卖人体器官罪】"),
    ("刑法:67", "刑法第67条【自首】"),
    ("刑法:72", "刑法第72条【缓刑·适用条件】"),
    ("刑法:264", "刑法第264条【盗窃罪】"),
])
def test_articles_are_named_from_the_statute(key, name):
    assert describe(key) == name


def test_every_charge_is_defined_by_an_existing_article_once_per_sub_article():
    law = criminal_law()
    owners: dict[str, list[str]] = {}
    for key, art in law.items():
        for c in art.charges:
            owners.setdefault(c, []).append(key)
    assert owners["危险驾驶罪"] == ["刑法:133-1"]
    assert owners["组织出卖人体器官罪"] == ["刑法:234-1"]
    assert owners["交通肇事罪"] == ["刑法:133"]
    assert all(art.title for art in law.values() if art.part == "总则" and art.number in (25, 52, 64, 67, 72))


@pytest.mark.parametrize("key, charges", [
    # one heading naming several charges, with 、 both between and inside names
    ("刑法:114", ("放火罪", "决水罪", "爆炸罪", "投放危险物质罪", "以危险方法危害公共安全罪")),
    ("刑法:237", ("强制猥亵、侮辱罪", "猥亵儿童罪")),
    ("刑法:128", ("非法持有、私藏枪支、弹药罪", "非法出租、出借枪支罪")),
    ("刑法:196", ("信用卡诈骗罪", "盗窃罪")),
    ("刑法:318", ("组织他人偷越国（边）境罪",)),  # parentheses as the official charge list writes them
    ("刑法:141", ("生产、销售、提供假药罪", "生产、销售假药罪")),  # renamed in 2020: the former name too
    ("刑法:115", ("放火罪", "决水罪", "爆炸罪", "投放危险物质罪", "以危险方法危害公共安全罪", "失火罪",
                 "过失决水罪", "过失爆炸罪", "过失投放危险物质罪", "过失以危险方法危害公共安全罪")),
])
def test_article_headings_split_into_charges(key, charges):
    assert criminal_law()[key].charges == charges


def test_the_charges_judgments_are_convicted_of_are_defined_by_an_article():
    from data_tools.charges import official_charges

    defined = {c for art in criminal_law().values() for c in art.charges}
    missing = [c for c in official_charges() if c not in defined]
    # what is left (27): articles the upstream table lacks (徇私舞弊减刑… and other dereliction offences),
    # paragraphs whose offences its headings do not name (过失损坏交通工具罪), names merged by later
    # amendments; together 7 of LeCaRD's 9,088 judgments
    assert len(missing) <= 27, missing
    for common in ("以危险方法危害公共安全罪", "非法持有、私藏枪支、弹药罪", "信用卡诈骗罪", "猥亵儿童罪", "放火罪",
                   "非法侵入住宅罪", "非法制造、买卖、运输、邮寄、储存枪支、弹药、爆炸物罪", "非法狩猎罪"):
        assert common in defined


def test_unknown_and_other_statutes_keep_a_plain_label():
    assert describe("刑法:999") == "刑法第999条"
    assert describe("刑事诉讼法:15") == "刑事诉讼法第15条"


def test_cited_articles_are_listed_most_relevant_first():
    from lcr.pipeline.searcher import _most_relevant_first

    keys = {"刑法:67", "刑法:52", "刑法:133-1", "刑法:72", "刑法:234", "刑法:25"}
    assert _most_relevant_first(keys, {"刑法:234"}) == ["刑法:234", "刑法:133-1", "刑法:25", "刑法:52", "刑法:67",
                                                          "刑法:72"]


def test_instances_of_one_case_are_linked_not_unrelated():
    from lcr.pipeline.searcher import SearchHit, _link_instances

    def hit(cid, title, charges=("危险驾驶罪",)):
        return SearchHit(cid, 0, 1.0, title, "", 2018, list(charges), [], "")

    hits = _link_instances([hit("a", "曾胜武危险驾驶一审刑事判决书"), hit("b", "王某盗窃一审刑事判决书", ["盗窃罪"]),
                            hit("c", "曾胜武危险驾驶二审刑事判决书"), hit("d", "刑事判决书15 105"),
                            hit("e", "刑事判决书15 105")])
    assert hits[2].explanation.same_case_as == "a" and "与结果 a 为同一案件的不同审级" in hits[2].explanation.reasons
    assert hits[1].explanation.same_case_as is None and hits[4].explanation.same_case_as is None
