"""FAISS index options for large dense indexes -> ``reports/bench_faiss.json``.

Case vectors: the full LeCaRD index's LCM-LAI case vectors (9,088 × d), and a synthetic corpus of
``--synthetic`` cases made the same way where encoding that many judgments would not fit this machine:
each synthetic case is the normalised mean of two real case vectors, so the vectors keep the real ones'
geometry (semantic part and article part). Queries: the 107 LeCaRD queries' LCM-LAI vectors (encoded once,
through the served pipeline's own stages).

Per corpus size and option, in the same run: build seconds, serialized size (MB, what the index costs in
memory), recall@100 against the exact flat index, and single-query search latency p50/p95 (one thread).
Options: ``flat`` (exact inner product), ``hnsw32`` (efSearch 64 and 128), ``ivf-flat`` and ``ivf-pq``
(nlist = 4·√n, nprobe 16; PQ with 8-bit codes over the vector zero-padded to a multiple of 16).

    .venv/bin/python benchmarks/bench_faiss.py --index lecard-v1-full --synthetic 100000
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import faiss
import numpy as np

from data_tools.lecard import load_lecard_v1
from lcr.index.bundle import DENSE, resolve_index
from lcr.index.dense import DenseIndex
from lcr.paths import lecard_v1, reports_dir
from lcr.pipeline import Searcher
from lcr.records import Query

K = 100


def synthetic(real: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, len(real), n), rng.integers(0, len(real), n)
    out = real[a] + real[b]
    return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)


def padded(x: np.ndarray, multiple: int = 16) -> np.ndarray:
    d = x.shape[1]
    extra = (-d) % multiple
    return np.ascontiguousarray(np.pad(x, ((0, 0), (0, extra))) if extra else x)


def options(n: int, d: int) -> dict[str, tuple]:
    """name -> (factory, search-time setup, pad?)"""
    nlist = max(16, int(4 * np.sqrt(n)))
    dp = d + (-d) % 16

    def hnsw(ef: int):
        return (lambda: faiss.IndexHNSWFlat(d, 32, faiss.METRIC_INNER_PRODUCT),
                lambda ix: setattr(ix.hnsw, "efSearch", ef), False)

    def ivf(pq: bool):
        def make():
            quantizer = faiss.IndexFlatIP(dp if pq else d)
            if pq:
                return faiss.IndexIVFPQ(quantizer, dp, nlist, dp // 8, 8, faiss.METRIC_INNER_PRODUCT)
            return faiss.IndexIVFFlat(quantizer, d, nlist, faiss.METRIC_INNER_PRODUCT)
        return make, lambda ix: setattr(ix, "nprobe", 16), pq

    return {"flat": (lambda: faiss.IndexFlatIP(d), lambda ix: None, False),
            "hnsw32-ef64": hnsw(64), "hnsw32-ef128": hnsw(128),
            "ivf-flat": ivf(False), "ivf-pq": ivf(True)}


def measure(vectors: np.ndarray, queries: np.ndarray) -> list[dict]:
    n, d = vectors.shape
    rows, exact = [], None
    built: dict[str, tuple[faiss.Index, float]] = {}  # hnsw32 is built once, searched at two efSearch
    for name, (make, setup, pad) in options(n, d).items():
        x, q = (padded(vectors), padded(queries)) if pad else (vectors, queries)
        key = name.split("-ef")[0]
        if key not in built:
            t0 = time.perf_counter()
            index = make()
            if not index.is_trained:
                index.train(x)
            index.add(x)
            built[key] = index, time.perf_counter() - t0
        index, build = built[key]
        setup(index)
        times, found = [], []
        for row in q:
            t = time.perf_counter()
            _, ids = index.search(row.reshape(1, -1), K)
            times.append((time.perf_counter() - t) * 1000)
            found.append(ids[0])
        if exact is None:
            exact = found
        recall = float(np.mean([len(set(f) & set(e)) / K for f, e in zip(found, exact, strict=True)]))
        rows.append({"option": name, "cases": n, "build_s": round(build, 2),
                     "size_mb": round(faiss.serialize_index(index).nbytes / 2**20, 1),
                     f"recall@{K}_vs_flat": round(recall, 4), "p50_ms": round(float(np.percentile(times, 50)), 3),
                     "p95_ms": round(float(np.percentile(times, 95)), 3)})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", default="lecard-v1-full")
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--synthetic", type=int, default=100_000)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    faiss.omp_set_num_threads(1)
    folder = resolve_index(args.index)
    real = DenseIndex.load(folder / DENSE).vectors.astype(np.float32)
    searcher = Searcher.open(folder)
    if searcher.stages.lcm is None:
        raise SystemExit(f"{folder} has no LCM-LAI dense part")
    queries = np.stack([searcher.stages.lcm.query_vector(Query(q.qid, q.text))
                        for q in load_lecard_v1(args.data or lecard_v1()).queries]).astype(np.float32)
    report = {"dim": int(real.shape[1]), "queries": len(queries), "k": K, "threads": 1,
              "machine": {"python": platform.python_version(), "faiss": faiss.__version__},
              "corpora": {"lecard-v1 (real)": measure(real, queries),
                          f"synthetic {args.synthetic:,} (pairs of real vectors)": measure(
                              synthetic(real, args.synthetic), queries)},
              "command": "python benchmarks/bench_faiss.py " + " ".join(sys.argv[1:])}
    out = args.out or reports_dir() / "bench_faiss.json"
    out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
