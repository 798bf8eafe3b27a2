"""Evaluate a named system (see :mod:`lcr.experiments.systems`, or a TREC run file) on a benchmark
under a protocol, and record the result in the catalogue."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from data_tools.registry import load_benchmark
from data_tools.trec import read_run, write_run
from lcr.errors import BadInput, IndexMismatch
from lcr.eval.data import EvalData
from lcr.eval.protocols import EvalResult, Protocol
from lcr.eval.querysets import query_form, shortened
from lcr.eval.results import ResultEntry, default_results, upsert_result
from lcr.eval.runner import RankerFactory, evaluate
from lcr.experiments.systems import BM25_SYSTEMS, UNTRAINED, build_system, lexical_backend
from lcr.fit.lcm_lai import ExperimentConfig
from lcr.index.bundle import open_case_store, resolve_index
from lcr.paths import home, reports_dir
from lcr.ranking import Ranker
from lcr.records import Query, Run, ScoredCase
from lcr.system_spec import SystemSpec

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


def check_index_covers(index: str, data: EvalData) -> None:
    """Refuse an index that lacks the benchmark's candidates (e.g. the sample index for full LeCaRD)."""
    wanted = set(data.corpus_ids or ()) or {c for pool in data.pools.values() for c in pool}
    store = open_case_store(index)
    missing = [c for c in wanted if c not in store]
    if len(missing) > 0.01 * max(len(wanted), 1):
        raise IndexMismatch(f"index {index!r} lacks {len(missing)} of the benchmark's {len(wanted)} candidate "
                            f"documents (e.g. {missing[0]}); build it from the benchmark's corpus")


def config_spec(spec: SystemSpec, config: Path | None) -> SystemSpec:
    """``spec`` with the parts that set ``config``'s runs apart from the shipped config's in the catalogue:
    another training seed, number of fact sentences per case, LCM-LAI variant under the pipeline or
    sentence encoder (e.g. ``ranksvm-legal.seed14``, ``ranksvm-legal.e5-onnx-int8``), so one system's runs
    over several configs sit side by side; the shipped config (or none) keeps the plain name. A system that
    trains nothing (:data:`~lcr.experiments.systems.UNTRAINED`) has no seed."""
    if config is None:
        return spec
    cfg, shipped = ExperimentConfig.load(config), ExperimentConfig.load()
    return spec.model_copy(update={
        "seed": None if cfg.train.seed == shipped.train.seed or spec.system in UNTRAINED else cfg.train.seed,
        "sentences": None if cfg.train.max_sentences == shipped.train.max_sentences else cfg.train.max_sentences,
        "lcm_variant": None if cfg.lcm_variant == shipped.lcm_variant else cfg.lcm_variant,
        "encoder": None if cfg.encoder == shipped.encoder else _encoder_label(cfg.encoder),
    })


def _encoder_label(spec: str) -> str:
    """An encoder spec as a name part: ``e5-onnx-int8`` as is, ``e5-torch:legal`` (a delta) ``e5-legal``."""
    base, _, delta = spec.partition(":")
    return f"e5-{Path(delta).name}" if delta else base


def _evaluated_spec(asked: SystemSpec, config: Path | None) -> SystemSpec:
    """What is evaluated: ``asked``'s system with ``config``'s parts; a part ``asked`` names must agree."""
    spec = config_spec(asked.model_copy(update={"seed": None, "sentences": None, "lcm_variant": None,
                                                "encoder": None, "backend": None}), config)
    for part in ("seed", "sentences", "lcm_variant", "encoder"):
        named = getattr(asked, part)
        if named is not None and named != getattr(spec, part):
            where = f"--config {config}" if config is not None else "the shipped config"
            given = getattr(spec, part)
            raise BadInput(f"system {asked.name!r} names {part} {named!r}, but {where} gives "
                           f"{'the shipped one' if given is None else repr(given)}: pass the config it was "
                           "catalogued with")
    return spec


def run_path(dataset: str, protocol: str, system: str, queries: str) -> Path:
    """Where a recorded run goes: ``<reports>/runs/<dataset>/<protocol>/<system>.<queries>.trec.gz``."""
    return reports_dir() / "runs" / dataset / protocol / f"{system.replace(':', '-')}.{queries}.trec.gz"


def eval_args(index: str, data: Path, config: Path | None, depth: int, dataset: str, system: str) -> dict:
    """What an entry was evaluated with, as the catalogue stores it (:attr:`ResultEntry.args`): paths
    relative to the lcr home, so the catalogue names no machine's folders."""
    def rel(p: str | Path) -> str:
        p = Path(p)
        return os.path.relpath(p, home()) if p.is_absolute() else str(p)

    named = len(Path(index).parts) == 1 and not Path(index).is_absolute()
    return {"index": index if named else rel(index), "data": rel(data), "config": rel(config) if config else None,
            "depth": depth, "dataset": dataset,
            "system": rel(system) if system.endswith((".trec", ".trec.gz")) else system}


def _catalogue_path(path: Path) -> str:
    """A run's path as the catalogue stores it: relative to the lcr home when under it."""
    try:
        return str(path.relative_to(home()))
    except ValueError:
        return str(path)


def evaluate_system(system: str | SystemSpec, index: str, dataset: str, data: Path, protocol: Protocol,
                    queries_name: str, depth: int = 1000, record: bool = False, command: str = "",
                    results_path: Path | None = None, config: Path | None = None) -> tuple[ResultEntry, EvalResult]:
    """Run ``system`` (a named system, its catalogue name or spec, or a TREC run file) on ``queries_name``
    (``cv5``, ``all``, …; ``-short``: the short query form) under ``protocol``; with ``record``, write the
    run and catalogue it. The parts of a catalogue name that a config sets (seed, sentences, LCM-LAI
    variant, encoder) must be ``config``'s (:func:`config_spec`); they are catalogued from it."""
    eval_data, queries = load_eval_data(dataset, data)
    base_set, short = query_form(queries_name)
    if short:
        queries = shortened(queries)
    ranker: Ranker | RankerFactory
    run_ranker = None
    if isinstance(system, str) and system.endswith((".trec", ".trec.gz")):
        ranker = run_ranker = RunRanker(Path(system))
        name = ranker.name
    else:
        asked = system if isinstance(system, SystemSpec) else SystemSpec.parse(system)
        spec = _evaluated_spec(asked, config)
        folder = resolve_index(index)
        backend = lexical_backend(folder) if spec.system in BM25_SYSTEMS else None  # catalogued apart
        if asked.backend is not None and asked.backend != backend:
            raise BadInput(f"system {asked.name!r} was measured on {asked.backend}; index {index!r} has "
                           f"{backend or 'the embedded tantivy index'}")
        spec = spec.model_copy(update={"backend": backend})
        ranker = build_system(spec, folder, data, config)
        check_index_covers(index, eval_data)
        name = spec.name
    run, result = evaluate(ranker, queries, protocol, eval_data, base_set, depth)
    ds_name = results_dataset_name(dataset)
    path = run_path(ds_name, protocol.name, name, queries_name)
    entry = ResultEntry(ds_name, protocol.name, queries_name, name, result.mean, _catalogue_path(path), command,
                        args=eval_args(index, data, config, depth, dataset,
                                       system if isinstance(system, str) and ranker is run_ranker else name))
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
