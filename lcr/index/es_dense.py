"""Elasticsearch as the dense first stage: the LCM-LAI case vectors in a ``dense_vector`` field, searched
by approximate kNN (HNSW inside Elasticsearch), for corpora whose vectors outgrow one machine's FAISS.

The same ``search(vector, k)`` as :class:`~lcr.index.dense.DenseIndex`, so the LCM-LAI first stage is
unchanged. The vectors are unit length (``case_vectors`` normalises them), so the field uses ``cosine``
similarity, whose score Elasticsearch reports as ``(1 + cos) / 2``: :meth:`search` maps it back to the
inner product FAISS returns. The graph stores the float vectors (``index_options`` ``hnsw``, not the
int8-quantised default of Elasticsearch ≥ 8.14, whose scores drift by ~0.005), so a hit's score is the
exact inner product; ``num_candidates`` (per shard) is ``max(NUM_CANDIDATES, 2k)``, at most 10,000.

The vectors come from the same place as FAISS's (the sentence store the encode step wrote, locally or
from Ray shards, through ``case_vectors``): :meth:`build` bulk-loads them behind an alias exactly like
the BM25 fields (:func:`~lcr.index.es_cluster.build_behind_alias`); the index folder holds a manifest
naming the alias, the dimension and the model the vectors come from.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from lcr.artifacts import component_versions
from lcr.errors import IndexMismatch
from lcr.index.es_cluster import AliasBacked, build_behind_alias, checked, index_name
from lcr.index.manifest import Manifest, atomic_build

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

KIND = "dense/elasticsearch-knn"
#: Candidates each shard's HNSW search visits, at least (Elasticsearch's own default is 1.5·k).
NUM_CANDIDATES = 100
#: Elasticsearch's ceiling for ``k`` and ``num_candidates``.
MAX_CANDIDATES = 10_000


def mapping(dim: int) -> dict:
    return {"mappings": {"dynamic": "strict", "properties": {
        "id": {"type": "keyword"},
        "vector": {"type": "dense_vector", "dims": dim, "index": True, "similarity": "cosine",
                   "index_options": {"type": "hnsw", "m": 16, "ef_construction": 100}}}}}


class ElasticsearchDense(AliasBacked):
    """Case vectors behind an Elasticsearch alias (see the module docstring)."""

    FORMAT_VERSION = 1

    def __init__(self, client: Elasticsearch | None = None, chunk: int = 500, max_retries: int = 3):
        super().__init__(client, chunk, max_retries)
        self.meta: dict = {}
        self._dim = 0

    @property
    def dim(self) -> int:
        return self._dim

    def build(self, case_ids: Sequence[str], vectors: np.ndarray, out_dir: str | Path, alias: str,
              meta: dict | None = None) -> Manifest:
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or len(vectors) != len(case_ids):
            raise IndexMismatch(f"{len(case_ids)} case ids for vectors of shape {vectors.shape}")
        norms = np.linalg.norm(vectors, axis=1)
        if len(norms) and not np.allclose(norms, 1.0, atol=1e-3):
            raise IndexMismatch("the case vectors are not unit length; cosine kNN would not rank by inner product")
        alias = index_name(alias)

        def actions() -> Iterator[dict]:
            for cid, v in zip(case_ids, vectors, strict=True):
                yield {"_id": cid, "_source": {"id": cid, "vector": [float(x) for x in v]}}

        concrete = build_behind_alias(self.client, alias, mapping(vectors.shape[1]), actions(), self.chunk,
                                      self.max_retries)
        with atomic_build(out_dir, force=True) as tmp:
            manifest = Manifest(kind=KIND, format_version=self.FORMAT_VERSION,
                                config={"alias": alias, "index": concrete, "dim": int(vectors.shape[1]),
                                        "similarity": "cosine", "meta": meta or {}},
                                counts={"vectors": len(case_ids)}, components=component_versions())
            manifest.save(tmp)
        return manifest

    def open(self, folder: str | Path) -> ElasticsearchDense:
        manifest = Manifest.load(folder)
        manifest.check({"kind": KIND, "format_version": self.FORMAT_VERSION})
        self._dim = int(manifest.config["dim"])
        self.meta = manifest.config.get("meta", {})
        self._attach(manifest.config["alias"], folder)
        return self

    def search(self, query: np.ndarray, k: int) -> list[tuple[str, float]]:
        q = np.asarray(query, dtype=np.float32).reshape(-1)
        if q.shape[0] != self._dim:
            raise IndexMismatch(f"query vector has dimension {q.shape[0]}, the index {self._dim}")
        k = min(k, self._count, MAX_CANDIDATES)
        if k < 1:
            return []
        norm = float(np.linalg.norm(q)) or 1.0
        knn = {"field": "vector", "query_vector": [float(x) for x in q], "k": k,
               "num_candidates": min(MAX_CANDIDATES, max(NUM_CANDIDATES, 2 * k))}
        r = checked(lambda: self.client.search(index=self.alias, knn=knn, size=k, _source=False), "searching")
        # cosine score (1 + cos) / 2 back to the inner product with the (unit) case vector
        return [(h["_id"], (2.0 * float(h["_score"]) - 1.0) * norm) for h in r["hits"]["hits"]]
