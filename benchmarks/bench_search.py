"""Dense indexing and search benchmarks -> ``reports/bench_search.json``.

1. **Pipeline vs raw encoder**: the indexing pipeline (sentence selection, embedding cache with an empty
   cache file, sentence store) against the bare encoder forward pass on the same sentences; the ratio
   raw_time / pipeline_time is the pipeline's efficiency (target ≥ 0.8).
2. **FAISS search latency** over the full index's case vectors (p50/p95 over the LeCaRD queries).
3. **End-to-end Searcher latency** (hybrid >> RankSVM, explanations included) on the 107 LeCaRD queries,
   as a ratio to the query-encoder forward pass alone on the same queries, with the reranker's share.
4. **Index build wall time**, read from the timing log of the full build when given (``--build-log``).

    .venv/bin/python benchmarks/bench_search.py --index indexes/lecard-v1-full --data ../shared/data/lecard
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np


def pct(xs: list[float], p: float) -> float:
    return float(np.percentile(np.array(xs), p))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", default="indexes/lecard-v1-full")
    ap.add_argument("--data", default="../shared/data/lecard")
    ap.add_argument("--cases", type=int, default=150, help="cases whose sentences feed the pipeline test")
    ap.add_argument("--queries", type=int, default=107)
    ap.add_argument("--build-seconds", type=float, default=None, help="measured full-build wall time")
    ap.add_argument("--out", default="reports/bench_search.json")
    args = ap.parse_args()

    from data_tools.lecard import load_lecard_v1
    from lcr.index.bundle import iter_store
    from lcr.index.casestore import CaseStore
    from lcr.encode.sentence_store import SENTENCE_ROLE, SentenceStore
    from lcr.encode.embedding_cache import CachedEncoder
    from lcr.encode.encoder import load_encoder
    from lcr.encode.sentences import select_sentences
    from lcr.pipeline import Searcher

    searcher = Searcher.open(args.index)
    dense = searcher.dense
    encoder = load_encoder(searcher.manifest.config["dense"]["encoder"])
    report: dict = {"machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                                "load_at_start": os.getloadavg()}, "index": args.index,
                    "pipeline": searcher.pipeline_name}

    # 1. pipeline vs raw encoder on the same sentences
    store = CaseStore.open(Path(args.index) / "cases.sqlite")
    cases = list(iter_store(store))[: args.cases]
    sents = [select_sentences(c.facts, dense.max_sentences) for c in cases]
    flat = [s for ss in sents for s in ss]
    encoder.encode(flat[:16], role=SENTENCE_ROLE)  # warm-up
    t = time.perf_counter()
    encoder.encode(flat, role=SENTENCE_ROLE)
    raw = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as tmp:
        cached = CachedEncoder(encoder, Path(tmp) / "emb.sqlite")
        t = time.perf_counter()
        sents2 = [select_sentences(c.facts, dense.max_sentences) for c in cases]
        SentenceStore.encode([c.case_id for c in cases], sents2, cached, show_progress=False)
        piped = time.perf_counter() - t
        cached.close()
    report["pipeline_vs_raw_encoder"] = {
        "cases": len(cases), "sentences": len(flat), "raw_encoder_s": round(raw, 2), "pipeline_s": round(piped, 2),
        "ratio_raw_over_pipeline": round(raw / piped, 3), "sentences_per_s_pipeline": round(len(flat) / piped, 1)}

    # 2 + 3. query latencies
    ds = load_lecard_v1(args.data)
    queries = ds.queries[: args.queries]
    enc_times, faiss_times, e2e_times, rerank_share = [], [], [], []
    from lcr.records import Query
    from lcr.retrieve.dense import LcmLaiRanker

    searcher.search(queries[0].text, k=10)  # warm-up (loads the ONNX session)
    dense.encoder = encoder  # no embedding cache: every query below is encoded as a new one would be
    for q in queries:
        qs = select_sentences(q.text, dense.max_sentences)
        t = time.perf_counter()
        emb = encoder.encode(qs, role=SENTENCE_ROLE)
        enc_times.append(time.perf_counter() - t)
        qstore = SentenceStore([q.qid], [qs], emb.astype(np.float16), np.array([0, len(qs)]), encoder.name)
        lcm = LcmLaiRanker("lcm-lai", dense.model, lambda _, s=qstore: s, dense.sentences, dense.max_sentences,
                           dense.article_weight)
        vec = lcm.query_vector(Query(q.qid, q.text))
        t = time.perf_counter()
        dense.faiss.search(vec, 100)
        faiss_times.append(time.perf_counter() - t)
        # end to end, query encoding included
        t = time.perf_counter()
        ranker, _ = searcher._ranker(Query(q.qid + "-bench", q.text + " "))
        t_first = time.perf_counter()
        first = ranker.first_stage.rank(Query(q.qid + "-bench", q.text + " "), None, 100) if hasattr(
            ranker, "first_stage") else None
        t_rerank = time.perf_counter()
        if first is not None:
            ranker.rank(Query(q.qid + "-bench", q.text + " "), [h.case_id for h in first], 10)
        t_end = time.perf_counter()
        e2e_times.append(t_end - t)
        if first is not None:
            rerank_share.append((t_end - t_rerank) / (t_end - t))
        del t_first
    report["query_encoder_ms"] = {"p50": round(pct(enc_times, 50) * 1e3, 1), "p95": round(pct(enc_times, 95) * 1e3, 1)}
    report["faiss_search_ms"] = {"p50": round(pct(faiss_times, 50) * 1e3, 3), "p95": round(pct(faiss_times, 95) * 1e3, 3),
                                 "vectors": len(dense.faiss.case_ids), "dim": dense.faiss.dim,
                                 "kind": dense.faiss.meta.get("faiss_kind")}
    report["searcher_end_to_end_ms"] = {
        "p50": round(pct(e2e_times, 50) * 1e3, 1), "p95": round(pct(e2e_times, 95) * 1e3, 1),
        "ratio_p50_to_query_encoder_p50": round(pct(e2e_times, 50) / pct(enc_times, 50), 2),
        "reranker_share_mean": round(statistics.mean(rerank_share), 3) if rerank_share else None,
        "queries": len(queries)}
    if args.build_seconds is not None:
        report["full_index_build_s"] = args.build_seconds
    report["machine"]["load_at_end"] = os.getloadavg()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
