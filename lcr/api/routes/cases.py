"""``GET /v1/cases/{case_id}`` and ``GET /v1/cases/{case_id}/similar``.

"Similar" queries with the case's finding of facts only, never its reasoning or sentence, and leaves
the case itself out of the results.
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from lcr.api.deps import SearcherDep
from lcr.api.models import (
    DEFAULT_K,
    MAX_SIMILAR,
    CaseDetail,
    ErrorResponse,
    Hit,
    SearchFilters,
    SimilarResponse,
)
from lcr.law import ARTICLE_FORMS

router = APIRouter(prefix="/cases", tags=["cases"], responses={404: {"model": ErrorResponse}})

CaseId = Annotated[str, Path(min_length=1, max_length=200, description="Case id as indexed.")]


@router.get("/{case_id}", response_model=CaseDetail)
def get_case(case_id: CaseId, searcher: SearcherDep) -> CaseDetail:
    return CaseDetail.from_case(searcher.store.get(case_id))


@router.get("/{case_id}/similar", response_model=SimilarResponse)
def similar(
    case_id: CaseId,
    searcher: SearcherDep,
    k: Annotated[int, Query(ge=1, le=MAX_SIMILAR, description="Number of results.")] = DEFAULT_K,
    charges: Annotated[list[str] | None, Query(description="Only cases convicted of one of these charges.")] = None,
    articles: Annotated[list[str] | None, Query(description=f"Only cases citing one of these: {ARTICLE_FORMS}.")]
    = None,
    court: Annotated[str | None, Query(min_length=1, max_length=200, description="Court name contains.")] = None,
    year_from: Annotated[int | None, Query(description="Earliest judgment year.")] = None,
    year_to: Annotated[int | None, Query(description="Latest judgment year.")] = None,
) -> SimilarResponse:
    """Cases similar to an indexed one (from its facts only), with the same filters as a search."""
    try:  # the search's own filter model: a bad filter is the same 422 ValidationError, with its fields
        filters = SearchFilters(charges=charges, articles=articles, court=court, year_from=year_from,
                                year_to=year_to).to_filters()
    except ValidationError as e:
        raise RequestValidationError([{**err, "loc": ("query", *err["loc"])} for err in e.errors()]) from None
    start = time.perf_counter()
    hits = searcher.similar(case_id, k, filters)
    took_ms = (time.perf_counter() - start) * 1000
    return SimilarResponse(case_id=case_id, k=k, took_ms=round(took_ms, 2), results=[Hit.from_hit(h) for h in hits])
