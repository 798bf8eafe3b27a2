"""Charge extraction and normalisation; the extraction texts are from LeCaRD candidates."""

from __future__ import annotations

import pytest

from data_tools.charges import (
    canonical_charge,
    extract_charges,
    normalise_cail_charge,
    normalise_charge,
    official_charges,
)

DRUGS = "走私、贩卖、运输、制造毒品罪"
GUNS = "非法持有、私藏枪支、弹药罪"


def test_official_list() -> None:
    names = official_charges()
    assert len(names) == 469
    assert all(name.endswith("罪") for name in names)
    assert DRUGS in names


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 8 (pjjg)
        ("被告人应国平犯交通肇事罪，判处有期徒刑一年五个月。", ["交通肇事罪"]),
        # 18 (cpfxgc + pjjg): a selective charge named in part
        (
            "本院认为，被告人陆某无视国家法律，贩卖毒品海洛因，其行为已构成贩卖毒品罪。公诉机关指控被告人陆某犯贩卖毒品罪"
            "事实清楚。 一、被告人陆某犯贩卖毒品罪，判处有期徒刑九个月，并处罚金一千元",
            [DRUGS],
        ),
        # 13 (pjjg): the same charge for several defendants
        (
            "一、被告人刘月犯诈骗罪，判处有期徒刑三年，并处罚金30000元。 二、被告人叶勇犯诈骗罪，判处有期徒刑二年二个月",
            ["诈骗罪"],
        ),
        # 15759: 构成 … 规定的 XX罪
        ("其行为已构成《中华人民共和国刑法》第三百四十七条规定的贩卖毒品罪；", [DRUGS]),
        ("其行为已分别构成盗窃罪、诈骗罪，应数罪并罚", ["盗窃罪", "诈骗罪"]),
        ("被告人王某持有枪支，其行为已构成非法持有枪支罪", [GUNS]),
        ("其行为已构成掩饰、隐瞒犯罪所得罪", ["掩饰、隐瞒犯罪所得、犯罪所得收益罪"]),
        ("被告人犯有强奸罪，判处有期徒刑三年", ["强奸罪"]),
        ("其行为已构成侵犯著作权罪", ["侵犯著作权罪"]),
        ("其行为构成组织他人偷越国境罪", ["组织他人偷越国（边）境罪"]),
        ("其行为已构成非法获取公民个人信息罪", ["侵犯公民个人信息罪"]),  # the pre-2015 name
        # not convictions: negation, accusation, a prior conviction, generic 犯罪
        ("辩护人提出被告人不构成诈骗罪的意见，本院不予采纳。被告人犯盗窃罪", ["盗窃罪"]),
        ("公诉机关指控被告人犯抢劫罪的罪名不当，本院认为其行为构成抢夺罪", ["抢夺罪"]),
        ("被告人曾因犯盗窃罪被判处有期徒刑六个月，其行为已构成故意伤害罪", ["故意伤害罪"]),
        ("被告人张某某的行为不构成犯罪。 被告人张某某无罪。", []),
        ("在共同犯罪中起次要作用，系从犯，属刑满释放后五年内再犯应当判处有期徒刑以上刑罚之罪", []),
    ],
)
def test_extract_charges(text: str, expected: list[str]) -> None:
    assert extract_charges(text) == expected


@pytest.mark.parametrize(
    ("written", "official"),
    [
        ("盗窃罪", "盗窃罪"),
        ("盗窃", "盗窃罪"),
        ("贩卖毒品罪", DRUGS),
        ("贩卖、运输毒品罪", DRUGS),
        ("非法持有枪支、弹药罪", GUNS),
        ("非法买卖枪支罪", "非法制造、买卖、运输、邮寄、储存枪支、弹药、爆炸物罪"),
        ("容留卖淫罪", "引诱、容留、介绍卖淫罪"),
        ("走私普通货物罪", "走私普通货物、物品罪"),
        ("虚开增值税专用发票罪", "虚开增值税专用发票、用于骗取出口退税、抵扣税款发票罪"),
        ("参加黑社会性质组织罪", "组织、领导、参加黑社会性质组织罪"),
        ("组织领导传销活动罪", "组织、领导传销活动罪"),
        ("国有事业单位人员滥用职权罪", "国有公司、企业、事业单位人员滥用职权罪"),
        ("拒不执行判决罪", "拒不执行判决、裁定罪"),
        ("强制猥亵妇女罪", "强制猥亵、侮辱罪"),
        ("[走私、贩卖、运输、制造]毒品", DRUGS),
    ],
)
def test_normalise_charge(written: str, official: str) -> None:
    assert normalise_charge(written) == official


@pytest.mark.parametrize(
    "junk", ["数罪", "罪", "", "应当判处有期徒刑以上刑罚之罪", "公民个人信息罪", "毒品罪"]
)
def test_normalise_charge_rejects_non_charges(junk: str) -> None:
    assert normalise_charge(junk) is None


def test_normalise_cail_charge() -> None:
    assert normalise_cail_charge("[走私、贩卖、运输、制造]毒品") == DRUGS
    assert normalise_cail_charge("故意伤害") == "故意伤害罪"
    assert normalise_cail_charge("故意伤害罪") == "故意伤害罪"


def test_canonical_charge_keeps_merged_cail_labels() -> None:
    assert canonical_charge("强制猥亵、侮辱妇女") == "强制猥亵、侮辱罪"
    assert canonical_charge("组织、强迫、引诱、容留、介绍卖淫") == "组织、强迫、引诱、容留、介绍卖淫罪"
