"""The FastAPI application factory.

``create_app`` opens the ``Searcher`` itself (so a missing index fails before a server starts) and
nothing happens at import time, so tests build one app per index.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from lcr import __version__
from lcr.api.routes import api_router
from lcr.errors import LcrError
from lcr.pipeline import Searcher

log = logging.getLogger(__name__)

API_PREFIX = "/v1"


def create_app(index: str | Path, searcher: Searcher | None = None) -> FastAPI:
    """An app serving ``index`` (a path or a name under ``indexes/``), or the given ``searcher``.

    Raises ``IndexMissing`` / ``IndexMismatch`` when the index cannot be opened. A searcher the app
    opens is closed at shutdown; one passed in stays the caller's.
    """
    owned = searcher is None
    searcher = Searcher.open(index) if searcher is None else searcher
    log.info("serving index %s (%s)", searcher.index_dir, searcher.manifest.counts)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            searcher.store.close()

    app = FastAPI(
        title="lcr",
        summary="Chinese legal case retrieval: facts in, ranked precedents with explanations out.",
        version=__version__,
        lifespan=lifespan,
    )
    app.state.searcher = searcher
    app.add_exception_handler(LcrError, _lcr_error)
    app.include_router(api_router, prefix=API_PREFIX)

    @app.get("/", include_in_schema=False)
    def root() -> dict[str, str]:
        return {"name": "lcr", "version": __version__, "api": API_PREFIX, "docs": "/docs"}

    return app


async def _lcr_error(_: Request, exc: Exception) -> JSONResponse:
    """Domain errors become their class's ``http_status`` with ``{"error", "detail"}``."""
    status = exc.http_status if isinstance(exc, LcrError) else 500
    if status >= 500:
        log.error("%s: %s", type(exc).__name__, exc)
    return JSONResponse(status_code=status, content={"error": type(exc).__name__, "detail": str(exc)})
