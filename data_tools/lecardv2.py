"""LeCaRDv2 (Li et al. 2023; github.com/THUIR/LeCaRDv2, MIT) into lcr records.

Official layout under ``root``: ``query/*.json`` (JSON lines ``{"id", "query", "fact"}``),
``label/*.trec`` (``qid 0 pid grade``), ``label/ranking_pool.json`` (JSON lines
``{"qid", "rank_doc_id"}``) and a candidate folder of ``<pid>.json`` files.  The shared copy adds
``queries.jsonl`` (all 800 queries, ``fact`` plus ``split``), which is read when present.

A query's text is its ``fact``: the long ``query`` field repeats the court's reasoning and cites
articles, which would leak the labels.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from data_tools.charges import canonical_charge
from data_tools.judgment import case_year, court_name, heading
from data_tools.loading import (
    LoadReport,
    OnError,
    Reporter,
    criminal_law_refs,
    optional_text,
    read_json_lines,
    read_json_record,
    record_id,
    require_file,
    string_list,
    text_or_none,
)
from lcr.errors import BadInput
from lcr.records import Case, Qrels, Query

logger = logging.getLogger(__name__)

SOURCE = "lecard-v2"


@dataclass
class LecardV2:
    """Queries (fact only), labels and re-ranking pools of LeCaRDv2."""

    queries: list[Query]
    qrels: Qrels
    pools: dict[str, list[str]]
    test_qids: list[str]
    root: Path
    report: LoadReport = field(default_factory=LoadReport)


def _query_files(root: Path) -> list[Path]:
    files = [root / "queries.jsonl"] if (root / "queries.jsonl").is_file() else []
    files += sorted((root / "query").glob("*.json")) if (root / "query").is_dir() else []
    if not files:
        raise BadInput(f"{root}: no queries.jsonl and no query/*.json")
    return files


def _load_queries(root: Path, reporter: Reporter, encoding: str) -> tuple[list[Query], list[str]]:
    """Queries from every query file, and the test query ids (``split == "test"`` in queries.jsonl,
    or listed in ``query/test_query.json``).  The official files overlap (a controversial query can
    also be a test query): the same id with the same fact is merged, a different fact is a problem."""
    queries: dict[str, Query] = {}
    test: set[str] = set()
    for path in _query_files(root):
        seen: dict[str, int | None] = {}
        for lineno, obj in read_json_lines(path, reporter, encoding):
            qid, fact = record_id(obj.get("id")), text_or_none(obj.get("fact"))
            if qid is None or fact is None:
                reporter.problem(path, lineno, f"missing {'id' if qid is None else 'fact'}")
                continue
            if reporter.duplicate(seen, qid, path, lineno):
                continue
            if qid in queries and queries[qid].text != fact.strip():
                reporter.problem(
                    path, lineno, f"query {qid} has a different fact in an earlier file; first kept"
                )
                continue
            queries.setdefault(qid, Query(qid, fact.strip(), source=SOURCE))
            if obj.get("split") == "test" or path.name == "test_query.json":
                test.add(qid)
            reporter.report.ok += 1
    ordered = sorted(queries.values(), key=lambda q: (int(q.qid) if q.qid.isdigit() else 0, q.qid))
    return ordered, sorted(test, key=lambda q: (int(q) if q.isdigit() else 0, q))


def _load_trec(paths: Sequence[Path], reporter: Reporter, encoding: str) -> Qrels:
    """TREC qrels ``qid iter pid grade``; the same pair with two grades is a problem (first kept)."""
    qrels: Qrels = {}
    for path in paths:
        with require_file(path).open("rb") as fh:
            for lineno, raw in enumerate(fh, 1):
                if not raw.strip():
                    continue
                reporter.report.read += 1
                try:
                    qid, _, pid, grade = raw.decode(encoding).split()
                    value = int(grade)
                except (UnicodeDecodeError, ValueError):
                    reporter.problem(path, lineno, f"expected 'qid 0 pid grade', got {raw[:60]!r}")
                    continue
                if qrels.get(qid, {}).get(pid, value) != value:
                    reporter.problem(
                        path,
                        lineno,
                        f"query {qid}, doc {pid}: grade {value} contradicts an earlier {qrels[qid][pid]}",
                    )
                    continue
                qrels.setdefault(qid, {})[pid] = value
                reporter.report.ok += 1
    return qrels


def _load_pools(path: Path, reporter: Reporter, encoding: str) -> dict[str, list[str]]:
    pools: dict[str, list[str]] = {}
    seen: dict[str, int | None] = {}
    for lineno, obj in read_json_lines(path, reporter, encoding):
        qid, ids = record_id(obj.get("qid")), obj.get("rank_doc_id")
        if qid is None or not isinstance(ids, list):
            reporter.problem(path, lineno, "expected {'qid': id, 'rank_doc_id': [doc ids]}")
            continue
        if reporter.duplicate(seen, qid, path, lineno):
            continue
        pools[qid] = [str(pid) for pid in ids]
        reporter.report.ok += 1
    return pools


def load_lecardv2(
    root: Path | str,
    on_error: OnError = "skip",
    encoding: str = "utf-8",
    qrels_files: Sequence[str] | None = None,
) -> LecardV2:
    """Queries, qrels, pools and test split of LeCaRDv2.

    ``qrels_files`` names files under ``label/``; by default every ``*.trec`` there except the
    ``*gold*`` subsets (their pairs are in the full files anyway).  Pools are empty without
    ``label/ranking_pool.json``.
    """
    root = Path(root)
    reporter = Reporter(on_error)
    queries, test_qids = _load_queries(root, reporter, encoding)
    label = root / "label"
    if qrels_files is None:
        trec = [p for p in sorted(label.glob("*.trec")) if "gold" not in p.name]
    else:
        trec = [label / name for name in qrels_files]
    if not trec:
        raise BadInput(f"{label}: no *.trec qrels")
    qrels = _load_trec(trec, reporter, encoding)
    pool_path = label / "ranking_pool.json"
    pools = _load_pools(pool_path, reporter, encoding) if pool_path.is_file() else {}
    logger.info(
        "LeCaRDv2 at %s: %d queries (%d test), %d labelled pairs",
        root,
        len(queries),
        len(test_qids),
        sum(map(len, qrels.values())),
    )
    return LecardV2(queries, qrels, pools, test_qids, root, reporter.report)


def _case(pid: str, obj: dict[str, Any]) -> Case:
    facts = text_or_none(obj.get("fact"))
    if facts is None:
        raise BadInput("missing fact")
    full_text = optional_text(obj, "qw")
    return Case(
        case_id=pid,
        facts=facts.strip(),
        title=heading(full_text),
        reasoning=optional_text(obj, "reason"),
        result=optional_text(obj, "result"),
        full_text=full_text,
        charges=[canonical_charge(c) for c in string_list(obj.get("charge"), "charge")],
        articles=criminal_law_refs(obj.get("article"), "article"),
        court=court_name(full_text),
        year=case_year(full_text),
        source=SOURCE,
    )


def _records(
    source: Path, reporter: Reporter, encoding: str
) -> Iterator[tuple[Path, int | None, str | None, dict[str, Any]]]:
    """``(path, line, id from the file name, object)`` from a JSONL file or a ``<pid>.json`` folder."""
    if source.is_dir():
        for path in sorted(source.glob("*.json"), key=lambda p: (len(p.stem), p.stem)):
            obj = read_json_record(path, reporter, encoding)
            if obj is not None:
                yield path, None, path.stem, obj
        reporter.summarise_repeats()
    else:
        for lineno, obj in read_json_lines(source, reporter, encoding):
            yield source, lineno, None, obj


def iter_lecardv2_cases(
    source: Path | str, on_error: OnError = "skip", report: LoadReport | None = None, encoding: str = "utf-8"
) -> Iterator[Case]:
    """Stream LeCaRDv2 candidates from a folder of ``<pid>.json`` files (the official
    ``candidate_55192/``) or from a JSON-lines file of the same objects.  ``pid`` comes from the
    object, or else from the file name."""
    source = Path(source)
    if not source.exists():
        raise BadInput(f"{source}: no such file or folder")
    reporter = Reporter(on_error, report)
    seen: dict[str, int | None] = {}
    for path, line, stem, obj in _records(source, reporter, encoding):
        pid = record_id(obj.get("pid")) or stem
        if pid is None:
            reporter.problem(path, line, "missing pid")
            continue
        if reporter.duplicate(seen, pid, path, line):
            continue
        case = reporter.accept(path, line, _case, pid, obj, context=f"candidate {pid}: ")
        if case is not None:
            yield case
