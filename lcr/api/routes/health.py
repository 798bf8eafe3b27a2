"""``GET /v1/health``: is the index open, and which one is it."""

from __future__ import annotations

from fastapi import APIRouter

from lcr.api.deps import SearcherDep
from lcr.api.models import HealthResponse

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthResponse)
def health(searcher: SearcherDep) -> HealthResponse:
    return HealthResponse.from_manifest(str(searcher.index_dir), searcher.manifest, searcher.pipeline_name,
                                        searcher.spec.name, searcher.model_manifests(), searcher.bundle.backends)
