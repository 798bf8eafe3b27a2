"""Request and response models of the HTTP API, one group per resource.

Request bodies forbid unknown fields (a misspelt filter should fail, not be ignored); the
``Explanation`` of a hit allows them, so richer explanations from the ``Searcher`` pass through.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from lcr.errors import BadInput
from lcr.index.manifest import Manifest
from lcr.law import ARTICLE_FORMS
from lcr.pipeline import Filters, SearchHit
from lcr.records import Case

MAX_TEXT = 20_000
MAX_K = 100
DEFAULT_K = 10

NonEmpty = Annotated[str, Field(min_length=1, max_length=200)]
ArticleKey = Annotated[str, Field(min_length=1, max_length=40, examples=["刑法:133-1", "刑法第133条之一"])]


class ErrorResponse(BaseModel):
    """Body of every domain error (validation errors keep FastAPI's 422 body)."""

    error: str = Field(description="Error class, e.g. CaseNotFound.")
    detail: str


# --- health -------------------------------------------------------------------------------------


class HealthResponse(BaseModel):
    status: Literal["ok"] = "ok"
    index: str = Field(description="Folder of the index being served.")
    kind: str
    created: str
    counts: dict[str, int]
    corpus_checksum: str = Field(description="First 12 hex digits of the corpus checksum.")

    @classmethod
    def from_manifest(cls, index: str, manifest: Manifest) -> HealthResponse:
        return cls(index=index, kind=manifest.kind, created=manifest.created, counts=manifest.counts,
                   corpus_checksum=manifest.corpus_checksum[:12])


# --- search -------------------------------------------------------------------------------------


class SearchFilters(BaseModel):
    """Restrict results; every filter given must hold (a list matches any of its values)."""

    model_config = ConfigDict(extra="forbid")

    charges: list[NonEmpty] | None = Field(None, min_length=1, examples=[["危险驾驶罪"]])
    articles: list[ArticleKey] | None = Field(None, min_length=1, description=f"Articles: {ARTICLE_FORMS}.")
    court: NonEmpty | None = Field(None, description="Substring of the court name.")
    year_from: int | None = Field(None, ge=1949, le=2100)
    year_to: int | None = Field(None, ge=1949, le=2100)
    _filters: Filters = PrivateAttr()

    @model_validator(mode="after")
    def _valid(self) -> SearchFilters:
        """The search's own checks (the CLI runs the same), reported as a field error."""
        try:
            self._filters = Filters(self.charges, self.articles, self.court, self.year_from, self.year_to)
        except BadInput as e:
            raise ValueError(str(e)) from None
        return self

    def to_filters(self) -> Filters:
        return self._filters


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=MAX_TEXT, description="Facts of the case to find precedents for.")
    k: int = Field(DEFAULT_K, ge=1, le=MAX_K, description="Number of results.")
    filters: SearchFilters | None = None
    charge_hint: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(
        default_factory=list, max_length=10,
        description="Charges you believe apply (e.g. 危险驾驶罪): they boost matching cases, never filter.")


class MatchedSentence(BaseModel):
    query_sentence: str
    case_sentence: str
    weight: float


class PredictedArticle(BaseModel):
    article: str = Field(examples=["刑法:133-1"])
    name: str
    probability: float = Field(ge=0.0, le=1.0)


class PredictedChargeOut(BaseModel):
    charge: str = Field(examples=["危险驾驶罪"])
    probability: float = Field(ge=0.0, le=1.0)


def _part(description: str | None = None) -> Any:
    """An optional part of an explanation, left out of the response (not sent as null) when absent."""
    return Field(None, description=description, exclude_if=lambda value: value is None)


class Explanation(BaseModel):
    """Why a case was ranked where it is; every part is optional and unknown parts pass through."""

    model_config = ConfigDict(extra="allow")

    features: dict[str, float] | None = _part("Ranking features, e.g. bm25_facts.")
    articles: list[str] | None = _part("Criminal Law articles the case cites, named.")
    why: list[str] | None = _part("Plain-language reasons.")
    matched_sentences: list[MatchedSentence] | None = _part("Query/case sentence pairs that matched.")
    predicted_articles: list[PredictedArticle] | None = _part("Articles predicted from the query's facts.")
    shared_articles: list[str] | None = _part("Articles shared by the query and the case.")
    predicted_charges: list[PredictedChargeOut] | None = _part("Charges predicted for the query's facts.")
    shared_circumstances: list[str] | None = _part("Sentencing circumstances (关键情节) both cases state.")
    contributions: dict[str, float] | None = _part("Each feature's share of the score.")


class Hit(BaseModel):
    case_id: str
    rank: int
    score: float
    title: str
    court: str
    year: int | None
    charges: list[str]
    articles: list[str] = Field(description="Criminal Law article keys the case cites, e.g. 刑法:133-1.")
    snippet: str
    explanation: Explanation = Field(default_factory=Explanation)

    @classmethod
    def from_hit(cls, hit: SearchHit) -> Hit:
        return cls.model_validate(asdict(hit))


class SearchResponse(BaseModel):
    query: SearchRequest
    took_ms: float
    results: list[Hit]


# --- cases --------------------------------------------------------------------------------------


class CaseDetail(BaseModel):
    """A case's metadata and its finding of facts (not the court's reasoning or sentence)."""

    case_id: str
    title: str
    court: str
    year: int | None
    charges: list[str]
    articles: list[str] = Field(description="Every article key the judgment cites, e.g. 刑法:133-1.")
    source: str
    facts: str

    @classmethod
    def from_case(cls, case: Case) -> CaseDetail:
        return cls(case_id=case.case_id, title=case.title, court=case.court, year=case.year,
                   charges=case.charges, articles=sorted({a.key for a in case.articles}, key=_article_order),
                   source=case.source, facts=case.facts)


def _article_order(key: str) -> tuple[str, int, int]:
    """``"刑法:133-1"`` -> ``("刑法", 133, 1)``, so 刑法:37 sorts before 刑法:133."""
    statute, _, rest = key.partition(":")
    number, _, sub = rest.partition("-")
    return statute, int(number) if number.isdigit() else 0, int(sub) if sub.isdigit() else 0


class SimilarResponse(BaseModel):
    case_id: str
    k: int
    took_ms: float
    results: list[Hit]
