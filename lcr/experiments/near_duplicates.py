"""Each LeCaRD query's near-duplicates in an index's corpus (its own judgment, an appeal, a co-defendant's:
:func:`lcr.eval.leakage.audit_leakage`), found once per process: voters and expansions that read the
corpus's judgments leave them out, since a production query has no copy of itself in the corpus."""

from __future__ import annotations

import functools
from pathlib import Path

from data_tools.registry import load_benchmark
from lcr.eval.leakage import audit_leakage
from lcr.fit.reranker import lexical_and_store


@functools.cache
def leaked_duplicates(index_folder: Path, data: Path) -> dict[str, set[str]]:
    """Query id -> the corpus case ids that duplicate it (the audit reads every fact section). Shared by
    every caller in the process: not to be mutated."""
    ds, queries = load_benchmark("lecard-v1", data)
    _, store = lexical_and_store(index_folder)
    return audit_leakage({q.qid: q.text for q in queries.values()}, store.facts, ds.pools,
                         store.ids()).leaked_ids()
