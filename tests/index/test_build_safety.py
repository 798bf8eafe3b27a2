"""Nothing the user owns is lost by a build: --out refuses what is not an lcr index, bad corpora fail
before the swap, and the old index keeps serving."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lcr.cli import app
from lcr.errors import BadInput
from lcr.index.manifest import Manifest, atomic_build, check_replaceable

SAMPLE = Path(__file__).parents[2] / "data_tools" / "sample" / "lecard"


def build(out: Path, *extra: str, data: Path = SAMPLE):
    return CliRunner().invoke(app, ["index", "build", "--data", str(data), "--out", str(out), *extra])


def test_unrelated_folder_is_refused_and_kept(tmp_path):
    out = tmp_path / "thesis"
    out.mkdir()
    (out / "chapter1.docx").write_text("years of work")
    result = build(out)
    assert isinstance(result.exception, BadInput) and "--force" in str(result.exception)
    assert (out / "chapter1.docx").read_text() == "years of work"
    assert not list(tmp_path.glob("thesis.*"))  # no temp folder left behind


def test_existing_file_is_refused_and_kept(tmp_path):
    out = tmp_path / "notes.txt"
    out.write_text("keep me")
    result = build(out)
    assert isinstance(result.exception, BadInput)
    assert out.is_file() and out.read_text() == "keep me"


def test_force_replaces_a_file(tmp_path):
    out = tmp_path / "notes.txt"
    out.write_text("replace me")
    result = build(out, "--force")
    assert result.exit_code == 0, result.output
    assert (out / "manifest.json").is_file()
    assert not list(tmp_path.glob("notes.txt.*"))


def test_rebuilding_an_index_is_allowed(tmp_path):
    out = tmp_path / "idx"
    assert build(out).exit_code == 0
    assert build(out).exit_code == 0
    assert Manifest.load(out).counts["cases"] > 0


def test_a_users_file_inside_an_index_is_named_and_kept(tmp_path):
    """Issue 26 #14: rebuilding over an lcr index that also holds a user's file refuses, naming the file."""
    out = tmp_path / "idx"
    assert build(out).exit_code == 0
    (out / "my_notes.txt").write_text("case notes")
    result = build(out)
    assert isinstance(result.exception, BadInput) and "my_notes.txt" in str(result.exception)
    assert (out / "my_notes.txt").read_text() == "case notes"
    assert not list(tmp_path.glob("idx.*"))
    assert build(out, "--force").exit_code == 0  # an explicit --force replaces the folder


@pytest.mark.parametrize("content", ["", "not json\n{also bad\n"])
def test_empty_or_all_bad_corpus_fails_and_old_index_serves(tmp_path, content):
    out = tmp_path / "idx"
    assert build(out).exit_code == 0
    before = (out / "manifest.json").read_text()
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(content)
    result = build(out, "--format", "jsonl", data=corpus)
    assert isinstance(result.exception, BadInput), result.output
    assert (out / "manifest.json").read_text() == before
    assert not list(tmp_path.glob("idx.*"))


def test_too_many_rejected_lines_fail(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    good = {"id": "1", "fact": "被告人张某酒后驾驶机动车，血液中乙醇含量为150mg/100ml。"}
    corpus.write_text(json.dumps(good, ensure_ascii=False) + "\n" + "broken\n" * 3, encoding="utf-8")
    result = build(tmp_path / "idx", "--format", "jsonl", data=corpus)
    assert isinstance(result.exception, BadInput) and "3 of 4 records" in str(result.exception)
    assert build(tmp_path / "idx", "--format", "jsonl", "--max-rejected", "0.8", data=corpus).exit_code == 0


def test_atomic_build_guard_without_cli(tmp_path):
    (tmp_path / "empty").mkdir()
    check_replaceable(tmp_path / "empty")  # an empty folder may be used
    check_replaceable(tmp_path / "absent")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "x.csv").write_text("1,2")
    with pytest.raises(BadInput), atomic_build(tmp_path / "data"):
        pass
    assert (tmp_path / "data" / "x.csv").exists()


def test_jsonl_field_mapping_keeps_metadata(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    rows = [{"uuid": f"c{i}", "text": "被告人张某酒后驾驶机动车，血液中乙醇含量为150mg/100ml。", "name": f"张某危险驾驶案{i}",
             "meta": {"accusation": ["危险驾驶罪"]}, "court_name": "北京市海淀区人民法院", "year": 2019}
            for i in range(3)]
    corpus.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    out = tmp_path / "idx"
    args = ["--format", "jsonl", "--field", "id=uuid", "--field", "facts=text", "--field", "title=name",
            "--field", "charges=meta.accusation", "--field", "court=court_name", "--field", "year=year"]
    result = build(out, *args, data=corpus)
    assert result.exit_code == 0, result.output
    from lcr.index.casestore import CaseStore

    case = CaseStore.open(out / "cases.sqlite").get("c1")
    assert (case.title, case.charges, case.court, case.year) == ("张某危险驾驶案1", ["危险驾驶罪"], "北京市海淀区人民法院", 2019)
    bad = build(tmp_path / "idx2", "--format", "jsonl", "--field", "nonsense", data=corpus)
    assert isinstance(bad.exception, BadInput)


def test_jsonl_without_format_fails_clearly(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text('{"id": "1", "fact": "被告人张某盗窃。"}\n', encoding="utf-8")
    result = build(tmp_path / "idx", data=corpus)
    assert isinstance(result.exception, BadInput)
    assert not (tmp_path / "idx").exists()


def test_sigkill_half_way_leaves_the_old_index_and_the_next_build_cleans_up(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "idx"
    assert build(out).exit_code == 0
    before = (out / "manifest.json").read_text()
    proc = subprocess.Popen([sys.executable, "-m", "lcr.cli", "index", "build", "--data", str(SAMPLE), "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while not list(tmp_path.glob("idx.building-*")) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    time.sleep(0.3)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert (out / "manifest.json").read_text() == before  # the old index is intact and complete
    assert Manifest.load(out).counts["cases"] > 0
    assert build(out).exit_code == 0
    assert not list(tmp_path.glob("idx.building-*")) and not list(tmp_path.glob("idx.old-*"))


def test_a_kill_between_the_renames_is_repaired(tmp_path):
    out = tmp_path / "idx"
    assert build(out).exit_code == 0
    os_pid_dead = 2 ** 22 + 12345  # above the default pid_max: no such process
    out.rename(tmp_path / f"idx.old-{os_pid_dead}")
    assert build(out).exit_code == 0
    assert (out / "manifest.json").is_file() and not list(tmp_path.glob("idx.old-*"))


def test_unknown_faiss_kind_is_refused_before_building(tmp_path):
    result = build(tmp_path / "idx", "--faiss", "annoy")
    assert isinstance(result.exception, BadInput) and "ivf-pq" in str(result.exception)
    assert not (tmp_path / "idx").exists()
