"""LeCaRD v1 (Ma et al., SIGIR 2021; github.com/myx666/LeCaRD, MIT) into lcr records.

Two layouts are read:

* the shared one (``../shared/data/lecard``): ``query.json``, ``label_top30_dict.json``,
  ``candidate_pools.json``, ``prediction/combined_top100.json`` and ``candidates.jsonl.gz`` (or
  ``candidates.jsonl``), one candidate per line with its id in ``cid``;
* the upstream one (``data/query/query.json``, ``data/label/…``, ``data/prediction/…``) with the
  unzipped candidates as ``candidates/<query id>/<cid>.json``.  There the pools are the folders, and a
  document shared by several pools is read once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from data_tools.charges import extract_charges
from data_tools.citations import parse_citations
from data_tools.judgment import case_year, court_name
from data_tools.loading import (
    LoadReport,
    OnError,
    Reporter,
    optional_text,
    read_json_file,
    read_json_lines,
    read_json_record,
    record_id,
    string_list,
    text_or_none,
)
from lcr.errors import BadInput
from lcr.records import Case, Qrels, Query

logger = logging.getLogger(__name__)

SOURCE = "lecard-v1"
Split = Literal["all", "common", "controversial", "test", "train"]
_CANDIDATE_FILES = ("candidates.jsonl.gz", "candidates.jsonl")


@dataclass
class LecardV1:
    """Queries and labels of LeCaRD v1 (candidates are streamed by :func:`iter_lecard_v1_cases`)."""

    queries: list[Query]
    qrels: Qrels
    pools: dict[str, list[str]]
    # first 30 ids of combined_top100.json per query, best first: the officially labelled ones
    combined_top30: dict[str, list[str]]
    # key order of label_top30_dict.json, which defines the official query subsets
    query_order: list[str]
    root: Path
    report: LoadReport = field(default_factory=LoadReport)

    def split(self, name: Split) -> list[str]:
        """Query ids of an official subset, as the upstream metrics script defines them: ``common`` =
        first 77 keys of the label file, ``controversial`` = the last 30, ``test`` = positions
        0, 5, …, 95, ``train`` = the rest."""
        order = self.query_order
        test = order[0:100:5]
        subsets = {
            "all": order,
            "common": order[:77],
            "controversial": order[77:],
            "test": test,
            "train": [q for q in order if q not in test],
        }
        if name not in subsets:
            raise BadInput(f"unknown LeCaRD split {name!r}; choose one of {', '.join(subsets)}")
        return list(subsets[name])


def _find(root: Path, name: str, folders: tuple[str, ...]) -> Path | None:
    for folder in folders:
        if (root / folder / name).exists():
            return root / folder / name
    return None


def _require(root: Path, name: str, folders: tuple[str, ...]) -> Path:
    path = _find(root, name, folders)
    if path is None:
        raise BadInput(f"{root}: no {name} (looked in {', '.join(str(root / f) for f in folders)})")
    return path


def _candidate_folder(root: Path) -> Path | None:
    for folder in ("candidates", "data/candidates"):
        if (root / folder).is_dir():
            return root / folder
    return None


def _query(qid: str, text: str, obj: dict[str, Any]) -> Query:
    return Query(qid, text.strip(), string_list(obj.get("crime"), "crime"), SOURCE)


def _load_queries(path: Path, reporter: Reporter, encoding: str) -> list[Query]:
    queries: list[Query] = []
    seen: dict[str, int | None] = {}
    for lineno, obj in read_json_lines(path, reporter, encoding):
        qid, text = record_id(obj.get("ridx")), text_or_none(obj.get("q"))
        if qid is None or text is None:
            reporter.problem(path, lineno, f"missing {'ridx' if qid is None else 'q'}")
            continue
        if reporter.duplicate(seen, qid, path, lineno):
            continue
        query = reporter.accept(path, lineno, _query, qid, text, obj)
        if query is not None:
            queries.append(query)
    return queries


def _load_qrels(path: Path, reporter: Reporter, encoding: str) -> Qrels:
    data = read_json_file(path, encoding)
    if not isinstance(data, dict):
        raise BadInput(f"{path}: expected {{query id: {{candidate id: grade}}}}")
    qrels: Qrels = {}
    for qid, labels in data.items():
        if not isinstance(labels, dict):
            reporter.report.read += 1
            reporter.problem(path, None, f"labels of query {qid} are not an object")
            continue
        qrels[str(qid)] = {}
        for cid, grade in labels.items():
            reporter.report.read += 1
            if isinstance(grade, bool) or not isinstance(grade, int):
                reporter.problem(
                    path, None, f"query {qid}, candidate {cid}: grade {grade!r} is not an integer"
                )
                continue
            qrels[str(qid)][str(cid)] = grade
            reporter.report.ok += 1
    return qrels


def _id_lists(path: Path, encoding: str, limit: int | None = None) -> dict[str, list[str]]:
    """``{query id: [candidate ids]}`` from a whole-file JSON object (pools, runs)."""
    data = read_json_file(path, encoding)
    if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
        raise BadInput(f"{path}: expected {{query id: [candidate ids]}}")
    return {str(qid): [str(cid) for cid in ids[:limit]] for qid, ids in data.items()}


def _pools_from_folders(folder: Path, combined: dict[str, list[str]]) -> dict[str, list[str]]:
    """Upstream layout: each ``candidates/<qid>/`` folder is a pool; ordered like the combined run,
    then by id."""
    pools: dict[str, list[str]] = {}
    for query_dir in sorted(p for p in folder.rglob("*") if p.is_dir() and any(p.glob("*.json"))):
        ids = [p.stem for p in query_dir.glob("*.json")]
        rank = {cid: i for i, cid in enumerate(combined.get(query_dir.name, []))}
        pools[query_dir.name] = sorted(
            ids, key=lambda c: (rank.get(c, len(rank)), int(c) if c.isdigit() else 0, c)
        )
    return pools


def load_lecard_v1(root: Path | str, on_error: OnError = "skip", encoding: str = "utf-8") -> LecardV1:
    """Queries, labels, pools and the labelled top 30 of LeCaRD v1 (cheap: no candidate text).

    Query ``text`` is the fact description ``q``, ``charges`` the query case's ``crime`` (gold
    labels for evaluation only).  Ids are strings.
    """
    root = Path(root)
    reporter = Reporter(on_error)
    queries = _load_queries(_require(root, "query.json", ("", "query", "data/query")), reporter, encoding)
    label_path = _require(root, "label_top30_dict.json", ("", "label", "data/label"))
    qrels = _load_qrels(label_path, reporter, encoding)
    combined_path = _require(root, "combined_top100.json", ("prediction", "data/prediction"))
    combined_top30 = _id_lists(combined_path, encoding, limit=30)
    pools_path = _find(root, "candidate_pools.json", ("", "data"))
    folder = _candidate_folder(root)
    if pools_path is not None:
        pools = _id_lists(pools_path, encoding)
    elif folder is not None:
        pools = _pools_from_folders(folder, _id_lists(combined_path, encoding))
    else:
        raise BadInput(f"{root}: no candidate_pools.json and no candidates/ folder to take the pools from")
    data = LecardV1(queries, qrels, pools, combined_top30, list(qrels), root, reporter.report)
    logger.info(
        "LeCaRD v1 at %s: %d queries, %d labelled pairs", root, len(queries), sum(map(len, qrels.values()))
    )
    return data


def _case(cid: str, obj: dict[str, Any]) -> Case:
    """One candidate judgment as a Case; BadInput if a field is missing or of the wrong type."""
    facts = text_or_none(obj.get("ajjbqk"))
    if facts is None:
        raise BadInput("missing ajjbqk (facts)")
    reasoning, result, full_text = (optional_text(obj, name) for name in ("cpfxgc", "pjjg", "qw"))
    return Case(
        case_id=cid,
        facts=facts.strip(),
        title=optional_text(obj, "writName") or optional_text(obj, "ajName"),
        reasoning=reasoning,
        result=result,
        full_text=full_text,
        charges=extract_charges(reasoning + result),
        articles=parse_citations(full_text),
        court=court_name(full_text),
        year=case_year(full_text),
        source=SOURCE,
    )


def _cases_from_lines(path: Path, reporter: Reporter, encoding: str) -> Iterator[Case]:
    seen: dict[str, int | None] = {}
    for lineno, obj in read_json_lines(path, reporter, encoding):
        cid = record_id(obj.get("cid"))
        if cid is None:
            reporter.problem(path, lineno, "missing cid")
            continue
        if reporter.duplicate(seen, cid, path, lineno):
            continue
        case = reporter.accept(path, lineno, _case, cid, obj, context=f"candidate {cid}: ")
        if case is not None:
            yield case


def _cases_from_files(folder: Path, reporter: Reporter, encoding: str) -> Iterator[Case]:
    seen: set[str] = set()
    for path in sorted(folder.rglob("*.json")):
        cid = path.stem
        if cid in seen:  # the same document in several query folders: read once
            continue
        seen.add(cid)
        obj = read_json_record(path, reporter, encoding)
        if obj is None:
            continue
        case = reporter.accept(path, None, _case, cid, obj, context=f"candidate {cid}: ")
        if case is not None:
            yield case
    reporter.summarise_repeats()


def iter_lecard_v1_cases(
    root: Path | str, on_error: OnError = "skip", report: LoadReport | None = None, encoding: str = "utf-8"
) -> Iterator[Case]:
    """Stream the candidate judgments of LeCaRD v1, each distinct id once.

    ``root`` is the dataset folder (either layout) or a candidates ``.jsonl[.gz]`` file.  Pass a
    :class:`LoadReport` to get the counts and problems once the iterator is exhausted.
    """
    root = Path(root)
    reporter = Reporter(on_error, report)
    if root.is_file():
        yield from _cases_from_lines(root, reporter, encoding)
        return
    for name in _CANDIDATE_FILES:
        if (root / name).is_file():
            yield from _cases_from_lines(root / name, reporter, encoding)
            return
    folder = _candidate_folder(root)
    if folder is None:
        raise BadInput(f"{root}: no {' / '.join(_CANDIDATE_FILES)} and no candidates/ folder")
    yield from _cases_from_files(folder, reporter, encoding)
