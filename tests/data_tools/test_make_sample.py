"""The sample writer (on the tiny fixture) and the bundled sample in data_tools/sample/lecard."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from data_tools.lecard import iter_lecard_v1_cases, load_lecard_v1
from data_tools.make_sample import main, make_sample

BUNDLED = Path(__file__).resolve().parents[2] / "data_tools" / "sample" / "lecard"
RESOURCES = Path(__file__).resolve().parents[2] / "data_tools" / "resources"


def test_make_sample_restricts_every_file(lecard_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "sample"
    keep = make_sample(lecard_root, out, n_queries=2, unlabelled=1)
    assert len(keep) == 2 and "3" in keep  # query 3 has the smallest labelled documents
    data = load_lecard_v1(out, on_error="raise")
    run = json.loads((lecard_root / "prediction" / "combined_top100.json").read_text(encoding="utf-8"))
    assert data.query_order == [q for q in ["5156", "-991", "3"] if q in keep]  # original order kept
    for qid in keep:
        assert set(data.qrels[qid]) | {"106"} == keep[qid]  # labelled + the first unlabelled of the run
        assert set(data.pools[qid]) == keep[qid]
        assert data.combined_top30[qid] == [str(c) for c in run[qid] if str(c) in keep[qid]]  # order kept
    source_lines = gzip.decompress((lecard_root / "candidates.jsonl.gz").read_bytes()).splitlines()
    sample_lines = gzip.decompress((out / "candidates.jsonl.gz").read_bytes()).splitlines()
    assert set(sample_lines) <= set(source_lines)  # byte-identical lines
    assert {c.case_id for c in iter_lecard_v1_cases(out, on_error="raise")} == set().union(*keep.values())
    assert (out / "LICENSE.txt").read_bytes() == (lecard_root / "LICENSE.txt").read_bytes()
    assert all(qid in (out / "README.md").read_text(encoding="utf-8") for qid in keep)
    golden = json.loads((out / "golden_labels.json").read_text(encoding="utf-8"))
    assert set(golden) == set(keep)


def test_make_sample_is_deterministic(lecard_root: Path, tmp_path: Path) -> None:
    assert main(["--source", str(lecard_root), "--out", str(tmp_path / "a"), "--queries", "2"]) == 0
    assert main(["--source", str(lecard_root), "--out", str(tmp_path / "b"), "--queries", "2"]) == 0
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files)


def test_bundled_sample_loads() -> None:
    data = load_lecard_v1(BUNDLED, on_error="raise")
    assert len(data.queries) == 12 and len(data.query_order) == 12
    assert len({c for q in data.queries for c in q.charges}) >= 12  # diverse charges
    cases = {c.case_id: c for c in iter_lecard_v1_cases(BUNDLED, on_error="raise")}
    for qid in data.query_order:
        assert set(data.qrels[qid]) <= set(data.pools[qid])
        assert set(data.pools[qid]) <= set(cases)
        assert set(data.combined_top30[qid]) == set(data.qrels[qid])  # the officially labelled 30
    assert all(c.facts and c.court for c in cases.values())
    size = sum(p.stat().st_size for p in BUNDLED.rglob("*") if p.is_file())
    assert size < 3_000_000
    assert (BUNDLED / "LICENSE.txt").read_bytes() == (RESOURCES / "LICENSE-LeCaRD.txt").read_bytes()
    assert "Ma et al." in (BUNDLED / "README.md").read_text(encoding="utf-8")


@pytest.mark.slow
def test_bundled_sample_matches_its_source(shared_data: Path, tmp_path: Path) -> None:
    """Regenerating from the shared data gives the bundled files byte for byte."""
    make_sample(shared_data / "lecard", tmp_path / "again")
    for path in BUNDLED.rglob("*"):
        if path.is_file():
            assert path.read_bytes() == (tmp_path / "again" / path.relative_to(BUNDLED)).read_bytes(), (
                path.name
            )
