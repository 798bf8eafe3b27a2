"""A generic JSON-lines corpus loader: map fields of your records onto :class:`~lcr.records.Case`.

``fields`` maps Case attributes to (dotted) JSON fields, e.g. ``{"title": "name", "charges":
"meta.accusation"}``.  Text attributes (title, reasoning, result, full_text, court) take strings;
``year`` an integer; ``charges`` a list of strings (kept as given); ``articles`` a list of Criminal
Law article numbers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from data_tools.loading import (
    LoadReport,
    OnError,
    Reporter,
    criminal_law_refs,
    lookup,
    optional_text,
    read_json_lines,
    record_id,
    string_list,
    text_or_none,
)
from lcr.errors import BadInput
from lcr.records import Case

_TEXT = ("title", "reasoning", "result", "full_text", "court")
MAPPABLE = (*_TEXT, "year", "charges", "articles")


def _year(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not (
        isinstance(value, int) or isinstance(value, str) and value.strip().isdigit()
    ):
        raise BadInput(f"field {name!r} must be a year, got {value!r}")
    return int(value)


def _extras(obj: dict[str, Any], fields: Mapping[str, str]) -> dict[str, Any]:
    """Case keyword arguments for the mapped optional fields; BadInput on a wrong type."""
    extras: dict[str, Any] = {}
    for attr, name in fields.items():
        if attr in _TEXT:
            extras[attr] = optional_text(obj, name)
        elif attr == "year":
            extras[attr] = _year(lookup(obj, name), name)
        elif attr == "charges":
            extras[attr] = string_list(lookup(obj, name), name)
        else:
            extras[attr] = criminal_law_refs(lookup(obj, name), name)
    return extras


def iter_jsonl_cases(
    path: Path | str,
    *,
    id_field: str = "id",
    facts_field: str = "fact",
    fields: Mapping[str, str] | None = None,
    source: str = "",
    on_error: OnError = "skip",
    report: LoadReport | None = None,
    encoding: str = "utf-8",
) -> Iterator[Case]:
    """Stream Cases from a JSON-lines file (``.gz`` allowed); id and facts are required."""
    fields = dict(fields or {})
    unknown = sorted(set(fields) - set(MAPPABLE))
    if unknown:
        raise BadInput(f"cannot map onto Case: {', '.join(unknown)}; mappable: {', '.join(MAPPABLE)}")
    path = Path(path)
    reporter = Reporter(on_error, report)
    seen: dict[str, int | None] = {}
    for lineno, obj in read_json_lines(path, reporter, encoding):
        case_id, facts = record_id(lookup(obj, id_field)), text_or_none(lookup(obj, facts_field))
        if case_id is None or facts is None:
            reporter.problem(path, lineno, f"missing {id_field if case_id is None else facts_field}")
            continue
        if reporter.duplicate(seen, case_id, path, lineno):
            continue
        case = reporter.accept(path, lineno, _case, case_id, facts, source, obj, fields)
        if case is not None:
            yield case


def _case(case_id: str, facts: str, source: str, obj: dict[str, Any], fields: Mapping[str, str]) -> Case:
    return Case(case_id=case_id, facts=facts.strip(), source=source, **_extras(obj, fields))
