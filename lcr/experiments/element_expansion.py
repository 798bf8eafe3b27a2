"""``bm25-facts-jurex``: BM25 over the facts, each query expanded with the four elements (JUREX-4E) of the
charge its BM25 neighbours' judgments most often carry: an ablation for short queries, which name few
of the terms a judgment of their charge uses (issue 24, charge knowledge).

The charge comes from the corpus's own judgments, as the product's ``bm25-knn`` voter reads them
(:func:`~lcr.rerank.query_charges.knn_votes` over the :data:`NEIGHBOURS` nearest), never from the query's
labels; the query's near-duplicates in the corpus (its own judgment, an appeal: :mod:`lcr.eval.leakage`)
are left out of the neighbours, since a production query has no copy of itself there. The expansion is
the charge's name and its 客观方面 and 犯罪客体 points, appended to the facts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from lcr.charge_elements import elements_of
from lcr.index.lexical import LexicalBackend
from lcr.records import Query, ScoredCase
from lcr.rerank.query_charges import NEIGHBOURS, knn_votes
from lcr.retrieve.lexical import BM25Ranker

SYSTEM = "bm25-facts-jurex"


class ElementExpandedBM25:
    """BM25 over ``field`` with the query expanded by its neighbours' most voted described charge."""

    name = SYSTEM

    def __init__(self, lexical: LexicalBackend, case_charges: Mapping[str, Sequence[str]],
                 leaked: Mapping[str, set[str]] | None = None, field: str = "facts"):
        self.bm25 = BM25Ranker(lexical, field)
        self.case_charges = case_charges
        self.leaked = leaked or {}

    def expansion(self, query: Query) -> str:
        """The charge name and elements the query is expanded with ("" when no neighbour's charge is described)."""
        drop = self.leaked.get(query.qid, set())
        ids = [h.case_id for h in self.bm25.rank(query, None, NEIGHBOURS + len(drop)) if h.case_id not in drop]
        for charge in knn_votes(ids[:NEIGHBOURS], self.case_charges):
            if (e := elements_of(charge)) is not None:
                return f"{charge}。{e.objective}。{e.object}。"
        return ""

    def rank(self, query: Query, candidates: Sequence[str] | None, k: int) -> list[ScoredCase]:
        extra = self.expansion(query)
        return self.bm25.rank(replace(query, text=f"{query.text}。{extra}") if extra else query, candidates, k)
