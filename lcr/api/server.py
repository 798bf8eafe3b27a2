"""Serving: open the index, then answer HTTP with uvicorn. ``lcr serve`` and ``serve.py`` both call
:func:`serve`, so the two entry points cannot drift apart."""

from __future__ import annotations

import logging

import uvicorn

from lcr.api.app import create_app
from lcr.api.settings import Settings


def serve(settings: Settings) -> None:
    """Serve ``settings.index`` on ``settings.host:settings.port`` until interrupted.

    The index is opened first, so ``IndexMissing`` / ``IndexMismatch`` are raised before anything
    listens. Logging of the ``lcr`` loggers follows ``settings.log_level``.
    """
    logging.getLogger("lcr").setLevel(settings.log_level.upper())
    app = create_app(settings.index, admin_token=settings.admin_token, corpus_roots=settings.corpus_root_paths)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=settings.log_level)
