"""Case vectors in Elasticsearch (dense_vector kNN): the same neighbours and inner products as FAISS, the
alias lifecycle, clear refusals, and a whole index served with BM25 and kNN both taken from the cluster
(noida-db on loopback, or the cluster ``LCR_ES_URL`` names)."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from data_tools.registry import iter_corpus
from lcr.errors import IndexMismatch
from lcr.index.bundle import DenseConfig, build_index
from lcr.index.dense import DenseIndex
from lcr.index.es_cluster import client_from_env
from lcr.index.es_dense import ElasticsearchDense
from lcr.pipeline import Searcher
from lcr.records import Query

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data_tools" / "sample" / "lecard"
MODELS = REPO / "lcr" / "resources" / "models"


def _unit(n: int, d: int, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def vectors(es_url, tmp_path_factory):
    ids = [f"c{i}" for i in range(300)]
    x = _unit(300, 48)
    folder = tmp_path_factory.mktemp("esd") / "dense"
    ElasticsearchDense(client_from_env({"LCR_ES_URL": es_url})).build(ids, x, folder, alias="lcrtest-vectors")
    return ElasticsearchDense(client_from_env({"LCR_ES_URL": es_url})).open(folder), DenseIndex.build(ids, x), folder


def test_knn_finds_what_faiss_finds_with_the_same_inner_products(vectors):
    es, faiss, _ = vectors
    assert len(es) == 300 and es.dim == 48
    for q in _unit(5, 48, seed=1):
        ours, theirs = es.search(q, 10), faiss.search(q, 10)
        assert [c for c, _ in ours] == [c for c, _ in theirs]
        assert [s for _, s in ours] == pytest.approx([s for _, s in theirs], abs=1e-4)


def test_refuses_wrong_vectors(vectors, tmp_path):
    es, _, _ = vectors
    with pytest.raises(IndexMismatch, match="dimension"):
        es.search(np.ones(7, dtype=np.float32), 3)
    with pytest.raises(IndexMismatch, match="unit length"):
        ElasticsearchDense(es.client).build(["a", "b"], np.ones((2, 4)), tmp_path / "d", alias="lcrtest-bad")


def test_rebuild_moves_the_alias(vectors):
    es, _, folder = vectors
    before = list(es.client.indices.get_alias(name=es.alias))
    ElasticsearchDense(es.client).build(["a", "b"], _unit(2, 48), folder, alias="lcrtest-vectors")
    after = list(es.client.indices.get_alias(name=es.alias))
    assert len(after) == 1 and after != before and not es.client.indices.exists(index=before[0])
    assert len(ElasticsearchDense(es.client).open(folder)) == 2


def test_the_served_pipeline_can_take_bm25_and_knn_from_elasticsearch(es_url, tmp_path, monkeypatch):
    monkeypatch.setenv("LCR_ES_URL", es_url)
    cases = list(itertools.islice(iter_corpus("lecard-v1", SAMPLE), 60))
    dense = DenseConfig(MODELS / "lcm-lai", None, 12, 0.3, MODELS / "ranksvm-legal")
    build_index(cases, tmp_path / "embedded", dense=dense, show_progress=False)
    build_index(cases, tmp_path / "cluster", dense=DenseConfig(**{**dense.__dict__, "vectors": "elasticsearch"}),
                show_progress=False, lexical_backend="elasticsearch")
    embedded, cluster = Searcher.open(tmp_path / "embedded"), Searcher.open(tmp_path / "cluster")
    assert type(cluster.stages.lcm.dense).__name__ == "ElasticsearchDense"
    assert cluster.bundle.backends == {"lexical": "elasticsearch", "vectors": "elasticsearch"}
    assert embedded.bundle.backends == {"lexical": "tantivy", "vectors": "faiss"}
    assert cluster.pipeline_name == embedded.pipeline_name == "hybrid-rrf@0.25>>ranksvm-legal"
    text = "被告人酒后驾驶机动车，经检验其血液中乙醇含量为201.1毫克/100毫升。"
    q = Query("q", text)
    ours = cluster.stages.lcm.rank(q, None, 10)
    theirs = embedded.stages.lcm.rank(Query("q", text), None, 10)
    assert [h.case_id for h in ours] == [h.case_id for h in theirs]
    assert [h.score for h in ours] == pytest.approx([h.score for h in theirs], abs=1e-4)
    hits = cluster.search(text, k=5)
    assert len(hits) == 5 and hits[0].explanation.predicted_charges[0].charge == "危险驾驶罪"
    top = {h.case_id for h in embedded.search(text, k=5)}
    assert len(top & {h.case_id for h in hits}) >= 4
