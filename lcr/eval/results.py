"""``reports/results.json``: the catalogue of every number we report, each with the run file it was
computed from and the one command that regenerates it (Pyserini's 2CR idea)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lcr.paths import reports_dir


def default_results() -> Path:
    """The catalogue: ``<reports>/results.json`` (see :mod:`lcr.paths`)."""
    return reports_dir() / "results.json"


@dataclass
class ResultEntry:
    dataset: str
    protocol: str
    queries: str
    system: str
    metrics: dict[str, float]
    run: str
    command: str
    notes: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return self.dataset, self.protocol, self.queries, self.system


def load_results(path: Path | None = None) -> list[ResultEntry]:
    path = path or default_results()
    if not path.exists():
        return []
    return [ResultEntry(**e) for e in json.loads(path.read_text(encoding="utf-8"))]


def upsert_result(entry: ResultEntry, path: Path | None = None) -> None:
    """Add ``entry``, replacing an earlier one for the same dataset/protocol/queries/system."""
    path = path or default_results()
    entries = [e for e in load_results(path) if e.key != entry.key] + [entry]
    entries.sort(key=lambda e: e.key)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    for e in entries:
        row = asdict(e)
        row["metrics"] = {k: round(v, 4) for k, v in e.metrics.items()}
        if not e.notes:
            row.pop("notes")
        if not e.extra:
            row.pop("extra")
        rows.append(row)
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
