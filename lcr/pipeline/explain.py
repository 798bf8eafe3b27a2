"""A hit's reasons in legal Chinese, written from the evidence the stages computed (nothing re-ranked).

What a lawyer reads first: 同为危险驾驶罪；均援引刑法第一百三十三条之一；血液酒精含量分别为 201.1 与 166.2 毫克/100毫升，均属
醉酒驾驶；均有自首情节; then the closest pair of fact-finding sentences. The ranking features stay available
as numbers (the API's ``features`` and ``contributions``; the page's 技术细节).

Predictions are shown only at or above :data:`SHOWN_PROBABILITY`, and the articles follow the charges: a
charge predicted with probability p makes the article that defines it at least p likely, so the page never
shows 危险驾驶罪 at 96 % beside 刑法第一百三十三条之一 at 28 %.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from lcr.charge_elements import ChargeElements, elements_of
from lcr.law import STATUTE, criminal_law, describe
from lcr.numerals import int_to_cn
from lcr.records import Case, PredictedArticle, PredictedCharge, SentencePair
from lcr.text.circumstances import DRUNK_DRIVING, FLAG_LABELS, FLAGS, Circumstances

#: Predicted articles and charges below this probability are not shown (nor used in reasons).
SHOWN_PROBABILITY = 0.2
#: Sentence pairs shown per hit.
SHOWN_PAIRS = 3
#: Sentences that are not the court's finding of facts: a party's statement or a numbered evidence list.
_NOT_FACTS = re.compile(r"辩护人|辩称|辩解|辩护意见|提出.{0,12}意见|^\s*[（(]?\d{1,2}[)）、.．]|证据[有如]下|检测单|笔录|证言|"
                        r"鉴定意见|书证|情况说明|户籍证明|照片")


def article_zh(key: str) -> str:
    """``刑法:133-1`` -> ``刑法第一百三十三条之一``: the statute's own numbering."""
    statute, _, rest = key.partition(":")
    number, _, sub = rest.partition("-")
    return f"{statute}第{int_to_cn(int(number))}条" + (f"之{int_to_cn(int(sub))}" if sub else "")


@functools.cache
def _defining_articles() -> dict[str, tuple[str, ...]]:
    """Charge -> the Criminal Law articles that define it (分则)."""
    out: dict[str, list[str]] = {}
    for key, art in criminal_law().items():
        for charge in art.charges:
            out.setdefault(charge, []).append(key)
    return {c: tuple(keys) for c, keys in out.items()}


def shown_predictions(articles: Sequence[PredictedArticle], charges: Sequence[PredictedCharge]
                      ) -> tuple[list[PredictedArticle], list[PredictedCharge]]:
    """The predictions a reader sees: charges and articles at or above :data:`SHOWN_PROBABILITY`, each
    shown charge lifting the articles that define it to at least its probability; most likely first."""
    shown_charges = [c for c in charges if c.probability >= SHOWN_PROBABILITY]
    prob = {a.article: a.probability for a in articles}
    for c in shown_charges:
        for key in _defining_articles().get(c.charge, ()):
            prob[key] = max(prob.get(key, 0.0), c.probability)
    shown = [PredictedArticle(k, describe(k), p) for k, p in prob.items() if p >= SHOWN_PROBABILITY]
    shown.sort(key=lambda a: (-a.probability, a.article))
    return shown, shown_charges


def evidence_pairs(pairs: Sequence[SentencePair], limit: int = SHOWN_PAIRS) -> list[SentencePair]:
    """Matched sentences worth showing: positive weight, each pair once, the case side a finding of facts
    (not a defence statement or an evidence list); heaviest first."""
    out: list[SentencePair] = []
    seen: set[tuple[str, str]] = set()
    for p in sorted(pairs, key=lambda p: -p.weight):
        key = (p.query_sentence.strip(), p.case_sentence.strip())
        if p.weight <= 0 or key in seen or _NOT_FACTS.search(p.case_sentence) or _NOT_FACTS.search(
                p.query_sentence):
            continue
        seen.add(key)
        out.append(p)
        if len(out) >= limit:
            break
    return out


def _num(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _yuan(x: float) -> str:
    return f"{_num(x / 10_000)}万元" if x >= 10_000 else f"{_num(x)}元"


def circumstance_reasons(query: Circumstances, case: Circumstances) -> list[str]:
    """What both cases' facts state, with both figures where there are figures."""
    out = []
    flags = [FLAG_LABELS[f] for f in FLAGS if f in query.flags and f in case.flags]
    if flags:
        out.append(f"均有{'、'.join(flags)}情节")
    if query.blood_alcohol is not None and case.blood_alcohol is not None:
        both = "，均属醉酒驾驶" if min(query.blood_alcohol, case.blood_alcohol) >= DRUNK_DRIVING else ""
        out.append(f"血液酒精含量分别为 {_num(query.blood_alcohol)} 与 {_num(case.blood_alcohol)} 毫克/100毫升{both}")
    if query.amount_yuan is not None and case.amount_yuan is not None:
        out.append(f"涉案数额分别为 {_yuan(query.amount_yuan)} 与 {_yuan(case.amount_yuan)}")
    if query.drug_grams is not None and case.drug_grams is not None:
        out.append(f"毒品数量分别为 {_num(query.drug_grams)} 克与 {_num(case.drug_grams)} 克")
    if query.injury is not None and query.injury == case.injury:
        out.append(f"均致人{case.injury}")
    return out


def shared_charges(case: Case, charges: Sequence[PredictedCharge], hint_charges: Sequence[str]) -> list[str]:
    """The case's charges that the query is predicted (shown) or hinted to fall under."""
    expected = {c.charge for c in charges} | set(hint_charges)
    return [c for c in case.charges if c in expected]


def shared_elements(same: Sequence[str]) -> list[ChargeElements]:
    """The four elements (JUREX-4E) of each shared charge that JUREX-4E describes."""
    return [e for e in map(elements_of, same) if e is not None]


def reasons(case: Case, articles: Sequence[PredictedArticle], charges: Sequence[PredictedCharge],
            hint_charges: Sequence[str], query_circ: Circumstances, case_circ: Circumstances,
            pairs: Sequence[SentencePair]) -> list[str]:
    """The reasons of one hit, in legal Chinese, most decisive first."""
    out = []
    same = shared_charges(case, charges, hint_charges)
    if same:
        out.append(f"同为{'、'.join(same)}")
    likely = {a.article for a in articles}
    cited = sorted({a.key for a in case.articles if a.statute == STATUTE and a.key in likely},
                   key=lambda k: (int(k.split(":")[1].split("-")[0]) < 102, k))  # 分则 (charges) first
    if cited:
        out.append(f"均援引{'、'.join(article_zh(k) for k in cited[:3])}")
    out += circumstance_reasons(query_circ, case_circ)
    if pairs:
        p = pairs[0]
        out.append(f"事实相近：「{_clip(p.query_sentence)}」与「{_clip(p.case_sentence)}」")
    return out


def _clip(text: str, n: int = 40) -> str:
    text = text.strip()
    return text if len(text) <= n else text[:n] + "…"
