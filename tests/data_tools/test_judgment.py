"""Court, year and heading from the start of a judgment (openings copied from LeCaRD / LeCaRDv2)."""

from __future__ import annotations

import pytest

from data_tools.judgment import case_year, court_name, heading


@pytest.mark.parametrize(
    ("opening", "court", "year"),
    [
        (
            "江西省南昌市青山湖区人民法院 刑事判决书 （2018）赣0111刑初485号 公诉机关南昌市青山湖区人民检察院。",
            "江西省南昌市青山湖区人民法院",
            2018,
        ),
        (  # cid 18: the title is repeated before the court
            "陆某贩卖毒品罪2017刑初725一审刑事判决书 广东省广州市番禺区人民法院 刑事判决书 （2017）粤0113刑初725号 公诉机关",
            "广东省广州市番禺区人民法院",
            2017,
        ),
        (  # cid 8478: a title without digits before the court, no document type after it
            "被告人张某甲犯拒不执行判决、裁定罪一案一审刑事判决书 吉林省前郭尔罗斯蒙古族自治县人民法院 被告人张某甲犯拒不执行"
            "判决、裁定罪一案一审刑事判决书 （2015）前刑初字第106号 公诉机关",
            "吉林省前郭尔罗斯蒙古族自治县人民法院",
            2015,
        ),
        (
            "湖南省长沙市中级人民法院 刑事裁定书 （2018）湘01刑终778号 抗诉机关",
            "湖南省长沙市中级人民法院",
            2018,
        ),
        (
            "山东省武城县人民法院刑事判决书（2019）鲁1428刑初153号公诉机关山东省武城县人民检察院。",
            "山东省武城县人民法院",
            2019,
        ),
        (
            "山西省晋城市中级人民法院 刑事判决书 晋市法刑终字第14号 原公诉机关阳城县人民检察院。",
            "山西省晋城市中级人民法院",
            None,
        ),
        ("", "", None),
    ],
)
def test_court_and_year(opening: str, court: str, year: int | None) -> None:
    assert court_name(opening) == court
    assert case_year(opening) == year


def test_heading() -> None:
    text = "广西壮族自治区玉林市中级人民法院刑事附带民事判决书（2019）桂09刑初33号公诉机关广西壮族自治区玉林市人民检察院。"
    assert heading(text) == "广西壮族自治区玉林市中级人民法院刑事附带民事判决书（2019）桂09刑初33号"
    assert heading("没有案号的文本") == ""
