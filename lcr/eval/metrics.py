"""Ranking metrics for one query, as pure functions over the ranked list.

Every function takes the ranking already turned into grades (``ranked_grades``: the relevance grade
of the document at rank 1, 2, …; 0 for an unjudged document) or into binary relevance
(``relevance``: True where the document at that rank counts as relevant). Which grades count, which
documents are ranked and how queries are averaged is the protocol's business
(:mod:`lcr.eval.protocols`), not this module's.

Ranks are 1-based in the formulas below. The discount is the usual ``1 / log2(i + 1)``, as in
Järvelin & Kekäläinen (2002), trec_eval, ranx and the LeCaRD and KELLER evaluation scripts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Literal

from lcr.errors import BadInput

Gain = Literal["linear", "exponential", "keller"]
GAINS: tuple[Gain, ...] = ("linear", "exponential", "keller")


def gain_value(grade: float, scheme: Gain = "linear") -> float:
    """Gain of a document of relevance ``grade`` under a gain scheme.

    * ``linear``: ``g`` (Järvelin & Kekäläinen 2002; LeCaRD ``metrics.py``; ranx ``ndcg``).
    * ``exponential``: ``2^g - 1`` (Burges et al. 2005; ranx ``ndcg_burges``).
    * ``keller``: ``2^(g-1)`` for ``g >= 1``, else 0, i.e. grades 0/1/2/3 gain 0/1/2/4. This is what
      the KELLER evaluation code computes (ChenlongDeng/KELLER ``tools/Metrics.py``, ``NDCG_k``:
      ``2**(rel-1) if rel >= 1 else 0``); it is *not* ``2^g - 1``.
    """
    if scheme == "linear":
        return float(grade)
    if scheme == "exponential":
        return 2.0**grade - 1.0
    if scheme == "keller":
        return 2.0 ** (grade - 1) if grade >= 1 else 0.0
    raise BadInput(f"unknown gain scheme {scheme!r}; choose one of {', '.join(GAINS)}")


def dcg(gains: Iterable[float], k: int | None = None) -> float:
    """Discounted cumulative gain of gains listed best rank first.

    ``DCG@k = sum_{i=1..min(k, n)} gain_i / log2(i + 1)``; ``k=None`` sums the whole list.
    """
    total = 0.0
    for i, g in enumerate(gains, start=1):
        if k is not None and i > k:
            break
        total += g / math.log2(i + 1)
    return total


def ndcg_at_k(
    ranked_grades: Sequence[float], ideal_grades: Iterable[float], k: int, gain: Gain = "linear"
) -> float:
    """Normalised DCG at cutoff ``k``.

    ``NDCG@k = DCG@k(gain(ranked_grades)) / DCG@k(gain(sorted(ideal_grades, descending)))``, where
    ``ideal_grades`` are the grades of every judged document of the query (judged documents the
    system did not rank still count in the ideal). 0 when the ideal DCG is 0. Source: Järvelin &
    Kekäläinen (2002), *Cumulated gain-based evaluation of IR techniques*; ranx ``ndcg`` (linear) and
    ``ndcg_burges`` (exponential).
    """
    _check_k(k)
    if gain not in GAINS:
        raise BadInput(f"unknown gain scheme {gain!r}; choose one of {', '.join(GAINS)}")
    ideal = dcg((gain_value(g, gain) for g in sorted(ideal_grades, reverse=True)), k)
    if ideal <= 0.0:
        return 0.0
    return dcg((gain_value(g, gain) for g in ranked_grades), k) / ideal


def precision_at_k(relevance: Sequence[bool], k: int) -> float:
    """Fraction of the first ``k`` ranks that hold a relevant document.

    ``P@k = |{i <= k : rel_i}| / k``; the denominator stays ``k`` when fewer than ``k`` documents are
    ranked (trec_eval ``P_k``, ranx ``precision``, LeCaRD ``metrics.py``).
    """
    _check_k(k)
    return sum(1 for r in relevance[:k] if r) / k


def average_precision(relevance: Sequence[bool], n_relevant: int) -> float:
    """Average precision of a ranking.

    ``AP = (1 / R) * sum_{i : rel_i} P@i`` with ``R = n_relevant`` the number of relevant documents
    for the query (trec_eval ``map``, ranx ``map``); 0 when ``R`` is 0. Relevant documents that are
    not ranked contribute 0. Passing ``R = sum(relevance)`` normalises by the relevant documents
    *retrieved*, which is what the LeCaRD and KELLER scripts do.
    """
    if n_relevant < 0:
        raise BadInput(f"n_relevant must be >= 0, got {n_relevant}")
    if n_relevant == 0:
        return 0.0
    hits = 0
    total = 0.0
    for i, r in enumerate(relevance, start=1):
        if r:
            hits += 1
            total += hits / i
    return total / n_relevant


def recall_at_k(relevance: Sequence[bool], k: int, n_relevant: int) -> float:
    """Fraction of the relevant documents found in the first ``k`` ranks.

    ``R@k = |{i <= k : rel_i}| / R`` with ``R = n_relevant``; 0 when ``R`` is 0 (trec_eval
    ``recall_k``, ranx ``recall``).
    """
    _check_k(k)
    if n_relevant < 0:
        raise BadInput(f"n_relevant must be >= 0, got {n_relevant}")
    if n_relevant == 0:
        return 0.0
    return sum(1 for r in relevance[:k] if r) / n_relevant


def reciprocal_rank(relevance: Sequence[bool]) -> float:
    """``1 / i`` for the rank ``i`` of the first relevant document, 0 if none is ranked
    (trec_eval ``recip_rank``, ranx ``mrr``)."""
    for i, r in enumerate(relevance, start=1):
        if r:
            return 1.0 / i
    return 0.0


def _check_k(k: int) -> None:
    if k < 1:
        raise BadInput(f"cutoff k must be >= 1, got {k}")
