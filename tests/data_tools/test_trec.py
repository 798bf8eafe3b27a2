"""TREC run/qrels files and LeCaRD JSON runs."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from data_tools.trec import (
    read_lecard_run,
    read_lecard_runs,
    read_qrels,
    read_run,
    write_qrels,
    write_run,
)
from lcr.errors import BadInput
from lcr.records import Qrels, Run

RUN: Run = {"-991": {"12": 0.5, "3": 0.5, "7": 2.25, "9": -1.0}, "5": {"a": 1e-12, "b": 1 / 3}}
QRELS: Qrels = {"-991": {"12": 3, "3": 0}, "5": {"b": 2}}


@pytest.mark.parametrize("name", ["run.trec", "run.trec.gz"])
def test_run_round_trip(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    write_run(RUN, path, tag="bm25")
    assert read_run(path) == RUN
    if name.endswith(".gz"):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            lines = f.read().splitlines()
    else:
        lines = path.read_text(encoding="utf-8").splitlines()
    # ranks 1..n, ties (12 and 3 at 0.5) broken by id: "12" < "3"
    assert lines[:4] == [
        "-991 Q0 7 1 2.25 bm25",
        "-991 Q0 12 2 0.5 bm25",
        "-991 Q0 3 3 0.5 bm25",
        "-991 Q0 9 4 -1.0 bm25",
    ]


def test_run_depth(tmp_path: Path) -> None:
    path = tmp_path / "run.trec"
    write_run(RUN, path, depth=1)
    assert read_run(path) == {"-991": {"7": 2.25}, "5": {"b": 1 / 3}}


@pytest.mark.parametrize("name", ["qrels.txt", "qrels.txt.gz"])
def test_qrels_round_trip(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    write_qrels(QRELS, path)
    assert read_qrels(path) == QRELS


def test_qrels_reads_tabs_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "relevence.trec"
    path.write_text("1\t0\t1889986\t3\n\n1\t0\t2753310\t2\n", encoding="utf-8")
    assert read_qrels(path) == {"1": {"1889986": 3, "2753310": 2}}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("q Q0 d 1 0.5\n", r"run.trec:1: expected 6 columns"),
        ("q Q0 d 1 0.5 t\nq Q0 e 2 high t\n", r"run.trec:2: score 'high' is not a number"),
        ("q Q0 d 1 nan t\n", r"run.trec:1: score 'nan' is not finite"),
        ("q Q0 d 1 0.5 t\n\nq Q0 d 2 0.4 t\n", r"run.trec:3: document 'd' listed twice"),
    ],
)
def test_bad_run_lines(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "run.trec"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadInput, match=message):
        read_run(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("q 0 d\n", r"qrels:1: expected 4 columns"),
        ("q 0 d 1\nq 0 e x\n", r"qrels:2: grade 'x' is not an integer"),
        ("q 0 d 1\nq 0 d 2\n", r"qrels:2: document 'd' judged twice"),
    ],
)
def test_bad_qrels_lines(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "qrels"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadInput, match=message):
        read_qrels(path)


def test_write_rejects_unwritable_values(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="not finite"):
        write_run({"q": {"d": float("inf")}}, tmp_path / "r")
    with pytest.raises(BadInput, match="whitespace"):
        write_run({"q": {"a doc": 1.0}}, tmp_path / "r")
    with pytest.raises(BadInput, match="run tag"):
        write_run(RUN, tmp_path / "r", tag="my run")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="no such file"):
        read_run(tmp_path / "absent.trec")


def test_lecard_run_best_first(tmp_path: Path) -> None:
    path = tmp_path / "lm_top100.json"
    path.write_text(json.dumps({"5156": [38633, 12, 7], "-991": [3]}), encoding="utf-8")
    run = read_lecard_run(path)
    assert list(run) == ["5156", "-991"]
    assert sorted(run["5156"], key=run["5156"].__getitem__, reverse=True) == ["38633", "12", "7"]


def test_lecard_run_worst_first_by_name_or_flag(tmp_path: Path) -> None:
    path = tmp_path / "bm25_top100.json"
    path.write_text(json.dumps({"1": [1, 2, 3]}), encoding="utf-8")
    run = read_lecard_run(path)
    assert max(run["1"], key=run["1"].__getitem__) == "3"
    run = read_lecard_run(path, worst_first=False)
    assert max(run["1"], key=run["1"].__getitem__) == "1"


def test_lecard_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "bert.json"
    path.write_text('{"1": [5, 6]}\n{"1": [6, 5]}\n', encoding="utf-8")
    runs = read_lecard_runs(path)
    assert [max(r["1"], key=r["1"].__getitem__) for r in runs] == ["5", "6"]
    with pytest.raises(BadInput, match="holds 2 runs"):
        read_lecard_run(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"1": [5, 6]}\n{"1": [6, 5\n', r"bert.json:2: not JSON"),
        ('{\n "1": [5, 6],\n}\n', r"bert.json:3: not JSON"),
        ('{"1": [5, 5]}', r"bert.json:1: query '1' lists a document twice"),
        ('{"1": 5}', r"bert.json:1: query '1': expected a list"),
        ("[1, 2]", r"bert.json:1: expected a JSON object"),
    ],
)
def test_bad_lecard_runs(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bert.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadInput, match=message):
        read_lecard_runs(path)
