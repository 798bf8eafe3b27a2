"""Request and response models of the HTTP API, one group per resource.

Request bodies forbid unknown fields (a misspelt filter should fail, not be ignored); the
``Explanation`` of a hit allows them, so richer explanations from the ``Searcher`` pass through.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from lcr import __version__
from lcr.errors import BadInput
from lcr.index.manifest import Manifest
from lcr.law import ARTICLE_FORMS, STATUTE, criminal_law, describe
from lcr.pipeline import MAX_K, Filters, SearchHit
from lcr.records import Case

MAX_TEXT = 20_000
MAX_SIMILAR = 50
DEFAULT_K = 10

NonEmpty = Annotated[str, Field(min_length=1, max_length=200)]
ArticleKey = Annotated[str, Field(min_length=1, max_length=40, examples=["刑法:133-1", "刑法第133条之一"])]


class FieldError(BaseModel):
    loc: list[str] = Field(description="Where the bad field is, e.g. [\"body\", \"k\"].")
    msg: str


class ErrorResponse(BaseModel):
    """Body of every error: domain errors, 404/405/413/415, and 422 (with ``fields``)."""

    error: str = Field(description="Error name, e.g. CaseNotFound, ValidationError, PayloadTooLarge.")
    detail: str
    fields: list[FieldError] | None = Field(None, description="The bad fields (422 only).")


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorResponse, "description": description}


#: What every route may answer besides its success, all in the one :class:`ErrorResponse` shape.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _error("The body is not valid JSON or not UTF-8 (``detail`` says where)."),
    413: _error("The body is over 256 KB (``PayloadTooLarge``)."),
    415: _error("The body is not ``application/json`` in UTF-8 (``UnsupportedMediaType``)."),
    422: _error("Invalid or missing fields (``ValidationError``), or an unusable query (``BadQuery``, "
                "``BadInput``); ``fields`` names each."),
    500: _error("The server failed (``InternalError``); the cause is in its log."),
    503: _error("No index is being served (``IndexMissing``)."),
}
ADMIN_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _error("No admin token given (``Unauthorized``)."),
    403: _error("Wrong admin token, or a corpus outside the allowed folders (``Forbidden``)."),
    409: _error("A rebuild is already running (``Conflict``)."),
}


# --- health -------------------------------------------------------------------------------------


class HealthResponse(BaseModel):
    status: Literal["ok"] = "ok"
    version: str = Field(description="lcr's version.")
    index: str = Field(description="Folder of the index being served.")
    kind: str
    index_version: int = Field(description="Index format version.")
    created: str
    counts: dict[str, int]
    corpus_checksum: str = Field(description="First 12 hex digits of the corpus checksum.")
    pipeline: str = Field(description="The served pipeline, e.g. hybrid-rrf@0.25>>ranksvm-legal.")
    system: str = Field(description="The served system's catalogue name (its rows in reports/results.json), "
                                    "as the index's manifest names it, e.g. ranksvm-legal.")
    backends: dict[str, str] = Field(default_factory=dict, description="Where the first stage searches: lexical "
                                     "(tantivy | elasticsearch) and vectors (faiss | elasticsearch).")
    models: dict[str, dict[str, str | int | float | bool | None]] = Field(
        description="The manifests' scalar fields of the models the index holds (LCM-LAI, RankSVM).")

    @classmethod
    def from_manifest(cls, index: str, manifest: Manifest, pipeline: str, system: str,
                      models: dict[str, dict[str, Any]], backends: dict[str, str] | None = None) -> HealthResponse:
        scalars = {name: {k: v for k, v in m.items() if isinstance(v, str | int | float | bool) or v is None}
                   for name, m in models.items()}
        return cls(version=__version__, index=index, kind=manifest.kind, index_version=manifest.format_version,
                   created=manifest.created, counts=manifest.counts, corpus_checksum=manifest.corpus_checksum[:12],
                   pipeline=pipeline, system=system, backends=backends or {}, models=scalars)


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


class PredictedArticleOut(BaseModel):
    article: str = Field(examples=["刑法:133-1"])
    name: str
    probability: float = Field(ge=0.0, le=1.0)


class PredictedChargeOut(BaseModel):
    charge: str = Field(examples=["危险驾驶罪"])
    probability: float = Field(ge=0.0, le=1.0)


def _part(description: str | None = None) -> Any:
    """An optional part of an explanation, left out of the response (not sent as null) when absent."""
    return Field(None, description=description, exclude_if=lambda value: value is None)


class ChargeElementsOut(BaseModel):
    """A charge's four elements (犯罪构成四要件), as JUREX-4E's experts state them (first-level points)."""

    charge: str = Field(description="The charge, e.g. 危险驾驶罪.")
    object: str = Field(description="犯罪客体: the legal interest the crime harms.")
    objective: str = Field(description="客观方面: the conduct (and result) the charge requires.")
    subject: str = Field(description="犯罪主体: who can commit it.")
    subjective: str = Field(description="主观方面: intent or negligence.")
    source: str = Field(description="Where the text comes from (JUREX-4E, MIT).")


class Explanation(BaseModel):
    """Why a case was ranked where it is: the parts of :class:`lcr.pipeline.searcher.Explanation`, each
    left out when not computed."""

    model_config = ConfigDict(extra="forbid")

    features: dict[str, float] | None = _part("Ranking features, e.g. bm25_facts.")
    articles: list[str] | None = _part("Criminal Law articles the case cites, named.")
    reasons: list[str] | None = _part("Why this precedent, in legal Chinese (同为危险驾驶罪；均援引刑法第一百三十三条之一…).")
    matched_sentences: list[MatchedSentence] | None = _part("Query/case sentence pairs that matched.")
    predicted_articles: list[PredictedArticleOut] | None = _part("Articles predicted from the query's facts.")
    shared_articles: list[str] | None = _part("Articles shared by the query and the case.")
    predicted_charges: list[PredictedChargeOut] | None = _part("Charges predicted for the query's facts.")
    shared_circumstances: list[str] | None = _part("Sentencing circumstances (关键情节) both cases state.")
    charge_elements: list[ChargeElementsOut] | None = _part(
        "The four elements (犯罪构成四要件, JUREX-4E) of each charge the case shares with the query's predicted "
        "or hinted charges: what both cases' facts satisfy.")
    same_case_as: str | None = _part("A higher-ranked hit this one is another instance (一审/二审) of.")
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
        """Read from the dataclass's attributes (parts left ``None`` are then left out on output, as
        ``SearchHit.to_dict`` leaves them out): 0.2 ms for ten hits, against 4.5 ms through ``to_dict``,
        whose ``dataclasses.asdict`` deep-copies every value."""
        return cls.model_validate(hit, from_attributes=True)


class SearchResponse(BaseModel):
    query: SearchRequest
    took_ms: float
    results: list[Hit]


class PredictRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=MAX_TEXT, description="Facts of a case.")


class PredictResponse(BaseModel):
    took_ms: float
    articles: list[PredictedArticleOut] = Field(description="LAP's articles (empty on an index without LCM-LAI).")
    charges: list[PredictedChargeOut]
    circumstances: list[str] = Field(description="Sentencing circumstances (关键情节) the facts state.")


# --- cases --------------------------------------------------------------------------------------


class CitedArticle(BaseModel):
    article: str = Field(examples=["刑法:133-1"])
    name: str = Field(examples=["刑法第133条之一【危险驾驶罪】"])
    text: str = Field(description="The article's text, quoted from the statute (empty if lcr lacks it).")


class CaseDetail(BaseModel):
    """A judgment as a lawyer reads it: the finding of facts (事实), the court's reasoning (本院认为), the
    judgment (判决结果), and every Criminal Law article it cites, named and quoted."""

    case_id: str
    title: str
    court: str
    year: int | None
    charges: list[str]
    articles: list[str] = Field(description="Every article key the judgment cites, e.g. 刑法:133-1.")
    cited_articles: list[CitedArticle] = Field(description="The cited Criminal Law articles, named and quoted.")
    source: str
    facts: str = Field(description="事实: the court's finding of facts.")
    reasoning: str = Field(description="本院认为: the court's reasoning.")
    result: str = Field(description="判决结果: the judgment.")

    @classmethod
    def from_case(cls, case: Case) -> CaseDetail:
        keys = sorted({a.key for a in case.articles}, key=_article_order)
        law = criminal_law()
        cited = [CitedArticle(article=k, name=describe(k), text=law[k].text if k in law else "")
                 for k in keys if k.startswith(STATUTE + ":")]
        return cls(case_id=case.case_id, title=case.title, court=case.court, year=case.year,
                   charges=case.charges, articles=keys, cited_articles=cited, source=case.source,
                   facts=case.facts, reasoning=case.reasoning, result=case.result)


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
