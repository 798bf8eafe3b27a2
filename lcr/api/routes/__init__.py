"""One router per resource, mounted under ``/v1`` by ``create_app``."""

from fastapi import APIRouter

from lcr.api.models import ERROR_RESPONSES
from lcr.api.routes import articles, cases, health, search

api_router = APIRouter(responses=ERROR_RESPONSES)
api_router.include_router(health.router)
api_router.include_router(search.router)
api_router.include_router(cases.router)
api_router.include_router(articles.router)

__all__ = ["api_router"]
