from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from lcr.pipeline import Searcher


@pytest.fixture(scope="module")
def case_id(client: TestClient) -> str:
    searcher: Searcher = client.app.state.searcher  # type: ignore[attr-defined]
    return searcher.store.ids()[0]


def test_case_detail_has_metadata_and_facts(client: TestClient, case_id: str) -> None:
    case = client.app.state.searcher.store.get(case_id)  # type: ignore[attr-defined]
    r = client.get(f"/v1/cases/{case_id}")
    assert r.status_code == 200
    body = r.json()
    assert body["case_id"] == case_id
    assert body["facts"] == case.facts and body["facts"]
    assert body["charges"] == case.charges
    assert body["court"] == case.court and body["year"] == case.year
    assert set(body["articles"]) == {a.key for a in case.articles}
    assert body["reasoning"] == case.reasoning and body["result"] == case.result and body["reasoning"]


def test_case_detail_quotes_its_articles_from_the_statute(client: TestClient) -> None:
    store = client.app.state.searcher.store  # type: ignore[attr-defined]
    drunk = next(c for c in store.iter_cases() if "危险驾驶罪" in c.charges)
    body = client.get(f"/v1/cases/{drunk.case_id}").json()
    cited = {a["article"]: a for a in body["cited_articles"]}
    assert cited["刑法:133-1"]["name"] == "刑法第133条之一【危险驾驶罪】"
    assert "醉酒驾驶机动车" in cited["刑法:133-1"]["text"]


def test_similar_takes_the_search_filters_and_up_to_50(client: TestClient, case_id: str) -> None:
    r = client.get(f"/v1/cases/{case_id}/similar", params={"k": 50, "charges": ["危险驾驶罪"]})
    assert r.status_code == 200
    assert all("危险驾驶罪" in h["charges"] for h in r.json()["results"])
    assert client.get(f"/v1/cases/{case_id}/similar", params={"k": 51}).status_code == 422
    bad = client.get(f"/v1/cases/{case_id}/similar", params={"year_from": 2020, "year_to": 2010})
    # the same error, name and fields as a search gives for the same filters (issue 26 #11)
    assert bad.status_code == 422 and bad.json()["error"] == "ValidationError"
    assert "after year_to" in json.dumps(bad.json()["fields"]) and bad.json()["fields"][0]["loc"][0] == "query"
    searched = client.post("/v1/search", json={"text": "被告人", "filters": {"year_from": 2020, "year_to": 2010}})
    assert searched.json()["error"] == bad.json()["error"]
    article = client.get(f"/v1/cases/{case_id}/similar", params={"articles": "刑法:999"})
    assert article.status_code == 422 and article.json()["error"] == "ValidationError" and article.json()["fields"]


def test_unknown_case_is_404_with_error_body(client: TestClient) -> None:
    r = client.get("/v1/cases/no-such-case")
    assert r.status_code == 404
    body = r.json()
    assert body["error"] == "CaseNotFound"
    assert "no-such-case" in body["detail"]


def test_similar_excludes_the_case_itself(client: TestClient, case_id: str) -> None:
    r = client.get(f"/v1/cases/{case_id}/similar", params={"k": 5})
    assert r.status_code == 200
    body = r.json()
    assert body["case_id"] == case_id
    ids = [h["case_id"] for h in body["results"]]
    assert len(ids) == 5
    assert case_id not in ids


def test_similar_to_unknown_case_is_404(client: TestClient) -> None:
    r = client.get("/v1/cases/no-such-case/similar")
    assert r.status_code == 404
    assert r.json()["error"] == "CaseNotFound"


@pytest.mark.parametrize("k", [0, 101])
def test_similar_k_out_of_range_is_422(client: TestClient, case_id: str, k: int) -> None:
    assert client.get(f"/v1/cases/{case_id}/similar", params={"k": k}).status_code == 422
