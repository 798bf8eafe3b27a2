"""Reranker stages: they re-score a first stage's hits from the candidates' feature values
(:class:`~lcr.rerank.legal_features.LegalFeatures`), and hand back each hit's evidence."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from lcr.errors import BadInput, IndexMismatch
from lcr.models.lcm_lai import FEATURE_NAMES
from lcr.models.ranksvm import RankSVM
from lcr.ranking import finalise
from lcr.records import Evidence, Query, ScoredCase
from lcr.rerank.features import FeatureSpec, FeatureTable

#: Every feature :class:`~lcr.rerank.legal_features.LegalFeatures` computes, in the production order.
ALL_FEATURES = ("bm25_facts", "bm25_reasoning", "bm25_full_text", "e5_cosine", "lcm_lai", *FEATURE_NAMES,
                "cited_article_mass", "cited_circumstance_mass", "charge_match")
#: The query-side legal features: predicted charges, and sentencing circumstances on both sides.
CHARGE_FEATURES = ("charge_prior", "charge_prior_top1")
CIRCUMSTANCE_FEATURES = ("circ_flag_jaccard", "circ_flag_overlap", "circ_amount_match", "circ_injury_match",
                         "circ_drug_match", "circ_alcohol_match")
LEGAL_FEATURES = (*ALL_FEATURES, *CHARGE_FEATURES, *CIRCUMSTANCE_FEATURES)


class CandidateFeatures(Protocol):
    def __call__(self, query: Query, case_ids: Sequence[str]) -> dict[str, dict[str, float]]: ...

    def evidence(self, query: Query, case_ids: Sequence[str]) -> dict[str, Evidence]: ...


def _check_unique(query: Query, hits: list[ScoredCase]) -> list[str]:
    ids = [h.case_id for h in hits]
    if len(set(ids)) != len(ids):
        raise BadInput(f"duplicate case ids among the hits for query {query.qid!r}")
    return ids


class RankSVMReranker:
    """Re-scores hits with a fitted RankSVM over the features its saved :class:`FeatureSpec` names.
    Each returned hit carries the model's input features, and in its evidence each feature's share of
    the score (the shares sum to the score)."""

    def __init__(self, model: RankSVM, features: CandidateFeatures, name: str = "ranksvm"):
        self.spec = FeatureSpec.of(model)
        if model.feature_names != self.spec.columns:
            raise IndexMismatch(f"RankSVM model expects features {model.feature_names}, its feature spec "
                                f"gives {self.spec.columns}")
        self.model = model
        self.features = features
        self.name = name

    def rerank(self, query: Query, hits: list[ScoredCase], k: int) -> list[ScoredCase]:
        if not hits:
            return []
        ids = _check_unique(query, hits)
        values = self.features(query, ids)
        table = FeatureTable.build({query.qid: {c: values.get(c, {}) for c in ids}}, self.spec)
        scores, shares = self.model.scores_and_shares(table.matrix)
        kept = finalise([ScoredCase(c, float(scores[i]), features=dict(values.get(c, {})))
                         for i, c in enumerate(ids)])[:k]
        # only the hits handed back are explained: the evidence of the other candidates would be thrown away
        row = {c: i for i, c in enumerate(ids)}
        evidence = self.features.evidence(query, [h.case_id for h in kept])
        names = self.model.feature_names
        for h in kept:
            ev = evidence[h.case_id]
            contrib = dict(zip(names, shares[row[h.case_id]].tolist(), strict=True))
            h.evidence = Evidence(ev.matched_sentences, ev.predicted_articles, contrib, ev.predicted_charges,
                                  ev.shared_circumstances)
        return kept
