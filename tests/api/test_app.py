from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from lcr.api import create_app
from lcr.errors import BadInput, CaseNotFound, IndexMismatch, IndexMissing, LcrError
from lcr.pipeline import Searcher, SearchHit
from lcr.pipeline.searcher import Explanation
from lcr.records import PredictedArticle, SentencePair


def test_api_root_points_to_the_docs_and_the_page(client: TestClient) -> None:
    body = client.get("/v1").json()
    assert body["docs"] == "/docs" and body["api"] == "/v1" and body["web"] == "/"


def test_metrics_count_requests_by_route_template(client: TestClient) -> None:
    client.get("/v1/cases/no-such-case")
    text = client.get("/metrics").text
    assert 'lcr_http_requests_total{method="GET",route="/v1/cases/{case_id}",status="404"}' in text
    assert "lcr_index_cases" in text and "process_resident_memory_bytes" in text


def test_openapi_lists_the_routes(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert {"/v1/health", "/v1/search", "/v1/cases/{case_id}", "/v1/cases/{case_id}/similar"} <= set(schema["paths"])
    explanation = schema["components"]["schemas"]["Explanation"]["properties"]
    assert {"features", "matched_sentences", "predicted_articles", "contributions"} <= set(explanation)


def test_missing_index_raises_before_serving(tmp_path: Path) -> None:
    with pytest.raises(IndexMissing):
        create_app(tmp_path / "nothing-here")


@pytest.fixture()
def searcher(index_dir: Path) -> Searcher:
    return Searcher.open(index_dir)


@pytest.mark.parametrize(
    ("error", "status"),
    [(BadInput, 422), (CaseNotFound, 404), (IndexMissing, 503), (IndexMismatch, 500), (LcrError, 500)],
)
def test_domain_errors_map_to_their_status(
    searcher: Searcher, monkeypatch: pytest.MonkeyPatch, error: type[LcrError], status: int
) -> None:
    def fail(*_: object, **__: object) -> list[SearchHit]:
        raise error("went wrong")

    monkeypatch.setattr(searcher, "search", fail)
    r = TestClient(create_app(searcher.index_dir, searcher)).post("/v1/search", json={"text": "盗窃"})
    assert r.status_code == status
    fields = {"fields": [{"loc": [], "msg": "went wrong"}]} if status == 422 else {}  # every 422 has fields
    assert r.json() == {"error": error.__name__, "detail": "went wrong", **fields}


def test_typed_explanations_reach_the_response_intact(searcher: Searcher, monkeypatch: pytest.MonkeyPatch) -> None:
    explanation = {
        "features": {"bm25_facts": 3.5, "lcm": 0.8},
        "articles": ["刑法第133条之一【危险驾驶罪】"],
        "reasons": ["同为危险驾驶罪"],
        "matched_sentences": [{"query_sentence": "酒后驾驶", "case_sentence": "醉酒驾驶机动车", "weight": 0.9}],
        "predicted_articles": [{"article": "刑法:133-1", "name": "危险驾驶罪", "probability": 0.97}],
        "shared_articles": ["刑法:133-1"],
        "contributions": {"lcm": 0.6},
    }
    typed = Explanation(explanation["features"], explanation["articles"], explanation["reasons"],
                        [SentencePair("酒后驾驶", "醉酒驾驶机动车", 0.9)], [PredictedArticle("刑法:133-1", "危险驾驶罪", 0.97)],
                        ["刑法:133-1"], contributions={"lcm": 0.6})
    hit = SearchHit("1", 1, 4.2, "t", "c", 2018, ["危险驾驶罪"], ["刑法:133-1"], "s", typed)
    monkeypatch.setattr(searcher, "search", lambda *_, **__: [hit])
    r = TestClient(create_app(searcher.index_dir, searcher)).post("/v1/search", json={"text": "酒后驾驶"})
    assert r.status_code == 200
    assert r.json()["results"][0]["explanation"] == explanation
