"""How the first stage's cost grows with the corpus -> ``reports/bench_scaling.json`` and ``.png``.

Synthetic corpora made from LeCaRD judgments, so text statistics stay realistic: each synthetic case's facts
are the fact sentences of three random LeCaRD judgments, shuffled together (seeded). Dense vectors for
the same cases are made the same way from the real LCM-LAI case vectors (the normalised mean of two, as
in ``bench_faiss.py``), since encoding 100,000 judgments does not fit this machine.

Per size (``--sizes``, default 10,000 and 100,000), in one run: the embedded BM25 backend (tantivy,
facts field) — build seconds, size on disk, search latency p50/p95 for the top 100 over the 107 LeCaRD
queries; FAISS (flat and HNSW32, efSearch 128) over the vectors — build seconds, size, latency p50/p95
(one thread; the query vectors are 107 real case vectors drawn at random); and the **served first stage**
as the index serves it (``Stages.first_stage``: the query's fact sentences encoded by the index's encoder,
uncached, its LCM-LAI query vector, BM25 top 100 ∪ FAISS top 100 with the kind ``auto`` picks for that
size — flat below 50,000 cases, HNSW above —, reciprocal rank fusion), p50/p95 over the 107 queries.

With ``--emulator-url`` (an Elasticsearch-speaking server, e.g. ``noida-db`` on loopback) and
``--emulator-sizes``, the Elasticsearch backend is loaded with the same synthetic corpus and asked the
queries cut to their first sentences (≤150 characters, :func:`~lcr.eval.querysets.short_text`): build
seconds, latency, and how many of tantivy's top 10 it returns. That row is a *correctness check* of the
backend at that size; the emulator's speed says nothing about a real cluster's.

    .venv/bin/python benchmarks/bench_scaling.py --index lecard-v1-full --sizes 10000,100000 \
        --emulator-url http://127.0.0.1:9322 --emulator-sizes 10000
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import faiss
import numpy as np

from data_tools.lecard import load_lecard_v1
from lcr.eval.querysets import short_text
from lcr.index.bundle import IndexBundle
from lcr.index.dense import DenseIndex
from lcr.index.es_cluster import client_from_env, indices_of
from lcr.index.es_lexical import ElasticsearchBM25
from lcr.index.lexical import TantivyBM25
from lcr.paths import lecard_v1, reports_dir
from lcr.pipeline.compose import FUSION_DEPTH
from lcr.records import Case, Query
from lcr.retrieve.dense import LcmLaiRanker, QueryEncoder
from lcr.retrieve.fusion import DENSE_WEIGHT, FusionRanker
from lcr.retrieve.lexical import BM25Ranker
from lcr.text.sentences import split_sentences


def folder_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def pct(xs: list[float], p: float) -> float:
    return round(float(np.percentile(xs, p)), 3)


def synthetic_cases(pools: list[list[str]], n: int, seed: int = 0):
    rng = random.Random(seed)
    for i in range(n):
        sents = [s for j in rng.sample(range(len(pools)), 3) for s in pools[j][:15]]
        rng.shuffle(sents)
        yield Case(case_id=f"s{i}", facts="".join(sents))


def synthetic_vectors(real: np.ndarray, n: int) -> np.ndarray:
    rng = np.random.default_rng(n)
    x = real[rng.integers(0, len(real), n)] + real[rng.integers(0, len(real), n)]
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def bench_first_stage(bundle: IndexBundle, lexical_dir: Path, real: np.ndarray, n: int, queries: list[str]) -> dict:
    """The served first stage over the size-``n`` corpus: BM25 (the synthetic tantivy index) fused with the
    LCM-LAI ranker searching FAISS over the synthetic vectors; the query encoded without the cache."""
    d = bundle.dense
    assert d is not None
    dense = DenseIndex.build([f"s{i}" for i in range(n)], synthetic_vectors(real, n), kind="auto")
    lcm = LcmLaiRanker("lcm-lai", d.model, d.labels, QueryEncoder(d.encoder.encoder, d.max_sentences), d.sentences,
                       d.max_sentences, d.article_weight, dense=dense)
    bm25 = BM25Ranker(TantivyBM25(progress=False).open(lexical_dir), "facts")
    first = FusionRanker([bm25, lcm], method="rrf", weights=[1.0, DENSE_WEIGHT], depth=FUSION_DEPTH)
    first.rank(Query("warm", queries[0]), None, 100)
    times = []
    for i, q in enumerate(queries):
        t = time.perf_counter()
        first.rank(Query(f"q{i}", q), None, 100)
        times.append((time.perf_counter() - t) * 1000)
    return {"faiss_kind": dense.meta["faiss_kind"], "p50_ms": pct(times, 50), "p95_ms": pct(times, 95)}


def bench_lexical(pools, n: int, queries: list[str], tmp: Path) -> dict:
    out = tmp / f"lex-{n}"
    backend = TantivyBM25(progress=False)
    t0 = time.perf_counter()
    backend.build(synthetic_cases(pools, n), out, ("facts",))
    build = time.perf_counter() - t0
    backend.search(queries[0], 100)
    times = []
    for q in queries:
        t = time.perf_counter()
        backend.search(q, 100)
        times.append((time.perf_counter() - t) * 1000)
    return {"build_s": round(build, 1), "size_mb": round(folder_mb(out), 1), "p50_ms": pct(times, 50),
            "p95_ms": pct(times, 95)}


def bench_emulator(url: str, pools, n: int, queries: list[str], tantivy_dir: Path, tmp: Path,
                   count: int = 10) -> dict:
    """The Elasticsearch backend on an emulator: build, latency and top-10 agreement with tantivy."""
    backend = ElasticsearchBM25(client_from_env({"LCR_ES_URL": url, "LCR_ES_TIMEOUT": "900"}), alias=f"lcr-scaling-{n}")
    t0 = time.perf_counter()
    backend.build(synthetic_cases(pools, n), tmp / f"es-{n}", ("facts",))
    build = time.perf_counter() - t0
    backend.open(tmp / f"es-{n}")
    tantivy = TantivyBM25(progress=False).open(tantivy_dir)
    times, overlap = [], []
    for q in [short_text(q) for q in queries[:count]]:
        t = time.perf_counter()
        ours = [h.case_id for h in backend.search(q, 10)]
        times.append((time.perf_counter() - t) * 1000)
        overlap.append(len(set(ours) & {h.case_id for h in tantivy.search(q, 10)}) / 10)
    for index in indices_of(backend.client, backend.alias):  # leave the emulator as it was
        backend.client.options(ignore_status=404).indices.delete(index=index)
    return {"build_s": round(build, 1), "p50_ms": pct(times, 50), "p95_ms": pct(times, 95), "queries": len(times),
            "top10_overlap_with_tantivy": round(float(np.mean(overlap)), 3),
            "label": "emulator (noida-db): a correctness check, not a measure of Elasticsearch speed"}


def bench_dense(real: np.ndarray, n: int, queries: np.ndarray, kind: str) -> dict:
    x = synthetic_vectors(real, n)
    t0 = time.perf_counter()
    index = DenseIndex.build([str(i) for i in range(n)], x, kind=kind)  # type: ignore[arg-type]
    build = time.perf_counter() - t0
    times = []
    for q in queries:
        t = time.perf_counter()
        index.search(q, 100)
        times.append((time.perf_counter() - t) * 1000)
    return {"build_s": round(build, 2), "size_mb": round(faiss.serialize_index(index.index).nbytes / 2**20, 1),
            "p50_ms": pct(times, 50), "p95_ms": pct(times, 95)}


def plot(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    sizes = [r["cases"] for r in rows]
    for part in ("bm25", "faiss-flat", "faiss-hnsw", "first-stage"):
        for ax, metric in zip(axes, ("build_s", "size_mb", "p95_ms"), strict=True):
            if metric not in rows[0][part]:
                continue
            ax.plot(sizes, [r[part][metric] for r in rows], marker="o", label=part)
            ax.set_xscale("log")
            ax.set_xlabel("cases")
            ax.set_title(metric)
    axes[2].legend()
    fig.suptitle("lcr first stage vs corpus size (synthetic LeCaRD recombinations, 2 cores)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", default="lecard-v1-full", help="an index with LCM-LAI vectors (for the dense part)")
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--emulator-url", default="", help="an Elasticsearch-speaking server for the correctness row")
    ap.add_argument("--emulator-sizes", default="10000", help="sizes (among --sizes) to load into it")
    args = ap.parse_args()
    faiss.omp_set_num_threads(1)
    bundle = IndexBundle.open(args.index)
    if bundle.dense is None or not isinstance(bundle.dense.faiss, DenseIndex):
        sys.exit(f"{args.index}: needs an index with LCM-LAI vectors in FAISS (lcr index build --model ...)")
    pools = [split_sentences(c.facts) for c in bundle.store.iter_cases()]
    real = np.asarray(bundle.dense.faiss.vectors, dtype=np.float32)
    queries = [q.text for q in load_lecard_v1(args.data or lecard_v1()).queries]
    qvec = real[np.random.default_rng(1).integers(0, len(real), len(queries))]
    rows = []
    with tempfile.TemporaryDirectory(prefix="lcr-scaling-") as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            row = {"cases": n, "bm25": bench_lexical(pools, n, queries, Path(tmp)),
                   "faiss-flat": bench_dense(real, n, qvec, "flat"), "faiss-hnsw": bench_dense(real, n, qvec, "hnsw")}
            row["first-stage"] = bench_first_stage(bundle, Path(tmp) / f"lex-{n}", real, n, queries)
            if args.emulator_url and str(n) in args.emulator_sizes.split(","):
                row["es-emulator"] = bench_emulator(args.emulator_url, pools, n, queries, Path(tmp) / f"lex-{n}",
                                                    Path(tmp))
            rows.append(row)
            print(json.dumps(row), flush=True)
    first, last = rows[0], rows[-1]
    growth = {part: round(last[part]["p95_ms"] / first[part]["p95_ms"], 2)
              for part in ("bm25", "faiss-hnsw", "first-stage")}
    report = {"rows": rows, "p95_growth_first_to_last": growth,
              "note": "es-emulator rows (when present) come from noida-db, an in-process server speaking the "
                      "Elasticsearch REST API: a correctness check of the backend at that size (short queries), "
                      "not a measure of real Elasticsearch speed",
              "command": "python benchmarks/bench_scaling.py " + " ".join(sys.argv[1:])}
    (reports_dir() / "bench_scaling.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    plot(rows, reports_dir() / "bench_scaling.png")
    print(json.dumps(growth))


if __name__ == "__main__":
    main()
