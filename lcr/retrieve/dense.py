"""Rankers over sentence embeddings: the plain encoder cosine and LCM-LAI.

Both read pre-encoded sentence stores (queries and cases). Given candidates they score exactly those;
without, they search the whole corpus through a FAISS index of case vectors (LCM-LAI's article-aware
vectors, or mean sentence embeddings for the plain cosine).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

from lcr.index.dense import DenseIndex
from lcr.index.sentence_store import SentenceStore
from lcr.models.batching import pad_cases
from lcr.models.lcm_lai import FEATURE_NAMES, LcmLai
from lcr.records import Query, ScoredCase
from lcr.retrieve.base import finalise

#: Returns the sentence store holding a query (encoding it on the fly if needed).
QueryStore = Callable[[Query], SentenceStore]


def mean_vectors(store: SentenceStore, ids: Sequence[str]) -> np.ndarray:
    out = np.zeros((len(ids), store.emb.shape[1]), dtype=np.float32)
    for i, c in enumerate(ids):
        m = store.embeddings(c).sum(0)
        out[i] = m / max(float(np.linalg.norm(m)), 1e-12)
    return out


class E5CosineRanker:
    """Cosine between the mean of the query's and of the case's sentence embeddings (no training)."""

    name = "e5-cosine"

    def __init__(self, queries: QueryStore, cases: SentenceStore):
        self.queries = queries
        self.cases = cases
        self._dense: DenseIndex | None = None

    def rank(self, query: Query, candidates: Sequence[str] | None, k: int) -> list[ScoredCase]:
        qv = mean_vectors(self.queries(query), [query.qid])[0]
        if candidates is None:
            if self._dense is None:
                self._dense = DenseIndex.build(self.cases.case_ids, mean_vectors(self.cases, self.cases.case_ids))
            return finalise([ScoredCase(c, s, features={"e5_cosine": s}) for c, s in self._dense.search(qv, k)])
        ids = [c for c in candidates if c in self.cases]
        scores = mean_vectors(self.cases, ids) @ qv
        return finalise([ScoredCase(c, float(s), features={"e5_cosine": float(s)})
                         for c, s in zip(ids, scores, strict=True)])[:k]


class ViewCache:
    """The model's per-sentence parts for every sentence of a store, computed once: an index serving many
    queries would otherwise recompute the candidates' views for each of them."""

    @torch.no_grad()
    def __init__(self, model: LcmLai, cases: SentenceStore, chunk: int = 8192):
        parts = [model.sentence_parts(torch.from_numpy(cases.emb[i : i + chunk].astype(np.float32)))
                 for i in range(0, len(cases.emb), chunk)]
        self.z = torch.cat([p[0] for p in parts])
        self.sal = torch.cat([p[1] for p in parts])
        self.logits = torch.cat([p[2] for p in parts]) if model.config.use_lap else None
        self.cases = cases
        self.model = model

    @torch.no_grad()
    def view(self, case_ids: Sequence[str], max_sentences: int):
        """Padded views of ``case_ids``, identical to ``model.view`` on their padded embeddings."""
        starts = [int(self.cases.offsets[self.cases.index(c)]) for c in case_ids]
        ends = [int(self.cases.offsets[self.cases.index(c) + 1]) for c in case_ids]
        spans = [(a, min(b, a + max_sentences)) for a, b in zip(starts, ends, strict=True)]
        length = max([b - a for a, b in spans] + [1])
        n = len(spans)
        z = torch.zeros(n, length, self.z.shape[1])
        sal = torch.zeros(n, length)
        logits = None if self.logits is None else torch.zeros(n, length, self.logits.shape[1])
        mask = torch.zeros(n, length, dtype=torch.bool)
        for i, (a, b) in enumerate(spans):
            if b == a:  # no sentence: one zero "sentence", as pad_cases gives the model
                mask[i, 0] = True
                empty = self.model.sentence_parts(torch.zeros(1, self.z.shape[1]))
                z[i, 0], sal[i, 0] = empty[0][0], empty[1][0]
                if logits is not None:
                    logits[i, 0] = empty[2][0]
                continue
            z[i, : b - a], sal[i, : b - a], mask[i, : b - a] = self.z[a:b], self.sal[a:b], True
            if logits is not None:
                logits[i, : b - a] = self.logits[a:b]
        return self.model.assemble(z, sal, logits, mask)


class LcmLaiRanker:
    """LCM-LAI matching score over given candidates; FAISS over article-aware case vectors otherwise."""

    def __init__(self, name: str, model: LcmLai, queries: QueryStore, cases: SentenceStore, max_sentences: int,
                 article_weight: float = 0.3, dense: DenseIndex | None = None, view_cache: ViewCache | None = None):
        """``dense`` / ``view_cache``: an index's stored FAISS index and precomputed candidate views (built
        on first use from the model when not given)."""
        self.name = name
        self.model = model
        self.queries = queries
        self.cases = cases
        self.max_sentences = max_sentences
        self.article_weight = article_weight
        self._dense = dense
        self.view_cache = view_cache

    def case_view(self, case_ids: Sequence[str]):
        """The candidates' views: from the precomputed :class:`ViewCache` when one is attached."""
        if self.view_cache is not None:
            return self.view_cache.view(case_ids, self.max_sentences)
        c_emb, c_mask = pad_cases(self.cases, case_ids, self.max_sentences)
        return self.model.view(c_emb, c_mask)

    @torch.no_grad()
    def query_vector(self, query: Query) -> np.ndarray:
        emb, mask = pad_cases(self.queries(query), [query.qid], self.max_sentences)
        return self.model.case_vectors(self.model.view(emb, mask), self.article_weight)[0].numpy()

    def dense_index(self) -> DenseIndex:
        if self._dense is None:
            from lcr.index.bundle import case_vectors

            vecs, _ = case_vectors(self.model, self.cases, self.cases.case_ids, self.max_sentences,
                                   self.article_weight)
            self._dense = DenseIndex.build(self.cases.case_ids, vecs)
        return self._dense

    def rank(self, query: Query, candidates: Sequence[str] | None, k: int) -> list[ScoredCase]:
        if candidates is None:
            hits = self.dense_index().search(self.query_vector(query), k)
            return finalise([ScoredCase(c, s, features={"lcm_lai_dense": s}) for c, s in hits])
        ids = [c for c in candidates if c in self.cases]
        feats = self.pair_features(query, ids, with_score=True)
        return finalise([ScoredCase(c, feats[c]["lcm_lai"], features={"lcm_lai": feats[c]["lcm_lai"]})
                         for c in ids])[:k]

    @torch.no_grad()
    def pair_features(self, query: Query, case_ids: Sequence[str], with_score: bool = False,
                      chunk: int = 256) -> dict[str, dict[str, float]]:
        """The pooled pair representation (``FEATURE_NAMES``) of each candidate, for RankSVM; with
        ``with_score`` also the model's own score (``lcm_lai``) from the same pass. Candidates go through
        the model ``chunk`` at a time, so memory stays bounded for large candidate sets."""
        out: dict[str, dict[str, float]] = {}
        if not case_ids:
            return out
        q_emb, q_mask = pad_cases(self.queries(query), [query.qid], self.max_sentences)
        q_view = self.model.view(q_emb, q_mask)
        for start in range(0, len(case_ids), chunk):
            ids = case_ids[start : start + chunk]
            idx = torch.zeros(len(ids), dtype=torch.long)
            feats, _ = self.model.pair_features(q_view.select(idx), self.case_view(ids))
            scores = self.model.head(feats).squeeze(-1)
            for c, f, s in zip(ids, feats, scores, strict=True):
                out[c] = dict(zip(FEATURE_NAMES, map(float, f), strict=True))
                if with_score:
                    out[c]["lcm_lai"] = float(s)
        return out
