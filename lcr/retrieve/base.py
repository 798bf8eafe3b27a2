"""The one stage contract: a ranker turns a query (and optionally the candidates it may return) into
scored cases. First stages, fusions and rerankers all satisfy it, so the CLI, the API and the evaluation
compose and call them the same way: ``bm25 >> reranker``."""

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
    """``first >> reranker``: the reranker re-scores the first stage's top ``depth`` cases."""

    def __init__(self, first: Ranker, rerankers: Sequence[Reranker] = (), depth: int = 100):
        self.first = first
        self.rerankers = list(rerankers)
        self.depth = depth
        self.name = ">>".join([first.name, *(r.name for r in self.rerankers)])

    def __rshift__(self, other: Reranker) -> Pipeline:
        return Pipeline(self.first, [*self.rerankers, other], self.depth)

    def rank(self, query: Query, candidates: Sequence[str] | None, k: int) -> list[ScoredCase]:
        depth = max(k, self.depth) if self.rerankers else k
        hits = self.first.rank(query, candidates, depth)
        for r in self.rerankers:
            hits = r.rerank(query, hits, depth)
        return finalise(hits[:k])


def finalise(hits: list[ScoredCase]) -> list[ScoredCase]:
    """Sort best first (ties by case id, so rankings are deterministic) and number the ranks from 1."""
    hits = sorted(hits, key=lambda h: (-h.score, h.case_id))
    for i, h in enumerate(hits, 1):
        h.rank = i
    return hits
