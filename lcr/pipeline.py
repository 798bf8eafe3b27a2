"""``Searcher``: facts in, ranked precedents with explanations out. The CLI, the API and the evaluation
all go through it (or through the rankers it composes)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from lcr.errors import BadQuery
from lcr.index.bundle import resolve_index
from lcr.index.casestore import CaseStore
from lcr.index.lexical import TantivyBM25
from lcr.index.manifest import Manifest
from lcr.law import describe
from lcr.records import Query, ScoredCase
from lcr.retrieve.base import Ranker
from lcr.retrieve.lexical import BM25Ranker

log = logging.getLogger(__name__)


@dataclass
class Filters:
    """Restrict results to cases with any of ``charges`` / ``articles`` (keys like ``"刑法:133"``), a court
    name containing ``court``, and a year in ``[year_from, year_to]``."""

    charges: list[str] | None = None
    articles: list[str] | None = None
    court: str | None = None
    year_from: int | None = None
    year_to: int | None = None

    def active(self) -> bool:
        return any(v is not None for v in (self.charges, self.articles, self.court, self.year_from, self.year_to))


@dataclass
class SearchHit:
    case_id: str
    rank: int
    score: float
    title: str
    court: str
    year: int | None
    charges: list[str]
    articles: list[str]
    snippet: str
    explanation: dict = field(default_factory=dict)


class Searcher:
    def __init__(self, index_dir: Path, ranker: Ranker, store: CaseStore, manifest: Manifest):
        self.index_dir = index_dir
        self.ranker = ranker
        self.store = store
        self.manifest = manifest

    @classmethod
    def open(cls, index: str | Path, field: str = "facts") -> Searcher:
        folder = resolve_index(index)
        manifest = Manifest.load(folder)
        store = CaseStore.open(folder / "cases.sqlite")
        lexical = TantivyBM25().open(folder / "lexical")
        return cls(folder, BM25Ranker(lexical, field), store, manifest)

    def search(self, text: str, k: int = 10, filters: Filters | None = None, qid: str = "query") -> list[SearchHit]:
        if not text or not text.strip():
            raise BadQuery("the query text is empty: give the facts of a case")
        if k < 1:
            raise BadQuery(f"k must be at least 1, got {k}")
        candidates = None
        if filters is not None and filters.active():
            year = None
            if filters.year_from is not None or filters.year_to is not None:
                year = (filters.year_from or 0, filters.year_to or 9999)
            allowed = self.store.filter_ids(filters.charges, filters.articles, filters.court, year)
            candidates = sorted(allowed)
            if not candidates:
                return []
        hits = self.ranker.rank(Query(qid, text), candidates, k)
        return [self._hit(h) for h in hits]

    def similar(self, case_id: str, k: int = 10, filters: Filters | None = None) -> list[SearchHit]:
        """Cases similar to an indexed case, read from its facts only (never its reasoning)."""
        facts = self.store.facts(case_id)
        hits = self.search(facts, k + 1, filters, qid=case_id)
        kept = [h for h in hits if h.case_id != case_id][:k]
        for rank, h in enumerate(kept, 1):
            h.rank = rank
        return kept

    def _hit(self, h: ScoredCase) -> SearchHit:
        case = self.store.get(h.case_id)
        crim = sorted({a.key for a in case.articles if a.statute == "刑法"},
                      key=lambda k: int(k.split(":")[1].split("-")[0]))
        explanation = {"features": h.features, "articles": [describe(a) for a in crim]}
        return SearchHit(h.case_id, h.rank, h.score, case.title, case.court, case.year, case.charges, crim,
                         case.facts[:200], explanation)
