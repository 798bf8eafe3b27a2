"""Typed dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from lcr.pipeline import Searcher


async def get_searcher(request: Request) -> Searcher:
    """The app's ``Searcher``, opened once by ``create_app`` (async: no threadpool hop for a lookup)."""
    return request.app.state.searcher


SearcherDep = Annotated[Searcher, Depends(get_searcher)]
