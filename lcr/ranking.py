"""The one stage contract: a ranker turns a query (and optionally the candidates it may return) into
scored cases; a reranker re-scores another stage's hits. First stages, fusions and rerankers compose
with ``>>`` into a :class:`Pipeline`, which is itself a ranker, so the CLI, the API and the evaluation
call the same object the same way."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from lcr.records import Query, ScoredCase


@runtime_checkable
class Ranker(Protocol):
    name: str

    def rank(self, query: Query, candidates: Sequence[str] | None, k: int) -> list[ScoredCase]:
        """Best ``k`` cases for ``query``, best first; only from ``candidates`` when given (None = corpus)."""
        ...


@runtime_checkable
class Reranker(Protocol):
    name: str

    def rerank(self, query: Query, hits: list[ScoredCase], k: int) -> list[ScoredCase]:
        """Re-score ``hits`` (a first stage's output) and return the best ``k``."""
        ...


class Pipeline:
    """``first >> reranker >> …``: the rerankers re-score the first stage's top ``depth`` cases.

    The reranked head is always the first stage's top ``depth``, whatever ``k`` is, so a served top 10
    is the prefix of the evaluated top 1000. Asked for more than ``depth`` cases, the pipeline appends the
    first stage's next cases below the head, in first-stage order. Given ``candidates`` (a protocol's
    pool, or the cases a filter allows), the first stage ranks just those.
    """

    def __init__(self, first: Ranker, rerankers: Sequence[Reranker] = (), depth: int = 100):
        self.first = first
        self.rerankers = list(rerankers)
        self.depth = depth
        self.name = ">>".join([first.name, *(r.name for r in self.rerankers)])

    def __rshift__(self, other: Reranker) -> Pipeline:
        return Pipeline(self.first, [*self.rerankers, other], self.depth)

    def rank(self, query: Query, candidates: Sequence[str] | None, k: int) -> list[ScoredCase]:
        if not self.rerankers:
            return self.first.rank(query, candidates, k)
        hits = self.first.rank(query, candidates, self.depth)
        head = len(hits)
        for i, r in enumerate(self.rerankers):  # the last one cuts to k: it explains only what is returned
            hits = r.rerank(query, hits, min(k, head) if i == len(self.rerankers) - 1 else len(hits))
        if k <= head:
            return hits
        seen = {h.case_id for h in hits}
        tail = [h for h in self.first.rank(query, candidates, k) if h.case_id not in seen]
        floor = min((h.score for h in hits), default=0.0)
        hits += [ScoredCase(h.case_id, floor - 1.0 - i, features=h.features, evidence=h.evidence)
                 for i, h in enumerate(tail)]
        return finalise(hits)[:k]


def finalise(hits: list[ScoredCase]) -> list[ScoredCase]:
    """Sort best first (ties by case id, so rankings are deterministic) and number the ranks from 1."""
    hits = sorted(hits, key=lambda h: (-h.score, h.case_id))
    for i, h in enumerate(hits, 1):
        h.rank = i
    return hits
