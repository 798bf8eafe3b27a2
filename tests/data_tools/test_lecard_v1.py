"""LeCaRD v1 loaders on the tiny fixtures of conftest.py (both layouts) and, marked slow, on the real data."""

from __future__ import annotations

import gzip
import json
from itertools import islice
from pathlib import Path
from typing import Any

import pytest

from data_tools.citations import criminal_articles
from data_tools.lecard import LecardV1, iter_lecard_v1_cases, load_lecard_v1
from data_tools.loading import LoadReport
from lcr.errors import BadInput
from lcr.records import ArticleRef


def test_load_shared_layout(lecard_root: Path) -> None:
    data = load_lecard_v1(lecard_root, on_error="raise")
    assert [q.qid for q in data.queries] == ["5156", "-991", "3"]
    assert data.queries[1].charges == ["走私、贩卖、运输、制造毒品罪", "容留他人吸毒罪"]
    assert data.queries[0].source == "lecard-v1"
    assert data.qrels == {"5156": {"101": 3, "102": 1}, "-991": {"103": 2, "104": 0}, "3": {"105": 3}}
    assert data.pools["5156"] == ["101", "102", "106"]
    assert data.combined_top30["5156"] == ["102", "101", "106"]
    assert data.query_order == ["5156", "-991", "3"]
    assert data.root == lecard_root
    assert (data.report.read, data.report.skipped) == (3 + 5, 0)


def test_case_mapping(lecard_root: Path) -> None:
    cases = {c.case_id: c for c in iter_lecard_v1_cases(lecard_root, on_error="raise")}
    assert sorted(cases, key=int) == ["101", "102", "103", "104", "105", "106"]
    case = cases["101"]
    assert case.title == "王某101危险驾驶一审刑事判决书"
    assert case.facts == "经审理查明，被告人王某101实施了犯罪行为。"  # stripped
    assert case.reasoning.startswith("本院认为")
    assert case.result.strip().startswith("被告人王某101犯危险驾驶罪")
    assert case.full_text.startswith("湖南省长沙市天心区人民法院 刑事判决书")
    assert case.court == "湖南省长沙市天心区人民法院"
    assert case.year == 2018
    assert case.charges == ["危险驾驶罪"]
    assert case.articles == [ArticleRef("刑法", 133, 1, 1, 2), ArticleRef("刑法", 67, 0, 3)]
    assert case.source == "lecard-v1"
    assert cases["103"].charges == ["走私、贩卖、运输、制造毒品罪"]
    assert [a.key for a in criminal_articles(cases["103"].full_text)] == ["刑法:347", "刑法:67"]


@pytest.mark.parametrize("name", ["candidates.jsonl", "candidates.jsonl.gz"])
def test_plain_and_gzip_candidates(tmp_path: Path, make_lecard: Any, name: str) -> None:
    root = make_lecard(tmp_path / "v1", candidates=name)
    assert len(list(iter_lecard_v1_cases(root))) == 6
    assert len(list(iter_lecard_v1_cases(root / name))) == 6  # the file itself


def test_upstream_layout(upstream_root: Path) -> None:
    data = load_lecard_v1(upstream_root, on_error="raise")
    assert [q.qid for q in data.queries] == ["5156", "-991", "3"]
    assert data.qrels["-991"] == {"103": 2, "104": 0}
    # no candidate_pools.json upstream: pools are the folders, in the order of the combined run
    assert data.pools == {"-991": ["103", "104", "106"], "3": ["105", "106"], "5156": ["102", "101", "106"]}
    report = LoadReport()
    cases = list(iter_lecard_v1_cases(upstream_root, on_error="raise", report=report))
    ids = [c.case_id for c in cases]
    assert sorted(ids) == ["101", "102", "103", "104", "105", "106"]  # 106 is in three folders: read once
    assert (report.read, report.ok) == (6, 6)
    assert next(c for c in cases if c.case_id == "105").charges == ["盗窃罪"]


def test_bad_candidates_are_reported(tmp_path: Path, make_lecard: Any, candidate_doc: Any) -> None:
    root = make_lecard(tmp_path / "v1", candidates="candidates.jsonl")
    path = root / "candidates.jsonl"
    no_facts = {k: v for k, v in candidate_doc(104).items() if k != "ajjbqk"}
    bad_type = candidate_doc(105) | {"cpfxgc": ["not", "text"]}
    lines = path.read_text(encoding="utf-8").splitlines()[:3]  # 101-103
    lines += [
        '{"cid": 104, "ajjbqk": ',
        json.dumps(no_facts, ensure_ascii=False),
        lines[0],
        json.dumps(bad_type),
    ]
    lines.append(json.dumps({k: v for k, v in candidate_doc(106).items() if k != "cid"}, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = LoadReport()
    assert [c.case_id for c in iter_lecard_v1_cases(root, report=report)] == ["101", "102", "103"]
    assert [(p.line, p.message.split(":")[0]) for p in report.problems] == [
        (4, "invalid JSON"),
        (5, "candidate 104"),
        (6, "duplicate id '101' (first at line 1); first kept"),
        (7, "candidate 105"),
        (8, "missing cid"),
    ]
    assert "missing ajjbqk" in report.problems[1].message
    assert "'cpfxgc' must be text" in report.problems[3].message
    assert (report.read, report.ok, report.skipped) == (8, 3, 5)
    with pytest.raises(BadInput, match=r"candidates.jsonl:4: invalid JSON"):
        list(iter_lecard_v1_cases(root, on_error="raise"))


def test_bad_file_in_upstream_layout(upstream_root: Path) -> None:
    broken = upstream_root / "data" / "candidates" / "3" / "105.json"
    broken.write_text('{\n  "ajjbqk": "事实",\n  "qw": \n}', encoding="utf-8")
    report = LoadReport()
    ids = {c.case_id for c in iter_lecard_v1_cases(upstream_root, report=report)}
    assert ids == {"101", "102", "103", "104", "106"}
    assert len(report.problems) == 1
    assert (report.problems[0].path, report.problems[0].line) == (str(broken), 4)


def test_bad_queries_and_labels(lecard_root: Path) -> None:
    queries = (lecard_root / "query.json").read_text(encoding="utf-8").splitlines()
    queries += [json.dumps({"ridx": 3, "q": "重复"}), json.dumps({"ridx": 9}), "not json"]
    (lecard_root / "query.json").write_text("\n".join(queries), encoding="utf-8")
    labels = json.loads((lecard_root / "label_top30_dict.json").read_text(encoding="utf-8"))
    labels["3"]["106"] = "high"
    (lecard_root / "label_top30_dict.json").write_text(json.dumps(labels), encoding="utf-8")
    data = load_lecard_v1(lecard_root)
    assert [q.qid for q in data.queries] == ["5156", "-991", "3"]
    assert data.qrels["3"] == {"105": 3}
    assert [(p.line, p.message) for p in data.report.problems] == [
        (4, "duplicate id '3' (first at line 3); first kept"),
        (5, "missing q"),
        (6, "invalid JSON: Expecting value (column 1)"),
        (None, "query 3, candidate 106: grade 'high' is not an integer"),
    ]
    with pytest.raises(BadInput, match=r"query.json:4: duplicate id '3'"):
        load_lecard_v1(lecard_root, on_error="raise")


def test_missing_files_raise(lecard_root: Path, tmp_path: Path) -> None:
    (lecard_root / "label_top30_dict.json").unlink()
    with pytest.raises(BadInput, match="no label_top30_dict.json"):
        load_lecard_v1(lecard_root)
    with pytest.raises(BadInput, match="no candidates.jsonl.gz"):
        list(iter_lecard_v1_cases(tmp_path / "empty"))


def test_splits_follow_label_key_order(tmp_path: Path) -> None:
    order = [str(i) for i in range(107)]
    data = LecardV1([], {}, {}, {}, order, tmp_path)
    assert data.split("test") == [str(i) for i in range(0, 100, 5)]
    assert len(data.split("train")) == 87 and not set(data.split("train")) & set(data.split("test"))
    assert data.split("common") == order[:77] and data.split("controversial") == order[77:]
    assert data.split("all") == order
    with pytest.raises(BadInput, match="unknown LeCaRD split"):
        data.split("dev")  # type: ignore[arg-type]


@pytest.mark.slow
def test_real_lecard_queries_and_labels(shared_data: Path) -> None:
    root = shared_data / "lecard"
    data = load_lecard_v1(root, on_error="raise")
    assert len(data.queries) == 107
    assert sum(map(len, data.qrels.values())) == 3228
    assert len(data.pools) == 107 and all(set(data.qrels[q]) <= set(data.pools[q]) for q in data.qrels)
    assert all(len(ids) == 30 for ids in data.combined_top30.values())
    splits = json.loads((root / "query_splits.json").read_text(encoding="utf-8"))
    for name in ("all", "common", "controversial", "test", "train"):
        assert data.split(name) == splits[name]


@pytest.mark.slow
def test_real_lecard_candidates_stream(shared_data: Path) -> None:
    """All 9,088 documents load; the parsers find 刑法 articles in >99% and charges in >98.5%."""
    report = LoadReport()
    total = with_articles = with_charges = 0
    for case in iter_lecard_v1_cases(shared_data / "lecard", on_error="raise", report=report):
        total += 1
        with_articles += any(a.statute == "刑法" for a in case.articles)
        with_charges += bool(case.charges)
    assert total == report.ok == 9088 and not report.problems
    assert with_articles / total > 0.99
    assert with_charges / total > 0.985


@pytest.mark.slow
def test_real_candidates_in_upstream_layout(shared_data: Path, tmp_path: Path) -> None:
    """Real candidates written as upstream per-query files read exactly as from the JSONL."""
    with gzip.open(shared_data / "lecard" / "candidates.jsonl.gz", "rt", encoding="utf-8") as fh:
        docs = [json.loads(raw) for _, raw in zip(range(5), fh, strict=False)]
    for doc in docs:
        cid = doc.pop("cid")
        for qid in ("-5180", "3"):  # the same document in two pools
            path = tmp_path / "candidates" / qid / f"{cid}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    expected = list(islice(iter_lecard_v1_cases(shared_data / "lecard", on_error="raise"), 5))
    got = list(iter_lecard_v1_cases(tmp_path, on_error="raise"))
    assert sorted(got, key=lambda c: int(c.case_id)) == sorted(expected, key=lambda c: int(c.case_id))
