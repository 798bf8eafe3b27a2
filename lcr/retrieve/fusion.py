"""Hybrid first stage: fuse several rankers' lists.

Two fusions, compared in the evaluation rather than assumed: reciprocal rank fusion (Cormack et al.
2009: ``Σ 1 / (k + rank)``, scale-free) and weighted score fusion (each ranker's scores min-max
normalised within the query, then a weighted sum; a case missing from a list gets 0 from it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from lcr.errors import BadInput
from lcr.ranking import Ranker
from lcr.records import Query, ScoredCase

Fusion = Literal["rrf", "weighted"]

#: Share of the LCM-LAI dense list in the production first stage (RRF, BM25 weight 1). Measured on
#: LeCaRD v1 corpus/cv5 Recall@100: BM25 alone .875; RRF with dense weight 1 / 0.5 / 0.25: .827 / .877 /
#: .886; weighted score fusion 1 / 0.5 / 0.25: .696 / .813 / .871 (reports/results.json).
DENSE_WEIGHT = 0.25


class FusionRanker:
    def __init__(self, rankers: Sequence[Ranker], method: Fusion = "rrf", weights: Sequence[float] | None = None,
                 depth: int = 100, rrf_k: int = 60, name: str | None = None):
        if method not in ("rrf", "weighted"):
            raise BadInput(f"fusion must be 'rrf' or 'weighted', got {method!r}")
        self.rankers = list(rankers)
        self.method = method
        self.weights = list(weights) if weights is not None else [1.0] * len(self.rankers)
        if len(self.weights) != len(self.rankers):
            raise BadInput("one fusion weight per ranker")
        self.depth = depth
        self.rrf_k = rrf_k
        self.name = name or f"hybrid-{method}"

    def rank(self, query: Query, candidates: Sequence[str] | None, k: int) -> list[ScoredCase]:
        depth = max(k, self.depth) if candidates is None else len(candidates)
        fused: dict[str, float] = {}
        lists: list[dict[str, ScoredCase]] = []
        for ranker, w in zip(self.rankers, self.weights, strict=True):
            hits = ranker.rank(query, candidates, depth)
            lists.append({h.case_id: h for h in hits})
            if self.method == "rrf":
                for h in hits:
                    fused[h.case_id] = fused.get(h.case_id, 0.0) + w / (self.rrf_k + h.rank)
            elif hits:
                hi, lo = hits[0].score, hits[-1].score
                span = (hi - lo) or 1.0
                for h in hits:
                    fused[h.case_id] = fused.get(h.case_id, 0.0) + w * (h.score - lo) / span
        # sort the fused scores first (ties by case id, as finalise) and build hits for the top k only,
        # each carrying the features and evidence its lists gave it
        top = sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
        out = []
        for rank, (c, score) in enumerate(top, 1):
            parts = [hits[c] for hits in lists if c in hits]
            features = {name: v for h in parts for name, v in h.features.items()}
            evidence = None
            for h in parts:
                if h.evidence is not None:
                    evidence = h.evidence.merged(evidence)
            out.append(ScoredCase(c, score, rank, features, evidence))
        return out
