"""The evaluation's single-feature rows (``feature:<name>``): hits re-scored by one reranking feature alone.
A lab stage, never served: it shows what each feature ranks like before the RankSVM weighs them."""

from __future__ import annotations

from lcr.errors import BadInput
from lcr.ranking import finalise
from lcr.records import Query, ScoredCase
from lcr.rerank.stages import CandidateFeatures


class FeatureReranker:
    """Re-scores hits by the value of ``feature`` (0 where a case lacks it)."""

    def __init__(self, feature: str, features: CandidateFeatures):
        self.feature = feature
        self.features = features
        self.name = f"feature:{feature}"

    def rerank(self, query: Query, hits: list[ScoredCase], k: int) -> list[ScoredCase]:
        ids = [h.case_id for h in hits]
        if len(set(ids)) != len(ids):
            raise BadInput(f"duplicate case ids among the hits for query {query.qid!r}")
        values = self.features(query, ids)
        return finalise([ScoredCase(c, values[c].get(self.feature, 0.0), features=dict(values[c]))
                         for c in ids])[:k]
