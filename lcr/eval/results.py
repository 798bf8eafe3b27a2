"""``reports/results.json``: the catalogue of every number we report, each with the run file it was
computed from and the one command that regenerates it (Pyserini's 2CR idea).

Each entry is also a regression check (``lcr regress``): ``tolerance`` is the largest absolute
difference per metric a re-run may show, ``needs`` what re-running it takes (``index:<name>``,
``data:<benchmark>``, ``encoder-cache``, ``training``, ``run:<file>``). Both default from the
system's kind (:func:`regression_defaults`) and are always written, so the catalogue describes itself.
"""

from __future__ import annotations

import fcntl
import json
import os
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from lcr.paths import reports_dir
from lcr.system_spec import SystemSpec

Kind = Literal["bm25", "runs", "learned"]
KINDS: tuple[Kind, ...] = ("bm25", "runs", "learned")
#: Largest accepted absolute difference per metric, by kind (learned systems are deterministic too,
#: but train for minutes on float sums whose order a library upgrade may change).
TOLERANCE: dict[Kind, float] = {"bm25": 0.0005, "runs": 0.0005, "learned": 0.002}
RUN_SUFFIXES = (".trec", ".trec.gz")
DEFAULT_INDEX = "lecard-v1"


def default_results() -> Path:
    """The catalogue: ``<reports>/results.json`` (see :mod:`lcr.paths`)."""
    return reports_dir() / "results.json"


@dataclass
class ResultEntry:
    """One catalogue number set. ``tolerance``/``needs`` None: not stated (filled with
    :func:`regression_defaults` when loaded or written)."""

    dataset: str
    protocol: str
    queries: str
    system: str
    metrics: dict[str, float]
    run: str
    command: str
    notes: str = ""
    extra: dict = field(default_factory=dict)
    tolerance: float | None = None
    needs: list[str] | None = None
    #: What ``lcr eval`` ran it with, structured (``index``, ``data``, ``config``, ``depth``, ``dataset``,
    #: ``system``: paths relative to the lcr home), so ``lcr regress`` re-runs it without parsing ``command``.
    args: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return self.dataset, self.protocol, self.queries, self.system

    @cached_property
    def spec(self) -> SystemSpec:
        """What the entry's system is (its name is the spec's :attr:`~lcr.system_spec.SystemSpec.name`)."""
        return SystemSpec.parse(self.system)

    def resolved(self) -> ResultEntry:
        """This entry with ``tolerance`` and ``needs`` filled from the defaults where not stated."""
        if self.tolerance is not None and self.needs is not None:
            return self
        tolerance, needs = regression_defaults(self.system, self.dataset, self.command)
        return replace(self, tolerance=tolerance if self.tolerance is None else self.tolerance,
                       needs=needs if self.needs is None else list(self.needs))


def command_options(command: str) -> dict[str, str]:
    """The ``--name value`` / ``--name=value`` options of a recorded command (a flag maps to "")."""
    words = shlex.split(command)
    out: dict[str, str] = {}
    for i, word in enumerate(words):
        if not word.startswith("--"):
            continue
        name, eq, value = word[2:].partition("=")
        if not eq:
            nxt = words[i + 1] if i + 1 < len(words) else ""
            value = "" if nxt.startswith("--") else nxt
        out[name] = value
    return out


def run_file_system(system: str, command: str) -> str | None:
    """The run file an entry's system was scored from (``--system x.trec.gz``), if it was one."""
    if system.endswith(RUN_SUFFIXES):
        return system
    named = command_options(command).get("system", "") if command else ""
    for item in (s.strip() for s in named.split(",")):
        if item.endswith(RUN_SUFFIXES) and Path(item).name.split(".")[0] == system:
            return item
    return None


def system_kind(system: str, command: str = "") -> Kind:
    """``bm25`` (BM25 over an index), ``runs`` (a fixed run file re-scored) or ``learned``."""
    if system.startswith("bm25-"):
        return "bm25"
    return "runs" if run_file_system(system, command) else "learned"


def regression_defaults(system: str, dataset: str = "lecard-v1", command: str = "") -> tuple[float, list[str]]:
    """Default ``(tolerance, needs)`` of an entry, from its system's kind (and the index and run file
    its command names)."""
    kind = system_kind(system, command)
    data = "data:" + ("lecard" if dataset == "lecard-v1" else dataset)
    if kind == "runs":
        return TOLERANCE[kind], [f"run:{run_file_system(system, command)}", data]
    index = (command_options(command).get("index") if command else None) or DEFAULT_INDEX
    needs = [f"index:{index}", data] + (["encoder-cache", "training"] if kind == "learned" else [])
    return TOLERANCE[kind], needs


def load_results(path: Path | None = None) -> list[ResultEntry]:
    """The catalogue's entries (older entries without ``tolerance``/``needs`` get the defaults)."""
    path = path or default_results()
    if not path.exists():
        return []
    return [ResultEntry(**e).resolved() for e in json.loads(path.read_text(encoding="utf-8"))]


def write_results(entries: list[ResultEntry], path: Path | None = None) -> None:
    """Write the catalogue: entries sorted by key, metrics at 4 decimals, ``needs`` on one line."""
    path = path or default_results()
    entries = sorted((e.resolved() for e in entries), key=lambda e: e.key)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows, inline = [], {}
    for i, e in enumerate(entries):
        row = asdict(e)
        row["metrics"] = {k: round(v, 4) for k, v in e.metrics.items()}
        if not e.notes:
            row.pop("notes")
        if not e.extra:
            row.pop("extra")
        if not e.args:
            row.pop("args")
        marker = f"\0needs{i}\0"
        inline[json.dumps(marker)] = json.dumps(row["needs"], ensure_ascii=False)
        row["needs"] = marker
        rows.append(row)
    text = json.dumps(rows, ensure_ascii=False, indent=1)
    for marker, value in inline.items():
        text = text.replace(marker, value)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text + "\n", encoding="utf-8")
    os.replace(tmp, path)  # a reader sees the old catalogue or the new one, never half of it


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock beside ``path`` while several evaluations record into one catalogue."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def upsert_result(entry: ResultEntry, path: Path | None = None) -> None:
    """Add ``entry``, replacing an earlier one for the same dataset/protocol/queries/system. When
    ``entry`` states no ``tolerance`` (``needs``), the earlier one's carries over if it was set by hand
    (differs from its default); else the default for ``entry`` is written."""
    path = path or default_results()
    with _locked(path):
        old = load_results(path)
        earlier = next((e for e in old if e.key == entry.key), None)
        if earlier is not None:
            tolerance, needs = regression_defaults(earlier.system, earlier.dataset, earlier.command)
            if entry.tolerance is None and earlier.tolerance != tolerance:
                entry = replace(entry, tolerance=earlier.tolerance)
            if entry.needs is None and earlier.needs != needs:
                entry = replace(entry, needs=earlier.needs)
        write_results([e for e in old if e.key != entry.key] + [entry], path)


def annotate_results(path: Path | None = None) -> int:
    """Rewrite the catalogue with every entry's ``tolerance`` and ``needs`` stated; returns the count."""
    entries = load_results(path)
    write_results(entries, path)
    return len(entries)
