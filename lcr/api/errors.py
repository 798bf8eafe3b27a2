"""One error shape for every API failure, and the request guards that precede validation.

Every error answers ``{"error": <name>, "detail": <message>}``, plus ``"fields"`` (location and message of
each bad field) for a 422. Nothing of the request body is echoed back: a 1 MB query gets a short answer.

* 413 ``PayloadTooLarge``: a body over :data:`MAX_BODY_BYTES` (checked from Content-Length, and while
  reading when the client sends none);
* 415 ``UnsupportedMediaType``: a POST whose Content-Type is not ``application/json``;
* 422 ``ValidationError``: bad or missing fields;
* 4xx from routing (404, 405) keep their status; a domain error (:class:`~lcr.errors.LcrError`) its
  ``http_status``; anything else is a 500 ``InternalError`` without internals.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lcr.errors import LcrError

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024
#: Characters of a field message kept (pydantic quotes constraint values, never the input here).
MAX_MESSAGE = 200
_STATUS_NAMES = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
                 405: "MethodNotAllowed", 413: "PayloadTooLarge", 415: "UnsupportedMediaType",
                 422: "ValidationError", 429: "TooManyRequests"}


def error_response(status: int, error: str, detail: str, **extra: object) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": error, "detail": detail, **extra})


async def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))[:MAX_MESSAGE]}
              for e in exc.errors()[:20]]
    return error_response(422, "ValidationError", "the request has invalid or missing fields", fields=fields)


async def _http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    name = _STATUS_NAMES.get(exc.status_code, "HTTPError")
    return error_response(exc.status_code, name, str(exc.detail)[:MAX_MESSAGE], )


async def _domain(_: Request, exc: Exception) -> JSONResponse:
    status = exc.http_status if isinstance(exc, LcrError) else 500
    if status >= 500:
        log.error("%s: %s", type(exc).__name__, exc)
    return error_response(status, type(exc).__name__, str(exc)[:2 * MAX_MESSAGE])


async def _internal(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return error_response(500, "InternalError", "the server failed to answer; the error is in its log")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(LcrError, _domain)
    app.add_exception_handler(Exception, _internal)


class RequestGuard:
    """ASGI middleware: 413 over the body limit, 415 for a non-JSON POST body, before any route runs."""

    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY_BYTES):
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body:
            await self._reject(scope, receive, send, 413, f"the body is over {self.max_body} bytes")
            return
        media = headers.get("content-type", "").split(";")[0].strip().lower()
        if media != "application/json":
            await self._reject(scope, receive, send, 415,
                               f"send JSON (Content-Type: application/json), not {media or 'no content type'}")
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await self._reject(scope, receive, send, 413, f"the body is over {self.max_body} bytes")

    @staticmethod
    async def _reject(scope: Scope, receive: Receive, send: Send, status: int, detail: str) -> None:
        await error_response(status, _STATUS_NAMES[status], detail)(scope, receive, send)


class _TooLarge(Exception):
    pass
