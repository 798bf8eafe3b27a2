"""The FAISS first stage: one vector per case, searched by inner product.

``kind`` chooses the FAISS index (``lcr index build --faiss``): ``auto`` builds an exact flat index for a
small corpus and an HNSW graph from ``hnsw_threshold`` cases up; ``flat``, ``hnsw`` (32 links, efSearch
128) and ``ivf-pq`` (nlist = 4·√n, nprobe 16, 8-bit codes over the vector zero-padded to a multiple of 16:
about 1/20 of the flat size) force one. Recall and latency of each are measured by
``benchmarks/bench_faiss.py``. ``load(..., mmap=True)`` memory-maps the index and the vectors instead of
reading them. When FAISS sees a GPU (``faiss.get_num_gpus() > 0``, with the ``faiss-gpu`` extra) a flat
index is moved onto it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np

from lcr.errors import BadInput, IndexMismatch, IndexMissing

log = logging.getLogger(__name__)
# faiss logs at INFO which SIMD build it tried and failed to load (AVX512-SPR, AVX512…) on every start: noise.
logging.getLogger("faiss.loader").setLevel(logging.WARNING)

FaissKind = Literal["auto", "flat", "hnsw", "ivf-pq"]
FAISS_KINDS: tuple[str, ...] = ("auto", "flat", "hnsw", "ivf-pq")


class DenseIndex:
    def __init__(self, index, case_ids: list[str], vectors: np.ndarray, meta: dict):
        self.index = index
        self.case_ids = case_ids
        self.vectors = vectors
        self.meta = meta
        self._pos = {c: i for i, c in enumerate(case_ids)}

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    @classmethod
    def build(cls, case_ids: Sequence[str], vectors: np.ndarray, hnsw_threshold: int = 50_000,
              meta: dict | None = None, kind: FaissKind = "auto") -> DenseIndex:
        import faiss

        if kind not in FAISS_KINDS:
            raise BadInput(f"unknown FAISS index kind {kind!r}; choose one of {', '.join(FAISS_KINDS)}")
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        n, d = vectors.shape
        if kind == "auto":
            kind = "hnsw" if n >= hnsw_threshold else "flat"
        pad = (-d) % 16 if kind == "ivf-pq" else 0
        if kind == "hnsw":
            index = faiss.IndexHNSWFlat(d, 32, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efSearch = 128
            name = "hnsw32"
        elif kind == "ivf-pq":
            nlist = max(1, min(int(4 * np.sqrt(n)), n // 39))  # FAISS wants ~39 training points per list
            index = faiss.IndexIVFPQ(faiss.IndexFlatIP(d + pad), d + pad, nlist, (d + pad) // 8, 8,
                                     faiss.METRIC_INNER_PRODUCT)
            index.train(_padded(vectors, pad))
            index.nprobe = 16
            name = "ivf-pq"
        else:
            index = faiss.IndexFlatIP(d)
            name = "flat-ip"
        index.add(_padded(vectors, pad))
        meta = {**(meta or {}), "faiss_kind": name, "count": n, "dim": d, "pad": pad}
        return cls(_maybe_gpu(index), list(case_ids), vectors, meta)

    def search(self, query: np.ndarray, k: int) -> list[tuple[str, float]]:
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        if q.shape[1] != self.dim:
            raise IndexMismatch(f"query vector has dimension {q.shape[1]}, the index {self.dim}")
        q = _padded(q, int(self.meta.get("pad", 0)))
        scores, idx = self.index.search(q, min(k, len(self.case_ids)))
        return [(self.case_ids[i], float(s)) for i, s in zip(idx[0], scores[0], strict=True) if i >= 0]

    def score(self, query: np.ndarray, case_ids: Sequence[str]) -> np.ndarray:
        """Exact inner products with the given cases (unknown ids score 0)."""
        rows = [self._pos.get(c, -1) for c in case_ids]
        out = np.zeros(len(rows), dtype=np.float32)
        known = [i for i, r in enumerate(rows) if r >= 0]
        if known:
            out[known] = self.vectors[[rows[i] for i in known]] @ query.astype(np.float32)
        return out

    def save(self, folder: Path) -> None:
        import faiss

        folder.mkdir(parents=True, exist_ok=True)
        index = faiss.index_gpu_to_cpu(self.index) if _is_gpu(self.index) else self.index
        faiss.write_index(index, str(folder / "faiss.index"))
        np.save(folder / "vectors.npy", self.vectors)
        (folder / "dense.json").write_text(json.dumps({"meta": self.meta, "case_ids": self.case_ids}),
                                           encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, mmap: bool = False) -> DenseIndex:
        """Read a saved index (``mmap``: map the FAISS file and the vectors instead of reading them)."""
        import faiss

        if not (folder / "faiss.index").exists():
            raise IndexMissing(f"no FAISS index at {folder}")
        info = json.loads((folder / "dense.json").read_text(encoding="utf-8"))
        index = faiss.read_index(str(folder / "faiss.index"), faiss.IO_FLAG_MMAP if mmap else 0)
        vectors = np.load(folder / "vectors.npy", mmap_mode="r" if mmap else None)
        if index.ntotal != len(info["case_ids"]) or vectors.shape[0] != index.ntotal:
            raise IndexMismatch(f"{folder}: FAISS holds {index.ntotal} vectors for {len(info['case_ids'])} ids")
        return cls(_maybe_gpu(index), info["case_ids"], vectors, info["meta"])


def _padded(x: np.ndarray, pad: int) -> np.ndarray:
    """``x`` with ``pad`` zero columns (inner products unchanged), as IVF-PQ wants a multiple of 16."""
    return np.ascontiguousarray(np.pad(x, ((0, 0), (0, pad)))) if pad else x


def _maybe_gpu(index):
    import faiss

    if hasattr(faiss, "get_num_gpus") and faiss.get_num_gpus() > 0 and isinstance(index, faiss.IndexFlat):
        log.info("moving the FAISS index to GPU 0")
        return faiss.index_cpu_to_gpu(faiss.StandardGpuResources(), 0, index)
    return index


def _is_gpu(index) -> bool:
    return type(index).__name__.startswith("Gpu")
