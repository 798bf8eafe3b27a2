"""Parse the law-article citations of Chinese judgments into :class:`~lcr.records.ArticleRef` items.

Judgments cite as ``依照《中华人民共和国刑法》第三百四十七条第一款、第四款、第六十七条第三款…之规定``: one
statute name, then a *run* of ``第…条`` / ``第…款`` / ``第…项`` tokens joined by ``、，及…``.  A 款 or 项
without its own 条 belongs to the previous 条; the run ends at the first text that is not such a token
(for example the next statute name or ``之规定``).  ``第…条`` outside a run (no statute) is ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lcr.errors import BadInput
from lcr.numerals import NUMERAL_CHARS, cn_numeral_to_int
from lcr.records import ArticleRef

_NUM = rf"[{NUMERAL_CHARS}]+"

__all__ = ["cn_numeral_to_int", "criminal_articles", "normalise_statute", "parse_citations"]

CRIMINAL_LAW = "刑法"

# Issuers written before a bracketed title: 最高人民法院《关于…的解释》, 最高人民法院、最高人民检察院《关于…》.
_ISSUER = r"(?:最高人民法院|最高人民检察院|公安部|司法部|国家安全部|国务院|全国人民代表大会常务委员会|全国人大常委会)"
_ISSUER_PREFIX = re.compile(rf"{_ISSUER}(?:[、，和]{_ISSUER})*(?:关于[^《》〈〉，。；、：]{{0,40}})?$")
# Title continuing after an embedded statute: 最高人民法院关于适用《中华人民共和国刑事诉讼法》的解释第…条.
_TITLE_TAIL = re.compile(r"[^《》，。；、：第]{0,12}?(?:解释|规定|决定|意见|批复|答复)")
_ADJACENT_ISSUERS = re.compile(rf"({_ISSUER})(?={_ISSUER})")  # 最高人民法院最高人民检察院关于…
_BARE_STATUTE = re.compile(rf"(?:中华人民共和国|我国)?(刑法|刑事诉讼法)(?=第|{_NUM}条)")
_OPEN, _CLOSE = "《〈﹤<", "》〉﹥>"
_NESTED_MARKS = re.compile(r"[《》〈〉﹤﹥<>]")
_COUNTRY = re.compile(r"中华?国?人民共和国")  # also the frequent typo 中国人民共和国

# Tokens of a citation run.  ``第`` may be missing on list members (``第25条、27条``).
_ITEM_NUM = rf"[（(]?{_NUM}[）)]?"
_TOKEN = re.compile(
    rf"(?P<sep>(?:以及|[、，,；;和及与])+)"
    rf"|第?(?P<art>{_NUM}(?:[、，]{_NUM})*)条(?:之(?P<sub>{_NUM}))?"
    rf"|第?(?P<para>{_NUM}(?:[、，]{_NUM})*)款"
    rf"|第?(?P<item>{_ITEM_NUM}(?:[、，]{_ITEM_NUM})*)项"
)
# What may sit between a statute name and its first article: （2015年修正）, （法释〔2013〕8号）,
# （《刑法修正案（九）》公布实施前）.
_AFTER_NAME = re.compile(r"[（(](?:[^（）()]|[（(][^（）()]{0,10}[）)]){0,40}[）)]")
_SPACE = re.compile(r"\s+")


def normalise_statute(name: str) -> str:
    """Short statute name: ``《中华人民共和国刑法》`` -> ``"刑法"``; inner title marks and every
    ``中华人民共和国`` are dropped, so the bracketed and unbracketed spellings of one title agree."""
    name = _COUNTRY.sub("", _NESTED_MARKS.sub("", name)).strip()
    return _ADJACENT_ISSUERS.sub(r"\1、", name)


def _numbers(group: str) -> list[int]:
    return [
        cn_numeral_to_int(part.strip("（()）")) for part in re.split(r"[、，]", group) if part.strip("（()）")
    ]


def _bracketed_titles(text: str) -> Iterator[tuple[int, int]]:
    """Spans ``(start, end)`` of top-level ``《…》`` titles, nested marks included."""
    depth, start = 0, 0
    for i, ch in enumerate(text):
        if ch == "《" and depth == 0:
            depth, start = 1, i
        elif depth and ch in _OPEN:
            depth += 1
        elif depth and ch in _CLOSE:
            depth -= 1
            if depth == 0:
                yield start, i + 1
        if depth and i - start > 120:  # an unclosed 《: give up on it
            depth = 0


def _statutes(text: str) -> list[tuple[int, int, str]]:
    """Statute mentions as ``(start, end, short name)``, sorted; ``end`` is where a run may begin."""
    found: list[tuple[int, int, str]] = []
    for start, end in _bracketed_titles(text):
        title = text[start + 1 : end - 1]
        prefix = _ISSUER_PREFIX.search(text, max(0, start - 80), start)
        tail = _TITLE_TAIL.match(text, end) if prefix and "关于" in prefix.group() else None
        if prefix and tail:
            title, start, end = prefix.group() + title + tail.group(), prefix.start(), tail.end()
        elif prefix and "关于" not in prefix.group() and title.startswith("关于"):
            title, start = prefix.group() + title, prefix.start()
        found.append((start, end, normalise_statute(title)))
    spans = [(s, e) for s, e, _ in found]
    for m in _BARE_STATUTE.finditer(text):
        if not any(s <= m.start() < e for s, e in spans):
            found.append((m.start(), m.end(), m.group(1)))
    return sorted(found)


class _Run:
    """State of one citation run: the current 条 and 款 that later 款 / 项 tokens attach to."""

    def __init__(self, statute: str, out: list[ArticleRef]) -> None:
        self.statute, self.out = statute, out
        self.article: tuple[int, int] | None = None
        self.para: int | None = None
        self.refinable = False  # the last ref in ``out`` may still be narrowed to a 款 / 项

    def feed(self, m: re.Match[str]) -> None:
        if m.group("art"):
            sub = cn_numeral_to_int(m.group("sub")) if m.group("sub") else 0
            for number in _numbers(m.group("art")):
                self.article, self.para = (number, sub), None
                self.out.append(ArticleRef(self.statute, number, sub))
            self.refinable = True
        elif self.article is None or m.group("sep"):
            return
        elif m.group("para"):
            for p in _numbers(m.group("para")):
                self._add(p, None, narrow=self.out[-1].paragraph is None and self.out[-1].item is None)
                self.para = p
            self.refinable = True
        else:
            for i in _numbers(m.group("item")):
                self._add(self.para, i, narrow=self.out[-1].item is None)
                self.refinable = False

    def _add(self, para: int | None, item: int | None, narrow: bool) -> None:
        assert self.article is not None
        ref = ArticleRef(self.statute, self.article[0], self.article[1], para, item)
        if self.refinable and narrow:
            self.out[-1] = ref
        else:
            self.out.append(ref)


def _parse_run(text: str, pos: int, stop: int, statute: str, out: list[ArticleRef]) -> None:
    """Append the refs of the run from ``pos`` to at most ``stop`` to ``out``."""
    run = _Run(statute, out)
    while m := _TOKEN.match(text, pos, stop):
        pos = m.end()
        try:
            run.feed(m)
        except BadInput:  # a malformed numeral such as 二百三百十四 ends the run
            return


def parse_citations(text: str) -> list[ArticleRef]:
    """Every cited provision, in order of appearance, exact duplicates dropped."""
    text = _SPACE.sub("", text)  # judgments break lines inside numerals: 第二百一十 七条
    refs: list[ArticleRef] = []
    statutes = _statutes(text)
    k = 0
    while k < len(statutes):
        _, end, name = statutes[k]
        note = _AFTER_NAME.match(text, end)
        begin = note.end() if note else end
        k += 1
        # skip titles inside the note, e.g. 《刑法修正案（九）》
        while k < len(statutes) and statutes[k][0] < begin:
            k += 1
        _parse_run(text, begin, statutes[k][0] if k < len(statutes) else len(text), name, refs)
    return list(dict.fromkeys(refs))


def criminal_articles(text: str) -> list[ArticleRef]:
    """Criminal Law articles cited, article level (款/项 dropped), first-seen order."""
    refs = (
        ArticleRef(CRIMINAL_LAW, r.article, r.sub) for r in parse_citations(text) if r.statute == CRIMINAL_LAW
    )
    return list(dict.fromkeys(refs))
