"""``POST /v1/search``: facts in, ranked precedents with explanations out.

A plain ``def`` endpoint: FastAPI runs it in its threadpool, so a slow search never blocks the event loop.
"""

from __future__ import annotations

import time

from fastapi import APIRouter

from lcr.api.deps import SearcherDep
from lcr.api.models import Hit, SearchRequest, SearchResponse

router = APIRouter(tags=["search"])


@router.post("/search", response_model=SearchResponse)
def search(body: SearchRequest, searcher: SearcherDep) -> SearchResponse:
    filters = body.filters.to_filters() if body.filters is not None else None
    start = time.perf_counter()
    hits = searcher.search(body.text, body.k, filters, charge_hint=body.charge_hint)
    took_ms = (time.perf_counter() - start) * 1000
    return SearchResponse(query=body, took_ms=round(took_ms, 2), results=[Hit.from_hit(h) for h in hits])
