"""Run a ranker over a protocol's queries and score it; cross-validate trainable rankers.

A query set ``cv5`` means: for each of the five fixed folds, a ranker built from the *other* folds'
queries ranks the fold's queries; the fold runs are merged and scored over all queries. Rankers that
learn nothing are simply run on every query.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from tqdm import tqdm

from lcr.eval.data import EvalData
from lcr.eval.protocols import EvalResult, Protocol
from lcr.eval.querysets import cv5_folds, merge_fold_runs, query_set
from lcr.ranking import Ranker
from lcr.records import Query, Run

log = logging.getLogger(__name__)

#: Called with a fold index and its training query ids; returns the ranker for that fold.
RankerFactory = Callable[[int, list[str]], Ranker]


def run_ranker(ranker: Ranker, queries: Mapping[str, Query], protocol: Protocol, data: EvalData,
               qids: Sequence[str], depth: int = 1000, show_progress: bool = True) -> Run:
    run: Run = {}
    for qid in tqdm(qids, desc=f"{ranker.name} / {protocol.name}", disable=not show_progress, leave=False):
        candidates = protocol.candidates(data, qid)
        k = len(candidates) if candidates is not None else depth
        # a fresh copy (empty context) per call: each ranking is one request, as the server answers it,
        # so no candidate's score comes from a batch of another protocol's candidates
        hits = ranker.rank(replace(queries[qid]), candidates, k)
        if hits:  # a query the ranker has nothing for stays out of the run: the protocol counts it missing
            run[qid] = {h.case_id: h.score for h in hits}
    return run


def cross_validated_run(factory: RankerFactory, queries: Mapping[str, Query], protocol: Protocol,
                        data: EvalData, depth: int = 1000, show_progress: bool = True) -> Run:
    folds = cv5_folds(data.name)
    fold_runs = []
    for i, fold in enumerate(folds):
        train = [q for j, f in enumerate(folds) if j != i for q in f]
        ranker = factory(i, train)
        fold_runs.append(run_ranker(ranker, queries, protocol, data, fold, depth, show_progress))
    return merge_fold_runs(data.name, fold_runs)


def evaluate(ranker_or_factory: Ranker | RankerFactory, queries: Mapping[str, Query], protocol: Protocol,
             data: EvalData, queries_name: str, depth: int = 1000, show_progress: bool = True
             ) -> tuple[Run, EvalResult]:
    """Run and score; ``queries_name`` is a query set name or ``cv5``."""
    if queries_name == "cv5":
        if isinstance(ranker_or_factory, Ranker):
            ranker = ranker_or_factory
            run = run_ranker(ranker, queries, protocol, data, data.query_order, depth, show_progress)
        else:
            run = cross_validated_run(ranker_or_factory, queries, protocol, data, depth, show_progress)
        qids = [q for f in cv5_folds(data.name) for q in f]
    else:
        qids = query_set(data, queries_name)
        ranker = ranker_or_factory if isinstance(ranker_or_factory, Ranker) else ranker_or_factory(
            -1, [q for q in data.query_order if q not in set(qids)])
        run = run_ranker(ranker, queries, protocol, data, qids, depth, show_progress)
    return run, protocol.evaluate(run, data, qids)
