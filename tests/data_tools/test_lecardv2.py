"""LeCaRDv2 loaders: a tiny fixture in the official layout, and (slow) the shared partial copy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from data_tools.lecardv2 import iter_lecardv2_cases, load_lecardv2
from data_tools.loading import LoadReport
from lcr.errors import BadInput
from lcr.records import ArticleRef

QW = (
    "山东省武城县人民法院刑事判决书（2019）鲁1428刑初153号公诉机关山东省武城县人民检察院。被告人张某，男。"
    "经审理查明：被告人张某驾驶小型轿车发生交通事故，致一人死亡。本院认为，被告人张某构成交通肇事罪。"
)


def jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


@pytest.fixture
def official(tmp_path: Path) -> Path:
    """Queries 5 (test, also controversial), 7 (controversial); candidates 0, 69; official file names."""
    root = tmp_path / "LeCaRDv2"
    q5 = {
        "id": 5,
        "query": "（2019）…依照《中华人民共和国刑法》第一百三十三条…",
        "fact": "经审理查明，被告人张某驾车撞人。",
    }
    q7 = {"id": 7, "query": "…", "fact": "被告人李某盗窃电动车。"}
    jsonl(root / "query" / "test_query.json", [q5])
    jsonl(root / "query" / "controversial_query.json", [q5, q7])
    label = root / "label"
    label.mkdir()
    (label / "relevence.trec").write_text("5\t0\t0\t3\n5\t0\t69\t1\n7\t0\t69\t2\n", encoding="utf-8")
    (label / "test_relevence.trec").write_text("5\t0\t0\t3\n5\t0\t69\t1\n", encoding="utf-8")
    (label / "relevence_gold.trec").write_text("5\t0\t0\t3\n", encoding="utf-8")
    jsonl(
        label / "ranking_pool.json", [{"qid": 5, "rank_doc_id": [69, 0, 11]}, {"qid": 7, "rank_doc_id": [69]}]
    )
    folder = root / "candidate_55192"
    folder.mkdir()
    for pid, charge, articles in ((0, "交通肇事罪", [133, 67]), (69, "敲诈勒索", [274])):
        doc = {
            "pid": pid,
            "qw": QW,
            "fact": "经审理查明：被告人张某驾驶小型轿车。",
            "reason": "本院认为…",
            "result": "判决如下…",
            "charge": [charge],
            "article": articles,
        }
        (folder / f"{pid}.json").write_text(json.dumps(doc, ensure_ascii=False, indent=4), encoding="utf-8")
    return root


def test_official_layout(official: Path) -> None:
    data = load_lecardv2(official, on_error="raise")
    assert [(q.qid, q.text) for q in data.queries] == [
        ("5", "经审理查明，被告人张某驾车撞人。"),
        ("7", "被告人李某盗窃电动车。"),
    ]
    assert all("刑法" not in q.text for q in data.queries)  # the fact, never the long query
    assert data.test_qids == ["5"]
    assert data.qrels == {"5": {"0": 3, "69": 1}, "7": {"69": 2}}
    assert data.pools == {"5": ["69", "0", "11"], "7": ["69"]}
    assert data.root == official and not data.report.problems


def test_gold_qrels_on_request(official: Path) -> None:
    assert load_lecardv2(official, qrels_files=["relevence_gold.trec"]).qrels == {"5": {"0": 3}}


def test_candidate_folder(official: Path) -> None:
    report = LoadReport()
    cases = list(iter_lecardv2_cases(official / "candidate_55192", on_error="raise", report=report))
    assert [c.case_id for c in cases] == ["0", "69"]
    case = cases[0]
    assert case.facts == "经审理查明：被告人张某驾驶小型轿车。" and case.full_text == QW
    assert (case.reasoning, case.result) == ("本院认为…", "判决如下…")
    assert case.charges == ["交通肇事罪"] and cases[1].charges == ["敲诈勒索罪"]
    assert case.articles == [ArticleRef("刑法", 133), ArticleRef("刑法", 67)]
    assert (case.court, case.year) == ("山东省武城县人民法院", 2019)
    assert case.title == "山东省武城县人民法院刑事判决书（2019）鲁1428刑初153号"
    assert case.source == "lecard-v2" and (report.read, report.ok) == (2, 2)


def test_pid_from_file_name_and_bad_files(official: Path) -> None:
    folder = official / "candidate_55192"
    doc = json.loads((folder / "0.json").read_text(encoding="utf-8"))
    del doc["pid"]
    (folder / "174.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    (folder / "5.json").write_text('{"pid": 5,\n "fact": ', encoding="utf-8")
    (folder / "97.json").write_text(json.dumps({"pid": 97, "qw": QW}), encoding="utf-8")
    report = LoadReport()
    assert [c.case_id for c in iter_lecardv2_cases(folder, report=report)] == ["0", "69", "174"]
    assert [(Path(p.path).name, p.line) for p in report.problems] == [("5.json", 2), ("97.json", None)]
    assert "missing fact" in report.problems[1].message


def test_bad_queries_labels_and_pools(official: Path) -> None:
    jsonl(official / "query" / "procedural_query.json", [{"id": 7, "fact": "另一个事实。"}, {"id": 8}])
    trec = official / "label" / "relevence.trec"
    trec.write_text(trec.read_text(encoding="utf-8") + "7 0 69\n7\t0\t69\t0\n", encoding="utf-8")
    data = load_lecardv2(official)
    assert [q.qid for q in data.queries] == ["5", "7"]
    assert data.qrels["7"] == {"69": 2}
    messages = [(Path(p.path).name, p.line) for p in data.report.problems]
    assert messages == [
        ("procedural_query.json", 1),
        ("procedural_query.json", 2),
        ("relevence.trec", 4),
        ("relevence.trec", 5),
    ]
    assert "different fact" in data.report.problems[0].message
    assert "contradicts" in data.report.problems[3].message
    with pytest.raises(BadInput, match="procedural_query.json:1"):
        load_lecardv2(official, on_error="raise")


def test_missing_parts_raise(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="no queries.jsonl"):
        load_lecardv2(tmp_path)
    jsonl(tmp_path / "queries.jsonl", [{"id": 1, "fact": "事实。", "split": "train"}])
    with pytest.raises(BadInput, match="no \\*.trec"):
        load_lecardv2(tmp_path)
    with pytest.raises(BadInput, match="no such file or folder"):
        list(iter_lecardv2_cases(tmp_path / "candidate_55192"))


@pytest.mark.slow
def test_shared_lecardv2(shared_data: Path) -> None:
    data = load_lecardv2(shared_data / "lecardv2", on_error="raise")
    assert len(data.queries) == 800 and len(data.test_qids) == 160
    assert all(int(q) % 5 == 0 for q in data.test_qids)
    assert sum(map(len, data.qrels.values())) == 23964 and len(data.qrels) == 800
    assert len(data.pools) == 800 and all(set(data.qrels[q]) <= set(data.pools[q]) for q in data.qrels)
    cases = list(
        iter_lecardv2_cases(shared_data / "lecardv2" / "candidates_sample10.jsonl", on_error="raise")
    )
    assert [c.case_id for c in cases] == ["0", "5", "69", "97", "155", "174", "218", "311", "314", "488"]
    assert all(c.charges and c.articles and c.facts and c.court and c.year for c in cases)
    assert cases[6].charges == ["引诱、容留、介绍卖淫罪"]
