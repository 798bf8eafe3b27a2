"""Rule-based extraction of sentencing circumstances (关键情节) from Chinese criminal fact text.

``extract_circumstances`` turns the facts of a judgment (LeCaRD ``q`` / ``ajjbqk``) into typed
fields: a set of boolean ``flags`` (see ``FLAGS``) and four numbers (largest amount of money,
worst injury grade, largest drug quantity, blood alcohol). ``circumstance_similarity`` compares two
such records as features for reranking.

Rules
-----
* Text is normalised first: full-width digits and ``．／`` become ASCII, and book titles ``《…》``
  are dropped, so statute names (《关于处理自首和立功若干问题的意见》, 《…毒品犯罪案件…》) never
  trigger a cue.
* Flags are found sentence by sentence (``lcr.text.sentences.split_sentences``). A cue (``_CUES``)
  counts unless it is *denied*: a negator (没有/未/无/不/非/拒/否认…, minus idioms such as 无证,
  不法, 未经, 不影响) or a hedge (是否/可能/足以/险些/濒临) stands in the same clause (between
  ，；：) within ``_NEG_WINDOW`` characters before the cue and after the last 但/却/而; or the cue
  is followed in its clause by 不成立/不予认定/没有事实依据…; or, for compensation, forgiveness
  and restitution, the clause before it only asks for or orders it (请求/要求/判令/责令/希望…: a
  civil claim, not a payment). A death in a clause that disputes cause or liability (并非致被害人
  死亡的直接原因) stays a death. A denied verdict (不构成自首, 不属从犯: ``_VERDICTS``) overrules
  the asserted evidence cues of its flag earlier in the sentence (虽自动投案，但…不构成自首).
* Numbers are taken over the whole text; each field keeps its extreme value (largest amount, drug
  quantity and alcohol, worst injury). Money: Arabic numbers (with ``,``/``，`` thousands
  separators) or Chinese numerals (三万, 一万五千, 贰仟; a Chinese numeral needs a unit character
  十百千万亿, so names such as 三元里 are ignored), optional 万/亿 and 余/多, then 元 (so 美元 and
  港元 are not yuan). Drugs: Arabic numbers in 克/g, 千克/公斤/kg, only in sentences that name a
  drug. Alcohol: ``mg|毫克 / 100 ml|毫升`` (OCR's ``l00``/``lOO`` accepted), and ``mg/ml``
  multiplied by 100 in sentences that mention 乙醇/酒精/血醇.
* Injury: a denied mention (不构成轻微伤, 未达到轻伤) is skipped. The worst level wins
  (轻微伤 < 轻伤 < 重伤); within that level a graded mention (轻伤一级/二级) is preferred to the
  ungraded one, which is usually a summary of the same wound. 严重伤害 is not 重伤, and a charge
  name (过失致人重伤罪, often of a former conviction) is not an injury.

Known limits: cue lists are finite (weapons, drugs); the negation scope is lexical, so a denial
after the cue in a later clause (…系自首的意见，本院不予采纳) is missed, and so are statute
quotations (…如实供述自己的罪行的，是自首) and defence claims (辩护人提出其系从犯), which read as
findings; ``confession`` is also set by the 如实供述 inside a surrender finding; money amounts are
not told apart by role (stolen value, bribe, fine, registered capital all count), nor are breath
and blood alcohol tests (the larger wins); a verdict denied for one defendant also vetoes another
defendant's evidence cues in the same sentence; a negator that is part of a name (帅任非) still negates.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from pathlib import Path

from lcr.text.sentences import split_sentences

FLAGS: tuple[str, ...] = (
    "surrender", "confession", "recidivism", "prior_record", "attempt", "accomplice", "principal",
    "compensation", "forgiveness", "restitution", "minor", "death", "weapon",
)  # fmt: skip
FLAG_LABELS: dict[str, str] = {
    "surrender": "自首", "confession": "坦白", "recidivism": "累犯", "prior_record": "前科",
    "attempt": "未遂", "accomplice": "从犯", "principal": "主犯", "compensation": "赔偿",
    "forgiveness": "谅解", "restitution": "退赃", "minor": "未成年", "death": "死亡", "weapon": "持械",
}  # fmt: skip
# ordered by severity within each level (轻微伤 < 轻伤 < 重伤); the ungraded name closes its level
INJURY_GRADES: tuple[str, ...] = ("轻微伤", "轻伤二级", "轻伤一级", "轻伤", "重伤二级", "重伤一级", "重伤")
# upper bounds (exclusive, 元) of the amount brackets 0..5; bracket 6 is >= 1,000,000
AMOUNT_CUTS: tuple[float, ...] = (3_000, 10_000, 30_000, 100_000, 500_000, 1_000_000)
ALCOHOL_AGGRAVATED = 200.0  # mg/100ml: the blood-alcohol level at which drunk driving is punished more
DRUNK_DRIVING = 80.0  # mg/100ml: 醉驾 from here, 酒驾 below
#: The rules' identity (a hash of this module): circumstances stored by an index built under other rules
#: are not read, but extracted again.
RULES_VERSION = hashlib.sha1(Path(__file__).read_bytes()).hexdigest()[:16]

_P = "[^，,。；;：:！？]"  # one character inside a clause
_CUES: dict[str, re.Pattern[str]] = {
    "surrender": re.compile(
        rf"自首|投案|主动(?:到|至|前往|去){_P}{{0,15}}?(?:公安|派出所|警|检察|纪委|监委)"
    ),
    "confession": re.compile(r"坦白|如实(?:供述|交代|交待|供认|陈述)|供认不讳"),
    "recidivism": re.compile(rf"累犯|刑(?:满释放|罚执行完毕){_P}{{0,12}}?五年(?:以)?内"),
    # a former sentence or administrative penalty; 前科 as a kind of evidence (前科材料) is not one
    "prior_record": re.compile(
        r"曾(?:(?:于|在)\d{4}年[^。；]{0,20}?)?(?:因[^。；]{0,40}?)?[被受][^。；]{0,30}?"
        r"(?:判处|判刑|判过刑|(?<!刑事)拘留|处罚|罚款|劳动教养|劳教|强制隔离戒毒)"
        r"|前科(?!证明|材料|资料|查询|情况|核实|信息)|刑满释放"
    ),
    "attempt": re.compile(r"未遂|未能?得逞|意志以外"),
    # (?<![主、]) keeps 主从犯 / 主、从犯 (不分主从犯) out of the accomplice cue
    "accomplice": re.compile(r"(?<![主、])从犯(?!罪)|胁从|次要(?:、辅助)?作用|辅助作用|作用(?:相对)?较?小"),
    "principal": re.compile(r"主犯|主要作用|首要分子"),
    # 死亡赔偿金 / 残疾赔偿金 are heads of a civil claim and 赔偿责任 a liability, not a payment
    "compensation": re.compile(r"赔付|赔偿(?!金|责任)|(?<!死亡)(?<!残疾)赔偿金"),
    "forgiveness": re.compile(r"谅解"),
    "restitution": re.compile(
        r"退赃|退赔|退缴|退清|追回|(?:退还|返还|归还|发还)[^，。；、]{0,6}?(?:赃|被害|失主|损失)"
    ),
    "minor": re.compile(
        r"未成年|[不未]满(?:十[二四六八]|1[2468])周?岁"  # 不满十八周岁, 未满14周岁
        r"|(?<![\d一二三四五六七八九十])(?:[1-9]|1[0-7]|十[一二三四五六七]?|[一二三四五六七八九])周岁"  # 1..17周岁
        r"|(?:时年|年仅|仅|只有)(?:[1-9]|1[0-7])岁"
    ),
    "death": re.compile(r"死亡|身亡|死者|抢救无效|致死"),
    "weapon": re.compile(
        r"持刀|持械|[菜砍尖水果西瓜折叠弹簧剔骨杀猪单刃双刃柴]刀|刀具|刀子|匕首|凶器|棍棒|[木铁钢警]棍"
        r"|钢管|铁锤|锤子|斧头|斧子|枪(?!手)"
    ),
}
# a negator or hedge; each exclusion is a common idiom that negates nothing (无证驾驶, 不法分子, 未经许可)
_NEGATOR = re.compile(
    r"没有|没(?!收)|未(?!经|果|成年|满|遂|得逞)|无(?!证|业|牌|照|故|辜|意|固定|正当|人驾驶|效)"
    r"|不(?!久|详|明|特定|法|等|同|断|慎|料|知|让|顾|停|满|足|良|但|仅|少|影响|妨碍|服|治|到|备|注意|认识|清楚)"
    r"|非(?!法|常|国家)|拒|否认|是否|可能|足以|险些|差点|濒临"
)
_NEG_WINDOW = 15  # characters before a cue searched for a negator
# a negator before 但/却/而 does not reach past it (虽不构成自首，但如实供述; 因未勃起而未得逞)
_CONTRAST = re.compile(r".*(?:但|却|而)")
_DENIED_AFTER = re.compile(rf"{_P}{{0,6}}?(?:不成立|不能成立|不予认定|不能认定|没有事实|缺乏事实)")
# asking for (or ordering) a payment, a pardon or a return is not getting it
_CLAIM = re.compile(r"请求|要求|诉请|诉称|判令|责令|索赔|主张|希望|承担|连带")
# the legal conclusion among a flag's cues: when denied, it overrules the evidence cues before it
_VERDICTS = {
    "surrender": "自首", "confession": "坦白", "recidivism": "累犯", "attempt": "未遂",
    "accomplice": "从犯", "principal": "主犯",
}  # fmt: skip
_CAUSATION = re.compile(r"原因|责任|故意|过失")
_CLAUSE_END = re.compile(r"[，,。；;：:！？]")

_FULLWIDTH = str.maketrans("０１２３４５６７８９．／", "0123456789./")
_HAS_FULLWIDTH = re.compile("[０-９．／]")
_BOOK_TITLE = re.compile(r"《[^《》]{0,80}》")

_NUM = r"\d+(?:[,，]\d{3})*(?:\.\d+)?(?![\d,，])"  # 12,000 / 12，000 / 3.5 (not the "2" of 2，5)
_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {
    "〇": 0, "两": 2, "壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5, "陆": 6, "柒": 7, "捌": 8, "玖": 9,
}  # fmt: skip
_CN_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_CN_BIG = {"万": 10_000, "亿": 100_000_000}
_CN_NUM = rf"[{''.join(_CN_DIGITS)}{''.join(_CN_UNITS)}{''.join(_CN_BIG)}]+"
_MONEY = re.compile(rf"(?P<num>{_NUM}|{_CN_NUM})\s*(?P<big>[万亿])?\s*[余多]?\s*(?P<big2>[万亿])?\s*元")
_DRUG = re.compile(
    r"毒品|甲基苯丙胺|冰毒|海洛因|氯胺酮|K粉|麻古|摇头丸|大麻|可卡因|鸦片|吗啡|罂粟|美沙酮|曲马多|麻黄碱|MDMA"
    r"|亚甲二氧基|卡西酮|芬太尼|哌替啶|三唑仑"
)
# not the 100g of a purity 69.44g/100g
_GRAMS = re.compile(rf"(?<![\d./])(?P<num>{_NUM})\s*(?P<unit>千克|公斤|kg|KG|Kg|(?<!毫)克|g)(?![a-zA-Z拉/])")
_ALCOHOL_TERM = re.compile(r"乙醇|酒精|血醇")
_ALCOHOL = re.compile(
    rf"(?P<num>{_NUM})\s*(?:mg|毫克)\s*(?:乙醇)?\s*/\s*(?P<per100>[1l][0O]{{2}})?\s*(?:m[lL1]|毫升)"
)
# 严重伤害 is not 重伤, 过失致人重伤罪 names a charge (often a former one)
_INJURY = re.compile(r"(?:轻微伤|(?<!严)[轻重]伤(?:[一二]级)?)(?!罪)")


@dataclass(frozen=True)
class Circumstances:
    """The sentencing circumstances of one case; numbers are None when the text names none."""

    flags: frozenset[str] = frozenset()
    amount_yuan: float | None = None
    injury: str | None = None
    drug_grams: float | None = None
    blood_alcohol: float | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "flags": sorted(self.flags),
            "amount_yuan": self.amount_yuan,
            "injury": self.injury,
            "drug_grams": self.drug_grams,
            "blood_alcohol": self.blood_alcohol,
        }

    @classmethod
    def from_dict(cls, d: dict) -> Circumstances:
        """The inverse of :meth:`to_dict`."""
        return cls(frozenset(d["flags"]), d["amount_yuan"], d["injury"], d["drug_grams"], d["blood_alcohol"])

    def labels(self) -> list[str]:
        """Chinese display labels: flags in ``FLAGS`` order, then the numeric fields."""
        out = [FLAG_LABELS[f] for f in FLAGS if f in self.flags]
        if self.amount_yuan is not None:
            out.append(f"数额 {_format_yuan(self.amount_yuan)}")
        if self.injury is not None:
            out.append(self.injury)
        if self.drug_grams is not None:
            out.append(f"毒品 {_trim(self.drug_grams)}克")
        if self.blood_alcohol is not None:
            kind = "醉驾" if self.blood_alcohol >= DRUNK_DRIVING else "酒驾"
            out.append(f"{kind} {_trim(self.blood_alcohol)}mg/100ml")
        return out


def _trim(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _format_yuan(yuan: float) -> str:
    return f"{_trim(yuan / 10_000)}万元" if yuan >= 10_000 else f"{_trim(yuan)}元"


def _normalise(text: str) -> str:
    if _HAS_FULLWIDTH.search(text):  # translate walks every character: only when there is one to map
        text = text.translate(_FULLWIDTH)
    return _BOOK_TITLE.sub("", text)


def _denied(clause_before: str, clause_after: str, flag: str) -> bool:
    """Whether the cue between ``clause_before`` and ``clause_after`` (its clause) is negated."""
    if flag == "death" and _CAUSATION.search(clause_before + clause_after):
        return False  # 并非致被害人死亡的直接原因: the cause is disputed, the death is not
    window = clause_before[-_NEG_WINDOW:]
    window = _CONTRAST.sub("", window)
    if _NEGATOR.search(window) or _DENIED_AFTER.match(clause_after):
        return True
    return flag in ("compensation", "forgiveness", "restitution") and _CLAIM.search(window) is not None


def _asserted(sentence: str, match: re.Match[str], flag: str) -> bool:
    ends = list(_CLAUSE_END.finditer(sentence, 0, match.start()))
    start = ends[-1].end() if ends else 0
    stop = _CLAUSE_END.search(sentence, match.end())
    after = sentence[match.end() : stop.start() if stop else len(sentence)]
    return not _denied(sentence[start : match.start()], after, flag)


def _flag_asserted(sentence: str, flag: str) -> bool:
    """Some cue of ``flag`` is asserted, and if it is only evidence (投案, 起次要作用) no later denied
    verdict overrules it (虽自动投案，但未如实供述，不构成自首)."""
    verdict = _VERDICTS.get(flag)
    hits = [(m.group() == verdict, _asserted(sentence, m, flag)) for m in _CUES[flag].finditer(sentence)]
    vetoes = [i for i, (is_verdict, ok) in enumerate(hits) if is_verdict and not ok]
    last_veto = vetoes[-1] if vetoes else -1
    return any(ok and (is_verdict or i > last_veto) for i, (is_verdict, ok) in enumerate(hits))


def _sentence_flags(sentence: str, flags: tuple[str, ...] = FLAGS) -> frozenset[str]:
    """The ``flags`` asserted by one sentence; a flag with no cue in it is skipped before its rules run."""
    return frozenset(flag for flag in flags if _CUES[flag].search(sentence) and _flag_asserted(sentence, flag))


def sentence_flags(sentence: str) -> frozenset[str]:
    """The flags asserted by one sentence (the unit of the cue and negation rules)."""
    return _sentence_flags(_normalise(sentence))


def _chinese_number(s: str) -> float:
    """三万 -> 30000, 一万五千 -> 15000, 十二 -> 12, 贰仟 -> 2000 (no colloquial 一万五)."""
    total, section, digit = 0, 0, 0
    for ch in s:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            section += (digit or 1) * _CN_UNITS[ch]
            digit = 0
        elif ch == "亿":  # 一亿二千万: everything so far is a count of 亿
            total = (total + section + digit) * _CN_BIG[ch]
            section = digit = 0
        else:  # 万
            total += (section + digit) * _CN_BIG[ch]
            section = digit = 0
    return float(total + section + digit)


def _number(s: str) -> float | None:
    if s[0].isdigit():
        return float(s.replace(",", "").replace("，", ""))
    if not any(ch in _CN_UNITS or ch in _CN_BIG for ch in s):
        return None  # a bare 三 before 元 is more often a name (三元里) than money
    return _chinese_number(s)


def _amounts(text: str) -> list[float]:
    out = []
    for m in _MONEY.finditer(text):
        value = _number(m["num"])
        if value is None:
            continue
        for big in (m["big"], m["big2"]):
            if big:
                value *= _CN_BIG[big]
        if value > 0:
            out.append(round(value, 2))
    return out


def _drug_grams(sentences: list[str]) -> list[float]:
    scale = {"千克": 1000.0, "公斤": 1000.0, "kg": 1000.0, "KG": 1000.0, "Kg": 1000.0, "克": 1.0, "g": 1.0}
    return [
        round(float(m["num"].replace(",", "").replace("，", "")) * scale[m["unit"]], 4)
        for s in sentences
        if _DRUG.search(s)
        for m in _GRAMS.finditer(s)
    ]


def _alcohol(sentences: list[str]) -> list[float]:
    out = []
    for s in sentences:
        for m in _ALCOHOL.finditer(s):
            value = float(m["num"].replace(",", "").replace("，", ""))
            if m["per100"]:
                out.append(value)
            elif _ALCOHOL_TERM.search(s):
                out.append(round(value * 100, 2))  # mg/ml
    return out


def _level(grade: str) -> int:
    return 0 if grade == "轻微伤" else 1 if grade.startswith("轻") else 2


def _worst_injury(sentences: list[str]) -> str | None:
    grades = [m.group() for s in sentences for m in _INJURY.finditer(s) if _asserted(s, m, "injury")]
    if not grades:
        return None
    level = max(_level(g) for g in grades)
    top = [g for g in grades if _level(g) == level]
    graded = [g for g in top if g.endswith("级")]
    return max(graded or top, key=INJURY_GRADES.index)


def extract_circumstances(text: str) -> Circumstances:
    """The circumstances of a whole fact text (the union of its sentences' flags, extreme numbers)."""
    normalised = _normalise(text)
    sentences = split_sentences(normalised)
    # only flags with a cue somewhere in the text are looked for sentence by sentence
    cued = tuple(flag for flag in FLAGS if _CUES[flag].search(normalised))
    amounts, grams, alcohol = _amounts(normalised), _drug_grams(sentences), _alcohol(sentences)
    return Circumstances(
        flags=frozenset().union(*(_sentence_flags(s, cued) for s in sentences)),
        amount_yuan=max(amounts, default=None),
        injury=_worst_injury(sentences),
        drug_grams=max(grams, default=None),
        blood_alcohol=max(alcohol, default=None),
    )


def amount_bracket(yuan: float | None) -> int | None:
    """Coarse bracket of a money amount: 0 <3千, 1 <1万, 2 <3万, 3 <10万, 4 <50万, 5 <100万, 6 >=100万."""
    if yuan is None:
        return None
    return sum(yuan >= cut for cut in AMOUNT_CUTS)


def _log_closeness(a: float, b: float) -> float:
    """1 for equal quantities, 0.5 for a factor of 10, 0 from a factor of 100."""
    ratio = abs(math.log10(max(a, 1e-3) / max(b, 1e-3)))
    return max(0.0, 1.0 - ratio / 2)


def circumstance_similarity(a: Circumstances, b: Circumstances) -> dict[str, float]:
    """Features of how well two cases' circumstances match; every field missing on a side scores 0.

    * circ_flag_jaccard / circ_flag_overlap: Jaccard and count of shared flags.
    * circ_amount_match: 1 same ``amount_bracket``, 0.5 adjacent brackets, else 0.
    * circ_injury_match: 1 same grade, 0.5 same level (轻伤 vs 轻伤二级, 轻伤一级 vs 轻伤二级), else 0.
    * circ_drug_match: ``1 - |log10(a / b)| / 2``, clipped to [0, 1].
    * circ_alcohol_match: ``1 - |a - b| / 100`` clipped to [0, 1], halved when the two lie on
      opposite sides of ``ALCOHOL_AGGRAVATED``.
    """
    shared = len(a.flags & b.flags)
    union = len(a.flags | b.flags)
    ba, bb = amount_bracket(a.amount_yuan), amount_bracket(b.amount_yuan)
    amount = 0.0 if ba is None or bb is None else {0: 1.0, 1: 0.5}.get(abs(ba - bb), 0.0)
    injury = 0.0
    if a.injury is not None and b.injury is not None:
        injury = 1.0 if a.injury == b.injury else 0.5 if _level(a.injury) == _level(b.injury) else 0.0
    drug = 0.0
    if a.drug_grams is not None and b.drug_grams is not None:
        drug = _log_closeness(a.drug_grams, b.drug_grams)
    alcohol = 0.0
    if a.blood_alcohol is not None and b.blood_alcohol is not None:
        alcohol = max(0.0, 1.0 - abs(a.blood_alcohol - b.blood_alcohol) / 100)
        if (a.blood_alcohol >= ALCOHOL_AGGRAVATED) != (b.blood_alcohol >= ALCOHOL_AGGRAVATED):
            alcohol /= 2
    return {
        "circ_flag_jaccard": shared / union if union else 0.0,
        "circ_flag_overlap": float(shared),
        "circ_amount_match": amount,
        "circ_injury_match": injury,
        "circ_drug_match": drug,
        "circ_alcohol_match": alcohol,
    }


def shared_labels(a: Circumstances, b: Circumstances) -> list[str]:
    """Chinese labels of what two cases have in common, for explanations: shared flags, then the same
    amount bracket, injury level and drunk-driving class."""
    out = [FLAG_LABELS[f] for f in FLAGS if f in a.flags and f in b.flags]
    ba, bb = amount_bracket(a.amount_yuan), amount_bracket(b.amount_yuan)
    if ba is not None and ba == bb:
        out.append("数额相近")
    if a.injury is not None and b.injury is not None and _level(a.injury) == _level(b.injury):
        out.append(b.injury)
    if a.blood_alcohol is not None and b.blood_alcohol is not None and (
            (a.blood_alcohol >= ALCOHOL_AGGRAVATED) == (b.blood_alcohol >= ALCOHOL_AGGRAVATED)):
        out.append("血醇含量相近")
    return out
