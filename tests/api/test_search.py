from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

DRUNK_DRIVING = "被告人酒后驾驶机动车，经检验血液中乙醇含量为201毫克/100毫升"


def search(client: TestClient, **body: Any) -> dict[str, Any]:
    r = client.post("/v1/search", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def test_drunk_driving_finds_dangerous_driving_first(client: TestClient) -> None:
    body = search(client, text=DRUNK_DRIVING, k=5)
    assert body["query"]["text"] == DRUNK_DRIVING and body["query"]["k"] == 5
    assert body["took_ms"] >= 0
    hits = body["results"]
    assert [h["rank"] for h in hits] == [1, 2, 3, 4, 5]
    assert all("危险驾驶罪" in h["charges"] for h in hits[:3])
    assert hits[0]["explanation"]["features"]
    assert "matched_sentences" not in hits[0]["explanation"]  # absent parts are left out, not null


@pytest.mark.parametrize("k", [1, 3, 12])
def test_k_is_respected(client: TestClient, k: int) -> None:
    assert len(search(client, text=DRUNK_DRIVING, k=k)["results"]) == k


def test_default_k_is_ten(client: TestClient) -> None:
    assert len(search(client, text=DRUNK_DRIVING)["results"]) == 10


def test_charge_filter_returns_only_that_charge(client: TestClient) -> None:
    hits = search(client, text=DRUNK_DRIVING, k=10, filters={"charges": ["交通肇事罪"]})["results"]
    assert hits
    assert all("交通肇事罪" in h["charges"] for h in hits)


def test_year_filter(client: TestClient) -> None:
    hits = search(client, text=DRUNK_DRIVING, k=20, filters={"year_from": 2015, "year_to": 2016})["results"]
    assert hits
    assert all(2015 <= h["year"] <= 2016 for h in hits)


def test_filter_matching_nothing_gives_no_results(client: TestClient) -> None:
    assert search(client, text=DRUNK_DRIVING, filters={"court": "没有这个法院"})["results"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"text": ""},
        {"text": "x" * 20_001},
        {"text": DRUNK_DRIVING, "k": 0},
        {"text": DRUNK_DRIVING, "k": 101},
        {"k": 5},
        {"text": DRUNK_DRIVING, "filters": {"year_from": 2018, "year_to": 2016}},
        {"text": DRUNK_DRIVING, "filters": {"charge": ["盗窃罪"]}},
        {"text": DRUNK_DRIVING, "filters": {"charges": []}},
        {"text": DRUNK_DRIVING, "filters": {"articles": ["刑法:999"]}},
    ],
    ids=["empty", "too-long", "k0", "k101", "no-text", "years-reversed", "unknown-filter", "no-charges",
         "bad-article-key"],
)
def test_invalid_requests_are_422(client: TestClient, body: dict[str, Any]) -> None:
    assert client.post("/v1/search", json=body).status_code == 422


def test_blank_text_is_a_bad_query(client: TestClient) -> None:
    r = client.post("/v1/search", json={"text": "   \n"})
    assert r.status_code == 422
    assert r.json()["error"] == "BadQuery"


def test_punctuation_only_text_is_a_bad_query_like_blank_text(client: TestClient) -> None:
    r = client.post("/v1/search", json={"text": "。。。，，"})
    assert r.status_code == 422 and r.json()["error"] == "BadQuery"
