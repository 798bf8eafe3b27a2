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


def test_a_chunked_body_over_the_limit_is_413(client: TestClient) -> None:
    """Issue 26 #12: no Content-Length (chunked) over 256 KB is a 413, not a 400 parse error."""
    payload = json.dumps({"text": "被告人" * (MAX_BODY_BYTES // 3)}, ensure_ascii=False).encode()

    def chunks():
        for i in range(0, len(payload), 16_384):
            yield payload[i : i + 16_384]

    r = client.post("/v1/search", content=chunks(), headers={"Content-Type": "application/json"})
    assert "content-length" not in {k.lower() for k in r.request.headers}
    assert r.status_code == 413 and _shape(r)["error"] == "PayloadTooLarge"
    small = json.dumps({"text": "被告人酒后驾驶机动车"}, ensure_ascii=False).encode()
    r = client.post("/v1/search", content=iter([small[:10], small[10:]]), headers={"Content-Type": "application/json"})
    assert r.status_code == 200  # a chunked body within the limit is read as any other


def test_a_charset_other_than_utf8_says_what_is_accepted(client: TestClient) -> None:
    body = json.dumps({"text": "被告人酒后驾驶"}, ensure_ascii=False).encode("gbk")
    r = client.post("/v1/search", content=body, headers={"Content-Type": "application/json; charset=gbk"})
    assert r.status_code == 415 and "utf-8" in r.json()["detail"].lower() and "gbk" in r.json()["detail"]
    ok = client.post("/v1/search", content=body.decode("gbk").encode(),
                     headers={"Content-Type": "application/json; charset=UTF-8"})
    assert ok.status_code == 200


def test_malformed_json_names_line_and_column(client: TestClient) -> None:
    r = client.post("/v1/search", content='{\n  "text": "被告人",\n  "k": ,\n}',
                    headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and _shape(r)["error"] == "BadRequest"
    assert "line 3, column 8" in r.json()["detail"]


def test_every_route_documents_the_one_error_model(client: TestClient) -> None:
    """Issue 26 #11: every 4xx/5xx of every route is the ErrorResponse schema (not HTTPValidationError)."""
    schema = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in json.dumps(schema)
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            errors = {code: r for code, r in op["responses"].items() if code[0] in "45"}
            assert {"413", "415", "422", "500"} <= set(errors), (method, path, sorted(errors))
            for code, r in errors.items():
                ref = r["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ErrorResponse"), (method, path, code, ref)
