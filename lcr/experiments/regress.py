"""Regression checks of the results catalogue (``lcr regress``; Pyserini's regressions): re-run an
entry's recorded command and compare every metric with the catalogue.

Two checks per entry:

* ``rescore``: read the entry's committed run file and score it under the entry's protocol and query
  set (cheap; catches a run file that no longer matches its numbers);
* ``rerun``: evaluate the entry's one system, protocol and query set again, with the index, data,
  depth and config its ``command`` names (``lcr eval`` defaults otherwise), nothing recorded.

A metric is ``OK`` when it equals the catalogue at the catalogue's 4 decimals, ``within tolerance``
when it differs by at most the entry's ``tolerance``, else ``FAIL``; a check is as bad as its worst
metric. A check whose needs are absent here (no index, no data folder, no run file) is ``SKIP``.
Relative paths in a command (``--data ../shared/data/lecard``) and the catalogue's run paths are read
from the lcr home (the checkout), where the commands are run.
"""

from __future__ import annotations

import fnmatch
import logging
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from data_tools.trec import read_run
from lcr.errors import IndexMissing, LcrError
from lcr.eval.data import EvalData
from lcr.eval.protocols import Protocol, get_protocol
from lcr.eval.querysets import scored_qids
from lcr.eval.results import KINDS, ResultEntry, command_options, run_file_system, system_kind
from lcr.experiments.evaluate import evaluate_system, load_eval_data
from lcr.index.bundle import resolve_index
from lcr.paths import home, lecard_v1

log = logging.getLogger(__name__)

Status = Literal["OK", "within tolerance", "FAIL", "SKIP"]
CheckName = Literal["rescore", "rerun"]
_SEVERITY: dict[Status, int] = {"SKIP": 0, "OK": 1, "within tolerance": 2, "FAIL": 3}
DECIMALS = 4  # the catalogue's rounding (lcr.eval.results.write_results)


@dataclass(frozen=True)
class EvalArgs:
    """What ``lcr eval`` ran an entry with (its recorded command, else the command's defaults)."""

    index: str = "lecard-v1"
    data: Path = field(default_factory=lecard_v1)
    depth: int = 1000
    config: Path | None = None
    dataset: str = "lecard-v1"
    system: str = ""  # what to pass to evaluate_system: the entry's system, or its run file's path


@dataclass(frozen=True)
class MetricCheck:
    name: str
    expected: float | None  # the catalogue's value (None: the catalogue lacks this metric)
    actual: float | None  # the measured value (None: the measurement lacks it)
    status: Status

    @property
    def diff(self) -> float | None:
        return None if self.expected is None or self.actual is None else self.actual - self.expected


@dataclass(frozen=True)
class Check:
    """One check of one entry: its status, every metric compared, and why when it could not run."""

    entry: ResultEntry
    check: CheckName
    status: Status
    metrics: tuple[MetricCheck, ...] = ()
    reason: str = ""

    @property
    def label(self) -> str:
        return entry_label(self.entry)

    def differences(self) -> list[MetricCheck]:
        return [m for m in self.metrics if m.status != "OK"]


def entry_label(entry: ResultEntry) -> str:
    """``dataset / protocol / queries / system``: how checks name an entry (and how a log is read back)."""
    return " / ".join(entry.key)


def _from_home(path: str | Path) -> Path:
    p = Path(path).expanduser()
    return p if p.is_absolute() else home() / p


def parse_command(entry: ResultEntry) -> EvalArgs:
    """What ``entry`` was evaluated with: its structured ``args`` (paths from the lcr home); for an entry
    recorded before those existed, the options of its command, with ``lcr eval``'s defaults for what it
    does not name. A bare index name stays a name (resolved under the indexes folder)."""
    if entry.args:
        a = entry.args
        index = a["index"] if len(Path(a["index"]).parts) == 1 else str(_from_home(a["index"]))
        system = a["system"] if not a["system"].endswith((".trec", ".trec.gz")) else str(_from_home(a["system"]))
        return EvalArgs(index, _from_home(a["data"]), int(a["depth"]),
                        _from_home(a["config"]) if a.get("config") else None, a["dataset"], system)
    opts = command_options(entry.command) if entry.command.strip() else {}
    index = opts.get("index") or "lecard-v1"
    if len(Path(index).parts) > 1 and not Path(index).is_absolute():
        index = str(_from_home(index))
    data = _from_home(opts["data"]) if opts.get("data") else lecard_v1()
    config = _from_home(opts["config"]) if opts.get("config") else None
    depth = int(opts["depth"]) if opts.get("depth") else 1000
    dataset = opts.get("dataset") or entry.dataset
    run_file = run_file_system(entry.system, entry.command)
    system = str(_from_home(run_file)) if run_file else entry.system
    return EvalArgs(index, data, depth, config, dataset, system)


def classify(expected: float, actual: float, tolerance: float) -> Status:
    """``OK`` equal at the catalogue's rounding, ``within tolerance`` |diff| <= tolerance, else ``FAIL``."""
    if round(actual, DECIMALS) == round(expected, DECIMALS):
        return "OK"
    return "within tolerance" if abs(actual - expected) <= tolerance + 1e-12 else "FAIL"


def compare(expected: dict[str, float], actual: dict[str, float], tolerance: float) -> tuple[MetricCheck, ...]:
    """Every catalogue metric against the measured one; a metric only one side has is a ``FAIL``."""
    names = list(expected) + [m for m in actual if m not in expected]
    return tuple(
        MetricCheck(m, expected.get(m), actual.get(m),
                    classify(expected[m], actual[m], tolerance) if m in expected and m in actual else "FAIL")
        for m in names
    )


def worst(statuses: Iterable[Status]) -> Status:
    return max(statuses, key=_SEVERITY.__getitem__, default="OK")


def select(entries: Iterable[ResultEntry], only: str | None = None, protocols: Sequence[str] | None = None,
           queries: Sequence[str] | None = None) -> list[ResultEntry]:
    """Entries chosen by ``only`` (comma-separated kinds ``bm25``/``runs``/``learned`` or fnmatch
    patterns on system names; any may match) and, when given, their protocol and query set."""
    wanted = [w.strip() for w in (only or "").split(",") if w.strip()]

    def chosen(e: ResultEntry) -> bool:
        if wanted and not any(w == system_kind(e.system, e.command) if w in KINDS else fnmatch.fnmatchcase(
                e.system, w) for w in wanted):
            return False
        return (not protocols or e.protocol in protocols) and (not queries or e.queries in queries)

    return [e for e in entries if chosen(e)]


def entry_qids(data: EvalData, queries: str) -> list[str]:
    """The queries an entry's mean is over (``cv5``: every fold's)."""
    return scored_qids(data, queries)


class _Data:
    """Benchmark data loaded once per (dataset, folder)."""

    def __init__(self) -> None:
        self._loaded: dict[tuple[str, Path], EvalData] = {}

    def get(self, dataset: str, folder: Path) -> EvalData:
        key = (dataset, folder)
        if key not in self._loaded:
            self._loaded[key] = load_eval_data(dataset, folder)[0]
        return self._loaded[key]


def _tolerance(entry: ResultEntry) -> float:
    return entry.resolved().tolerance or 0.0


def rescore(entry: ResultEntry, args: EvalArgs, protocol: Protocol, data: _Data) -> Check:
    """Score the entry's committed run file and compare with the catalogue."""
    path = _from_home(entry.run)
    if not path.is_file():
        return Check(entry, "rescore", "FAIL", reason=f"run file {entry.run} missing")
    if not args.data.exists():
        return Check(entry, "rescore", "SKIP", reason=f"data folder {args.data} absent")
    try:
        eval_data = data.get(args.dataset, args.data)
        result = protocol.evaluate(read_run(path), eval_data, entry_qids(eval_data, entry.queries))
    except LcrError as e:
        return Check(entry, "rescore", "FAIL", reason=f"{type(e).__name__}: {e}")
    metrics = compare(entry.metrics, result.mean, _tolerance(entry))
    return Check(entry, "rescore", worst(m.status for m in metrics), metrics)


def rerun(entry: ResultEntry, args: EvalArgs, protocol: Protocol) -> Check:
    """Evaluate the entry's system again (nothing recorded) and compare with the catalogue."""
    if not args.data.exists():
        return Check(entry, "rerun", "SKIP", reason=f"data folder {args.data} absent")
    if args.system != entry.system:  # a run file
        if not Path(args.system).is_file():
            return Check(entry, "rerun", "SKIP", reason=f"run file {args.system} absent")
    else:
        try:
            resolve_index(args.index)
        except IndexMissing as e:
            return Check(entry, "rerun", "SKIP", reason=str(e))
    try:
        measured, _ = evaluate_system(args.system, args.index, args.dataset, args.data, protocol, entry.queries,
                                      args.depth, record=False, config=args.config)
    except (LcrError, OSError) as e:
        log.info("rerun of %s failed", entry.key, exc_info=True)
        return Check(entry, "rerun", "FAIL", reason=f"{type(e).__name__}: {e}")
    if measured.system != entry.system:
        return Check(entry, "rerun", "FAIL", reason=f"the command evaluates {measured.system!r}, not {entry.system!r}")
    metrics = compare(entry.metrics, measured.metrics, _tolerance(entry))
    return Check(entry, "rerun", worst(m.status for m in metrics), metrics)


def regress(entries: Iterable[ResultEntry], rescore_only: bool = False, index: str | None = None,
            data: Path | None = None) -> Iterator[Check]:
    """Check each entry (rescore, then rerun unless ``rescore_only``), yielding each check as it ends.

    ``index`` / ``data`` override what the entries' commands name (e.g. an index built elsewhere); an
    entry of another lexical backend (``bm25-facts.elasticsearch``) keeps its own index, since its numbers
    are that backend's."""
    cache = _Data()
    for entry in entries:
        args = parse_command(entry)
        if index is not None or data is not None:
            own_index = entry.spec.backend is not None
            args = EvalArgs(index if index is not None and not own_index else args.index,
                            data if data is not None else args.data, args.depth, args.config, args.dataset,
                            args.system)
        try:
            protocol = get_protocol(args.dataset, entry.protocol)
        except LcrError as e:
            yield Check(entry, "rescore", "FAIL", reason=str(e))
            continue
        yield rescore(entry, args, protocol, cache)
        if not rescore_only:
            yield rerun(entry, args, protocol)


#: A tolerance set from a measured spread: max(MIN_TOLERANCE, SPREAD_FACTOR x the largest move), rounded up.
SPREAD_FACTOR = 1.5
MIN_TOLERANCE = 0.002
SPREAD_RULE = (f"max({MIN_TOLERANCE:g}, {SPREAD_FACTOR:g} x the largest metric move measured across machines "
               "(AVX2-only kernels emulated, or a real machine of another kind), rounded up to 3 decimals)")
_CHECK_LINE = re.compile(r"^FAIL\s+rerun\s+(?P<label>.+?): (?P<details>.*)$")
_MOVE = re.compile(r" ([+-]\d+\.\d+) \(")


def failed_moves(log: str) -> dict[str, float]:
    """Entry label (``dataset / protocol / queries / system``) -> its largest metric move, for each rerun
    that FAILed in a ``lcr regress`` log (the lines :func:`format_check` prints)."""
    out = {}
    for line in log.replace("\r", "\n").splitlines():
        if (m := _CHECK_LINE.match(line.strip())) and (moves := [abs(float(x)) for x in _MOVE.findall(m["details"])]):
            out[m["label"]] = max(moves)
    return out


def check_moves(checks: Iterable[Check]) -> dict[str, float]:
    """The same as :func:`failed_moves`, from the checks themselves rather than their printed lines."""
    return {c.label: max(abs(m.diff) for m in c.differences() if m.diff is not None) for c in checks
            if c.check == "rerun" and c.status == "FAIL" and any(m.diff is not None for m in c.differences())}


def with_spread(entry: ResultEntry, move: float, machine: str) -> ResultEntry:
    """``entry`` with a tolerance that covers ``move``, measured on ``machine`` (:data:`SPREAD_RULE`), and
    the measurement stated in ``extra.tolerance_basis``. A tolerance is only ever widened here."""
    tolerance = max(entry.tolerance or 0.0, MIN_TOLERANCE, math.ceil(SPREAD_FACTOR * move * 1000 - 1e-9) / 1000)
    basis = {**entry.extra.get("tolerance_basis", {}), "rule": SPREAD_RULE}
    basis["measured_spread"] = {**basis.get("measured_spread", {}), machine: round(move, 4)}
    return replace(entry, tolerance=tolerance, extra={**entry.extra, "tolerance_basis": basis})


def summary(checks: Sequence[Check]) -> str:
    counts = {s: sum(c.status == s for c in checks) for s in _SEVERITY}
    return (f"{len(checks)} checks: {counts['OK']} OK, {counts['within tolerance']} within tolerance, "
            f"{counts['FAIL']} FAIL, {counts['SKIP']} skipped")


def format_check(check: Check) -> str:
    """One line: status, check, entry, and the differences (or the reason) when not OK."""
    line = f"{check.status:<16} {check.check:<7} {check.label}"
    details = [f"{m.name} {m.diff:+.4f} ({m.expected:.4f} -> {m.actual:.4f})" if m.diff is not None
               else f"{m.name} {'not in the catalogue' if m.expected is None else 'not measured'}"
               for m in check.differences()]
    if check.reason:
        details.append(check.reason)
    return line + (": " + "; ".join(details) if details else "")
