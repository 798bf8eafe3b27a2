"""One entry point per corpus format, so the CLI can name a format instead of a loader."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from data_tools.cail2018 import iter_cail2018
from data_tools.jsonl import iter_jsonl_cases
from data_tools.lecard import iter_lecard_v1_cases, load_lecard_v1
from data_tools.lecardv2 import iter_lecardv2_cases, load_lecardv2
from data_tools.loading import LoadReport, OnError
from lcr.errors import BadInput
from lcr.records import Case, Query

CORPUS_FORMATS = ("lecard-v1", "lecardv2", "cail2018", "jsonl")


def iter_corpus(fmt: str, path: Path, on_error: OnError = "skip", report: LoadReport | None = None,
                encoding: str = "utf-8", fields: Mapping[str, str] | None = None) -> Iterator[Case]:
    """Stream the cases of a corpus: ``lecard-v1`` (a LeCaRD folder), ``lecardv2`` (a candidate folder or
    JSONL file), ``cail2018`` (a JSON-lines file) or ``jsonl`` (one case per line: ``id``, ``fact`` and the
    Case fields ``fields`` maps, e.g. ``{"title": "name", "charges": "meta.accusation", "id": "uuid"}``;
    ``id`` and ``facts`` there rename the two required fields). ``fields`` is for ``jsonl`` only."""
    if fields and fmt != "jsonl":
        raise BadInput(f"field mappings apply to --format jsonl only, not {fmt}")
    if fmt == "lecard-v1":
        return iter_lecard_v1_cases(path, on_error=on_error, report=report, encoding=encoding)
    if fmt == "lecardv2":
        return iter_lecardv2_cases(path, on_error=on_error, report=report, encoding=encoding)
    if fmt == "cail2018":
        return iter_cail2018(path, on_error=on_error, report=report, encoding=encoding)
    if fmt == "jsonl":
        mapped = dict(fields or {})
        return iter_jsonl_cases(path, id_field=mapped.pop("id", "id"), facts_field=mapped.pop("facts", "fact"),
                                fields=mapped, on_error=on_error, report=report, encoding=encoding)
    raise BadInput(f"unknown corpus format {fmt!r}; choose one of {', '.join(CORPUS_FORMATS)}")


def load_benchmark(dataset: str, root: Path):
    """Queries and judgments of a benchmark: returns ``(dataset object, {qid: Query})``."""
    if dataset == "lecard-v1":
        ds = load_lecard_v1(root)
    elif dataset in ("lecardv2", "lecard-v2"):
        ds = load_lecardv2(root)
    else:
        raise BadInput(f"unknown benchmark {dataset!r}; choose lecard-v1 or lecardv2")
    queries: dict[str, Query] = {q.qid: q for q in ds.queries}
    return ds, queries
