"""Citation parser on sentences copied verbatim from LeCaRD candidates (``qw``), expected outputs
checked by hand.  The comment on each case names the candidate id and what it exercises."""

from __future__ import annotations

import pytest

from data_tools.citations import cn_numeral_to_int, criminal_articles, normalise_statute, parse_citations
from lcr.errors import BadInput
from lcr.records import ArticleRef

XF = "刑法"
XS = "刑事诉讼法"
XS_JS = "最高人民法院关于适用刑事诉讼法的解释"
ZS_JS = "最高人民法院关于处理自首和立功具体应用法律若干问题的解释"
TJ_JS = "最高人民法院、最高人民检察院关于办理贪污贿赂刑事案件适用法律若干问题的解释"


def refs(text: str) -> list[tuple[str, int, int, int | None, int | None]]:
    return [(r.statute, r.article, r.sub, r.paragraph, r.item) for r in parse_citations(text)]


CASES = [
    (  # 8: issuer before the title, 款 + 项 of an interpretation
        "依照《中华人民共和国刑法》第一百三十三条、第六十七条第一款及最高人民法院《关于审理交通肇事刑事案件具体应用法律"
        "若干问题的解释》第二条第二款第（五）项、最高人民法院《关于处理自首和立功具体应用法律若干问题的解释》第一条之规定",
        [
            (XF, 133, 0, None, None),
            (XF, 67, 0, 1, None),
            ("最高人民法院关于审理交通肇事刑事案件具体应用法律若干问题的解释", 2, 0, 2, 5),
            (ZS_JS, 1, 0, None, None),
        ],
    ),
    (  # 29816: 之一, two statutes, an item list 第一、二项
        "依据《中华人民共和国刑法》第二百九十条、第七十二条、第七十三条、第十七条之一、《中华人民共和国刑事诉讼法》"
        "第二百二十五条第一款第一、二项之规定",
        [
            (XF, 290, 0, None, None),
            (XF, 72, 0, None, None),
            (XF, 73, 0, None, None),
            (XF, 17, 1, None, None),
            (XS, 225, 0, 1, 1),
            (XS, 225, 0, 1, 2),
        ],
    ),
    (  # 38635: four statutes, the last an unbracketed title around a bracketed statute
        "依照《中华人民共和国刑法》第三百四十五条第一款、第二百七十五条、第五十二条、第六十四条、第六十九条、"
        "《最高人民法院关于审理破坏森林资源刑事案件具体应用法律若干问题的解释》第四条、《中华人民共和国刑事诉讼法》"
        "第二百二十五条第一款第（二）项、第二百二十六条第一款、最高人民法院关于适用《中华人民共和国刑事诉讼法》的解释"
        "第三百二十五条第一款第（七）项的规定",
        [
            (XF, 345, 0, 1, None),
            (XF, 275, 0, None, None),
            (XF, 52, 0, None, None),
            (XF, 64, 0, None, None),
            (XF, 69, 0, None, None),
            ("最高人民法院关于审理破坏森林资源刑事案件具体应用法律若干问题的解释", 4, 0, None, None),
            (XS, 225, 0, 1, 2),
            (XS, 226, 0, 1, None),
            (XS_JS, 325, 0, 1, 7),
        ],
    ),
    (  # 31005: 第二款 after a 项 belongs to 383; an article number inside a title is not a citation
        "依照《中华人民共和国刑法》第三百八十二条第一款、第三百八十三条第一款第（三）项、第二款、第二十五条第一款、"
        "第六十七条第一款、第七十七条第一款、第六十九条、第九十三条第二款及全国人民代表大会常务委员会《关于〈中华人民"
        "共和国刑法〉第九十三条第二款的解释》之规定",
        [
            (XF, 382, 0, 1, None),
            (XF, 383, 0, 1, 3),
            (XF, 383, 0, 2, None),
            (XF, 25, 0, 1, None),
            (XF, 67, 0, 1, None),
            (XF, 77, 0, 1, None),
            (XF, 69, 0, None, None),
            (XF, 93, 0, 2, None),
        ],
    ),
    (  # 539: Arabic digits, a list member without 第
        "依照《中华人民共和国刑法》第266条、第25条、27条、第65条第1款的规定",
        [(XF, 266, 0, None, None), (XF, 25, 0, None, None), (XF, 27, 0, None, None), (XF, 65, 0, 1, None)],
    ),
    (  # 41698: 之一 with 款 and 项, paragraph lists 第一、三款
        "依照《中华人民共和国刑法》第一百三十三条之一第一款第（二）项、第七十二条第一、三款、第七十三条第一、三款之规定",
        [
            (XF, 133, 1, 1, 2),
            (XF, 72, 0, 1, None),
            (XF, 72, 0, 3, None),
            (XF, 73, 0, 1, None),
            (XF, 73, 0, 3, None),
        ],
    ),
    (  # 10547: two 之一 articles; an amendment named before the statute it amended
        "依照《中华人民共和国刑法》第一百七十七条之一第一款第（三）项、第一百七十五条之一第一款、第二十五条第一款、"
        "第二十六条第一款、第四款、第六十七条第三款、第六十四条，经2011年《中华人民共和国刑法修正案（八）》修正的"
        "《中华人民共和国刑法》第六十九条，《最高人民法院、最高人民检察院关于办理妨害信用卡管理刑事案件具体应用法律"
        "若干问题的解释》第二条第三款之规定",
        [
            (XF, 177, 1, 1, 3),
            (XF, 175, 1, 1, None),
            (XF, 25, 0, 1, None),
            (XF, 26, 0, 1, None),
            (XF, 26, 0, 4, None),
            (XF, 67, 0, 3, None),
            (XF, 64, 0, None, None),
            (XF, 69, 0, None, None),
            (
                "最高人民法院、最高人民检察院关于办理妨害信用卡管理刑事案件具体应用法律若干问题的解释",
                2,
                0,
                3,
                None,
            ),
        ],
    ),
    (  # 40182: a note with a nested title between the statute and its articles; 以及 between statutes
        "依照1997年修订的《中华人民共和国刑法》（《刑法修正案（九）》公布实施前）第三百八十九条第一款，第三百九十二条"
        "第一款，第三百九十条第一款，第六十九条第一款，第六十七条第一款，第七十二条第一款，第七十三条第二款、第三款和"
        "最高人民法院《关于处理自首和立功具体应用法律若干问题的解释》第一条以及最高人民法院、最高人民检察院《关于办理"
        "贪污贿赂刑事案件适用法律若干问题的解释》第七条第一款，第十二条的规定",
        [
            (XF, 389, 0, 1, None),
            (XF, 392, 0, 1, None),
            (XF, 390, 0, 1, None),
            (XF, 69, 0, 1, None),
            (XF, 67, 0, 1, None),
            (XF, 72, 0, 1, None),
            (XF, 73, 0, 2, None),
            (XF, 73, 0, 3, None),
            (ZS_JS, 1, 0, None, None),
            (TJ_JS, 7, 0, 1, None),
            (TJ_JS, 12, 0, None, None),
        ],
    ),
    (  # 9366: line breaks inside numerals and titles
        "依照《中华人民共和国刑法》第二百一十 七条第（一）项，第六十七条第三款，第七十二条第一款、第 三款，第六十四条，"
        "最高人民法院、最高人民检察院《关于办 理侵犯知识产权刑事案件具体应用法律若干问题的解释（二） 》第一条、第四条的规定",
        [
            (XF, 217, 0, None, 1),
            (XF, 67, 0, 3, None),
            (XF, 72, 0, 1, None),
            (XF, 72, 0, 3, None),
            (XF, 64, 0, None, None),
            (
                "最高人民法院、最高人民检察院关于办理侵犯知识产权刑事案件具体应用法律若干问题的解释（二）",
                1,
                0,
                None,
                None,
            ),
            (
                "最高人民法院、最高人民检察院关于办理侵犯知识产权刑事案件具体应用法律若干问题的解释（二）",
                4,
                0,
                None,
                None,
            ),
        ],
    ),
    (  # 20238: a malformed numeral (二百三百十四) is dropped, the later citation is read
        "被告人陈某某的行为触犯了《中华人民共和国刑法》第二百三百十四条第一款的规定，已构成故意伤害罪。……依照《中华人民"
        "共和国刑法》第二百三十四条第一款、第四十二条的规定",
        [(XF, 234, 0, 1, None), (XF, 42, 0, None, None)],
    ),
    (  # 39217: the Criminal Law cited last
        "依照《中华人民共和国刑事诉讼法》第二百四十五条、《最高人民法院关于适用〈中华人民共和国刑事诉讼法〉的解释》"
        "第三百八十九条第一款第（三）项、《中华人民共和国刑法》第六十四条之规定",
        [(XS, 245, 0, None, None), (XS_JS, 389, 0, 1, 3), (XF, 64, 0, None, None)],
    ),
    (  # 40557: misspelt country name
        "依照《中国人民共和国刑法》第二百七十四条、第六十七条、第四十二条、第四十三条、第五十二条、第五十三条之规定",
        [(XF, n, 0, None, None) for n in (274, 67, 42, 43, 52, 53)],
    ),
    (  # 17172: 款 and 项 without 第
        "依照《中华人民共和国刑法》第三百四十五条第二款、第十七条之一、第六十一条、第七十二条一、三款及《中华人民共和国"
        "刑事诉讼法》第二百二十五条第一款（二）项之规定",
        [
            (XF, 345, 0, 2, None),
            (XF, 17, 1, None, None),
            (XF, 61, 0, None, None),
            (XF, 72, 0, 1, None),
            (XF, 72, 0, 3, None),
            (XS, 225, 0, 1, 2),
        ],
    ),
    (  # 487: statute named without title marks
        "根据我国刑法第196条的有关规定，王刚的行为涉嫌信用卡诈骗罪",
        [(XF, 196, 0, None, None)],
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_parse_citations_on_real_sentences(text: str, expected: list[tuple]) -> None:
    assert refs(text) == expected


def test_criminal_articles_keeps_article_level_first_seen_order() -> None:
    text = CASES[7][0]  # 40182
    assert [r.key for r in criminal_articles(text)] == [f"刑法:{n}" for n in (389, 392, 390, 69, 67, 72, 73)]
    assert criminal_articles(CASES[6][0])[:2] == [ArticleRef(XF, 177, 1), ArticleRef(XF, 175, 1)]
    assert [r.key for r in criminal_articles(CASES[10][0])] == ["刑法:64"]


def test_text_without_citations() -> None:
    assert parse_citations("被告人于2018年3月19日被刑事拘留，第二天被释放。") == []
    assert parse_citations("依照本条第二款的规定") == []  # a 条 without a statute is not a citation
    assert parse_citations("") == []


def test_exact_duplicates_are_dropped() -> None:
    text = "依照《中华人民共和国刑法》第二百六十四条之规定。……依照《刑法》第二百六十四条之规定"
    assert parse_citations(text) == [ArticleRef(XF, 264)]


def test_normalise_statute() -> None:
    assert normalise_statute("《中华人民共和国刑法》") == "刑法"
    assert normalise_statute("刑法") == "刑法"
    assert normalise_statute("《中华人民共和国刑事诉讼法》") == "刑事诉讼法"
    assert normalise_statute("《中华人民共和国道路交通安全法》") == "道路交通安全法"
    assert (
        normalise_statute("最高人民法院最高人民检察院关于办理贪污贿赂刑事案件适用法律若干问题的解释") == TJ_JS
    )


@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        ("三百零三", 303),
        ("一百三十三", 133),
        ("十七", 17),
        ("二十", 20),
        ("十", 10),
        ("一千零一", 1001),
        ("两百", 200),
        ("二〇一八", 2018),
        ("１３３", 133),
        ("347", 347),
        ("三万零五", 30005),
    ],
)
def test_cn_numeral_to_int(numeral: str, value: int) -> None:
    assert cn_numeral_to_int(numeral) == value


@pytest.mark.parametrize("bad", ["二百三百十四", "三五十", "abc", ""])
def test_cn_numeral_to_int_rejects_malformed(bad: str) -> None:
    with pytest.raises(BadInput):
        cn_numeral_to_int(bad)
