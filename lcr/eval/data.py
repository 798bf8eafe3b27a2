"""What an evaluation needs to know about a benchmark, independent of how it was loaded."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from lcr.errors import BadInput
from lcr.records import Qrels

LECARD_V1 = "lecard-v1"
LECARD_V2 = "lecard-v2"
DATASETS = (LECARD_V1, LECARD_V2)


def dataset_name(name: str) -> str:
    """Canonical dataset name: ``lecard-v1`` or ``lecard-v2`` (``LeCaRD``, ``lecardv2``,
    ``lecard_v2``… are accepted)."""
    key = re.sub(r"[\s_-]", "", name.lower())
    canonical = {"lecard": LECARD_V1, "lecardv1": LECARD_V1, "lecardv2": LECARD_V2}.get(key)
    if canonical is None:
        raise BadInput(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    return canonical


@dataclass
class EvalData:
    """Judgments and candidate sets of one benchmark.

    * ``qrels``: every judged pair, ``qid -> docid -> grade`` (LeCaRD v1: ``label_top30_dict.json``;
      LeCaRDv2: ``relevence.trec``).
    * ``query_order``: all query ids in the benchmark's canonical order (LeCaRD v1: key order of
      ``label_top30_dict.json``, which defines its upstream subsets).
    * ``pools``: ``qid -> candidate ids`` a re-ranker sees (LeCaRD v1: ``candidate_pools.json``;
      LeCaRDv2: ``ranking_pool.json``); order not meaningful.
    * ``labelled_top30``: LeCaRD v1 only, the first 30 ids of ``combined_top100.json`` per query
      (the ids the official script looks gains up in).
    * ``corpus_ids``: documents of the retrieval corpus, when known; corpus protocols drop other ids.
    * ``test_qids``: the official test split where the dataset ships one (LeCaRDv2: 160 queries).
    """

    name: str
    qrels: Qrels
    query_order: list[str]
    pools: dict[str, list[str]]
    labelled_top30: dict[str, list[str]] | None = None
    corpus_ids: frozenset[str] | None = None
    test_qids: list[str] | None = None

    def __post_init__(self) -> None:
        self.name = dataset_name(self.name)
        if len(set(self.query_order)) != len(self.query_order):
            raise BadInput(f"{self.name}: query_order lists a query twice")
        unjudged = [q for q in self.query_order if q not in self.qrels]
        if unjudged:
            raise BadInput(f"{self.name}: {len(unjudged)} queries have no judgments, e.g. {unjudged[0]!r}")

    def top30_judgments(self) -> EvalData:
        """A copy whose judgments keep only the ``labelled_top30`` ids of each query: LeCaRD v1's
        labels before the hand-added 50001+ documents (the README baselines were computed on these)."""
        if self.labelled_top30 is None:
            raise BadInput(f"{self.name}: no labelled_top30 to restrict the judgments to")
        top30 = {q: set(docs) for q, docs in self.labelled_top30.items()}
        qrels = {
            q: {d: g for d, g in docs.items() if d in top30.get(q, ())} for q, docs in self.qrels.items()
        }
        return replace(self, qrels=qrels)

    @classmethod
    def from_lecard_v1(cls, ds: Any) -> EvalData:
        """From a LeCaRD v1 loader object with ``qrels``, ``pools``, ``combined_top30`` and
        ``query_order``. The corpus is the union of the pools (the 9,088 candidate documents)."""
        pools = _str_lists(ds.pools)
        return cls(
            name=LECARD_V1,
            qrels=_str_qrels(ds.qrels),
            query_order=[str(q) for q in ds.query_order],
            pools=pools,
            labelled_top30=_str_lists(ds.combined_top30),
            corpus_ids=frozenset(d for docs in pools.values() for d in docs),
        )

    @classmethod
    def from_lecard_v2(cls, ds: Any, corpus_ids: Iterable[str] | None = None) -> EvalData:
        """From a LeCaRDv2 loader object with ``qrels``, ``pools`` and ``test_qids``. Queries are
        ordered by numeric id; ``corpus_ids`` (the 55,192 candidates) is not derivable from it."""
        qrels = _str_qrels(ds.qrels)
        return cls(
            name=LECARD_V2,
            qrels=qrels,
            query_order=sorted(qrels, key=id_sort_key),
            pools=_str_lists(ds.pools),
            corpus_ids=None if corpus_ids is None else frozenset(str(d) for d in corpus_ids),
            test_qids=[str(q) for q in ds.test_qids],
        )


def _str_qrels(qrels: Mapping[Any, Mapping[Any, int]]) -> Qrels:
    return {str(q): {str(d): int(g) for d, g in docs.items()} for q, docs in qrels.items()}


def _str_lists(lists: Mapping[Any, Iterable[Any]]) -> dict[str, list[str]]:
    return {str(q): [str(d) for d in docs] for q, docs in lists.items()}


def id_sort_key(qid: str) -> tuple[int, int | str]:
    """Sort key putting integer ids in numeric order, before any non-integer id."""
    try:
        return (0, int(qid))
    except ValueError:
        return (1, qid)
