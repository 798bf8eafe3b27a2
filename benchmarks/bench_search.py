"""Dense indexing and search benchmarks -> ``reports/bench_search.json``.

1. **Pipeline vs raw encoder**: the indexing pipeline (sentence selection, embedding cache with an empty
   cache file, sentence store) against the bare encoder forward pass on the same sentences; the ratio
   raw_time / pipeline_time is the pipeline's efficiency (target ≥ 0.8).
2. **FAISS search latency** over the full index's case vectors (p50/p95 over the LeCaRD queries).
3. **End-to-end latency**: ``Searcher.search`` (query encoding, hybrid >> RankSVM, explanations) on the
   107 LeCaRD queries, as a ratio to the query-encoder forward pass alone on the same queries (both
   measured in this run), with the reranker's share.
4. **Index build wall time**, when given (``--build-seconds``).

    .venv/bin/python benchmarks/bench_search.py --index lecard-v1-full
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from data_tools.lecard import load_lecard_v1
from lcr.encode.embedding_cache import CachedEncoder
from lcr.encode.sentence_store import SENTENCE_ROLE, SentenceStore
from lcr.encode.sentences import select_sentences
from lcr.index.bundle import IndexBundle
from lcr.paths import lecard_v1, reports_dir
from lcr.pipeline import PipelineParts, Searcher, Stages
from lcr.records import Query


def pct(xs: list[float], p: float) -> float:
    return float(np.percentile(np.array(xs), p))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", default="lecard-v1-full", help="index path or name (default: lecard-v1-full)")
    ap.add_argument("--data", type=Path, default=None, help="LeCaRD v1 folder (default: lcr.paths.lecard_v1())")
    ap.add_argument("--cases", type=int, default=150, help="cases whose sentences feed the pipeline test")
    ap.add_argument("--queries", type=int, default=107)
    ap.add_argument("--build-seconds", type=float, default=None, help="measured full-build wall time")
    ap.add_argument("--out", type=Path, default=reports_dir() / "bench_search.json")
    args = ap.parse_args()

    # The served Searcher, except that its query encoder skips the embedding cache: every query below
    # is encoded as a new one would be.
    bundle = IndexBundle.open(args.index)
    dense = bundle.dense
    if dense is None:
        raise SystemExit(f"{args.index} has no dense part: build it with --model (and --reranker)")
    cached = dense.encoder
    encoder = cached.encoder
    dense.encoder = encoder
    searcher = Searcher(bundle)
    report: dict = {"machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                                "load_at_start": os.getloadavg()}, "index": bundle.folder.name,
                    "pipeline": searcher.pipeline_name}

    # 1. pipeline vs raw encoder on the same sentences
    cases = list(itertools.islice(bundle.store.iter_cases(), args.cases))
    sents = [select_sentences(c.facts, dense.max_sentences) for c in cases]
    flat = [s for ss in sents for s in ss]
    encoder.encode(flat[:16], role=SENTENCE_ROLE)  # warm-up
    t = time.perf_counter()
    encoder.encode(flat, role=SENTENCE_ROLE)
    raw = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as tmp:
        fresh = CachedEncoder(encoder, Path(tmp) / "emb.sqlite")
        t = time.perf_counter()
        sents2 = [select_sentences(c.facts, dense.max_sentences) for c in cases]
        SentenceStore.encode([c.case_id for c in cases], sents2, fresh, show_progress=False)
        piped = time.perf_counter() - t
        fresh.close()
    report["pipeline_vs_raw_encoder"] = {
        "cases": len(cases), "sentences": len(flat), "raw_encoder_s": round(raw, 2), "pipeline_s": round(piped, 2),
        "ratio_raw_over_pipeline": round(raw / piped, 3), "sentences_per_s_pipeline": round(len(flat) / piped, 1)}

    # 2 + 3. query latencies: the encoder alone, FAISS alone, and Searcher.search end to end (query
    # encoding, hybrid first stage, RankSVM, explanations), with the reranker's share of it.
    ds = load_lecard_v1(args.data or lecard_v1())
    queries = ds.queries[: args.queries]
    pipeline = searcher.pipeline
    rerank_seconds: list[float] = []
    for stage in getattr(pipeline, "rerankers", []):
        stage.rerank = _timed(stage.rerank, rerank_seconds)
    lcm = Stages(PipelineParts.of(bundle)).lcm  # a separate LCM-LAI stage, to time FAISS alone
    searcher.search(queries[0].text, k=10)  # warm-up (loads the ONNX session)
    enc_times, faiss_times, e2e_times, rerank_share = [], [], [], []
    for q in queries:
        qs = select_sentences(q.text, dense.max_sentences)
        t = time.perf_counter()
        encoder.encode(qs, role=SENTENCE_ROLE)
        enc_times.append(time.perf_counter() - t)
        if lcm is not None:
            vec = lcm.query_vector(Query(q.qid, q.text))
            t = time.perf_counter()
            lcm.dense.search(vec, 100)
            faiss_times.append(time.perf_counter() - t)
        rerank_seconds.clear()
        t = time.perf_counter()
        searcher.search(q.text, k=10)
        e2e_times.append(time.perf_counter() - t)
        if rerank_seconds:
            rerank_share.append(sum(rerank_seconds) / e2e_times[-1])
    report["query_encoder_ms"] = {"p50": round(pct(enc_times, 50) * 1e3, 1), "p95": round(pct(enc_times, 95) * 1e3, 1)}
    if faiss_times:
        report["faiss_search_ms"] = {"p50": round(pct(faiss_times, 50) * 1e3, 3),
                                     "p95": round(pct(faiss_times, 95) * 1e3, 3),
                                     "vectors": len(lcm.dense.case_ids), "dim": lcm.dense.dim,
                                     "kind": lcm.dense.meta.get("faiss_kind")}
    report["searcher_end_to_end_ms"] = {
        "p50": round(pct(e2e_times, 50) * 1e3, 1), "p95": round(pct(e2e_times, 95) * 1e3, 1),
        "ratio_p50_to_query_encoder_p50": round(pct(e2e_times, 50) / pct(enc_times, 50), 2),
        "reranker_share_mean": round(statistics.mean(rerank_share), 3) if rerank_share else None,
        "explanations_included": True, "queries": len(queries)}
    if args.build_seconds is not None:
        report["full_index_build_s"] = args.build_seconds
    report["machine"]["load_at_end"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=1, ensure_ascii=False))


def _timed(fn, sink: list[float]):
    def wrapper(*args, **kwargs):
        t = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            sink.append(time.perf_counter() - t)

    return wrapper


if __name__ == "__main__":
    main()
