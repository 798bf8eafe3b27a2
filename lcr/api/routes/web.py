"""The browser side of the API: the search page at ``/``, its files at ``/static``, and the API docs at
``/docs``, every asset served from this machine (no CDN: the docs' Swagger UI comes from the
``swagger-ui-bundle`` package).

The page is one HTML file; the case page is a client-side route (``/#/case/<id>``) of the same file.

That package's Swagger UI (4.x) reads OpenAPI 3.0 only, and FastAPI writes 3.1, so the docs page reads
``/docs/openapi.json``: the same schema in 3.0 terms (see :func:`as_openapi_30`). ``/openapi.json`` is
unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

WEB_DIR = Path(__file__).resolve().parents[1] / "web"
STATIC = "/static"
DOCS_STATIC = f"{STATIC}/docs"
DOCS = "/docs"
OAUTH2_REDIRECT = f"{DOCS}/oauth2-redirect"
DOCS_SCHEMA = f"{DOCS}/openapi.json"
_NULL = {"type": "null"}


def as_openapi_30(document: dict[str, Any]) -> dict[str, Any]:
    """An OpenAPI 3.1 document in 3.0 terms, for Swagger UI 4: ``anyOf [X, null]`` becomes ``X`` with
    ``nullable``, ``const`` an ``enum`` of one, a schema's ``examples`` list its first ``example``."""
    out = _in_30(document)
    if str(out.get("openapi", "")).startswith("3.1"):
        out["openapi"] = "3.0.3"
    return out


def _in_30(node: Any) -> Any:
    # Only values of the 3.1 shapes are rewritten (anyOf/examples lists, a scalar const), so a property
    # that happens to be named "const" or "examples" (its value a schema, a dict) is left alone.
    if isinstance(node, list):
        return [_in_30(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _in_30(value) for key, value in node.items()}
    any_of = out.get("anyOf")
    if isinstance(any_of, list) and _NULL in any_of:
        rest = [schema for schema in any_of if schema != _NULL]
        del out["anyOf"]
        out["nullable"] = True
        if len(rest) > 1:
            out["anyOf"] = rest
        elif rest and "$ref" in rest[0]:
            out["allOf"] = rest  # a $ref with siblings is ignored in 3.0
        elif rest:
            out = {**rest[0], **out}
    if "const" in out and not isinstance(out["const"], dict | list):
        out["enum"] = [out.pop("const")]
    if isinstance(out.get("examples"), list) and out["examples"]:  # (a media type's examples is a dict)
        out["example"] = out.pop("examples")[0]
    return out


def install_web(app: FastAPI) -> None:
    """Serve the page, its files and the offline docs on ``app`` (built with ``docs_url=None``)."""
    # The more specific mount first: /static/docs/* is Swagger UI's, the rest of /static/* the page's.
    app.mount(DOCS_STATIC, StaticFiles(directory=swagger_ui_path), name="docs-static")
    app.mount(STATIC, StaticFiles(directory=WEB_DIR), name="static")

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(WEB_DIR / "index.html", media_type="text/html; charset=utf-8")

    @app.get(DOCS, include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=DOCS_SCHEMA,
            title=f"{app.title} · API docs",
            swagger_js_url=f"{DOCS_STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_STATIC}/favicon-32x32.png",
            oauth2_redirect_url=OAUTH2_REDIRECT,
        )

    @app.get(DOCS_SCHEMA, include_in_schema=False)
    def docs_schema() -> dict[str, Any]:
        return as_openapi_30(app.openapi())

    @app.get(OAUTH2_REDIRECT, include_in_schema=False)
    def oauth2_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()
