"""Leakage audit: candidates whose facts contain a query's facts nearly verbatim.

LeCaRD v1 queries are the fact sections of judgments drawn from the same corpus as the candidate
pools, so a query's own judgment, or a near-duplicate (a co-defendant's judgment, an appeal of the
same case), can sit among its candidates. It skews the scores of any system that rewards verbatim
overlap: in a pool the copy is usually graded 3 and trivially ranked first, while in the corpus
protocol an unlabelled copy ranked first counts as irrelevant. The measure is *containment*: the share of the query's distinct character n-grams (after
NFKC folding and removing whitespace and punctuation) that occur in the candidate's facts. It is
directional: a 400-character query inside a 6,000-character fact section still scores 1.

The whole corpus is scanned once: every document's n-grams are hashed (a 64-bit polynomial hash,
vectorised with numpy) and looked up in the sorted vocabulary of query n-grams, so the cost is
linear in the corpus size (about 50M n-grams for LeCaRD v1's 9,088 fact sections). Query n-grams
that touch the anonymisation mark 某 are left out, as the judgment may spell the name out.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace

import numpy as np

from lcr.eval.data import EvalData
from lcr.eval.protocols import Protocol
from lcr.records import Run

logger = logging.getLogger(__name__)

NGRAM = 8
ANONYMISED = "某"  # queries write 张某某 where the judgment may spell the name out
# From the LeCaRD v1 distribution of each query's best containment (8-grams): 84 queries score
# <= 0.27 (shared boilerplate of the same charge or city), 23 score >= 0.44, and none lies between.
# The threshold is the middle of that empty gap; every document above it was checked by hand to be
# the query's own judgment, another instance (first instance, appeal, retrial) or a co-defendant's
# judgment of the same case, or, the weakest (0.45), a judgment from the same investigation.
DEFAULT_THRESHOLD = 0.35
_HASH_BASE = np.uint64(0x100000001B3)  # FNV-1 64-bit prime; arithmetic wraps mod 2**64
_NON_WORD = re.compile(r"[\W_]+")


def normalise(text: str) -> str:
    """NFKC-fold ``text`` and drop everything but letters and digits (whitespace, punctuation,
    the ``×`` of anonymised plates), so formatting differences do not break n-grams."""
    return _NON_WORD.sub("", unicodedata.normalize("NFKC", text))


def ngram_hashes(text: str, n: int = NGRAM, skip: str = "") -> np.ndarray:
    """Sorted distinct 64-bit hashes of the character ``n``-grams of ``normalise(text)``, leaving out
    the n-grams that contain a character of ``skip``."""
    codes = np.frombuffer(normalise(text).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(codes) < n:
        return np.empty(0, dtype=np.uint64)
    width = len(codes) - n + 1
    hashes = np.zeros(width, dtype=np.uint64)
    for i in range(n):
        hashes = hashes * _HASH_BASE + codes[i : i + width]
    if skip:
        masked = np.cumsum(np.concatenate([[0], np.isin(codes, [ord(c) for c in skip])]))
        hashes = hashes[masked[n:] == masked[:width]]
    return np.unique(hashes)


def containment(query: str, doc: str, n: int = NGRAM) -> float:
    """Share of the distinct ``n``-grams of ``query`` (less those touching an anonymised name) found
    in ``doc``; 0 for a query too short to have one."""
    grams = ngram_hashes(query, n, ANONYMISED)
    if not len(grams):
        return 0.0
    return float(np.isin(grams, ngram_hashes(doc, n), assume_unique=True).mean())


@dataclass(frozen=True)
class LeakedDoc:
    """A document containing a query's facts: its containment, whether it is in the query's pool,
    and its grade for that query (``None``: not labelled)."""

    doc_id: str
    containment: float
    in_pool: bool
    grade: int | None


@dataclass(frozen=True)
class QueryLeakage:
    """Findings for one query: the best containment in its pool and in the whole corpus, and every
    document at or above the threshold, best first."""

    qid: str
    best_pool: float
    best_pool_id: str | None
    best_corpus: float
    best_corpus_id: str | None
    leaked: tuple[LeakedDoc, ...]

    @property
    def leaked_in_pool(self) -> tuple[LeakedDoc, ...]:
        return tuple(d for d in self.leaked if d.in_pool)


@dataclass(frozen=True)
class LeakageSummary:
    """Counts over all queries. ``pool_grades``: grades of the leaked pool documents
    (``"unlabelled"`` for none); ``best_corpus_histogram``: queries per 0.1-wide bin of their best
    corpus containment (the evidence for the threshold)."""

    queries: int
    queries_leaked_in_pool: int
    queries_leaked_in_corpus: int
    leaked_docs_in_pool: int
    leaked_docs_in_corpus: int
    pool_grades: dict[str, int]
    best_corpus_histogram: dict[str, int]


@dataclass(frozen=True)
class LeakageReport:
    """Audit of every query at one threshold."""

    threshold: float
    ngram: int
    corpus_size: int
    queries: tuple[QueryLeakage, ...]

    def leaked_ids(self, pool_only: bool = False) -> dict[str, set[str]]:
        """``qid -> ids`` of the documents at or above the threshold (only those in its pool)."""
        return {
            q.qid: {d.doc_id for d in (q.leaked_in_pool if pool_only else q.leaked)}
            for q in self.queries
            if q.leaked
        }

    def summary(self) -> LeakageSummary:
        pool_docs = [d for q in self.queries for d in q.leaked_in_pool]
        grades = Counter("unlabelled" if d.grade is None else str(d.grade) for d in pool_docs)
        bins = np.histogram([q.best_corpus for q in self.queries], bins=np.linspace(0, 1, 11))[0]
        return LeakageSummary(
            queries=len(self.queries),
            queries_leaked_in_pool=sum(bool(q.leaked_in_pool) for q in self.queries),
            queries_leaked_in_corpus=sum(bool(q.leaked) for q in self.queries),
            leaked_docs_in_pool=len(pool_docs),
            leaked_docs_in_corpus=sum(len(q.leaked) for q in self.queries),
            pool_grades=dict(sorted(grades.items())),
            best_corpus_histogram={f"{i / 10:.1f}-{(i + 1) / 10:.1f}": int(c) for i, c in enumerate(bins)},
        )

    def to_json(self) -> dict[str, object]:
        return {
            "threshold": self.threshold,
            "ngram": self.ngram,
            "corpus_size": self.corpus_size,
            "summary": asdict(self.summary()),
            "queries": [asdict(q) for q in self.queries],
        }


def audit_leakage(
    queries: Mapping[str, str],
    facts_of: Callable[[str], str],
    pools: Mapping[str, Sequence[str]],
    corpus_ids: Sequence[str],
    threshold: float = DEFAULT_THRESHOLD,
    qrels: Mapping[str, Mapping[str, int]] | None = None,
    n: int = NGRAM,
) -> LeakageReport:
    """Containment of every query (``qid -> facts``) in every document of the corpus (``corpus_ids``
    plus any pool document outside it), read once through ``facts_of``; ``qrels`` gives the grades."""
    qids = list(queries)
    grams = [ngram_hashes(queries[q], n, ANONYMISED) for q in qids]
    vocab = np.unique(np.concatenate(grams)) if grams else np.empty(0, dtype=np.uint64)
    # owner[i, j]: query j has vocabulary n-gram i (dense: fine for ~10^2 queries)
    owner = np.zeros((len(vocab), len(qids)), dtype=bool)
    for j, g in enumerate(grams):
        owner[np.searchsorted(vocab, g), j] = 1
    sizes = np.maximum([len(g) for g in grams], 1)
    doc_ids = list(dict.fromkeys([*corpus_ids, *(d for q in qids for d in pools.get(q, ()))]))
    scores = np.zeros((len(doc_ids), len(qids)))
    for i, doc in enumerate(doc_ids):
        hits = _vocab_hits(vocab, ngram_hashes(facts_of(doc), n))
        if len(hits):
            scores[i] = owner[hits].sum(axis=0) / sizes
    row = {d: i for i, d in enumerate(doc_ids)}
    findings = tuple(
        _query_findings(q, scores[:, j], doc_ids, row, pools.get(q, ()), threshold, (qrels or {}).get(q, {}))
        for j, q in enumerate(qids)
    )
    report = LeakageReport(threshold, n, len(doc_ids), findings)
    summary = report.summary()
    logger.info(
        "leakage audit, %d queries x %d documents: %d queries leaked in their pool, %d in the corpus",
        len(qids),
        len(doc_ids),
        summary.queries_leaked_in_pool,
        summary.queries_leaked_in_corpus,
    )
    return report


def _vocab_hits(vocab: np.ndarray, doc_grams: np.ndarray) -> np.ndarray:
    """Indices into ``vocab`` of the document's n-grams that are in it."""
    if not len(vocab) or not len(doc_grams):
        return np.empty(0, dtype=np.intp)
    at = np.minimum(np.searchsorted(vocab, doc_grams), len(vocab) - 1)
    return at[vocab[at] == doc_grams]


def _query_findings(
    qid: str,
    scores: np.ndarray,
    doc_ids: list[str],
    row: Mapping[str, int],
    pool: Sequence[str],
    threshold: float,
    judged: Mapping[str, int],
) -> QueryLeakage:
    pool_rows = [row[d] for d in pool]
    in_pool = set(pool)
    best_pool_row = max(pool_rows, key=lambda r: scores[r], default=None)
    best_row = int(np.argmax(scores)) if len(scores) else None
    above = sorted(np.flatnonzero(scores >= threshold), key=lambda r: (-scores[r], doc_ids[r]))
    leaked = tuple(
        LeakedDoc(doc_ids[r], round(float(scores[r]), 4), doc_ids[r] in in_pool, judged.get(doc_ids[r]))
        for r in above
    )
    return QueryLeakage(
        qid=qid,
        best_pool=round(float(scores[best_pool_row]), 4) if best_pool_row is not None else 0.0,
        best_pool_id=doc_ids[best_pool_row] if best_pool_row is not None else None,
        best_corpus=round(float(scores[best_row]), 4) if best_row is not None else 0.0,
        best_corpus_id=doc_ids[best_row] if best_row is not None else None,
        leaked=leaked,
    )


def filter_eval_data(data: EvalData, leaked: Mapping[str, Collection[str]]) -> EvalData:
    """A copy of ``data`` without each query's leaked documents: dropped from its judgments, its
    pool and its labelled top 30 (the corpus is shared by all queries and left as is; filter the
    run with :func:`filter_run` to drop them there)."""

    def keep(qid: str, docs: Iterable[str]) -> list[str]:
        gone = leaked.get(qid, ())
        return [d for d in docs if d not in gone]

    qrels = {q: {d: docs[d] for d in keep(q, docs)} for q, docs in data.qrels.items()}
    pools = {q: keep(q, docs) for q, docs in data.pools.items()}
    top30 = None
    if data.labelled_top30 is not None:
        top30 = {q: keep(q, docs) for q, docs in data.labelled_top30.items()}
    return replace(data, qrels=qrels, pools=pools, labelled_top30=top30)


def filter_run(run: Run, leaked: Mapping[str, Collection[str]]) -> Run:
    """A copy of ``run`` without each query's leaked documents."""
    return {q: {d: s for d, s in scores.items() if d not in leaked.get(q, ())} for q, scores in run.items()}


def metrics_without_leaked(
    protocol: Protocol, data: EvalData, run: Run, qids: Sequence[str], leaked: Mapping[str, Collection[str]]
) -> tuple[dict[str, float], dict[str, float]]:
    """Mean metrics of ``run`` on ``qids`` before and after removing the leaked documents from both
    the run and the judgments/candidates."""
    before = protocol.evaluate(run, data, qids).mean
    after = protocol.evaluate(filter_run(run, leaked), filter_eval_data(data, leaked), qids).mean
    return before, after
