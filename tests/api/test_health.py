from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from lcr.index.manifest import Manifest


def test_health_names_the_index_and_its_corpus(client: TestClient, index_dir: Path) -> None:
    manifest = Manifest.load(index_dir)
    r = client.get("/v1/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert Path(body["index"]) == index_dir
    assert body["counts"] == manifest.counts and body["counts"]["cases"] > 0
    assert body["corpus_checksum"] == manifest.corpus_checksum[:12]
    assert body["pipeline"] == body["system"] == "bm25-facts" and body["models"] == {}  # the sample index is BM25 only
    assert body["backends"] == {"lexical": "tantivy"}
    assert body["index_version"] == manifest.format_version and body["version"]
