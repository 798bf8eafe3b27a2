"""The typed records every stage of lcr speaks.

Ids are strings everywhere (LeCaRD query ids can be negative integers; label files key them as
strings), so a run, a qrels file and the case store always agree on the key type.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lcr.errors import BadInput


@dataclass(frozen=True, order=True)
class ArticleRef:
    """One cited provision: statute, article number, 之一-style sub-article, paragraph (款), item (项)."""

    statute: str
    article: int
    sub: int = 0
    paragraph: int | None = None
    item: int | None = None

    @property
    def key(self) -> str:
        """Article-level label, e.g. ``"刑法:133"`` or ``"刑法:133-1"`` (paragraph dropped)."""
        return f"{self.statute}:{self.article}" + (f"-{self.sub}" if self.sub else "")


@dataclass
class Case:
    """A judgment in a searchable corpus.

    ``facts`` is the court's finding of facts (the only part models may read); ``reasoning`` and
    ``result`` are the court's analysis and sentence; ``full_text`` is the whole judgment.
    ``articles`` / ``charges`` are what the judgment itself cites and convicts of.
    """

    case_id: str
    facts: str
    title: str = ""
    reasoning: str = ""
    result: str = ""
    full_text: str = ""
    charges: list[str] = field(default_factory=list)
    articles: list[ArticleRef] = field(default_factory=list)
    court: str = ""
    year: int | None = None
    source: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.case_id, str) or not self.case_id:
            raise BadInput(f"case id must be a non-empty string, got {self.case_id!r}")

    def field_text(self, name: str) -> str:
        """Text of a named field (``facts``, ``reasoning``, ``result``, ``full_text``, ``title``)."""
        if name not in TEXT_FIELDS:
            raise BadInput(f"unknown text field {name!r}; choose one of {', '.join(TEXT_FIELDS)}")
        value = getattr(self, name)
        if name == "full_text" and not value:
            return "\n".join(p for p in (self.title, self.facts, self.reasoning, self.result) if p)
        return value


TEXT_FIELDS = ("facts", "reasoning", "result", "full_text", "title")


@dataclass
class Query:
    """A search request: the facts of a case. ``charges`` are gold labels for evaluation only,
    never an input to any model."""

    qid: str
    text: str
    charges: list[str] = field(default_factory=list)
    source: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.qid, str) or not self.qid:
            raise BadInput(f"query id must be a non-empty string, got {self.qid!r}")


@dataclass
class ScoredCase:
    """One entry of a ranking."""

    case_id: str
    score: float
    rank: int = 0
    features: dict[str, float] = field(default_factory=dict)


# qid -> case_id -> grade
Qrels = dict[str, dict[str, int]]
# qid -> case_id -> score (higher is better); TREC-style
Run = dict[str, dict[str, float]]


def ranking(run_for_query: dict[str, float]) -> list[str]:
    """Case ids best first; ties broken by case id so every ranking is deterministic."""
    return [cid for cid, _ in sorted(run_for_query.items(), key=lambda kv: (-kv[1], kv[0]))]
