"""Evaluate a named system (see :mod:`lcr.experiments.systems`, or a TREC run file) on a benchmark
under a protocol, and record the result in the catalogue."""

from __future__ import annotations

import logging
from pathlib import Path

from data_tools.registry import load_benchmark
from data_tools.trec import read_run, write_run
from lcr.errors import IndexMismatch
from lcr.eval.data import EvalData
from lcr.eval.protocols import EvalResult, Protocol
from lcr.eval.querysets import query_form, shortened
from lcr.eval.results import ResultEntry, default_results, upsert_result
from lcr.eval.runner import RankerFactory, evaluate
from lcr.experiments.crossval import ExperimentConfig
from lcr.experiments.systems import build_system
from lcr.index.bundle import CASES, resolve_index
from lcr.index.casestore import CaseStore
from lcr.paths import home, reports_dir
from lcr.ranking import Ranker
from lcr.records import Query, Run, ScoredCase

log = logging.getLogger(__name__)


def results_dataset_name(dataset: str) -> str:
    return "lecardv2" if dataset in ("lecardv2", "lecard-v2") else dataset


def load_eval_data(dataset: str, data: Path) -> tuple[EvalData, dict[str, Query]]:
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


def make_system(system: str, index: str, data: Path, config: Path | None = None) -> Ranker | RankerFactory:
    if system.endswith((".trec", ".trec.gz")):
        return RunRanker(Path(system))
    return build_system(system, resolve_index(index), data, config)


def check_index_covers(index: str, data: EvalData) -> None:
    """Refuse an index that lacks the benchmark's candidates (e.g. the sample index for full LeCaRD)."""
    wanted = set(data.corpus_ids or ()) or {c for pool in data.pools.values() for c in pool}
    store = CaseStore.open(resolve_index(index) / CASES)
    missing = [c for c in wanted if c not in store]
    if len(missing) > 0.01 * max(len(wanted), 1):
        raise IndexMismatch(f"index {index!r} lacks {len(missing)} of the benchmark's {len(wanted)} candidate "
                            f"documents (e.g. {missing[0]}); build it from the benchmark's corpus")


def config_suffix(config: Path | None) -> str:
    """What sets a config's runs apart from the shipped config's in the catalogue: ``.seed<N>`` for
    another training seed, ``.s<N>`` for another number of fact sentences per case, ``.<variant>`` for
    another LCM-LAI variant under the pipeline (e.g. ``ranksvm-legal.lcm-lai-weak``), ``.<encoder>`` for
    another sentence encoder (e.g. ``ranksvm-legal.e5-onnx-int8``), so one system's runs over several
    configs sit side by side (the shipped config keeps the plain name)."""
    if config is None:
        return ""
    cfg, shipped = ExperimentConfig.load(config), ExperimentConfig.load()
    suffix = "" if cfg.train.seed == shipped.train.seed else f".seed{cfg.train.seed}"
    if cfg.train.max_sentences != shipped.train.max_sentences:
        suffix += f".s{cfg.train.max_sentences}"
    suffix += "" if cfg.lcm_variant == shipped.lcm_variant else f".{cfg.lcm_variant}"
    return suffix + ("" if cfg.encoder == shipped.encoder else f".{_encoder_label(cfg.encoder)}")


def _encoder_label(spec: str) -> str:
    """An encoder spec as a name part: ``e5-onnx-int8`` as is, ``e5-torch:legal`` (a delta) ``e5-legal``."""
    base, _, delta = spec.partition(":")
    return f"e5-{Path(delta).name}" if delta else base


def run_path(dataset: str, protocol: str, system: str, queries: str) -> Path:
    """Where a recorded run goes: ``<reports>/runs/<dataset>/<protocol>/<system>.<queries>.trec.gz``."""
    return reports_dir() / "runs" / dataset / protocol / f"{system.replace(':', '-')}.{queries}.trec.gz"


def _catalogue_path(path: Path) -> str:
    """A run's path as the catalogue stores it: relative to the lcr home when under it."""
    try:
        return str(path.relative_to(home()))
    except ValueError:
        return str(path)


def evaluate_system(system: str, index: str, dataset: str, data: Path, protocol: Protocol, queries_name: str,
                    depth: int = 1000, record: bool = False, command: str = "",
                    results_path: Path | None = None, config: Path | None = None) -> tuple[ResultEntry, EvalResult]:
    """Run ``system`` on ``queries_name`` (``cv5``, ``all``, …; ``-short``: the short query form) under
    ``protocol``; with ``record``, write the run and catalogue it. A :func:`config_suffix` of ``system``
    (as catalogued) is dropped when ``config`` is the config it names."""
    eval_data, queries = load_eval_data(dataset, data)
    base_set, short = query_form(queries_name)
    if short:
        queries = shortened(queries)
    suffix = config_suffix(config)  # a catalogued name carries it; the system is built without it
    system = system.removesuffix(suffix) if suffix else system
    ranker = make_system(system, index, data, config)
    if not isinstance(ranker, RunRanker):
        check_index_covers(index, eval_data)
    run, result = evaluate(ranker, queries, protocol, eval_data, base_set, depth)
    name = getattr(ranker, "name", system) if isinstance(ranker, Ranker) else system
    name += suffix
    ds_name = results_dataset_name(dataset)
    path = run_path(ds_name, protocol.name, name, queries_name)
    entry = ResultEntry(ds_name, protocol.name, queries_name, name, result.mean, _catalogue_path(path), command)
    if result.missing:
        scored = len(result.per_query)
        entry.notes = (f"the run covers {scored - len(result.missing)} of the {scored} queries; the absent "
                       f"{', '.join(sorted(result.missing))} score 0")
        entry.extra = {"missing": sorted(result.missing), "scored": scored}
    if record:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_run(run, path, tag=name, depth=None if protocol.ranked != "corpus" else depth)
        upsert_result(entry, results_path or default_results())
    return entry, result
