"""CAIL2018 (Xiao et al. 2018) criminal cases into :class:`~lcr.records.Case` records.

One JSON object per line: ``fact``, ``meta.relevant_articles`` (Criminal Law article numbers),
``meta.accusation`` (charge names without 罪, sometimes in bracket notation such as
``[走私、贩卖、运输、制造]毒品``; mapped to official names by :func:`~data_tools.charges.canonical_charge`).
The shared sample adds ``id`` and ``split``; raw CAIL2018 files have
neither, so the id falls back to ``<file stem>-<line>``.  The split is kept in ``source``
(``cail2018-train``); raw CAIL2018 training files are GB18030: pass ``encoding="gb18030"``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from data_tools.charges import canonical_charge
from data_tools.loading import (
    LoadReport,
    OnError,
    Reporter,
    criminal_law_refs,
    lookup,
    read_json_lines,
    record_id,
    string_list,
    text_or_none,
)
from lcr.records import Case

SOURCE = "cail2018"


def iter_cail2018(
    path: Path | str, on_error: OnError = "skip", report: LoadReport | None = None, encoding: str = "utf-8"
) -> Iterator[Case]:
    """Stream the cases of one CAIL2018 JSON-lines file."""
    path = Path(path)
    reporter = Reporter(on_error, report)
    seen: dict[str, int | None] = {}
    for lineno, obj in read_json_lines(path, reporter, encoding):
        case_id = record_id(obj.get("id")) if "id" in obj else f"{path.stem}-{lineno}"
        facts = text_or_none(obj.get("fact"))
        if case_id is None or facts is None:
            reporter.problem(path, lineno, f"missing {'id' if case_id is None else 'fact'}")
            continue
        if reporter.duplicate(seen, case_id, path, lineno):
            continue
        case = reporter.accept(path, lineno, _case, case_id, facts, obj)
        if case is not None:
            yield case


def _case(case_id: str, facts: str, obj: dict[str, Any]) -> Case:
    split = obj.get("split")
    return Case(
        case_id=case_id,
        facts=facts.strip(),
        charges=[canonical_charge(c) for c in string_list(lookup(obj, "meta.accusation"), "meta.accusation")],
        articles=criminal_law_refs(lookup(obj, "meta.relevant_articles"), "meta.relevant_articles"),
        source=f"{SOURCE}-{split}" if isinstance(split, str) and split else SOURCE,
    )
