"""Rankers over sentence embeddings: the plain encoder cosine and LCM-LAI.

Both read pre-encoded sentence stores (queries and cases). Given candidates they score exactly those;
without, they search the whole corpus through a FAISS index of case vectors (LCM-LAI's article-aware
vectors, or mean sentence embeddings for the plain cosine).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import torch

from lcr.encode.encoder import Encoder
from lcr.encode.sentence_store import SentenceStore
from lcr.encode.sentences import select_sentences
from lcr.errors import BadQuery
from lcr.index.dense import DenseIndex
from lcr.law import describe
from lcr.models.batching import pad_cases
from lcr.models.labels import ArticleLabels
from lcr.models.lap import top_articles
from lcr.models.lcm_lai import CaseView, LcmLai, case_vectors, cited_matrix
from lcr.ranking import finalise
from lcr.records import PredictedArticle, Query, ScoredCase, SentencePair

#: Returns the sentence store holding a query (encoding it on the fly if needed).
QueryStore = Callable[[Query], SentenceStore]
#: Sentence pairs shown per candidate, and articles shown per query, in explanations.
MATCHED_PAIRS = 3
PREDICTED_ARTICLES = 5


class QueryEncoder:
    """A :data:`QueryStore` that encodes a query's fact sentences, selected exactly as the corpus's are
    (and stored as float16 like theirs), once per query (kept in its :class:`~lcr.records.QueryContext`):
    every stage of one pipeline call that reads the query's sentences gets the same store."""

    def __init__(self, encoder: Encoder, max_sentences: int):
        self.encoder = encoder
        self.max_sentences = max_sentences

    def __call__(self, query: Query) -> SentenceStore:
        return query.context.memo(self, "sentences", lambda: self._encode(query))

    def _encode(self, query: Query) -> SentenceStore:
        sents = select_sentences(query.text, self.max_sentences)
        if not sents:
            raise BadQuery("the query has no usable fact sentence")
        return SentenceStore.encode([query.qid], [sents], self.encoder, show_progress=False)


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
        self._lock = threading.Lock()

    @functools.cached_property
    def means(self) -> np.ndarray:
        """Every case's normalised mean vector (rows in the store's order), computed on first use: scoring
        candidates is then a row lookup, not a float16 -> float32 conversion per candidate and query."""
        with self._lock:
            return mean_vectors(self.cases, self.cases.case_ids)

    @property
    def dense(self) -> DenseIndex:
        """The FAISS index of the cases' mean vectors, built on first use (once, whichever thread asks)."""
        means = self.means
        with self._lock:
            if self._dense is None:
                self._dense = DenseIndex.build(self.cases.case_ids, means)
            return self._dense

    def rank(self, query: Query, candidates: Sequence[str] | None, k: int) -> list[ScoredCase]:
        qv = mean_vectors(self.queries(query), [query.qid])[0]
        if candidates is None:
            return finalise([ScoredCase(c, s, features={"e5_cosine": s}) for c, s in self.dense.search(qv, k)])
        ids = [c for c in candidates if c in self.cases]
        scores = self.means[[self.cases.index(c) for c in ids]] @ qv
        return finalise([ScoredCase(c, float(s), features={"e5_cosine": float(s)})
                         for c, s in zip(ids, scores, strict=True)])[:k]


class ViewCache:
    """The model's per-sentence parts for every sentence of a store, computed once: an index serving many
    queries would otherwise recompute the candidates' views for each of them. ``exact``: each case's cited
    articles (multi-hot), for a model that reads them (``exact_articles``)."""

    @torch.no_grad()
    def __init__(self, model: LcmLai, cases: SentenceStore, chunk: int = 8192,
                 exact: Mapping[str, np.ndarray] | None = None):
        parts = [model.sentence_parts(torch.from_numpy(cases.emb[i : i + chunk].astype(np.float32)))
                 for i in range(0, len(cases.emb), chunk)]
        self.z = torch.cat([p[0] for p in parts])
        self.sal = torch.cat([p[1] for p in parts])
        self.logits = torch.cat([p[2] for p in parts]) if model.config.use_lap else None
        self.cases = cases
        self.model = model
        self.exact = (cited_matrix(exact, cases.case_ids, model.config.n_articles)
                      if exact is not None and model.config.exact_articles else None)

    @torch.no_grad()
    def view(self, case_ids: Sequence[str], max_sentences: int):
        """Padded views of ``case_ids``, identical to ``model.view`` on their padded embeddings."""
        rows = np.array([self.cases.index(c) for c in case_ids], dtype=np.int64)
        starts = self.cases.offsets[rows]
        lengths = np.minimum(self.cases.offsets[rows + 1] - starts, max_sentences)
        width = max(int(lengths.max(initial=0)), 1)
        pos = torch.arange(width)
        valid = pos.unsqueeze(0) < torch.from_numpy(lengths).unsqueeze(1)
        gather = torch.where(valid, torch.from_numpy(starts).unsqueeze(1) + pos, 0)
        keep = valid.unsqueeze(-1)
        z = torch.where(keep, self.z[gather], 0.0)
        sal = torch.where(valid, self.sal[gather], 0.0)
        logits = None if self.logits is None else torch.where(keep, self.logits[gather], 0.0)
        empty = np.flatnonzero(lengths == 0)
        if len(empty):  # no sentence: one zero "sentence", as pad_cases gives the model
            zero = self.model.sentence_parts(torch.zeros(1, self.z.shape[1]))
            for i in empty:
                z[i, 0], sal[i, 0] = zero[0][0], zero[1][0]
                if logits is not None:
                    logits[i, 0] = zero[2][0]
            valid[torch.from_numpy(empty), 0] = True
        view = self.model.assemble(z, sal, logits, valid)
        if self.exact is not None:
            view = replace(view, exact=self.exact[torch.from_numpy(rows)])
        return view


@dataclass
class PairMatch:
    """LCM-LAI's reading of one (query, candidate) pair: the pooled pair representation
    (the model's ``feature_names``) and the model's score under ``lcm_lai``, and the closest sentence pairs
    (:attr:`matched`, laid out on first read: only the hits a search returns are explained)."""

    features: dict[str, float]
    pairs: Callable[[], list[SentencePair]] = field(repr=False, compare=False)

    @functools.cached_property
    def matched(self) -> list[SentencePair]:
        return self.pairs()


class LcmLaiRanker:
    """LCM-LAI matching score over given candidates; FAISS over article-aware case vectors otherwise.

    The query's view (its sentences through the model) and its pair matches are computed once per query
    (kept in its context), so the first stage, the reranker's features and the explanation share one
    model pass."""

    def __init__(self, name: str, model: LcmLai, labels: ArticleLabels, queries: QueryStore,
                 cases: SentenceStore, max_sentences: int, article_weight: float = 0.3,
                 dense: DenseIndex | None = None, view_cache: ViewCache | None = None,
                 case_articles: Mapping[str, np.ndarray] | None = None):
        """``dense`` / ``view_cache``: an index's stored FAISS index and precomputed candidate views (built
        here from the model when not given); ``case_articles``: the cases' cited articles (multi-hot),
        which a model with ``exact_articles`` reads."""
        self.name = name
        self.model = model
        self.labels = labels
        self.queries = queries
        self.cases = cases
        self.max_sentences = max_sentences
        self.article_weight = article_weight
        self.view_cache = view_cache if view_cache is not None else ViewCache(model, cases, exact=case_articles)
        self.dense = dense if dense is not None else DenseIndex.build(
            cases.case_ids, case_vectors(model, cases, cases.case_ids, max_sentences, article_weight)[0])

    def query_view(self, query: Query) -> CaseView:
        return query.context.memo(self, "view", lambda: self._view(query))

    @torch.no_grad()
    def _view(self, query: Query) -> CaseView:
        emb, mask = pad_cases(self.queries(query), [query.qid], self.max_sentences)
        return self.model.view(emb, mask)

    @torch.no_grad()
    def query_vector(self, query: Query) -> np.ndarray:
        return self.model.case_vectors(self.query_view(query), self.article_weight)[0].numpy()

    def query_articles(self, query: Query) -> np.ndarray:
        """The query's predicted probability of each label article (zeros without LAP)."""
        view = self.query_view(query)
        if view.case_logits is None:
            return np.zeros(len(self.labels), dtype=np.float32)
        return view.case_logits[0].sigmoid().numpy()

    def predicted_articles(self, query: Query, top: int = PREDICTED_ARTICLES) -> list[PredictedArticle]:
        if not self.model.config.use_lap:
            return []
        return [PredictedArticle(key, describe(key), p)
                for key, p in top_articles(self.query_articles(query), self.labels, top)]

    def rank(self, query: Query, candidates: Sequence[str] | None, k: int) -> list[ScoredCase]:
        if candidates is None:
            hits = self.dense.search(self.query_vector(query), k)
            return finalise([ScoredCase(c, s, features={"lcm_lai_dense": s}) for c, s in hits])
        matches = self.pair_features(query, [c for c in candidates if c in self.cases])
        return finalise([ScoredCase(c, m.features["lcm_lai"], features={"lcm_lai": m.features["lcm_lai"]})
                         for c, m in matches.items()])[:k]

    def pair_features(self, query: Query, case_ids: Sequence[str]) -> dict[str, PairMatch]:
        """Each candidate's :class:`PairMatch`, computed once per query (later calls for the same query
        compute only the candidates not seen yet)."""
        known = query.context.values(self)
        todo = [c for c in dict.fromkeys(case_ids) if ("pair", c) not in known]
        if todo:
            known.update({("pair", c): m for c, m in self._match(query, todo).items()})
        return {c: known[("pair", c)] for c in case_ids}

    @torch.no_grad()
    def _match(self, query: Query, case_ids: list[str], chunk: int = 256) -> dict[str, PairMatch]:
        """Candidates go through the model ``chunk`` at a time, so memory stays bounded."""
        q_view = self.query_view(query)
        q_texts = self.queries(query).texts(query.qid)
        out: dict[str, PairMatch] = {}
        for start in range(0, len(case_ids), chunk):
            ids = case_ids[start : start + chunk]
            feats, att = self.model.pair_features(q_view.select(torch.zeros(len(ids), dtype=torch.long)),
                                                  self.view_cache.view(ids, self.max_sentences))
            scores = self.model.head(feats).squeeze(-1)
            weight = att * q_view.salience[0].unsqueeze(-1)  # attention × query-sentence salience
            flat = weight.flatten(1)
            top_w, top_i = flat.topk(min(MATCHED_PAIRS, flat.shape[1]), dim=1)
            width = weight.shape[2]
            rows, score_list = feats.tolist(), scores.tolist()  # one conversion, not one per element
            top_w_list, top_i_list = top_w.tolist(), top_i.tolist()
            for b, c in enumerate(ids):
                values = dict(zip(self.model.config.feature_names, rows[b], strict=True))
                values["lcm_lai"] = score_list[b]
                out[c] = PairMatch(values, functools.partial(self._pairs, q_texts, c, top_w_list[b],
                                                             top_i_list[b], width))
        return out

    def _pairs(self, q_texts: list[str], case_id: str, weights: list[float], flat: list[int],
               width: int) -> list[SentencePair]:
        """The sentence pairs behind the top attention weights (``flat``: query index × ``width`` + case
        index), zero weights and padding left out."""
        c_texts = self.cases.texts(case_id)
        return [SentencePair(q_texts[i // width], c_texts[i % width], round(w, 4))
                for w, i in zip(weights, flat, strict=True)
                if w > 0 and i // width < len(q_texts) and i % width < len(c_texts)]
