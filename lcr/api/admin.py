"""Index lifecycle in the service: ``POST /v1/admin/index/rebuild`` and ``GET /v1/admin/jobs/{id}``.

Off unless the server is given an admin token (``LCR_ADMIN_TOKEN``); every admin call then needs
``Authorization: Bearer <token>``. A rebuild reads a corpus from inside one of the configured corpus roots
(``LCR_CORPUS_ROOTS``) and runs as a background job, one at a time:

1. the new index is built beside the live one (:func:`~lcr.index.bundle.build_index`: a
   ``.building-<pid>`` folder), with the live index's LCM-LAI model and reranker when it has them; the
   old index keeps serving throughout, and after a failure (the job reports the error);
2. on success the folders are swapped atomically (rename), the new index is opened, and the app's
   searcher is replaced in one assignment: requests in flight finish on the old one.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from data_tools.loading import LoadReport
from data_tools.registry import CORPUS_FORMATS, iter_corpus
from lcr.api.models import ADMIN_RESPONSES, ERROR_RESPONSES
from lcr.index.bundle import rebuild_index
from lcr.pipeline import Searcher
from lcr.records import Case

JobStatus = Literal["queued", "running", "succeeded", "failed"]


class RebuildRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    corpus: str = Field(min_length=1, max_length=1000, description="Corpus path, inside a configured root.")
    format: str = Field("lecard-v1", description=f"One of {', '.join(CORPUS_FORMATS)}.")


class Job(BaseModel):
    job_id: str
    status: JobStatus
    corpus: str
    cases_read: int = 0
    started: float | None = None
    finished: float | None = None
    error: str | None = None
    index_created: str | None = Field(None, description="The new index's manifest timestamp, once swapped in.")


@dataclass
class AdminState:
    token: str
    corpus_roots: list[Path]
    jobs: dict[str, Job] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def running(self) -> Job | None:
        return next((j for j in self.jobs.values() if j.status in ("queued", "running")), None)


_bearer = HTTPBearer(auto_error=False)


def _admin(request: Request,
           credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> AdminState:
    state: AdminState = request.app.state.admin
    if credentials is None or not secrets.compare_digest(credentials.credentials.encode(), state.token.encode()):
        raise HTTPException(401, "admin routes need Authorization: Bearer <the server's admin token>")
    return state


AdminDep = Annotated[AdminState, Depends(_admin)]
router = APIRouter(prefix="/admin", tags=["admin"], responses={**ERROR_RESPONSES, **ADMIN_RESPONSES})


def _inside_roots(corpus: str, roots: Sequence[Path]) -> Path:
    path = Path(corpus).expanduser().resolve()
    if not any(path.is_relative_to(root) for root in roots):
        raise HTTPException(403, "the corpus is outside the configured corpus roots (LCR_CORPUS_ROOTS)")
    if not path.exists():
        raise HTTPException(422, f"no corpus at {corpus}")
    return path


@router.post("/index/rebuild", response_model=Job, status_code=202)
def rebuild(body: RebuildRequest, request: Request, state: AdminDep) -> Job:
    if body.format not in CORPUS_FORMATS:
        raise HTTPException(422, f"unknown format {body.format!r}; choose one of {', '.join(CORPUS_FORMATS)}")
    corpus = _inside_roots(body.corpus, state.corpus_roots)
    with state.lock:
        if (busy := state.running()) is not None:
            raise HTTPException(409, f"rebuild {busy.job_id} is still {busy.status}")
        job = Job(job_id=uuid.uuid4().hex[:12], status="queued", corpus=str(corpus))
        state.jobs[job.job_id] = job
    threading.Thread(target=_run, args=(request.app, job, corpus, body.format), daemon=True,
                     name=f"rebuild-{job.job_id}").start()
    return job


@router.get("/jobs/{job_id}", response_model=Job)
def job_status(job_id: str, state: AdminDep) -> Job:
    job = state.jobs.get(job_id)
    if job is None:
        raise HTTPException(404, f"no job {job_id!r}")
    return job


def _run(app: FastAPI, job: Job, corpus: Path, fmt: str) -> None:
    job.status, job.started = "running", time.time()
    live: Searcher = app.state.searcher
    try:
        def counted(cases: Iterator[Case]) -> Iterator[Case]:
            for case in cases:
                job.cases_read += 1
                yield case

        report = LoadReport()
        rebuild_index(live.index_dir, counted(iter_corpus(fmt, corpus, report=report)), report, f"{fmt}:{corpus}")
        app.state.searcher = Searcher.open(live.index_dir)  # one assignment: requests in flight keep the old one
        job.index_created = app.state.searcher.manifest.created
        job.status = "succeeded"
    except Exception as exc:  # the job reports any failure; the old index keeps serving
        job.status, job.error = "failed", f"{type(exc).__name__}: {exc}"[:500]
    finally:
        job.finished = time.time()


def install_admin(app: FastAPI, token: str | None, corpus_roots: Sequence[Path], prefix: str) -> None:
    """Mount the admin routes, only when a token is configured."""
    if not token:
        return
    app.state.admin = AdminState(token, [Path(r).expanduser().resolve() for r in corpus_roots])
    app.include_router(router, prefix=prefix)
