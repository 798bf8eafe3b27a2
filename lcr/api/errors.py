"""One error shape for every API failure, and the request guards that precede validation.

Every error answers ``{"error": <name>, "detail": <message>}`` (:class:`~lcr.api.models.ErrorResponse`,
documented on every route), plus ``"fields"`` (location and message of each bad field) for every 422.
Nothing of the request body is echoed back: a 1 MB query gets a short answer.

* 400 ``BadRequest``: the body is not JSON (``detail`` gives the line and column);
* 413 ``PayloadTooLarge``: a body over :data:`MAX_BODY_BYTES` (from Content-Length, or counted while
  reading a chunked body, before any route runs);
* 415 ``UnsupportedMediaType``: a POST whose Content-Type is not ``application/json`` in UTF-8;
* 422 ``ValidationError``: bad or missing fields (a domain 422 such as ``BadQuery`` keeps its name);
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
                 405: "MethodNotAllowed", 409: "Conflict", 413: "PayloadTooLarge", 415: "UnsupportedMediaType",
                 422: "ValidationError", 429: "TooManyRequests", 503: "ServiceUnavailable"}


def error_response(status: int, error: str, detail: str, **extra: object) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": error, "detail": detail, **extra})


def _line_column(body: object, offset: int) -> tuple[int, int]:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


async def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    bad_json = [e for e in exc.errors() if e.get("type") == "json_invalid"]
    if bad_json:  # FastAPI reports a character offset as a field name (loc ["body", 15]): say line and column
        loc = bad_json[0].get("loc", ())
        offset = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else 0
        line, column = _line_column(exc.body, offset)
        reason = str((bad_json[0].get("ctx") or {}).get("error", "invalid JSON"))
        detail = f"the body is not valid JSON: {reason} at line {line}, column {column}"
        return error_response(400, "BadRequest", detail, fields=[{"loc": ["body"], "msg": detail}])
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
    detail = str(exc)[:2 * MAX_MESSAGE]
    if status == 422:  # every 422 names its fields, as validation errors do
        return error_response(status, type(exc).__name__, detail, fields=[{"loc": [], "msg": detail}])
    return error_response(status, type(exc).__name__, detail)


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
        content_type = headers.get("content-type", "")
        media, _, params = content_type.partition(";")
        media = media.strip().lower()
        if media != "application/json":
            await self._reject(scope, receive, send, 415,
                               f"send JSON (Content-Type: application/json), not {media or 'no content type'}")
            return
        charset = next((v.strip().strip('"').lower() for k, _, v in (p.partition("=") for p in params.split(";"))
                        if k.strip().lower() == "charset"), "utf-8")
        if charset not in ("utf-8", "utf8"):
            await self._reject(scope, receive, send, 415,
                               f"send the JSON in UTF-8 (charset=utf-8), not charset={charset}")
            return
        # Read the body here, within the limit, whether or not the client sent a Content-Length (chunked):
        # the route then reads it from memory, and an over-long body is a 413, never a parse error.
        chunks, seen = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            seen += len(chunks[-1])
            if seen > self.max_body:
                await self._reject(scope, receive, send, 413, f"the body is over {self.max_body} bytes")
                return
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # after the body: wait for the disconnect, as the server would say
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    @staticmethod
    async def _reject(scope: Scope, receive: Receive, send: Send, status: int, detail: str) -> None:
        await error_response(status, _STATUS_NAMES[status], detail)(scope, receive, send)
