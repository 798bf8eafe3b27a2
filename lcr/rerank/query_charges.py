"""Which charges the query case falls under, predicted from its facts alone (the query side of LAP).

A LeCaRD query carries no law: lcr must infer it. The corpus side is exact (each judgment's charges are
parsed from its own text), and that asymmetry is what the predictor exploits. Three voters, each a
distribution over charge names:

* ``bm25-knn``: the charges of the query's :data:`NEIGHBOURS` nearest judgments by BM25 over the fact
  sections, each neighbour voting ``1 / (rank + 2)`` split over its charges;
* ``dense-knn``: the same over the plain encoder's mean-sentence cosine;
* ``lap``: LCM-LAI's LAP head (per-sentence article distributions pooled over the case), each charge
  scored by the best probability of an article defining it (the statute maps articles to charges).

The product's prediction (``combined``) is their weighted average, :data:`VOTER_WEIGHTS`: chosen on
pseudo-queries built from corpus judgments (``lcr lap-report``, ``pseudo_query_side``), never on the
LeCaRD queries' charges, which lcr only scores against. A *charge hint* (the charges a
lawyer believes apply) is mixed in with weight :data:`HINT_WEIGHT`: it boosts those charges, it never
removes the others.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from lcr.law import criminal_law
from lcr.models.labels import ArticleLabels
from lcr.records import Query

#: Neighbours that vote in the kNN predictors.
NEIGHBOURS = 20
#: Share of the final distribution given to a charge hint (spread evenly over the hinted charges).
HINT_WEIGHT = 0.5
VOTERS = ("bm25-knn", "dense-knn", "lap")
#: Each voter's weight in the product's mix (a voter missing here weighs 1). Selected by ``lcr lap-report``
#: (``pseudo_query_side.selected``) on 400 held-out judgments made query-like; none of the LeCaRD queries.
#: Re-selected (was .4 / .4 / .2) once every charge a judgment is convicted of maps to its articles.
VOTER_WEIGHTS: dict[str, float] = {"bm25-knn": 0.4, "dense-knn": 0.3, "lap": 0.3}

Distribution = dict[str, float]
#: (query, k) -> the query's k nearest case ids, best first.
Neighbours = Callable[[Query, int], list[str]]


def normalised(scores: Distribution) -> Distribution:
    total = sum(scores.values())
    if total <= 0:
        return {}
    return dict(sorted(((c, s / total) for c, s in scores.items() if s > 0), key=lambda kv: (-kv[1], kv[0])))


def mix(parts: Sequence[Distribution], weights: Sequence[float] | None = None) -> Distribution:
    """Weighted average of distributions (weights renormalised over the non-empty ones)."""
    weights = list(weights) if weights is not None else [1.0] * len(parts)
    kept = [(p, w) for p, w in zip(parts, weights, strict=True) if p and w > 0]
    out: Distribution = {}
    for p, w in kept:
        for c, s in p.items():
            out[c] = out.get(c, 0.0) + w * s
    return normalised(out)


def with_hint(probs: Distribution, hint: Sequence[str]) -> Distribution:
    """``probs`` with :data:`HINT_WEIGHT` of the mass moved onto the hinted charges (a boost: every
    charge ``probs`` had keeps a share)."""
    hinted = [h if h.endswith("罪") else h + "罪" for h in (h.strip() for h in hint) if h]
    if not hinted:
        return probs
    return mix([probs, {c: 1.0 / len(hinted) for c in hinted}], [1.0 - HINT_WEIGHT, HINT_WEIGHT])


def top1(probs: Distribution) -> str | None:
    return next(iter(probs), None)


def charge_set(probs: Distribution, threshold: float = 0.3) -> set[str]:
    """The predicted charges: every charge with probability ≥ ``threshold``, and at least the top one."""
    out = {c for c, p in probs.items() if p >= threshold}
    first = top1(probs)
    return out | ({first} if first else set())


def knn_votes(ids: Sequence[str], case_charges: Mapping[str, Sequence[str]]) -> Distribution:
    """The charges of neighbours ``ids`` (best first), each voting ``1 / (rank + 2)`` split over its charges."""
    votes: Distribution = {}
    for rank, cid in enumerate(ids):
        charges = case_charges.get(cid) or []
        for c in charges:
            votes[c] = votes.get(c, 0.0) + 1.0 / (rank + 2) / len(charges)
    return normalised(votes)


def charge_articles(labels: ArticleLabels) -> dict[str, list[int]]:
    """Charge name -> indices of the label articles that define it (the statute's charge names)."""
    law = criminal_law()
    out: dict[str, list[int]] = {}
    for i, key in enumerate(labels.keys):
        art = law.get(key)
        for charge in art.charges if art else ():
            out.setdefault(charge, []).append(i)
    return out


class ChargePredictor:
    """The query's charge distribution from its neighbours' charges and LCM-LAI's LAP head.
    ``case_charges``: every corpus case's own charges."""

    def __init__(self, case_charges: Mapping[str, Sequence[str]], neighbours: dict[str, Neighbours],
                 lap: Callable[[Query], np.ndarray] | None = None, labels: ArticleLabels | None = None,
                 k: int = NEIGHBOURS):
        self.case_charges = case_charges
        self.neighbours = neighbours
        self.lap = lap
        self.k = k
        self._label_articles = charge_articles(labels) if labels is not None else {}

    def voters(self, query: Query) -> dict[str, Distribution]:
        """Each voter's distribution for ``query`` (computed once per query, kept in its context)."""
        return query.context.memo(self, "voters", lambda: self._votes(query))

    def _votes(self, query: Query) -> dict[str, Distribution]:
        out = {name: knn_votes(find(query, self.k), self.case_charges) for name, find in self.neighbours.items()}
        if self.lap is not None and self._label_articles:
            out["lap"] = self._from_articles(self.lap(query))
        return out

    def predict(self, query: Query, use_hint: bool = True) -> Distribution:
        """The combined distribution, with the query's charge hint mixed in when it has one."""
        votes = self.voters(query)
        probs = mix(list(votes.values()), [VOTER_WEIGHTS.get(name, 1.0) for name in votes])
        return with_hint(probs, query.hint_charges) if use_hint else probs

    def _from_articles(self, probs: np.ndarray) -> Distribution:
        """Each charge scored by the best probability of an article defining it."""
        return normalised({c: max(float(probs[i]) for i in idx) for c, idx in self._label_articles.items()})
