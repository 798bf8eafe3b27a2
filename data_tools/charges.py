"""Charge names a judgment convicts of, normalised to the official list (469 names, each ending in 罪).

Judgments often name only part of a *selective* charge (选择性罪名): ``贩卖毒品罪`` for the official
``走私、贩卖、运输、制造毒品罪``, ``非法持有枪支罪`` for ``非法持有、私藏枪支、弹药罪``.  Such a form is
mapped to the official name it can be cut out of by dropping whole ``、``-separated parts (see
:func:`_cut_from`); an exact official name always wins.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from pathlib import Path

CHARGES_FILE = Path(__file__).parent / "resources" / "criminal_charges.txt"

# A conviction: 构成XX罪 / 犯XX罪 (also 犯有, 构成了).  Not after 不/否/未 (不构成XX罪, 是否构成XX罪),
# not a prior conviction (曾因犯XX罪), not after 侵 (侵犯著作权罪 is read from its 构成), not an
# accusation (指控…犯XX罪).
_TRIGGER = re.compile(r"(?<![不否未侵因曾])(?:构成了?|犯有?)")
# 构成《中华人民共和国刑法》第三百四十七条规定的贩卖毒品罪
_CITED = re.compile(r"《[^》]{1,30}》[^，。；《》]{0,30}?规定的")
_ACCUSATION = re.compile(r"(?:指控|起诉|涉嫌)[^，。；：]{0,20}$")
_STOP = re.compile(r"[，。；：,;:！？!?\s“”\"《》]")
_MAX_LEN = 40
_LIST_JOIN = "、和及与"
# Old names (before the 1997 code or later amendments) and variants seen in LeCaRD and CAIL2018.
_ALIASES = {
    "强制猥亵妇女罪": "强制猥亵、侮辱罪",
    "强制猥亵、侮辱妇女罪": "强制猥亵、侮辱罪",
    "非法获取公民个人信息罪": "侵犯公民个人信息罪",
    "出售、非法提供公民个人信息罪": "侵犯公民个人信息罪",
    "伪造居民身份证罪": "伪造、变造、买卖身份证件罪",
    "伪造、变造居民身份证罪": "伪造、变造、买卖身份证件罪",
    "隐匿、故意销毁会计凭证、会计帐簿、财务会计报告罪": "隐匿、故意销毁会计凭证、会计账簿、财务会计报告罪",
    "非法生产、销售间谍专用器材罪": "非法生产、销售专用间谍器材、窃听、窃照专用器材罪",
    "偷税罪": "逃税罪",
    "容留他人吸食毒品罪": "容留他人吸毒罪",
    "向非国家工作人员行贿罪": "对非国家工作人员行贿罪",
    "非法侵入他人住宅罪": "非法侵入住宅罪",
    "妨碍公务罪": "妨害公务罪",
    "生产、销售不符合食品安全标准的食品罪": "生产、销售不符合安全标准的食品罪",
    "积极参加黑社会性质组织罪": "组织、领导、参加黑社会性质组织罪",
    "聚众赌博罪": "赌博罪",
    "提供侵入、非法控制计算机信息系统的程序、工具罪": "提供侵入、非法控制计算机信息系统程序、工具罪",
}


@cache
def official_charges() -> tuple[str, ...]:
    """The official charge names, in file order."""
    lines = CHARGES_FILE.read_text(encoding="utf-8").splitlines()
    return tuple(dict.fromkeys(line.strip() for line in lines if line.strip()))


@cache
def _exact_names() -> dict[str, str]:
    """Every spelling that maps to an official name as a whole: the names themselves, the aliases,
    and 国境 / 边境 for 国（边）境."""
    names = {name: name for name in official_charges()}
    for name in official_charges():
        if "国（边）境" in name:
            names[name.replace("国（边）境", "国境")] = names[name.replace("国（边）境", "边境")] = name
    return names | _ALIASES


def _cut_from(form: str, official: str) -> int | None:
    """Characters dropped when ``form`` is cut out of ``official`` (both without 罪), or None.

    ``form`` must be a sequence of pieces of ``official`` (each at least 2 characters) with gaps
    between them; a gap must start with ``、`` or end with ``、`` so that only whole list members
    (plus a shared prefix such as 非法) are dropped: 非法[制造、]买卖[、运输、邮寄、储存]枪支[、弹药、爆炸物].
    """

    @cache
    def best(i: int, j: int) -> int | None:
        # ``form[:i]`` is aligned with ``official[:j]``, which ends with a piece (or i == j == 0).
        if i == len(form):
            rest = official[j:]
            return 0 if not rest else (len(rest) if rest[0] == "、" else None)
        found: int | None = None
        for gap_end in range(j, len(official)):
            gap = official[j:gap_end]
            if gap and not (gap[0] == "、" or gap[-1] == "、"):
                continue
            length = 0
            while (
                i + length < len(form)
                and gap_end + length < len(official)
                and form[i + length] == official[gap_end + length]
            ):
                length += 1
                if length >= 2:
                    tail = best(i + length, gap_end + length)
                    if tail is not None and (found is None or len(gap) + tail < found):
                        found = len(gap) + tail
        return found

    return best(0, 0)


@lru_cache(maxsize=1 << 16)
def normalise_charge(name: str) -> str | None:
    """The official name for a charge as a judgment writes it (with or without 罪), or None."""
    name = name.strip().replace("[", "").replace("]", "")
    form = name.removesuffix("罪")
    if not form:
        return None
    if form + "罪" in _exact_names():
        return _exact_names()[form + "罪"]
    best: tuple[int, str] | None = None
    for official in official_charges():
        if form[:2] not in official or form[-2:] not in official:  # cheap filter: pieces are >= 2 chars
            continue
        dropped = _cut_from(form, official[:-1])
        if dropped is not None and (best is None or dropped < best[0]):
            best = (dropped, official)
    return best[1] if best else None


def normalise_cail_charge(name: str) -> str:
    """CAIL2018 accusation -> charge name with 罪: ``"[走私、贩卖、运输、制造]毒品"`` -> ``"走私、贩卖、运输、制造毒品罪"``.

    Brackets are removed and 罪 appended; the name is not checked against the official list (see
    :func:`canonical_charge` for that).
    """
    name = name.strip().replace("[", "").replace("]", "")
    return name if name.endswith("罪") else name + "罪"


def canonical_charge(name: str) -> str:
    """A dataset's charge label as the official name when it resolves to one, else as given with
    brackets removed and 罪 appended (CAIL2018 merges a few charges, e.g. 组织、强迫、引诱、容留、介绍卖淫)."""
    return normalise_charge(name) or normalise_cail_charge(name)


def _charge_at(text: str, pos: int) -> tuple[str, int] | None:
    """Longest charge ``XX罪`` starting at ``pos``: (official name, end position)."""
    stop = _STOP.search(text, pos, pos + _MAX_LEN)
    limit = stop.start() if stop else min(len(text), pos + _MAX_LEN)
    ends = [k for k in range(pos + 1, limit) if text[k] == "罪"]
    for k in reversed(ends):
        official = normalise_charge(text[pos:k])
        if official:
            return official, k + 1
    return None


def extract_charges(text: str) -> list[str]:
    """Official names of the charges ``text`` convicts of (``构成XX罪``, ``犯XX罪``), first-seen order.

    Meant for a judgment's reasoning plus result (``cpfxgc + pjjg``); lists such as
    ``构成盗窃罪、诈骗罪`` yield every member.
    """
    found: dict[str, None] = {}
    for m in _TRIGGER.finditer(text):
        if _ACCUSATION.search(text, max(0, m.start() - 25), m.start()):
            continue
        cited = _CITED.match(text, m.end())
        pos = cited.end() if cited else m.end()
        while (hit := _charge_at(text, pos)) is not None:
            found.setdefault(hit[0])
            pos = hit[1]
            if pos >= len(text) or text[pos] not in _LIST_JOIN:
                break
            pos += 1
    return list(found)
