"""Lexical stack benchmark on the full LeCaRD corpus.

Measures, in one run on one machine: segmentation speed (rjieba fast path vs jieba, same texts) and
their token agreement; the tantivy index build (time, size on disk); long-query latency over the
107 LeCaRD queries for tantivy vs bm25s vs rank_bm25 (rank_bm25 on a few queries only: seconds per
query), each end to end (query segmentation included) with the same distinct query terms; and, as a sanity check of scoring, a quick pool re-ranking NDCG@30 / MAP (own simple
implementation; ``lcr.eval`` is the authoritative evaluator).

    python benchmarks/bench_lexical.py --data ../shared/data/lecard [--limit N]

Writes ``reports/bench_lexical.json``. The corpus file is read directly (gzip + json), so this
script depends only on ``lcr.text`` and ``lcr.index``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import math
import os
import platform
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from lcr.index.lexical import TantivyBM25
from lcr.records import Case
from lcr.text.segment import Segmenter

log = logging.getLogger("bench_lexical")

FIELD_KEYS = {"facts": "ajjbqk", "reasoning": "cpfxgc", "full_text": "qw"}


def read_candidates(data: Path, limit: int | None) -> Iterator[dict[str, Any]]:
    with gzip.open(data / "candidates.jsonl.gz", "rt", encoding="utf-8") as f:
        for i, line in enumerate(f):
            if limit is not None and i >= limit:
                return
            yield json.loads(line)


def to_case(doc: dict[str, Any]) -> Case:
    return Case(
        case_id=str(doc["cid"]),
        facts=doc.get("ajjbqk", ""),
        title=doc.get("writName", ""),
        reasoning=doc.get("cpfxgc", ""),
        result=doc.get("pjjg", ""),
        full_text=doc.get("qw", ""),
    )


def percentiles(seconds: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in seconds)
    return {
        "n": len(ms),
        "p50_ms": round(statistics.median(ms), 2),
        "p95_ms": round(ms[min(len(ms) - 1, math.ceil(0.95 * len(ms)) - 1)], 2),
        "mean_ms": round(statistics.fmean(ms), 2),
    }


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def _spans(tokens: list[str]) -> set[tuple[int, int]]:
    spans, pos = set(), 0
    for tok in tokens:
        spans.add((pos, pos + len(tok)))
        pos += len(tok)
    return spans


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def bench_segmentation(texts: list[str]) -> dict[str, Any]:
    """Speed of both backends on the same texts (with the legal dictionary) and their agreement.

    ``cut`` is raw segmentation; ``tokenize`` adds the filtering (stop words, punctuation, case)."""
    fast, ref = Segmenter("rjieba"), Segmenter("jieba")
    fast.cut("预热"), ref.cut("预热")  # dictionary loading is not segmentation speed
    chars = sum(map(len, texts))
    out: dict[str, Any] = {"docs": len(texts), "chars": chars}
    results = {}
    for name, seg in (("rjieba", fast), ("jieba", ref)):
        cut, t_cut = timed(lambda seg=seg: [seg.cut(t) for t in texts])
        _, t_tok = timed(lambda seg=seg: [seg.tokenize(t) for t in texts])
        results[name] = cut
        out[name] = {"cut_chars_per_s": round(chars / t_cut), "tokenize_chars_per_s": round(chars / t_tok)}
    out["speedup_rjieba_over_jieba"] = round(
        out["rjieba"]["cut_chars_per_s"] / out["jieba"]["cut_chars_per_s"], 1
    )
    same_docs = shared = total = cjk_diffs = diffs = 0
    for a, b in zip(results["rjieba"], results["jieba"], strict=True):
        same_docs += a == b
        sa, sb = _spans(a), _spans(b)
        shared += len(sa & sb)
        total += max(len(sa), len(sb))
        text = "".join(a)
        for start, end in sa ^ sb:
            diffs += 1
            cjk_diffs += _has_cjk(text[start:end])
    out["agreement"] = {
        "docs_identical_pct": round(100 * same_docs / len(texts), 2),
        "token_spans_identical_pct": round(100 * shared / total, 3),
        "differing_spans": diffs,
        "differing_spans_with_chinese": cjk_diffs,
    }
    return out


def load_queries(data: Path) -> list[tuple[str, str]]:
    with open(data / "query.json", encoding="utf-8") as f:
        return [(str(q["ridx"]), q["q"]) for q in map(json.loads, filter(str.strip, f))]


def pool_sanity(
    backend: TantivyBM25, data: Path, queries: list[tuple[str, str]], field: str
) -> dict[str, float]:
    """NDCG@30 over each query's whole pool (unlabelled = 0, linear gain) and MAP over its labelled
    candidates (grade 3 relevant): a quick check that scores behave like BM25, not an evaluation."""
    pools = json.loads((data / "candidate_pools.json").read_text(encoding="utf-8"))
    labels = json.loads((data / "label_top30_dict.json").read_text(encoding="utf-8"))
    ndcgs, aps = [], []
    for qid, text in queries:
        grades = {str(c): int(g) for c, g in labels.get(qid, {}).items()}
        scores = backend.score(text, [str(c) for c in pools[qid]], field=field)
        ranked = sorted(scores, key=lambda c: (-scores[c], c))
        dcg = sum(grades.get(c, 0) / math.log2(i + 2) for i, c in enumerate(ranked[:30]))
        ideal = sum(g / math.log2(i + 2) for i, g in enumerate(sorted(grades.values(), reverse=True)[:30]))
        ndcgs.append(dcg / ideal if ideal else 0.0)
        hits, precisions = 0, []
        for i, c in enumerate(c for c in ranked if c in grades):
            if grades[c] == 3:
                hits += 1
                precisions.append(hits / (i + 1))
        aps.append(statistics.fmean(precisions) if precisions else 0.0)
    return {"ndcg30_hard": round(statistics.fmean(ndcgs), 4), "map_labelled": round(statistics.fmean(aps), 4)}


def bench_queries(
    backend: TantivyBM25,
    corpus_tokens: list[list[str]],
    ids: list[str],
    queries: list[tuple[str, str]],
    field: str,
    k: int,
    rank_bm25_queries: int,
) -> dict[str, Any]:
    import bm25s
    from rank_bm25 import BM25Okapi

    seg = backend.segmenter
    assert seg is not None
    out: dict[str, Any] = {
        "field": field,
        "k": k,
        "queries": len(queries),
        "mean_query_chars": round(statistics.fmean(len(q) for _, q in queries), 1),
    }

    times, tantivy_top = [], {}
    for qid, text in queries:
        hits, dt = timed(lambda text=text: backend.search(text, k, field=field))
        times.append(dt)
        tantivy_top[qid] = [h.case_id for h in hits[:10]]
    out["tantivy"] = percentiles(times)
    out["tokenize_query_only"] = percentiles([timed(lambda t=t: seg.tokenize(t))[1] for _, t in queries])

    retriever = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
    _, t_index = timed(lambda: retriever.index(corpus_tokens, show_progress=False))
    with tempfile.TemporaryDirectory() as tmp:
        retriever.save(tmp, show_progress=False)
        size = sum(p.stat().st_size for p in Path(tmp).iterdir())
    vocab = retriever.vocab_dict
    times, overlap = [], []
    for qid, text in queries:

        def run(text: str = text) -> list[int]:
            toks = [t for t in dict.fromkeys(seg.tokenize(text)) if t in vocab]
            docs, _ = retriever.retrieve([toks], k=k, show_progress=False, n_threads=1)
            return docs[0].tolist()

        docs, dt = timed(run)
        times.append(dt)
        overlap.append(len(set(tantivy_top[qid]) & {ids[d] for d in docs[:10]}) / 10)
    out["bm25s"] = {
        **percentiles(times),
        "index_s": round(t_index, 1),
        "saved_index_mb": round(size / 1e6, 1),
        "top10_overlap_with_tantivy": round(statistics.fmean(overlap), 3),
    }

    bm, t_index = timed(lambda: BM25Okapi(corpus_tokens, k1=1.2, b=0.75))
    times = []
    for _, text in queries[:rank_bm25_queries]:

        def run_rank(text: str = text) -> np.ndarray:
            scores = bm.get_scores(list(dict.fromkeys(seg.tokenize(text))))
            return np.argpartition(-scores, k)[:k]

        times.append(timed(run_rank)[1])
    out["rank_bm25"] = {**percentiles(times), "index_s": round(t_index, 1)}
    base = out["tantivy"]["p50_ms"]
    out["p50_ratio_vs_tantivy"] = {
        name: round(out[name]["p50_ms"] / base, 2) for name in ("tantivy", "bm25s", "rank_bm25")
    }
    return out


def tokenize_field(
    data: Path, limit: int | None, field: str, seg: Segmenter
) -> tuple[list[str], list[list[str]], int, float]:
    """Ids, tokens, total characters and tokenize time of one field over the corpus (for bm25s/rank_bm25)."""
    texts = [(str(d["cid"]), to_case(d).field_text(field)) for d in read_candidates(data, limit)]
    tokens, seconds = timed(lambda: [seg.tokenize(text) for _, text in texts])
    return [cid for cid, _ in texts], tokens, sum(len(text) for _, text in texts), seconds


def machine_info() -> dict[str, Any]:
    versions = {}
    for pkg in ("tantivy", "rjieba", "jieba", "bm25s", "rank-bm25", "numpy"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = "absent"
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "packages": versions,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--data", type=Path, required=True, help="LeCaRD folder (candidates.jsonl.gz, query.json, ...)"
    )
    ap.add_argument("--limit", type=int, default=None, help="index only the first N candidates")
    ap.add_argument("--out", type=Path, default=Path("reports/bench_lexical.json"))
    ap.add_argument(
        "--field", default="facts", choices=sorted(FIELD_KEYS), help="field queried in the latency test"
    )
    ap.add_argument("--k", type=int, default=100)
    ap.add_argument(
        "--seg-docs", type=int, default=200, help="documents (full text) for the jieba/rjieba comparison"
    )
    ap.add_argument("--rank-bm25-queries", type=int, default=5)
    ap.add_argument("--workers", type=int, default=0, help="segmentation processes for the tantivy build")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    report: dict[str, Any] = {"machine": machine_info(), "corpus": str(args.data), "limit": args.limit}
    sample = [d.get("qw", "") for d in read_candidates(args.data, args.seg_docs)]
    report["segmentation"] = bench_segmentation(sample)
    log.info("segmentation: %s", report["segmentation"])

    index_dir = Path(tempfile.mkdtemp(prefix="bench_lexical_")) / "tantivy"
    try:
        backend = TantivyBM25(workers=args.workers)
        stats = {"docs": 0, "chars": 0}

        def cases() -> Iterator[Case]:
            for doc in read_candidates(args.data, args.limit):
                case = to_case(doc)
                stats["docs"] += 1
                stats["chars"] += sum(len(case.field_text(f)) for f in ("facts", "reasoning", "full_text"))
                yield case

        manifest, t_build = timed(lambda: backend.build(cases(), index_dir))
        size = sum(p.stat().st_size for p in index_dir.rglob("*") if p.is_file())
        report["build"] = {
            "docs": stats["docs"],
            "indexed_chars": stats["chars"],
            "fields": manifest.config["fields"],
            "workers": args.workers,
            "seconds": round(t_build, 1),
            "docs_per_s": round(stats["docs"] / t_build, 1),
            "chars_per_s": round(stats["chars"] / t_build),
            "index_mb": round(size / 1e6, 1),
            "counts": manifest.counts,
        }
        log.info("build: %s", report["build"])

        queries = load_queries(args.data)
        seg = backend.segmenter
        assert seg is not None
        ids, corpus_tokens, field_chars, t_seg = tokenize_field(args.data, args.limit, args.field, seg)
        report["latency"] = bench_queries(
            backend, corpus_tokens, ids, queries, args.field, args.k, args.rank_bm25_queries
        )
        report["segmentation"]["rjieba_corpus_field"] = {
            "field": args.field,
            "chars": field_chars,
            "seconds": round(t_seg, 1),
            "tokenize_chars_per_s": round(field_chars / t_seg),
        }
        log.info("latency: %s", report["latency"])
        if args.limit is None:
            report["pool_sanity"] = {
                f: pool_sanity(backend, args.data, queries, f) for f in ("facts", "full_text")
            }
            log.info("pool sanity: %s", report["pool_sanity"])
    finally:
        shutil.rmtree(index_dir.parent, ignore_errors=True)
    report["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    log.info("wrote %s", args.out)


if __name__ == "__main__":
    main()
