"""The committed catalogue against full LeCaRD (needs ../shared/data): every entry's run file re-scores
to its numbers (fast), and the cheap subset (the BM25 entries) re-runs to them on a freshly built index
(slow: the index takes a minute or two)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lcr.eval.results import load_results
from lcr.experiments.regress import format_check, regress, select

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "reports" / "results.json"


def _failures(checks) -> list[str]:
    return [format_check(c) for c in checks if c.status in ("FAIL", "SKIP")]


def test_every_committed_run_file_rescores_to_its_catalogue_numbers(lecard_data: Path):
    entries = load_results(CATALOGUE)
    v1 = [e for e in entries if e.dataset == "lecard-v1"]
    checks = list(regress(v1, rescore_only=True, data=lecard_data))
    # other benchmarks: checked where their data is present (their own command's --data or the default)
    others = [c for c in regress([e for e in entries if e.dataset != "lecard-v1"], rescore_only=True)
              if c.status != "SKIP"]
    assert len(checks) == len(v1) and not _failures(checks + others), "\n".join(_failures(checks + others))


@pytest.mark.slow
def test_the_bm25_entries_rerun_to_their_catalogue_numbers(lecard_data: Path, lecard_index: Path):
    # the embedded backend's entries (an Elasticsearch-backed one needs its cluster and index)
    entries = [e for e in select(load_results(CATALOGUE), "bm25") if e.spec.backend is None]
    assert entries, "the catalogue has no BM25 entries"
    checks = list(regress(entries, index=str(lecard_index), data=lecard_data))
    assert [c.check for c in checks].count("rerun") == len(entries)
    assert not _failures(checks), "\n".join(_failures(checks))
