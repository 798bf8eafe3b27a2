"""The FastAPI application factory.

``create_app`` opens the ``Searcher`` itself (so a missing index fails before a server starts) and
nothing happens at import time, so tests build one app per index.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from lcr import __version__
from lcr.api.admin import install_admin
from lcr.api.errors import RequestGuard, install_error_handlers
from lcr.api.metrics import install_metrics
from lcr.api.routes import api_router
from lcr.api.routes.web import install_web
from lcr.pipeline import Searcher

log = logging.getLogger(__name__)

API_PREFIX = "/v1"


def create_app(index: str | Path, searcher: Searcher | None = None, admin_token: str | None = None,
               corpus_roots: Sequence[Path] = ()) -> FastAPI:
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
        docs_url=None,  # served by install_web from local files, never a CDN
        redoc_url=None,
    )
    app.state.searcher = searcher
    install_error_handlers(app)
    app.add_middleware(RequestGuard)
    app.include_router(api_router, prefix=API_PREFIX)

    install_admin(app, admin_token, corpus_roots, API_PREFIX)  # only with a token
    install_web(app)  # the search page at /, its files at /static, the docs at /docs
    install_metrics(app, searcher.manifest.counts.get("cases", 0))  # GET /metrics (Prometheus)

    @app.get(API_PREFIX, include_in_schema=False)
    def root() -> dict[str, str]:
        return {"name": "lcr", "version": __version__, "api": API_PREFIX, "docs": "/docs", "web": "/"}

    return app
