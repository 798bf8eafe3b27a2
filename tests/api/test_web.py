"""The search page at ``/`` and the API docs at ``/docs``: HTML in Chinese, every asset local and served."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient


class _Assets(HTMLParser):
    """The URLs a page loads: ``<script src>``, ``<link href>``, ``<img src>``."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.lang: str | None = None
        self.testids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if a.get("data-testid"):
            self.testids.add(a["data-testid"] or "")
        url = a.get("src") if tag in ("script", "img") else a.get("href") if tag == "link" else None
        if url:
            self.urls.append(url)


def _assets(html: str) -> _Assets:
    parser = _Assets()
    parser.feed(html)
    return parser


def test_root_is_the_chinese_search_page(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = _assets(r.text)
    assert page.lang == "zh-CN"
    for label in ("案件事实", "罪名提示", "罪名", "法条", "法院", "检索", "事实", "本院认为", "判决结果", "类似案例"):
        assert label in r.text
    assert {"facts-input", "search-button", "error-box", "case-title", "similar-button", "lang-toggle"} <= page.testids


def test_page_assets_are_local_and_served(client: TestClient) -> None:
    urls = _assets(client.get("/").text).urls
    assert {"/static/app.js", "/static/i18n.js", "/static/app.css"} <= set(urls)
    for url in urls:
        assert url.startswith("/static/"), url
        r = client.get(url)
        assert r.status_code == 200 and r.content, url


def test_scripts_load_nothing_from_elsewhere(client: TestClient) -> None:
    for name in ("app.js", "i18n.js", "app.css"):
        body = client.get(f"/static/{name}").text
        assert not re.search(r"https?://", body), name


def test_page_labels_exist_in_both_languages(client: TestClient) -> None:
    html = client.get("/").text
    labels = client.get("/static/i18n.js").text
    zh, en = labels.split("\n  en: {")
    used = set(re.findall(r'data-i18n(?:-placeholder)?="([\w.]+)"', html))
    used |= set(re.findall(r'\bt\("([\w.]+)"', client.get("/static/app.js").text))
    for key in used:
        assert f'"{key}":' in zh and f'"{key}":' in en, key


def test_docs_are_offline(client: TestClient) -> None:
    r = client.get("/docs")
    assert r.status_code == 200 and "swagger" in r.text.lower()
    assert not re.search(r"https?://", r.text), "the docs page must not load anything from the internet"
    urls = _assets(r.text).urls + re.findall(r"""url: ['"]([^'"]+)['"]""", r.text)
    assert "/static/docs/swagger-ui-bundle.js" in urls and "/static/docs/swagger-ui.css" in urls
    for url in urls:
        assert url.startswith("/"), url
        assert client.get(url).status_code == 200, url


def test_docs_oauth2_redirect_is_served(client: TestClient) -> None:
    r = client.get("/docs/oauth2-redirect")
    assert r.status_code == 200 and not re.search(r"https?://", r.text)


@pytest.mark.parametrize("path", ["/redoc", "/static/nothing.js", "/static/docs/nothing.js"])
def test_no_redoc_and_missing_files_are_404(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404 and r.json()["error"] == "NotFound"


def test_openapi_and_the_api_still_work(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "/v1/search" in schema["paths"] and "/" not in schema["paths"] and "/docs" not in schema["paths"]
    assert client.get("/v1/health").json()["status"] == "ok"
    about = client.get("/v1").json()
    assert about["docs"] == "/docs" and about["api"] == "/v1" and about["web"] == "/"


def test_docs_read_the_schema_in_openapi_30(client: TestClient) -> None:
    """Swagger UI 4 (swagger-ui-bundle) renders 3.0 only; the docs get the same schema in 3.0 terms."""
    schema = client.get("/openapi.json").json()
    docs = client.get("/docs/openapi.json")
    assert docs.status_code == 200 and "/docs/openapi.json" in client.get("/docs").text
    body = docs.json()
    assert schema["openapi"].startswith("3.1") and body["openapi"] == "3.0.3"
    assert set(body["paths"]) == set(schema["paths"])
    text = docs.text
    assert '"type":"null"' not in text.replace(" ", "") and '"const"' not in text


def test_as_openapi_30_rewrites_only_31_shapes() -> None:
    from lcr.api.routes.web import as_openapi_30

    doc = {"openapi": "3.1.0", "components": {"schemas": {"M": {"properties": {
        "court": {"anyOf": [{"type": "string", "maxLength": 200}, {"type": "null"}], "title": "Court"},
        "hit": {"anyOf": [{"$ref": "#/components/schemas/Hit"}, {"type": "null"}]},
        "status": {"type": "string", "const": "ok"},
        "key": {"type": "string", "examples": ["刑法:133-1"]},
        "const": {"type": "string"},  # a field named const: a schema, left alone
    }}}}}
    props = as_openapi_30(doc)["components"]["schemas"]["M"]["properties"]
    assert props["court"] == {"type": "string", "maxLength": 200, "title": "Court", "nullable": True}
    assert props["hit"] == {"allOf": [{"$ref": "#/components/schemas/Hit"}], "nullable": True}
    assert props["status"] == {"type": "string", "enum": ["ok"]}
    assert props["key"] == {"type": "string", "example": "刑法:133-1"}
    assert props["const"] == {"type": "string"}
    assert as_openapi_30(doc)["openapi"] == "3.0.3" and doc["openapi"] == "3.1.0"
