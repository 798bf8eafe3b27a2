"""Evaluation protocols: what a system ranks for each query, and how that ranking is scored.

Each protocol is a :class:`Protocol` subclass whose docstring states the protocol; the registry
:func:`get_protocol` looks one up by dataset and name. ``evaluate`` scores a :data:`Run` on chosen
queries: run documents outside the query's candidates are dropped, a query missing from the run
scores 0 (counted in :attr:`EvalResult.missing` and logged), and the mean is over the given queries
less the ones the protocol leaves out (:attr:`EvalResult.skipped`).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import ClassVar, Literal

from lcr.errors import BadInput
from lcr.eval.data import LECARD_V1, LECARD_V2, EvalData, dataset_name, id_sort_key
from lcr.eval.metrics import (
    Gain,
    average_precision,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
    reciprocal_rank,
)
from lcr.records import Run, ranking

logger = logging.getLogger(__name__)

Ranked = Literal["labelled", "pool", "corpus"]


@dataclass
class EvalResult:
    """Scores of one run under one protocol.

    ``per_query`` holds the metrics of every query in the mean; ``mean`` their average (0 for every
    metric when no query is scored). ``missing``: scored queries the run has no entry for (they
    score 0). ``skipped``: given queries the protocol leaves out of the mean.
    """

    dataset: str
    protocol: str
    per_query: dict[str, dict[str, float]]
    mean: dict[str, float]
    missing: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


class Protocol:
    """Base class: subclasses set the class attributes below and state the protocol in their
    docstring."""

    dataset: ClassVar[str]
    name: ClassVar[str]
    ranked: ClassVar[Ranked]  # labelled docs / the query's pool / the whole corpus
    gain: ClassVar[Gain] = "linear"
    ndcg_at: ClassVar[tuple[int, ...]] = ()
    precision_at: ClassVar[tuple[int, ...]] = ()
    recall_at: ClassVar[tuple[int, ...]] = ()
    with_map: ClassVar[bool] = False
    with_mrr: ClassVar[bool] = False
    relevant_grade: ClassVar[int] = 3  # lowest grade that counts as relevant
    fallback_relevant_grade: ClassVar[int | None] = None  # used when no doc reaches relevant_grade
    ap_over_retrieved: ClassVar[bool] = False  # AP divided by relevant docs ranked, not judged
    skip_unjudged: ClassVar[bool] = False  # leave queries without a relevant doc out of the mean
    excluded_qids: ClassVar[frozenset[str]] = frozenset()

    @property
    def metrics(self) -> list[str]:
        """Names of the metrics this protocol reports, in report order."""
        return (
            [f"NDCG@{k}" for k in self.ndcg_at]
            + [f"P@{k}" for k in self.precision_at]
            + [f"R@{k}" for k in self.recall_at]
            + (["MAP"] if self.with_map else [])
            + (["MRR"] if self.with_mrr else [])
        )

    def describe(self) -> str:
        """The protocol's statement (its class docstring)."""
        return inspect.cleandoc(type(self).__doc__ or "")

    def candidates(self, data: EvalData, qid: str) -> list[str] | None:
        """Documents a system must rank for ``qid``; ``None`` means the whole corpus."""
        if self.ranked == "corpus":
            return None
        if self.ranked == "labelled":
            return sorted(data.qrels[qid], key=id_sort_key)
        if qid not in data.pools:
            raise BadInput(f"{data.name}: no candidate pool for query {qid!r}")
        return list(data.pools[qid])

    def relevant(self, judged: dict[str, int]) -> set[str]:
        """Documents counted relevant by the binary metrics, given a query's judgments."""
        threshold = self.relevant_grade
        if self.fallback_relevant_grade is not None and all(g < threshold for g in judged.values()):
            threshold = self.fallback_relevant_grade
        return {d for d, g in judged.items() if g >= threshold}

    def ranked_grades(self, ranked: list[str], data: EvalData, qid: str) -> list[int]:
        """Grade used as the NDCG gain of each ranked document (unjudged: 0)."""
        judged = data.qrels[qid]
        return [judged.get(d, 0) for d in ranked]

    def evaluate(self, run: Run, data: EvalData, qids: Iterable[str]) -> EvalResult:
        """Score ``run`` on ``qids`` (see the module docstring for missing and skipped queries)."""
        if data.name != self.dataset:
            raise BadInput(f"protocol {self.dataset}/{self.name} cannot evaluate {data.name} data")
        wanted = list(dict.fromkeys(qids))
        if not wanted:
            raise BadInput("no queries to evaluate")
        unknown = [q for q in wanted if q not in data.qrels]
        if unknown:
            raise BadInput(f"{data.name}: {len(unknown)} unknown query ids, e.g. {unknown[0]!r}")
        per_query: dict[str, dict[str, float]] = {}
        missing: list[str] = []
        skipped: list[str] = []
        for qid in wanted:
            relevant = self.relevant(data.qrels[qid])
            if qid in self.excluded_qids or (self.skip_unjudged and not relevant):
                skipped.append(qid)
                continue
            if qid not in run:
                missing.append(qid)
            per_query[qid] = self._score(self._ranked(run.get(qid, {}), data, qid), data, qid, relevant)
        if missing:
            logger.warning(
                "%s/%s: %d of %d queries missing from the run score 0 (e.g. %s)",
                self.dataset,
                self.name,
                len(missing),
                len(per_query),
                missing[0],
            )
        if skipped:
            logger.info("%s/%s: %d queries left out of the mean", self.dataset, self.name, len(skipped))
        n = len(per_query)
        mean = {m: (sum(s[m] for s in per_query.values()) / n if n else 0.0) for m in self.metrics}
        return EvalResult(self.dataset, self.name, per_query, mean, missing, skipped)

    def _ranked(self, scores: dict[str, float], data: EvalData, qid: str) -> list[str]:
        candidates = self.candidates(data, qid)
        allowed = data.corpus_ids if candidates is None else set(candidates)
        ranked = ranking(scores)
        if allowed is None:
            return ranked
        return [d for d in ranked if d in allowed]

    def _score(self, ranked: list[str], data: EvalData, qid: str, relevant: set[str]) -> dict[str, float]:
        grades = self.ranked_grades(ranked, data, qid)
        ideal = list(data.qrels[qid].values())
        rel = [d in relevant for d in ranked]
        n_relevant = sum(rel) if self.ap_over_retrieved else len(relevant)
        scores = {f"NDCG@{k}": ndcg_at_k(grades, ideal, k, self.gain) for k in self.ndcg_at}
        scores.update({f"P@{k}": precision_at_k(rel, k) for k in self.precision_at})
        scores.update({f"R@{k}": recall_at_k(rel, k, len(relevant)) for k in self.recall_at})
        if self.with_map:
            scores["MAP"] = average_precision(rel, n_relevant)
        if self.with_mrr:
            scores["MRR"] = reciprocal_rank(rel)
        return scores


class LecardV1Official(Protocol):
    """LeCaRD v1 ``official``: the upstream ``metrics.py`` of myx666/LeCaRD (README §1.5).

    * Ranked: the query's labelled documents (30, or 32–33 for the 7 queries with hand-added ids
      50001+). Run documents outside them are dropped.
    * NDCG@10/20/30, linear gain. A ranked document gains its grade only if it is among the query's
      first 30 labelled ids (``EvalData.labelled_top30``), else 0: the upstream lookup quirk, so the
      hand-added documents gain 0 in the ranking, yet their grades count in the ideal, which is
      every labelled grade sorted descending.
    * P@5, P@10, MAP: relevant = grade 3, over the ranking restricted to labelled documents. AP is
      divided by the number of grade-3 documents in that ranking, as upstream (the number judged
      when the run ranks every candidate); a query without one scores 0.
    * Mean over all given queries (every LeCaRD v1 query has a grade-3 document).

    The upstream README baselines (BM25 MAP .484, NDCG@10/20/30 .731/.797/.888) are this protocol on
    the reversed ``prediction/bm25_top100.json``, averaged over the ``original`` query set (first 100)
    with :meth:`EvalData.top30_judgments`, i.e. the labels as first released.
    """

    dataset = LECARD_V1
    name = "official"
    ranked = "labelled"
    ndcg_at = (10, 20, 30)
    precision_at = (5, 10)
    with_map = True
    ap_over_retrieved = True

    def ranked_grades(self, ranked: list[str], data: EvalData, qid: str) -> list[int]:
        if data.labelled_top30 is None or qid not in data.labelled_top30:
            raise BadInput(f"{self.dataset}/{self.name} needs labelled_top30 for query {qid!r}")
        top30 = set(data.labelled_top30[qid])
        judged = data.qrels[qid]
        return [judged.get(d, 0) if d in top30 else 0 for d in ranked]


class LecardV1Hard(Protocol):
    """LeCaRD v1 ``hard``: re-rank the whole candidate pool (the "100-candidate" setting, *hard* in
    thunlp/LEAD).

    * Ranked: the query's pool (``candidate_pools.json``, 100–103 documents); unlabelled = grade 0.
    * NDCG@10/20/30, linear gain (every labelled document gains its grade, hand-added ones
      included); ideal = all labelled grades sorted descending.
    * P@5, P@10, MAP: relevant = grade 3, over the full ranking; AP divided by the number of
      grade-3 documents judged.
    * Mean over all given queries.
    """

    dataset = LECARD_V1
    name = "hard"
    ranked = "pool"
    ndcg_at = (10, 20, 30)
    precision_at = (5, 10)
    with_map = True


class LecardV1Keller(Protocol):
    """LeCaRD v1 ``keller``: the conventions of KELLER (Deng et al., 2024), from ChenlongDeng/KELLER
    ``tools/Metrics.py`` (metrics), ``dataset/KELLER.py`` (what is ranked) and
    ``examples/评估不同查询集合下的排序结果/evaluate_LeCaRD.ipynb`` (query set).

    * Queries: the given ones less 6816 and 2403, which KELLER drops (105 of the 107).
    * Ranked: every labelled document of the query (30–33, hand-added 50001+ included).
    * NDCG@3/5/10/20/30 with gain ``2^(g-1)`` for grade ``g >= 1``, else 0 (grades 0/1/2/3 gain
      0/1/2/4; *not* ``2^g - 1``); ideal = the same documents' gains sorted descending.
    * MAP, MRR, P@1, P@3: relevant = grade 3, or grades 2–3 for a query without a grade-3 document;
      AP divided by the relevant documents ranked (the number judged when every candidate is ranked).
    * Mean over the queries. KELLER breaks score ties by descending id, lcr by ascending id.
    """

    dataset = LECARD_V1
    name = "keller"
    ranked = "labelled"
    gain = "keller"
    ndcg_at = (3, 5, 10, 20, 30)
    precision_at = (1, 3)
    with_map = True
    with_mrr = True
    fallback_relevant_grade = 2
    ap_over_retrieved = True
    excluded_qids = frozenset({"6816", "2403"})


class LecardV1Corpus(Protocol):
    """LeCaRD v1 ``corpus``: first-stage retrieval over the whole candidate corpus (the 9,088
    documents of all pools, ``EvalData.corpus_ids``). Not an upstream protocol; it mirrors
    LeCaRDv2's.

    * Ranked: every corpus document; run ids outside the corpus are dropped; unlabelled = grade 0.
    * R@100, R@1000, MAP: relevant = grade >= 2; AP divided by the number judged relevant.
    * NDCG@30: linear gain over all grades; ideal = all labelled grades sorted descending.
    * Queries without a grade >= 2 document are left out of the mean (none in LeCaRD v1).
    """

    dataset = LECARD_V1
    name = "corpus"
    ranked = "corpus"
    ndcg_at = (30,)
    recall_at = (100, 1000)
    with_map = True
    relevant_grade = 2
    skip_unjudged = True


class LecardV2Corpus(Protocol):
    """LeCaRDv2 ``corpus``: first-stage retrieval over the 55,192-document candidate corpus (the
    THUIR/LeCaRDv2 README protocol).

    * Ranked: every corpus document (``EvalData.corpus_ids`` when known).
    * R@100, R@200, R@500, R@1000: relevant = grade >= 2, the pairs of ``relevence_gold.trec``
      (upstream does not say which grades count; >= 2 is also MTEB's reading).
    * Queries without a grade >= 2 document are left out of the mean (2 of the 800; 1 of the 160
      test queries), as trec_eval does with queries absent from the gold qrels.
    """

    dataset = LECARD_V2
    name = "corpus"
    ranked = "corpus"
    recall_at = (100, 200, 500, 1000)
    relevant_grade = 2
    skip_unjudged = True


class LecardV2Pool(Protocol):
    """LeCaRDv2 ``pool``: re-rank each query's ``ranking_pool.json`` (100 documents; 30 for query
    701).

    * NDCG@10/20/30, linear gain, unlabelled = grade 0; ideal = all labelled grades sorted
      descending (every labelled document is in its pool).
    * MAP: relevant = grade 3 over the full ranking, AP divided by the number judged grade 3; a
      query without a grade-3 document (361 of the 800) scores 0 and counts in the mean.
    """

    dataset = LECARD_V2
    name = "pool"
    ranked = "pool"
    ndcg_at = (10, 20, 30)
    with_map = True


class LecardV2Keller(LecardV1Keller):
    """LeCaRDv2 ``keller``: KELLER's LeCaRDv2 test conventions (ChenlongDeng/KELLER
    ``tools/Metrics.py``, ``dataset/KELLER.py``, ``examples/评估排序结果/evaluate.ipynb``).

    * Ranked: every labelled document of the query (27–30); no query is dropped.
    * Metrics exactly as LeCaRD v1 ``keller``: gain ``2^(g-1)`` (0 for grade 0), relevant = grade 3
      or 2–3 without a grade-3 document, MAP, MRR, P@1, P@3, NDCG@3/5/10/20/30.
    """

    dataset = LECARD_V2
    excluded_qids = frozenset()


_REGISTRY: dict[tuple[str, str], Protocol] = {
    (p.dataset, p.name): p
    for p in (
        LecardV1Official(),
        LecardV1Hard(),
        LecardV1Keller(),
        LecardV1Corpus(),
        LecardV2Corpus(),
        LecardV2Pool(),
        LecardV2Keller(),
    )
}


def protocol_names(dataset: str) -> list[str]:
    """Names of the protocols defined for ``dataset``."""
    canonical = dataset_name(dataset)
    return [name for ds, name in _REGISTRY if ds == canonical]


def get_protocol(dataset: str, name: str) -> Protocol:
    """The protocol ``name`` of ``dataset``; :class:`BadInput` lists the valid names otherwise."""
    canonical = dataset_name(dataset)
    protocol = _REGISTRY.get((canonical, name))
    if protocol is None:
        valid = ", ".join(protocol_names(canonical))
        raise BadInput(f"unknown protocol {name!r} for {canonical}; choose one of {valid}")
    return protocol
