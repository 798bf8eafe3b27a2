"""Metadata read from the heading of a judgment's full text: court, year, heading."""

from __future__ import annotations

import re

_HEAD = 300  # the heading sits in the first few hundred characters
_DOC_TYPE = r"[\u4e00-\u9fff]{0,12}?(?:判决书|裁定书|裁判书|调解书|决定书)"
# "江西省南昌市青山湖区人民法院 刑事判决书": the court is the name right before the document type, or
# else the first name ending in 法院 before a space.  Some texts repeat the title first
# ("陆某贩卖毒品罪…一审刑事判决书 广东省…人民法院 刑事判决书").
_COURTS = (
    re.compile(rf"([\u4e00-\u9fff（）()]{{2,40}}?(?:法院|法庭))\s*{_DOC_TYPE}"),
    re.compile(r"([\u4e00-\u9fff（）()]{2,40}?法院)\s"),
)
_TITLE_END = re.compile(r"判决书|裁定书|裁判书|调解书|决定书")
# Case number （2018）赣0111刑初485号: the first bracketed year followed by a number ending in 号.
_CASE_NO = re.compile(r"[（(〔\[［]((?:19|20)\d\d)[）)〕\]］][^，。；\s]{1,30}?号")


def court_name(full_text: str) -> str:
    """``"江西省南昌市青山湖区人民法院"`` from ``"江西省南昌市青山湖区人民法院 刑事判决书 （2018）…"``; ``""``
    if the heading names no court."""
    for pattern in _COURTS:
        if m := pattern.search(full_text[:_HEAD]):
            return _TITLE_END.split(m.group(1))[-1]
    return ""


def case_year(full_text: str) -> int | None:
    """Year of the case number (``（2018）赣0111刑初485号`` -> 2018), or None."""
    m = _CASE_NO.search(full_text[:_HEAD])
    return int(m.group(1)) if m else None


def heading(full_text: str) -> str:
    """Court, document type and case number: ``"山东省武城县人民法院刑事判决书（2019）鲁1428刑初153号"``;
    ``""`` if there is no case number in the heading."""
    m = _CASE_NO.search(full_text[:_HEAD])
    return re.sub(r"\s+", " ", full_text[: m.end()]).strip() if m else ""
