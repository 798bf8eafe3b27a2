"""Error handling shared by every loader: bad input is reported with file and line, never crashes
half-way and is never dropped silently.

``on_error="raise"`` raises :class:`~lcr.errors.BadInput` (message ``path:line: what``) at the first
problem; ``on_error="skip"`` logs a warning, records a :class:`Problem` in the :class:`LoadReport`
and goes on with the next record.  A file that is unusable as a whole (missing, or a whole-file JSON
document that does not parse) always raises: there is no record to skip.
"""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args

from lcr.errors import BadInput
from lcr.records import ArticleRef

logger = logging.getLogger(__name__)

OnError = Literal["skip", "raise"]


@dataclass(frozen=True)
class Problem:
    """One bad record. ``line`` is 1-based; None where a whole-file JSON document has no line for it."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.message}"


@dataclass
class LoadReport:
    """Counts of one load: records ``read`` = ``ok`` + ``skipped``; one problem per skipped record."""

    read: int = 0
    ok: int = 0
    skipped: int = 0
    problems: list[Problem] = field(default_factory=list)


R = TypeVar("R")


class Reporter:
    """Applies an ``on_error`` policy and keeps the counts of a :class:`LoadReport`."""

    def __init__(self, on_error: OnError = "skip", report: LoadReport | None = None) -> None:
        if on_error not in get_args(OnError):
            raise BadInput(f"on_error must be 'skip' or 'raise', got {on_error!r}")
        self.on_error = on_error
        self.report = report if report is not None else LoadReport()
        self._repeats: dict[str, int] = {}

    def problem(self, path: Path | str, line: int | None, message: str, repeat: str | None = None) -> None:
        """A record that cannot be used: raise, or log it and count it as skipped. Problems sharing a
        ``repeat`` key (one cause, such as a whole file in another encoding) are logged once; the count of
        the others is logged by :meth:`summarise_repeats`."""
        problem = Problem(str(path), line, message)
        if self.on_error == "raise":
            raise BadInput(str(problem))
        if repeat is None or repeat not in self._repeats:
            logger.warning("skipped %s", problem)
        if repeat is not None:
            self._repeats[repeat] = self._repeats.get(repeat, -1) + 1
        self.report.problems.append(problem)
        self.report.skipped += 1

    def summarise_repeats(self) -> None:
        """One warning per repeated cause: how many more records it skipped."""
        for cause, more in self._repeats.items():
            if more:
                logger.warning("skipped %d more records: %s", more, cause)
        self._repeats.clear()

    def accept(self, path: Path | str, line: int | None, build: Callable[..., R], *args: Any,
               context: str = "") -> R | None:
        """The record ``build(*args)`` makes, counted as ok; ``None`` (a problem reported, prefixed by
        ``context``) when it raises ``BadInput``."""
        try:
            record = build(*args)
        except BadInput as err:
            self.problem(path, line, f"{context}{err}")
            return None
        self.report.ok += 1
        return record

    def duplicate(self, seen: dict[str, int | None], key: str, path: Path | str, line: int | None) -> bool:
        """True (and a problem reported) if ``key`` was seen before; the first record is kept."""
        if key in seen:
            first = f" (first at line {seen[key]})" if seen[key] is not None else ""
            self.problem(path, line, f"duplicate id {key!r}{first}; first kept")
            return True
        seen[key] = line
        return False


def require_file(path: Path) -> Path:
    if not path.is_file():
        raise BadInput(f"{path}: no such file")
    return path


class _Unparsable(Exception):
    """Bytes that are not a JSON value: ``line`` (1-based, within the bytes given) and why."""

    def __init__(self, line: int, message: str, repeat: str | None = None) -> None:
        super().__init__(message)
        self.line, self.message, self.repeat = line, message, repeat


def _parse_json(path: Path, raw: bytes, encoding: str) -> Any:
    try:
        text = raw.decode(encoding).lstrip("\ufeff")
    except UnicodeDecodeError as err:
        raise _Unparsable(
            raw[: err.start].count(b"\n") + 1,
            f"not valid {encoding} text (byte {err.start}); if {path.name} uses another encoding, name it "
            f"with --encoding (Python: encoding=), e.g. --encoding gb18030 for GBK text",
            repeat=f"lines of {path} not valid {encoding} text",
        ) from err
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise _Unparsable(err.lineno, f"invalid JSON: {err.msg} (column {err.colno})") from err


def read_json_lines(
    path: Path, reporter: Reporter, encoding: str = "utf-8"
) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` for each JSON-object line of ``path`` (``.gz`` read as gzip).

    Blank lines are ignored; every other line counts as read.  Lines that do not decode, do not
    parse or are not objects are reported.  A truncated gzip stream is reported at the line where it
    breaks and ends the file.
    """
    opener = gzip.open if require_file(path).suffix == ".gz" else open
    lineno = 0
    with opener(path, "rb") as fh:
        try:
            for lineno, raw in enumerate(fh, 1):
                if not raw.strip():
                    continue
                reporter.report.read += 1
                try:
                    obj = _parse_json(path, raw, encoding)
                except _Unparsable as err:
                    reporter.problem(path, lineno, err.message, err.repeat)
                    continue
                if not isinstance(obj, dict):
                    reporter.problem(path, lineno, f"expected a JSON object, got {type(obj).__name__}")
                    continue
                yield lineno, obj
        except (OSError, EOFError) as err:
            reporter.report.read += 1  # the unreadable rest counts as one bad record
            reporter.problem(path, lineno + 1, f"unreadable ({err}); rest of file not read")
    reporter.summarise_repeats()


def read_json_record(path: Path, reporter: Reporter, encoding: str = "utf-8") -> dict[str, Any] | None:
    """A file holding one JSON object (one record of a per-file layout); counted as read, and
    reported like a bad JSON line if it cannot be used."""
    reporter.report.read += 1
    try:
        obj = _parse_json(path, path.read_bytes(), encoding)
    except _Unparsable as err:
        reporter.problem(path, err.line, err.message, err.repeat and f"files not valid {encoding} text")
        return None
    except OSError as err:
        reporter.problem(path, None, f"unreadable ({err})")
        return None
    if not isinstance(obj, dict):
        reporter.problem(path, 1, f"expected a JSON object, got {type(obj).__name__}")
        return None
    return obj


def read_json_file(path: Path, encoding: str = "utf-8") -> Any:
    """A whole-file JSON document (labels, pools); any decoding or syntax error raises BadInput."""
    try:
        return _parse_json(path, require_file(path).read_bytes(), encoding)
    except _Unparsable as err:
        raise BadInput(f"{path}:{err.line}: {err.message}") from err


def lookup(obj: Mapping[str, Any], dotted: str) -> Any:
    """``obj["meta"]["accusation"]`` for ``"meta.accusation"``; None where a step is missing."""
    value: Any = obj
    for step in dotted.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(step)
    return value


def record_id(value: Any) -> str | None:
    """A record id as a string (ints allowed, bools and blanks not)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    return str(value).strip() or None


def text_or_none(value: Any) -> str | None:
    """``value`` if it is a string with non-blank content."""
    return value if isinstance(value, str) and value.strip() else None


def optional_text(obj: Mapping[str, Any], name: str) -> str:
    """An optional text field: missing or null gives ``""``; another type raises BadInput (the
    caller reports it)."""
    value = lookup(obj, name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadInput(f"field {name!r} must be text, got {type(value).__name__}")
    return value


def string_list(value: Any, name: str) -> list[str]:
    """A list of strings (missing gives []); anything else raises BadInput."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadInput(f"field {name!r} must be a list of strings")
    return [v.strip() for v in value if v.strip()]


def criminal_law_refs(value: Any, name: str) -> list[ArticleRef]:
    """Criminal Law article numbers (ints or digit strings) as refs; anything else raises BadInput."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadInput(f"field {name!r} must be a list of article numbers")
    refs = []
    for v in value:
        if isinstance(v, bool) or not (isinstance(v, int) or isinstance(v, str) and v.strip().isdigit()):
            raise BadInput(f"field {name!r} holds {v!r}, not an article number")
        refs.append(ArticleRef("刑法", int(v)))
    return list(dict.fromkeys(refs))
