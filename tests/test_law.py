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
        return SearchHit(cid, 0, 1.0, title, "", 2018, list(charges), [], "", {"why": []})

    hits = _link_instances([hit("a", "曾胜武危险驾驶一审刑事判决书"), hit("b", "王某盗窃一审刑事判决书", ["盗窃罪"]),
                            hit("c", "曾胜武危险驾驶二审刑事判决书"), hit("d", "刑事判决书15 105"),
                            hit("e", "刑事判决书15 105")])
    assert hits[2].explanation["same_case_as"] == "a"
    assert "same_case_as" not in hits[1].explanation and "same_case_as" not in hits[4].explanation
