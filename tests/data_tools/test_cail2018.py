"""CAIL2018 loader: the shared sample's format, raw CAIL files (no id, GB18030), bad lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from data_tools.cail2018 import iter_cail2018
from data_tools.loading import LoadReport
from lcr.errors import BadInput
from lcr.records import ArticleRef

FACT = "北京市通州区人民检察院指控：2011年9月8日7时30分许，被告人李×1将王×推倒在地，致王×左臂受伤。"


def record(**extra: object) -> dict:
    meta = {
        "relevant_articles": [347, 67],
        "accusation": ["[走私、贩卖、运输、制造]毒品", "容留他人吸毒"],
        "criminals": ["李×1"],
    }
    return {"fact": FACT, "meta": meta} | extra


def write(path: Path, rows: list[object], encoding: str = "utf-8") -> Path:
    text = "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows)
    path.write_bytes(text.encode(encoding))
    return path


def test_shared_sample_format(tmp_path: Path) -> None:
    path = write(tmp_path / "data_train.jsonl", [record(id="train-0", split="train")])
    (case,) = iter_cail2018(path, on_error="raise")
    assert (case.case_id, case.facts, case.source) == ("train-0", FACT, "cail2018-train")
    assert case.charges == ["走私、贩卖、运输、制造毒品罪", "容留他人吸毒罪"]
    assert case.articles == [ArticleRef("刑法", 347), ArticleRef("刑法", 67)]


def test_raw_gb18030_file_without_ids(tmp_path: Path) -> None:
    path = write(tmp_path / "data_train.json", [record(), record()], encoding="gb18030")
    report = LoadReport()
    assert list(iter_cail2018(path, report=report)) == []
    assert [p.line for p in report.problems] == [1, 2]
    cases = list(iter_cail2018(path, encoding="gb18030", on_error="raise"))
    assert [c.case_id for c in cases] == ["data_train-1", "data_train-2"]
    assert cases[0].source == "cail2018" and cases[0].facts == FACT


def test_bad_lines(tmp_path: Path) -> None:
    bad_meta = record(id="3")
    bad_meta["meta"]["relevant_articles"] = "347"
    path = write(
        tmp_path / "d.jsonl", [record(id="1"), "{", {"id": "2", "meta": {}}, bad_meta, record(id="1")]
    )
    report = LoadReport()
    assert [c.case_id for c in iter_cail2018(path, report=report)] == ["1"]
    assert [p.line for p in report.problems] == [2, 3, 4, 5]
    assert "missing fact" in report.problems[1].message
    with pytest.raises(BadInput, match="d.jsonl:2"):
        list(iter_cail2018(path, on_error="raise"))


@pytest.mark.slow
def test_shared_cail2018_sample(shared_data: Path) -> None:
    report = LoadReport()
    folder = shared_data / "cail2018_sample"
    cases = [
        c
        for name in ("data_train.jsonl", "data_test.jsonl")
        for c in iter_cail2018(folder / name, report=report)
    ]
    assert len(cases) == 5072 and not report.problems
    assert {c.source for c in cases} == {"cail2018-train", "cail2018-test"}
    assert all(c.articles and c.charges and all(ch.endswith("罪") for ch in c.charges) for c in cases)
    assert not any("[" in ch for c in cases for ch in c.charges)
