"""``Searcher``: facts in, ranked precedents with explanations out. The CLI, the API and the evaluation
all go through it (or through the rankers it composes).

With a lexical-only index the pipeline is BM25. With a dense part (built with an LCM-LAI model) it is
``hybrid (BM25 ∪ LCM-LAI FAISS, reciprocal rank fusion, dense weight 0.25) >> RankSVM`` when the index carries a reranker,
else the hybrid alone; every hit explains itself (matched sentence pairs, predicted and shared articles,
each feature's share of the score).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

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


@dataclass
class _Dense:
    """The LCM-LAI side of an index: model, sentence store, FAISS, encoder, optional reranker."""

    model: object
    labels: object
    sentences: object
    faiss: object
    encoder: object
    max_sentences: int
    article_weight: float
    reranker: object | None
    view_cache: object | None = None


class Searcher:
    def __init__(self, index_dir: Path, store: CaseStore, manifest: Manifest, lexical: TantivyBM25,
                 dense: _Dense | None = None, field: str = "facts"):
        self.index_dir = index_dir
        self.store = store
        self.manifest = manifest
        self.lexical = lexical
        self.dense = dense
        self.field = field

    @classmethod
    def open(cls, index: str | Path, field: str = "facts") -> Searcher:
        folder = resolve_index(index)
        manifest = Manifest.load(folder)
        store = CaseStore.open(folder / "cases.sqlite")
        lexical = TantivyBM25(progress=False).open(folder / "lexical")
        dense = _open_dense(folder, manifest) if "dense" in manifest.config else None
        return cls(folder, store, manifest, lexical, dense, field)

    @property
    def pipeline_name(self) -> str:
        if self.dense is None:
            return f"bm25-{self.field}"
        return "hybrid-rrf@0.25>>ranksvm" if self.dense.reranker is not None else "hybrid-rrf@0.25"

    # -- ranking ----------------------------------------------------------------------------------
    def _ranker(self, query: Query) -> tuple[Ranker, object | None]:
        bm25 = BM25Ranker(self.lexical, self.field)
        if self.dense is None:
            return bm25, None
        from lcr.index.sentence_store import SentenceStore
        from lcr.models.sentences import select_sentences
        from lcr.retrieve.dense import E5CosineRanker, LcmLaiRanker
        from lcr.retrieve.fusion import DENSE_WEIGHT, FusionRanker

        d = self.dense
        sents = select_sentences(query.text, d.max_sentences)
        if not sents:
            raise BadQuery("the query has no usable fact sentence")
        qstore = SentenceStore.encode([query.qid], [sents], d.encoder, show_progress=False)
        lcm = LcmLaiRanker("lcm-lai", d.model, lambda _: qstore, d.sentences, d.max_sentences, d.article_weight,
                           dense=d.faiss, view_cache=d.view_cache)
        first = FusionRanker([bm25, lcm], method="rrf", weights=[1.0, DENSE_WEIGHT], depth=100)
        if d.reranker is None:
            return first, lcm
        from lcr.rerank.crossval import RankSVMRanker
        from lcr.rerank.legal_features import LegalFeatures

        feats = LegalFeatures(self.lexical, self.store, E5CosineRanker(lambda _: qstore, d.sentences), lcm,
                              d.labels)
        return RankSVMRanker("ranksvm", d.reranker, feats, first), lcm

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
            candidates = sorted(self.store.filter_ids(filters.charges, filters.articles, filters.court, year))
            if not candidates:
                return []
        query = Query(qid, text)
        ranker, lcm = self._ranker(query)
        hits = ranker.rank(query, candidates, k)
        matched = self._matched_sentences(query, lcm, [h.case_id for h in hits]) if lcm is not None else {}
        predicted = self._predicted_articles(query, lcm) if lcm is not None else []
        return [self._hit(h, matched.get(h.case_id, []), predicted) for h in hits]

    def similar(self, case_id: str, k: int = 10, filters: Filters | None = None) -> list[SearchHit]:
        """Cases similar to an indexed case, read from its facts only (never its reasoning)."""
        facts = self.store.facts(case_id)
        hits = self.search(facts, k + 1, filters, qid=f"similar:{case_id}")
        kept = [h for h in hits if h.case_id != case_id][:k]
        for rank, h in enumerate(kept, 1):
            h.rank = rank
        return kept

    # -- explanations -----------------------------------------------------------------------------
    @torch.no_grad()
    def _matched_sentences(self, query: Query, lcm, case_ids: list[str], top: int = 3) -> dict[str, list[dict]]:
        from lcr.models.batching import pad_cases

        ids = [c for c in case_ids if c in lcm.cases]
        if not ids:
            return {}
        qs = lcm.queries(query)
        q_emb, q_mask = pad_cases(qs, [query.qid], lcm.max_sentences)
        q_view = lcm.model.view(q_emb, q_mask)
        c_view = lcm.case_view(ids)
        _, att = lcm.model.pair_features(q_view.select(torch.zeros(len(ids), dtype=torch.long)), c_view)
        weight = att * q_view.salience[0].unsqueeze(-1)  # attention × query-sentence salience
        q_texts = qs.texts(query.qid)
        out = {}
        for b, cid in enumerate(ids):
            c_texts = lcm.cases.texts(cid)
            w = weight[b, : len(q_texts), : len(c_texts)].numpy()
            pairs = np.dstack(np.unravel_index(np.argsort(-w, axis=None)[:top], w.shape))[0]
            out[cid] = [{"query_sentence": q_texts[i], "case_sentence": c_texts[j], "weight": round(float(w[i, j]), 4)}
                        for i, j in pairs]
        return out

    def _predicted_articles(self, query: Query, lcm, top: int = 5) -> list[dict]:
        from lcr.models.lap import predict_articles

        qs = lcm.queries(query)
        preds = predict_articles(lcm.model, self.dense.labels, qs.texts(query.qid), qs.embeddings(query.qid), top)
        return [{"article": p.article, "name": p.name, "probability": round(p.probability, 4)} for p in preds]

    def _hit(self, h: ScoredCase, matched: list[dict], predicted: list[dict]) -> SearchHit:
        case = self.store.get(h.case_id)
        crim = sorted({a.key for a in case.articles if a.statute == "刑法"},
                      key=lambda k: (int(k.split(":")[1].split("-")[0]), k))
        contributions = {k.removeprefix("contrib:"): round(v, 4) for k, v in h.features.items()
                         if k.startswith("contrib:")}
        features = {k: round(v, 4) for k, v in h.features.items() if not k.startswith("contrib:")}
        likely = {p["article"] for p in predicted if p["probability"] >= 0.3}
        shared = [a for a in crim if a in likely]
        why = []
        if shared:
            why.append("cites the articles predicted for the query: " + ", ".join(describe(a) for a in shared))
        if contributions:
            top = sorted(contributions.items(), key=lambda kv: -kv[1])[:3]
            why.append("strongest signals: " + ", ".join(f"{n} ({v:+.2f})" for n, v in top))
        if matched:
            why.append(f"closest facts: 「{matched[0]['query_sentence'][:40]}」 ↔ 「{matched[0]['case_sentence'][:40]}」")
        explanation: dict = {"features": features, "articles": [describe(a) for a in crim], "why": why}
        if matched:
            explanation["matched_sentences"] = matched
        if predicted:
            explanation["predicted_articles"] = predicted
            explanation["shared_articles"] = shared
        if contributions:
            explanation["contributions"] = contributions
        return SearchHit(h.case_id, h.rank, h.score, case.title, case.court, case.year, case.charges, crim,
                         case.facts[:200], explanation)


def _open_dense(folder: Path, manifest: Manifest) -> _Dense:
    from lcr.index.dense import DenseIndex
    from lcr.index.sentence_store import SentenceStore
    from lcr.models.checkpoint import load_model
    from lcr.models.workspace import cached_encoder

    # The LCM-LAI heads are small: one torch thread is as fast, and two collapse (OpenMP barriers spin)
    # as soon as anything else runs on the machine, e.g. the encoder's own threads or another request.
    torch.set_num_threads(1)
    cfg = manifest.config["dense"]
    encoder = cached_encoder(cfg["encoder"])
    model, labels, _ = load_model(folder / "model", encoder.name)
    sentences = SentenceStore.load(folder / "sentences", encoder.name)
    reranker = None
    if (folder / "reranker" / "manifest.json").exists():
        from lcr.rerank.ranksvm import RankSVM

        reranker = RankSVM.load(folder / "reranker")
    from lcr.retrieve.dense import ViewCache

    return _Dense(model, labels, sentences, DenseIndex.load(folder / "dense"), encoder, cfg["max_sentences"],
                  cfg["article_weight"], reranker, ViewCache(model, sentences))
