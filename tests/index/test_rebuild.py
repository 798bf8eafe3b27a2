"""A rebuild repeats the build it replaces: the admin route rebuilds an Elasticsearch-backed index onto
Elasticsearch again (not onto tantivy + FAISS), keeps the FAISS kind and applies the bad-record limit the
index was built with (``lcr.index.bundle.rebuild_index``)."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path

from fastapi.testclient import TestClient

from data_tools.registry import iter_corpus
from lcr.api import create_app
from lcr.index.bundle import DenseConfig, build_index
from lcr.index.dense import DenseIndex
from lcr.pipeline import Searcher

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data_tools" / "sample" / "lecard"
MODELS = REPO / "lcr" / "resources" / "models"
TOKEN = "s3cret-admin-token-0123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _rebuild(index: Path, corpus: Path, fmt: str) -> dict:
    with TestClient(create_app(index, admin_token=TOKEN, corpus_roots=[corpus.parent])) as c:
        job = c.post("/v1/admin/index/rebuild", json={"corpus": str(corpus), "format": fmt}, headers=AUTH).json()
        deadline = time.time() + 300
        while job["status"] not in ("succeeded", "failed") and time.time() < deadline:
            time.sleep(0.2)
            job = c.get(f"/v1/admin/jobs/{job['job_id']}", headers=AUTH).json()
        return job


def _jsonl(path: Path, n: int, bad: int = 0) -> Path:
    lines = [json.dumps({"id": f"c{i}", "fact": c.facts, "charges": c.charges}, ensure_ascii=False)
             for i, c in enumerate(itertools.islice(iter_corpus("lecard-v1", SAMPLE), n))]
    path.write_text("\n".join(lines + ["not json"] * bad) + "\n", encoding="utf-8")
    return path


def test_the_admin_rebuild_of_an_elasticsearch_index_stays_on_elasticsearch(es_url, tmp_path, monkeypatch):
    monkeypatch.setenv("LCR_ES_URL", es_url)
    cases = list(itertools.islice(iter_corpus("lecard-v1", SAMPLE), 40))
    dense = DenseConfig(MODELS / "lcm-lai", None, 12, 0.3, MODELS / "ranksvm-legal", vectors="elasticsearch")
    build_index(cases, tmp_path / "es", dense=dense, show_progress=False, lexical_backend="elasticsearch",
                max_rejected=0.3)
    assert Searcher.open(tmp_path / "es").bundle.backends == {"lexical": "elasticsearch", "vectors": "elasticsearch"}
    (tmp_path / "corpora").mkdir()
    corpus = _jsonl(tmp_path / "corpora" / "new.jsonl", 30)
    job = _rebuild(tmp_path / "es", corpus, "jsonl")
    assert job["status"] == "succeeded", job
    rebuilt = Searcher.open(tmp_path / "es")
    assert rebuilt.bundle.backends == {"lexical": "elasticsearch", "vectors": "elasticsearch"}
    assert len(rebuilt.bundle.store) == 30 and rebuilt.bundle.reranker is not None
    assert rebuilt.manifest.config["max_rejected"] == 0.3


def test_a_rebuild_keeps_the_faiss_kind_and_the_bad_record_limit(tmp_path):
    cases = list(itertools.islice(iter_corpus("lecard-v1", SAMPLE), 40))
    dense = DenseConfig(MODELS / "lcm-lai", None, 12, 0.3, None, faiss="hnsw")
    build_index(cases, tmp_path / "live", dense=dense, show_progress=False, max_rejected=0.0)
    assert DenseIndex.load(tmp_path / "live" / "dense").meta["faiss_kind"].startswith("hnsw")
    created = json.loads((tmp_path / "live" / "manifest.json").read_text())["created"]
    (tmp_path / "corpora").mkdir()
    one_bad = _jsonl(tmp_path / "corpora" / "one-bad.jsonl", 30, bad=1)
    job = _rebuild(tmp_path / "live", one_bad, "jsonl")
    assert job["status"] == "failed" and "--max-rejected 0" in job["error"], job
    assert json.loads((tmp_path / "live" / "manifest.json").read_text())["created"] == created
    clean = _jsonl(tmp_path / "corpora" / "clean.jsonl", 30)
    assert _rebuild(tmp_path / "live", clean, "jsonl")["status"] == "succeeded"
    assert DenseIndex.load(tmp_path / "live" / "dense").meta["faiss_kind"].startswith("hnsw")
    assert len(Searcher.open(tmp_path / "live").bundle.store) == 30


def test_the_cli_rebuild_keeps_the_settings_and_refuses_too_many_bad_records(tmp_path):
    """`lcr index rebuild` is the admin route's rebuild from the command line: the same function."""
    from typer.testing import CliRunner

    from lcr.cli import app

    cases = list(itertools.islice(iter_corpus("lecard-v1", SAMPLE), 40))
    build_index(cases, tmp_path / "live", fields=["facts"], show_progress=False, max_rejected=0.0)
    before = json.loads((tmp_path / "live" / "manifest.json").read_text())
    runner = CliRunner()
    bad = runner.invoke(app, ["index", "rebuild", str(tmp_path / "live"), "--format", "jsonl",
                              "--data", str(_jsonl(tmp_path / "bad.jsonl", 20, bad=1))])
    assert bad.exit_code != 0 and "--max-rejected 0" in str(bad.output) + str(bad.exception)
    assert json.loads((tmp_path / "live" / "manifest.json").read_text())["created"] == before["created"]
    good = runner.invoke(app, ["index", "rebuild", str(tmp_path / "live"), "--format", "jsonl",
                               "--data", str(_jsonl(tmp_path / "good.jsonl", 20))])
    assert good.exit_code == 0, good.output
    after = json.loads((tmp_path / "live" / "manifest.json").read_text())
    assert after["config"]["fields"] == ["facts"] and after["config"]["max_rejected"] == 0.0
    assert after["counts"]["cases"] == 20
