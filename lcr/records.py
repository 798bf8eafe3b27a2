"""The typed records every stage of lcr speaks.

Ids are strings everywhere (LeCaRD query ids can be negative integers; label files key them as
strings), so a run, a qrels file and the case store always agree on the key type.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from lcr.errors import BadInput

T = TypeVar("T")

#: The most results one search returns: the API, the CLI and the page all take this limit.
MAX_K = 100


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


class QueryContext:
    """What the stages computed for one query while ranking it (its encoded sentences, the model's view of
    it, its pair matches, charge votes, feature values), kept per stage.

    It lives on the :class:`Query`, so the stages themselves hold no per-request state: one pipeline is
    shared by every thread of the server, and concurrent requests neither see nor evict each other's
    work. Keys are the stage objects, held weakly: a fold's stages going away takes their entries along,
    and a new stage at the same address never reads an old one's values."""

    def __init__(self) -> None:
        self._by_stage: weakref.WeakKeyDictionary[object, dict[Any, Any]] = weakref.WeakKeyDictionary()

    def memo(self, stage: object, key: Any, compute: Callable[[], T]) -> T:
        """``stage``'s value under ``key`` for this query, computed by ``compute`` on first use."""
        values = self._by_stage.setdefault(stage, {})
        if key not in values:
            values[key] = compute()
        return values[key]

    def values(self, stage: object) -> dict[Any, Any]:
        """``stage``'s own mutable entries for this query (for memos filled incrementally)."""
        return self._by_stage.setdefault(stage, {})


@dataclass
class Query:
    """A search request: the facts of a case. ``charges`` are gold labels for evaluation only,
    never an input to any model; ``hint_charges`` are the charges the user believes apply, a hint the
    ranking may boost by (never a filter). ``context`` holds the stages' per-query work (not an input:
    ``dataclasses.replace`` gives the new query an empty one)."""

    qid: str
    text: str
    charges: list[str] = field(default_factory=list)
    source: str = ""
    hint_charges: list[str] = field(default_factory=list)
    context: QueryContext = field(default_factory=QueryContext, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.qid, str) or not self.qid:
            raise BadInput(f"query id must be a non-empty string, got {self.qid!r}")


@dataclass(frozen=True)
class SentencePair:
    """A query sentence and the candidate sentence it attends to most, with the weight that links them
    (attention × the query sentence's salience)."""

    query_sentence: str
    case_sentence: str
    weight: float


@dataclass(frozen=True)
class PredictedArticle:
    """A law article predicted for the query from its facts (LAP), e.g. ``"刑法:133-1"``."""

    article: str
    name: str
    probability: float


@dataclass(frozen=True)
class PredictedCharge:
    """A charge predicted for the query from its facts (neighbours' charges and LAP; a hint boosts)."""

    charge: str
    probability: float


@dataclass
class Evidence:
    """Why a case ranks where it does, as the stages computed it while ranking (nothing recomputed):
    the closest sentence pairs (LCM-LAI), the articles and charges predicted for the query (LAP), the
    sentencing circumstances both cases state, and each reranking feature's share of the score
    (RankSVM; the shares sum to the score)."""

    matched_sentences: list[SentencePair] = field(default_factory=list)
    predicted_articles: list[PredictedArticle] = field(default_factory=list)
    contributions: dict[str, float] = field(default_factory=dict)
    predicted_charges: list[PredictedCharge] = field(default_factory=list)
    shared_circumstances: list[str] = field(default_factory=list)

    def merged(self, other: Evidence | None) -> Evidence:
        """This evidence with the parts it lacks taken from ``other``."""
        if other is None:
            return self
        return Evidence(self.matched_sentences or other.matched_sentences,
                        self.predicted_articles or other.predicted_articles,
                        self.contributions or other.contributions,
                        self.predicted_charges or other.predicted_charges,
                        self.shared_circumstances or other.shared_circumstances)


@dataclass
class ScoredCase:
    """One entry of a ranking."""

    case_id: str
    score: float
    rank: int = 0
    features: dict[str, float] = field(default_factory=dict)
    evidence: Evidence | None = None


# qid -> case_id -> grade
Qrels = dict[str, dict[str, int]]
# qid -> case_id -> score (higher is better); TREC-style
Run = dict[str, dict[str, float]]


def ranking(run_for_query: dict[str, float]) -> list[str]:
    """Case ids best first; ties broken by case id so every ranking is deterministic."""
    return [cid for cid, _ in sorted(run_for_query.items(), key=lambda kv: (-kv[1], kv[0]))]
