"""``GET /v1/cases/{case_id}`` and ``GET /v1/cases/{case_id}/similar``.

"Similar" queries with the case's finding of facts only, never its reasoning or sentence, and leaves
the case itself out of the results.
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Path, Query

from lcr.api.deps import SearcherDep
from lcr.api.models import DEFAULT_K, MAX_K, CaseDetail, ErrorResponse, Hit, SimilarResponse

router = APIRouter(prefix="/cases", tags=["cases"], responses={404: {"model": ErrorResponse}})

CaseId = Annotated[str, Path(min_length=1, max_length=200, description="Case id as indexed.")]


@router.get("/{case_id}", response_model=CaseDetail)
def get_case(case_id: CaseId, searcher: SearcherDep) -> CaseDetail:
    return CaseDetail.from_case(searcher.store.get(case_id))


@router.get("/{case_id}/similar", response_model=SimilarResponse)
def similar(
    case_id: CaseId,
    searcher: SearcherDep,
    k: Annotated[int, Query(ge=1, le=MAX_K, description="Number of results.")] = DEFAULT_K,
) -> SimilarResponse:
    start = time.perf_counter()
    hits = searcher.similar(case_id, k)
    took_ms = (time.perf_counter() - start) * 1000
    return SimilarResponse(case_id=case_id, k=k, took_ms=round(took_ms, 2), results=[Hit.from_hit(h) for h in hits])
