"""Run and qrels files: TREC text format and the LeCaRD JSON run format.

TREC run: one line per ranked document, ``qid Q0 docid rank score tag`` (whitespace separated).
Reading keeps the scores and ignores the rank column, as trec_eval does; writing orders each query
with :func:`lcr.records.ranking` (score descending, ties by document id) and numbers ranks 1..n,
with scores written exactly (``repr``), so a written run reads back identical.

TREC qrels: ``qid iteration docid grade``. LeCaRDv2's ``relevence.trec`` is in this format.

LeCaRD JSON run: ``{qid: [docid, ...]}``, best first, as in LeCaRD's ``prediction/`` folder. Upstream
stores ``bm25_top100.json`` and ``tfidf_top100.json`` worst first (its ``metrics.py`` reverses them),
and ``bert.json`` holds 4 runs as 4 JSON lines.

Paths ending in ``.gz`` are read and written gzip-compressed. Malformed input raises
:class:`~lcr.errors.BadInput` naming ``file:line``.
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from lcr.errors import BadInput
from lcr.records import Qrels, Run, ranking

# LeCaRD prediction files stored worst first (upstream metrics.py reverses exactly these).
LECARD_WORST_FIRST = frozenset({"bm25_top100.json", "tfidf_top100.json"})


def read_run(path: str | Path) -> Run:
    """Read a TREC run file (``qid Q0 docid rank score tag``) into a :data:`~lcr.records.Run`."""
    run: Run = {}
    for where, cols in _rows(path):
        if len(cols) != 6:
            raise BadInput(f"{where}: expected 6 columns 'qid Q0 docid rank score tag', got {len(cols)}")
        qid, _, doc, _, score_text, _ = cols
        score = _parse_score(score_text, where)
        docs = run.setdefault(qid, {})
        if doc in docs:
            raise BadInput(f"{where}: document {doc!r} listed twice for query {qid!r}")
        docs[doc] = score
    return run


def write_run(run: Run, path: str | Path, tag: str = "lcr", depth: int | None = None) -> None:
    """Write ``run`` as a TREC run file, queries in key order, at most ``depth`` documents each.

    Ranks are 1..n in :func:`~lcr.records.ranking` order, so ties are broken by document id.
    """
    if not tag or any(c.isspace() for c in tag):
        raise BadInput(f"run tag must be a non-empty word without spaces, got {tag!r}")
    if depth is not None and depth < 1:
        raise BadInput(f"depth must be >= 1, got {depth}")
    with _open(path, "w") as out:
        for qid, scores in run.items():
            _check_id(qid, "query id")
            for doc, score in scores.items():
                _check_id(doc, "document id")
                if not math.isfinite(score):
                    raise BadInput(f"score of {doc!r} for query {qid!r} is not finite: {score!r}")
            for rank, doc in enumerate(ranking(scores)[:depth], start=1):
                out.write(f"{qid} Q0 {doc} {rank} {float(scores[doc])!r} {tag}\n")


def read_qrels(path: str | Path) -> Qrels:
    """Read a TREC qrels file (``qid iteration docid grade``) into :data:`~lcr.records.Qrels`."""
    qrels: Qrels = {}
    for where, cols in _rows(path):
        if len(cols) != 4:
            raise BadInput(f"{where}: expected 4 columns 'qid iteration docid grade', got {len(cols)}")
        qid, _, doc, grade_text = cols
        try:
            grade = int(grade_text)
        except ValueError:
            raise BadInput(f"{where}: grade {grade_text!r} is not an integer") from None
        docs = qrels.setdefault(qid, {})
        if doc in docs:
            raise BadInput(f"{where}: document {doc!r} judged twice for query {qid!r}")
        docs[doc] = grade
    return qrels


def write_qrels(qrels: Qrels, path: str | Path) -> None:
    """Write ``qrels`` as a TREC qrels file (iteration column 0), in key order."""
    with _open(path, "w") as out:
        for qid, docs in qrels.items():
            _check_id(qid, "query id")
            for doc, grade in docs.items():
                _check_id(doc, "document id")
                out.write(f"{qid} 0 {doc} {int(grade)}\n")


def read_lecard_runs(path: str | Path, worst_first: bool | None = None) -> list[Run]:
    """Read every run of a LeCaRD JSON run file: one JSON document, or one per line (``bert.json``).

    Each run maps ``qid -> [docid, ...]``; the list is best first unless ``worst_first``. With
    ``worst_first=None`` the upstream convention applies: worst first for the files named in
    :data:`LECARD_WORST_FIRST`, best first otherwise. Scores are ``n - position`` (``n`` = list
    length), so :func:`~lcr.records.ranking` gives back the stored order.
    """
    path = Path(path)
    if worst_first is None:
        worst_first = path.name.removesuffix(".gz") in LECARD_WORST_FIRST
    text = "".join(_lines(path))
    try:
        documents = [(1, json.loads(text))]
    except json.JSONDecodeError as whole:
        documents = []
        for lineno, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                documents.append((lineno, json.loads(line)))
            except json.JSONDecodeError as e:
                if not documents:  # not JSON lines either: report the whole-document error
                    raise BadInput(f"{path}:{whole.lineno}: not JSON ({whole.msg})") from None
                raise BadInput(f"{path}:{lineno}: not JSON ({e.msg})") from None
    return [_lecard_run(doc, f"{path}:{lineno}", worst_first) for lineno, doc in documents]


def read_lecard_run(path: str | Path, worst_first: bool | None = None) -> Run:
    """Read a LeCaRD JSON run file that holds exactly one run (see :func:`read_lecard_runs`)."""
    runs = read_lecard_runs(path, worst_first)
    if len(runs) != 1:
        raise BadInput(f"{path}: holds {len(runs)} runs; use read_lecard_runs")
    return runs[0]


def _lecard_run(document: object, where: str, worst_first: bool) -> Run:
    if not isinstance(document, dict):
        raise BadInput(f"{where}: expected a JSON object {{qid: [docid, ...]}}")
    run: Run = {}
    for qid, docs in document.items():
        if not isinstance(docs, list):
            raise BadInput(f"{where}: query {qid!r}: expected a list of document ids")
        ordered = [str(d) for d in (reversed(docs) if worst_first else docs)]
        if len(set(ordered)) != len(ordered):
            raise BadInput(f"{where}: query {qid!r} lists a document twice")
        n = len(ordered)
        run[str(qid)] = {doc: float(n - i) for i, doc in enumerate(ordered)}
    return run


def _rows(path: str | Path) -> Iterator[tuple[str, list[str]]]:
    """Non-blank lines of a whitespace-separated file as (``file:line``, columns)."""
    for lineno, line in enumerate(_lines(path), start=1):
        cols = line.split()
        if cols:
            yield f"{path}:{lineno}", cols


def _lines(path: str | Path) -> Iterator[str]:
    """Lines of a UTF-8 text file (gzip-compressed if the name ends in ``.gz``)."""
    try:
        with _open(path, "r") as f:
            yield from f
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file") from None
    except (UnicodeDecodeError, gzip.BadGzipFile, EOFError) as e:
        raise BadInput(f"{path}: unreadable ({e})") from None


def _parse_score(text: str, where: str) -> float:
    try:
        score = float(text)
    except ValueError:
        raise BadInput(f"{where}: score {text!r} is not a number") from None
    if not math.isfinite(score):
        raise BadInput(f"{where}: score {text!r} is not finite")
    return score


def _check_id(value: str, what: str) -> None:
    if not value or any(c.isspace() for c in value):
        raise BadInput(f"{what} {value!r} is empty or contains whitespace; TREC files cannot hold it")


def _open(path: str | Path, mode: str) -> IO[str]:
    if str(path).endswith(".gz"):
        return gzip.open(path, mode + "t", encoding="utf-8")
    return open(path, mode, encoding="utf-8")
