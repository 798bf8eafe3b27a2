"""BM25 as a ranker (first stage, or scorer of a given candidate set)."""

from __future__ import annotations

from collections.abc import Sequence

from lcr.errors import BadQuery
from lcr.index.lexical import LexicalBackend
from lcr.ranking import finalise
from lcr.records import Query, ScoredCase


class BM25Ranker:
    def __init__(self, backend: LexicalBackend, field: str = "facts"):
        self.backend = backend
        self.field = field
        self.name = f"bm25-{field.replace('_', '-')}"

    def rank(self, query: Query, candidates: Sequence[str] | None, k: int) -> list[ScoredCase]:
        if not query.text.strip():
            raise BadQuery("the query text is empty")
        feature = f"bm25_{self.field}"
        if candidates is None:
            hits = self.backend.search(query.text, k, field=self.field)
        else:
            scores = self.backend.score(query.text, candidates, field=self.field)
            hits = [ScoredCase(cid, s, features={feature: s}) for cid, s in scores.items()]
        return finalise(hits)[:k]
