"""Evaluate a named system on a benchmark under a protocol, and record the result.

System names: ``bm25-<field>`` (``facts``, ``reasoning``, ``full-text``) over an index; a TREC run file;
and the learned systems registered in :data:`SYSTEMS` (LCM-LAI and friends), which are trained per
cross-validation fold.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from lcr.errors import BadInput, IndexMismatch
from lcr.eval.data import EvalData
from lcr.eval.protocols import EvalResult, Protocol
from lcr.eval.results import DEFAULT_RESULTS, ResultEntry, upsert_result
from lcr.eval.runner import RankerFactory, evaluate
from lcr.eval.trec import read_run, write_run
from lcr.records import Query, Run, ScoredCase
from lcr.retrieve.base import Ranker

log = logging.getLogger(__name__)

RUNS_DIR = Path("reports/runs")

#: name -> builder(index folder, benchmark data folder) -> a Ranker or a per-fold RankerFactory
SYSTEMS: dict[str, Callable[[Path, Path], Ranker | RankerFactory]] = {}


def results_dataset_name(dataset: str) -> str:
    return "lecardv2" if dataset in ("lecardv2", "lecard-v2") else dataset


def load_eval_data(dataset: str, data: Path) -> tuple[EvalData, dict[str, Query]]:
    from data_tools.registry import load_benchmark

    ds, queries = load_benchmark(dataset, data)
    if results_dataset_name(dataset) == "lecard-v1":
        return EvalData.from_lecard_v1(ds), queries
    return EvalData.from_lecard_v2(ds), queries


class RunRanker:
    """A fixed run file, served as a ranker (to score runs produced elsewhere)."""

    def __init__(self, path: Path):
        self.run: Run = read_run(path)
        self.name = path.name.split(".")[0]

    def rank(self, query: Query, candidates, k: int) -> list[ScoredCase]:
        scores = self.run.get(query.qid, {})
        if candidates is not None:
            allowed = set(candidates)
            scores = {c: s for c, s in scores.items() if c in allowed}
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
        return [ScoredCase(c, s, i) for i, (c, s) in enumerate(ranked, 1)]


def make_system(system: str, index: str, data: Path) -> Ranker | RankerFactory:
    if system.endswith((".trec", ".trec.gz")):
        return RunRanker(Path(system))
    from lcr.index.bundle import resolve_index

    folder = resolve_index(index)
    if system.startswith("bm25-"):
        from lcr.index.lexical import TantivyBM25
        from lcr.retrieve.lexical import BM25Ranker

        field = system.removeprefix("bm25-").replace("-", "_")
        return BM25Ranker(TantivyBM25(progress=False).open(folder / "lexical"), field)
    from lcr.models.systems import register_all

    register_all()
    if system in SYSTEMS:
        return SYSTEMS[system](folder, data)
    raise BadInput(f"unknown system {system!r}; choose bm25-facts, bm25-reasoning, bm25-full-text, "
                   f"{', '.join(SYSTEMS)} or a .trec run file")


def check_index_covers(index: str, data: EvalData) -> None:
    """Refuse an index that lacks the benchmark's candidates (e.g. the sample index for full LeCaRD)."""
    from lcr.index.bundle import resolve_index
    from lcr.index.casestore import CaseStore

    wanted = set(data.corpus_ids or ()) or {c for pool in data.pools.values() for c in pool}
    store = CaseStore.open(resolve_index(index) / "cases.sqlite")
    missing = [c for c in wanted if c not in store]
    if len(missing) > 0.01 * max(len(wanted), 1):
        raise IndexMismatch(f"index {index!r} lacks {len(missing)} of the benchmark's {len(wanted)} candidate "
                            f"documents (e.g. {missing[0]}); build it from the benchmark's corpus")


def evaluate_system(system: str, index: str, dataset: str, data: Path, protocol: Protocol, queries_name: str,
                    depth: int = 1000, record: bool = False, command: str = "",
                    results_path: Path = DEFAULT_RESULTS) -> tuple[ResultEntry, EvalResult]:
    eval_data, queries = load_eval_data(dataset, data)
    ranker = make_system(system, index, data)
    if not isinstance(ranker, RunRanker):
        check_index_covers(index, eval_data)
    run, result = evaluate(ranker, queries, protocol, eval_data, queries_name, depth)
    name = getattr(ranker, "name", system) if isinstance(ranker, Ranker) else system
    ds_name = results_dataset_name(dataset)
    run_path = RUNS_DIR / ds_name / protocol.name / f"{name.replace(':', '-')}.{queries_name}.trec.gz"
    entry = ResultEntry(ds_name, protocol.name, queries_name, name, result.mean, str(run_path), command)
    if record:
        run_path.parent.mkdir(parents=True, exist_ok=True)
        write_run(run, run_path, tag=name, depth=None if protocol.ranked != "corpus" else depth)
        upsert_result(entry, results_path)
    return entry, result
