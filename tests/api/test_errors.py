"""Every API error has one JSON shape and never echoes the request body."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from lcr.api.errors import MAX_BODY_BYTES


def _shape(response) -> dict:
    body = response.json()
    assert set(body) >= {"error", "detail"} and isinstance(body["detail"], str)
    return body


def test_lone_surrogate_is_a_422_not_a_500(client: TestClient) -> None:
    raw = '{"text": "\\ud800被告人酒后驾驶机动车"}'
    r = client.post("/v1/search", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    body = _shape(r)
    assert body["error"] == "ValidationError" and "unicode" in json.dumps(body["fields"])


def test_too_long_query_is_413_with_a_short_body(client: TestClient) -> None:
    r = client.post("/v1/search", json={"text": "被告人" * (MAX_BODY_BYTES // 3)})
    assert r.status_code == 413
    assert _shape(r)["error"] == "PayloadTooLarge" and len(r.content) < 500


def test_over_long_text_under_the_body_limit_is_422_without_echo(client: TestClient) -> None:
    text = ("被告人张某盗窃" * 3000)[:20_001]  # one character over MAX_TEXT, about 60 KB of JSON
    r = client.post("/v1/search", json={"text": text})
    assert r.status_code == 422
    assert len(r.content) < 2_000 and "被告人张某盗窃被告人" not in r.text


def test_wrong_content_type_is_415(client: TestClient) -> None:
    r = client.post("/v1/search", content="text=被告人", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 415
    assert _shape(r)["error"] == "UnsupportedMediaType"


def test_bad_field_is_422_in_the_same_shape(client: TestClient) -> None:
    r = client.post("/v1/search", json={"text": "被告人", "k": 0})
    assert r.status_code == 422
    body = _shape(r)
    assert body["fields"][0]["loc"][-1] == "k" and "input" not in body["fields"][0]


def test_unknown_route_and_case_share_the_shape(client: TestClient) -> None:
    for path in ("/v1/nowhere", "/v1/cases/does-not-exist"):
        r = client.get(path)
        assert r.status_code == 404
        _shape(r)


def test_articles_predict_gives_charges_and_circumstances(client: TestClient) -> None:
    r = client.post("/v1/articles/predict", json={"text": "被告人酒后驾驶机动车，经检测血液中乙醇含量为180mg/100ml，"
                                                         "案发后主动投案，如实供述。"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["charges"] and body["charges"][0]["charge"] == "危险驾驶罪"
    assert "自首" in body["circumstances"] and any(c.startswith("醉驾") for c in body["circumstances"])
    assert client.post("/v1/articles/predict", json={"text": ""}).status_code == 422
