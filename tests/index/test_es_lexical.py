"""The Elasticsearch lexical backend, against an in-process server that speaks the Elasticsearch REST API
(noida-db, started and stopped here on loopback), or against a real cluster when ``LCR_ES_URL`` is set."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest

from data_tools.registry import iter_corpus
from lcr.errors import BackendUnavailable, IndexMissing
from lcr.index.es_cluster import client_from_env
from lcr.index.es_lexical import ElasticsearchBM25
from lcr.index.lexical import TantivyBM25

SAMPLE = Path(__file__).resolve().parents[2] / "data_tools" / "sample" / "lecard"
QUERIES = ["被告人酒后驾驶机动车，血液中乙醇含量为180mg/100ml。", "被告人秘密窃取他人财物，价值人民币5000元。",
           "被告人持刀故意伤害他人，致被害人轻伤二级。"]


@pytest.fixture(scope="module")
def cases():
    return list(itertools.islice(iter_corpus("lecard-v1", SAMPLE), 120))


@pytest.fixture(scope="module")
def built(es_url, cases, tmp_path_factory):
    folder = tmp_path_factory.mktemp("es") / "lexical"
    backend = ElasticsearchBM25(client_from_env({"LCR_ES_URL": es_url}), prefix="lcrtest")
    backend.build(cases, folder, ("facts", "reasoning"))
    tantivy = TantivyBM25(progress=False)
    tantivy.build(cases, tmp_path_factory.mktemp("tv") / "lexical", ("facts", "reasoning"))
    return backend.open(folder), tantivy, folder


def test_ranks_like_the_embedded_backend(built):
    es, tantivy, _ = built
    assert len(es) == len(tantivy) == 120
    for q in QUERIES:
        ours = [h.case_id for h in es.search(q, 10)]
        theirs = [h.case_id for h in tantivy.search(q, 10)]
        assert len(set(ours) & set(theirs)) >= 8, (q, ours, theirs)
        assert ours[0] == theirs[0]


def test_filters_and_scores_exactly_the_given_cases(built, cases):
    es, _, _ = built
    ids = [c.case_id for c in cases[:15]]
    scores = es.score(QUERIES[0], ids, field="reasoning")
    assert list(scores) == ids and any(v > 0 for v in scores.values())
    allowed = set(ids[:5])
    assert {h.case_id for h in es.search(QUERIES[1], 10, allowed_ids=allowed)} <= allowed
    assert es.search(QUERIES[1], 10, allowed_ids=set()) == []


def test_rebuild_moves_the_alias_and_drops_the_old_index(built, cases):
    es, _, folder = built
    client = es.client
    before = list(client.indices.get_alias(name=es.alias))
    ElasticsearchBM25(client, prefix="lcrtest").build(cases[:50], folder, ("facts", "reasoning"))
    after = list(client.indices.get_alias(name=es.alias))
    assert len(after) == 1 and after != before
    assert not client.indices.exists(index=before[0])
    assert len(ElasticsearchBM25(client).open(folder)) == 50


def test_failed_bulk_names_the_cases_and_keeps_the_alias(built, cases, monkeypatch):
    es, _, folder = built
    client = es.client
    before = list(client.indices.get_alias(name=es.alias))
    def failing(_client, actions, **kwargs):
        for action in actions:
            yield False, {"index": {"_id": action["_id"], "status": 429, "error": "rejected"}}

    monkeypatch.setattr("elasticsearch.helpers.streaming_bulk", failing)
    with pytest.raises(BackendUnavailable, match=cases[0].case_id):
        ElasticsearchBM25(client, prefix="lcrtest").build(cases[:10], folder, ("facts",))
    assert list(client.indices.get_alias(name=es.alias)) == before


def test_clear_errors_when_unreachable_or_missing(tmp_path, built, unused_port):
    with pytest.raises(BackendUnavailable, match="LCR_ES_URL"):
        client_from_env({})
    dead = client_from_env({"LCR_ES_URL": f"http://127.0.0.1:{unused_port}"})
    with pytest.raises(BackendUnavailable, match="unreachable"):
        ElasticsearchBM25(dead.options(request_timeout=2, max_retries=0)).build([], tmp_path / "x", ("facts",))
    _, _, folder = built
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    manifest = (copy / "manifest.json").read_text().replace('"alias": "', '"alias": "gone-')
    (copy / "manifest.json").write_text(manifest)
    with pytest.raises(IndexMissing, match="gone-"):
        ElasticsearchBM25(built[0].client).open(copy)
