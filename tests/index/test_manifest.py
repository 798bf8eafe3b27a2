from __future__ import annotations

from pathlib import Path

import pytest

from lcr.errors import IndexMismatch, IndexMissing
from lcr.index.manifest import Manifest, atomic_build, case_hash, corpus_checksum
from lcr.records import Case


def _manifest() -> Manifest:
    return Manifest(
        kind="lexical/test",
        config={"fields": ["facts"], "segmenter": {"backend": "rjieba", "stopwords": True}},
        corpus_checksum="abc",
        counts={"cases": 2},
    )


def test_save_load_round_trip(tmp_path: Path) -> None:
    m = _manifest()
    m.save(tmp_path)
    assert Manifest.load(tmp_path) == m
    with pytest.raises(IndexMissing):
        Manifest.load(tmp_path / "nowhere")


def test_check_names_the_differing_field() -> None:
    m = _manifest()
    m.check({"kind": "lexical/test", "config": {"segmenter": {"backend": "rjieba"}}})
    m.check(_manifest())
    with pytest.raises(
        IndexMismatch, match=r"config\.segmenter\.backend: index has 'rjieba', expected 'jieba'"
    ):
        m.check({"config": {"segmenter": {"backend": "jieba"}}})
    with pytest.raises(IndexMismatch, match="kind"):
        m.check({"kind": "dense"})
    with pytest.raises(IndexMismatch, match="corpus_checksum"):
        m.check(Manifest(kind="lexical/test", config=m.config, corpus_checksum="other"))
    with pytest.raises(IndexMismatch, match="config.fields"):
        m.check({"config": {"fields": ("facts", "reasoning")}})


def test_corpus_checksum_is_order_independent_and_content_sensitive() -> None:
    a, b = Case("1", "甲盗窃"), Case("2", "乙抢劫")
    pairs = [(c.case_id, case_hash(c)) for c in (a, b)]
    assert corpus_checksum(pairs) == corpus_checksum(reversed(pairs))
    changed = [(a.case_id, case_hash(Case("1", "甲诈骗"))), pairs[1]]
    assert corpus_checksum(changed) != corpus_checksum(pairs)


def test_atomic_build_success_replaces_target(tmp_path: Path) -> None:
    target = tmp_path / "index"
    target.mkdir()
    (target / "cases.sqlite").write_text("old")
    (target / "manifest.json").write_text("{}")  # an lcr artifact: replaceable
    with atomic_build(target) as building:
        assert building.name.startswith("index.building-") and building.parent == tmp_path
        assert (target / "cases.sqlite").exists()  # readers still see the old index while building
        (building / "new.txt").write_text("new")
    assert [p.name for p in tmp_path.iterdir()] == ["index"]
    assert [p.name for p in target.iterdir()] == ["new.txt"]  # the old files went with the old index


def test_atomic_build_failure_keeps_old_target(tmp_path: Path) -> None:
    target = tmp_path / "index"
    target.mkdir()
    (target / "cases.sqlite").write_text("old")
    (target / "manifest.json").write_text("{}")  # an lcr artifact: replaceable
    with pytest.raises(RuntimeError), atomic_build(target) as building:
        (building / "half.txt").write_text("half")
        raise RuntimeError("build failed")
    assert [p.name for p in tmp_path.iterdir()] == ["index"]
    assert sorted(p.name for p in target.iterdir()) == ["cases.sqlite", "manifest.json"]


def test_atomic_build_creates_missing_target(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "index"
    with atomic_build(target) as building:
        (building / "x").write_text("x")
    assert (target / "x").read_text() == "x"
