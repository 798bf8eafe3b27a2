"""The README's headline table (the served system named in advance, bm25-facts and the published anchors per
protocol, their coverage stated), the per-protocol pages and the anchors section of ``reports/README.md``."""

from __future__ import annotations

import ast
from pathlib import Path

import lcr.eval.report as report
from lcr.eval.report import headline_markdown, render_reports
from lcr.eval.results import ResultEntry, write_results

MISSING = {"notes": "the run covers 105 of the 107 queries; the absent 2403, 6816 score 0",
           "extra": {"missing": ["2403", "6816"], "scored": 107}}


def entry(protocol: str, queries: str, system: str, value: float, **kw) -> ResultEntry:
    metrics = {"MAP": value, "NDCG@30": value} | ({"R@100": value} if protocol == "corpus" else {})
    return ResultEntry("lecard-v1", protocol, queries, system, metrics, f"{system}.trec", "", **kw)


def catalogue() -> list[ResultEntry]:
    out = []
    for protocol in ("official", "hard", "keller", "corpus"):
        out += [entry(protocol, "all", "bm25-facts", 0.5), entry(protocol, "test", "ranksvm", 0.99),
                *(entry(protocol, "cv5", f"sys{i}", 0.4 + i / 100) for i in range(10)),
                entry(protocol, "cv5", "ranksvm-legal", 0.45),
                entry(protocol, "cv5", "ranksvm-minus-lcm", 0.95), entry(protocol, "cv5", "feature:x", 0.97)]
    out.append(entry("official", "all", "anchor-keller", 0.6559, **MISSING))
    out.append(entry("keller", "all", "anchor-keller", 0.6684))
    out.append(entry("hard", "all", "anchor-sailer-zeroshot-pool", 0.5623))
    return out


def table_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("| `")]


def test_headline_names_protocol_and_queries_in_every_row_and_stays_short():
    text = headline_markdown(catalogue())
    rows = table_rows(text)
    assert len(rows) <= 30
    # the served system, never the best-scoring entry (sys9 .49 > .45)
    assert rows[0] == "| `official` | cv5 | **ranksvm-legal** (served) | 0.450 | 0.450 |  |"
    assert "| `official` | all | bm25-facts | 0.500 | 0.500 |  |" in rows
    assert "| `corpus` | cv5 | **ranksvm-legal** (served) | 0.450 | 0.450 | 0.450 |" in rows  # R@100 for corpus only
    assert "| `keller` | all | anchor-keller | 0.668 | 0.668 |  |" in rows
    assert "| `hard` | all | anchor-sailer-zeroshot-pool | 0.562 | 0.562 |  |" in rows
    # ablations, single features and the 20-query test set stay in the full catalogue
    assert not any(s in text for s in ("ranksvm-minus", "feature:", "| test |", "sys0", "sys9"))
    assert "[reports/README.md](reports/README.md)" in text


def test_an_anchor_missing_queries_says_so_with_its_covered_mean():
    text = headline_markdown(catalogue())
    assert "| `official` | all (105 covered, absent = 0) | anchor-keller | 0.656 | 0.656 |  |" in table_rows(text)
    # 0.6559 * 107 / 105: the two absent queries scored 0
    assert "lack queries 2403, 6816" in text and "`official` anchor-keller 0.668 / 0.668" in text


def test_reports_readme_lists_the_anchors_and_the_readme_gets_the_headline(tmp_path: Path):
    results = tmp_path / "reports" / "results.json"
    write_results(catalogue(), results)
    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- results:start -->\nSTALE\n<!-- results:end -->\nrest\n", encoding="utf-8")
    written = render_reports(results, readme, data_root=tmp_path / "absent", reranker_dir=tmp_path / "absent")
    pages = [results.parent / "protocols" / f"lecard-v1-{p}.md" for p in ("corpus", "hard", "keller", "official")]
    assert written == [results.parent / "README.md", *pages, readme]
    full = (results.parent / "README.md").read_text(encoding="utf-8")
    assert "[lecard-v1 · `official`](protocols/lecard-v1-official.md)" in full
    official = pages[-1].read_text(encoding="utf-8")
    assert "| sys0 |" in official and "#### lecard-v1 · `official` · queries `cv5`" in official
    assert "| sys0 |" not in full  # the tables live on the protocol pages
    assert "## Published anchors (lecard-v1)" in full
    assert "| anchor-keller | KELLER (Deng et al., 2024)" in full and "`LICENSE.KELLER`" in full
    assert "`keller` 0.668, `official` 0.656 (absent queries = 0)" in full
    text = readme.read_text(encoding="utf-8")
    assert "STALE" not in text and "sys0" not in text and "anchor-keller" in text


def test_report_imports_no_stage_and_nothing_inside_functions():
    tree = ast.parse(Path(report.__file__).read_text(encoding="utf-8"))
    forbidden = ("lcr.models", "lcr.experiments", "lcr.index", "lcr.encode", "lcr.retrieve", "lcr.rerank",
                 "lcr.pipeline")
    top = {id(n) for n in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            assert not any(n == f or n.startswith(f + ".") for n in names for f in forbidden), names
            assert id(node) in top, f"import inside a function at line {node.lineno}"
