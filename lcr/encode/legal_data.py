"""What the legal encoder trains on: each judgment's own structure, never a benchmark's relevance labels.

A :class:`TrainingDoc` is one judgment's fact sentences (the sentences LCM-LAI reads,
:func:`select_sentences`), the first sentences of its reasoning (本院认为…), and the charges and
articles it convicts of and cites. The split is fixed by the case id: LeCaRD candidates that LAP keeps
out (:func:`held_out`, every fifth) and CAIL2018's test file are the dev set, so the encoder's dev set
and LAP's are one set; judgments a leakage audit ties to a benchmark query are dropped entirely.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from lcr.encode.sentences import select_sentences
from lcr.records import Case
from lcr.text.sentences import split_sentences

#: The reasoning's opening, which the court writes before its characterisation.
_REASONING_LEAD = re.compile(r"^.*?本院认为[，,：:]?")


def held_out(case_id: str) -> bool:
    """Every fifth case id (stable hash): the dev split, shared with LAP's held-out candidates."""
    return hashlib.md5(case_id.encode()).digest()[0] % 5 == 0


@dataclass
class TrainingDoc:
    doc_id: str
    sentences: list[str]
    reasoning: list[str]
    charges: list[str]
    articles: list[str]  # 刑法 article keys, e.g. "133-1"
    split: str  # "train" or "dev"
    source: str = field(default="lecard")


def reasoning_sentences(reasoning: str, n: int = 2, max_chars: int = 120) -> list[str]:
    """The first ``n`` sentences of the court's reasoning, from 本院认为 on."""
    text = _REASONING_LEAD.sub("", reasoning.strip(), count=1)
    return [s.strip()[:max_chars] for s in split_sentences(text, max_chars=max_chars) if len(s.strip()) >= 6][:n]


def training_docs(cases: Iterable[Case], source: str, exclude: Collection[str] = (),
                  dev: str = "hash", max_sentences: int = 12) -> list[TrainingDoc]:
    """Docs of ``cases`` (``dev="hash"``: :func:`held_out` ids are dev; ``"all"``/``"none"``: every doc
    in dev / train), skipping ``exclude`` and cases with no fact sentence or no charge."""
    out = []
    for case in cases:
        if case.case_id in exclude or not case.charges:
            continue
        sents = select_sentences(case.facts, max_sentences)
        if not sents:
            continue
        split = {"hash": "dev" if held_out(case.case_id) else "train", "all": "dev", "none": "train"}[dev]
        arts = sorted({a.key for a in case.articles if a.statute == "刑法"})
        out.append(TrainingDoc(f"{source}:{case.case_id}", sents, reasoning_sentences(case.reasoning),
                               sorted(set(case.charges)), arts, split, source))
    return out
