"""Win/loss plots, and ``render_reports`` with and without the LeCaRD v1 data at hand."""

from __future__ import annotations

import json
from pathlib import Path

from data_tools.trec import write_run
from lcr.eval.plots import count_win_loss, per_query_differences, plot_win_loss
from lcr.eval.report import render_reports
from lcr.eval.results import ResultEntry, upsert_result
from lcr.index.casestore import CaseStore
from lcr.records import Case

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
FACTS = (
    "2018年1月15日14时10分许，被告人莫某某酒后驾驶小型轿车沿长沙市天心区书院路由北往南行驶，被执勤民警查获。"
)


def test_differences_and_counts() -> None:
    diffs = per_query_differences({"a": 0.5, "b": 0.2, "c": 0.7, "z": 1.0}, {"a": 0.4, "b": 0.2, "c": 0.9})
    assert list(diffs) == ["a", "b", "c"]  # shared queries, largest difference first
    counts = count_win_loss(diffs)
    assert (counts.wins, counts.ties, counts.losses) == (1, 1, 1)
    assert str(counts) == "1 wins / 1 ties / 1 losses"


def test_plot_writes_png(tmp_path: Path) -> None:
    out = tmp_path / "plots" / "x.png"
    counts = plot_win_loss({"a": 1.0, "b": 0.0}, {"a": 0.5, "b": 0.5}, out, "x vs y")
    assert (counts.wins, counts.losses) == (1, 1)
    assert out.read_bytes()[:8] == PNG_MAGIC


def write_lecard(root: Path) -> None:
    """Two queries; q1's own judgment (``11``) sits in its pool with grade 3."""
    root.mkdir()
    (root / "prediction").mkdir()
    queries = [
        {"ridx": 1, "q": FACTS, "crime": ["危险驾驶罪"]},
        {"ridx": 2, "q": "被告人王某盗窃财物。", "crime": []},
    ]
    (root / "query.json").write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in queries))
    labels = {"1": {"11": 3, "12": 3, "13": 1}, "2": {"21": 3, "22": 0}}
    pools = {"1": ["11", "12", "13"], "2": ["21", "22"]}
    (root / "label_top30_dict.json").write_text(json.dumps(labels))
    (root / "candidate_pools.json").write_text(json.dumps(pools))
    (root / "prediction" / "combined_top100.json").write_text(json.dumps(pools))


def record(results: Path, system: str, run: dict[str, dict[str, float]]) -> None:
    path = results.parent / f"{system}.trec"
    write_run(run, path)
    upsert_result(ResultEntry("lecard-v1", "official", "all", system, {"MAP": 0.0}, str(path), ""), results)


def test_render_reports_with_data(tmp_path: Path) -> None:
    write_lecard(tmp_path / "lecard")
    texts = {
        "11": "公诉机关指控：" + FACTS,
        "12": "被告人张某醉酒驾驶。",
        "13": "被告人李某盗窃。",
        "21": "无关。",
        "22": "无关事实。",
    }
    store = CaseStore.create(tmp_path / "index" / "cases.sqlite", [Case(cid, facts) for cid, facts in texts.items()])
    results = tmp_path / "reports" / "results.json"
    results.parent.mkdir()
    record(results, "bm25-facts", {"1": {"11": 3.0, "12": 2.0, "13": 1.0}, "2": {"22": 2.0, "21": 1.0}})
    record(results, "other", {"1": {"12": 3.0, "13": 2.0, "11": 1.0}, "2": {"21": 2.0, "22": 1.0}})
    written = render_reports(
        results, tmp_path / "README.md", data_root=tmp_path / "lecard", case_facts=store.facts
    )
    plot = results.parent / "plots" / "official-other.all.png"
    assert plot in written and plot.read_bytes()[:8] == PNG_MAGIC
    leakage = json.loads((results.parent / "leakage.json").read_text())
    assert leakage["queries"][0]["leaked"] == [
        {"doc_id": "11", "containment": 1.0, "in_pool": True, "grade": 3}
    ]
    # AP: bm25-facts q1 1 -> 1, q2 1/2; other q1 (1 + 2/3)/2 -> 1 without the leaked doc, q2 1
    mean_ap = {r["system"]: (r["before"]["MAP"], r["after"]["MAP"]) for r in leakage["metrics"]}
    assert mean_ap == {"bm25-facts": (0.75, 0.75), "other": (0.9167, 1.0)}
    text = (results.parent / "README.md").read_text()
    assert "| other | all | 1 | 0 | 1 |" in text
    assert "in their pool: **1** of 2" in text


def test_render_reports_without_data(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    record(results, "bm25-facts", {"1": {"a": 1.0}})
    written = render_reports(results, tmp_path / "absent.md", data_root=tmp_path / "absent")
    assert written == [tmp_path / "README.md", tmp_path / "protocols" / "lecard-v1-official.md"]
    assert (tmp_path / "README.md").read_text().count("_Skipped: no LeCaRD v1 data folder") == 2


def test_the_readme_gets_the_headline_table_only(tmp_path: Path) -> None:
    results = tmp_path / "reports" / "results.json"
    results.parent.mkdir()
    record(results, "bm25-facts", {"1": {"a": 1.0}})
    for system, value in (("ranksvm-legal", 0.6), ("hybrid-rrf", 0.65), ("lcm-lai", 0.4), ("feature:e5_cosine", 0.9),
                          ("anchor-keller", 0.7)):
        upsert_result(ResultEntry("lecard-v1", "official", "all" if system.startswith("anchor") else "cv5",
                                  system, {"MAP": value, "NDCG@30": value}, "r", ""), results)
    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- results:start -->\nSTALE TABLE\n<!-- results:end -->\nrest\n", encoding="utf-8")
    render_reports(results, readme, data_root=tmp_path / "absent")
    text = readme.read_text(encoding="utf-8")
    assert "STALE TABLE" not in text and text.startswith("intro") and text.rstrip().endswith("rest")
    assert "| `official` | cv5 | **ranksvm-legal** (served) | 0.600 | 0.600 |" in text
    assert "hybrid-rrf" not in text and "lcm-lai" not in text  # the served system only, not the best scoring
    assert "feature:" not in text and "anchor-keller" in text and "(reports/README.md)" in text
