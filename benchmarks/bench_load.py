"""HTTP load benchmark of the served API -> ``reports/bench_load.json``.

On one index (the full LeCaRD one by default), in one run: ``Searcher.search`` latency in process on the
LeCaRD queries, then ``POST /v1/search`` through a real uvicorn server on loopback at 1, 4 and 16
concurrent clients. Reported per level: throughput, p50/p95/p99 latency and failed requests; the HTTP
overhead as the ratio of the 1-client p50 to the in-process p50 (same queries, same run; goal ≤ 1.2); and
the serving process's resident memory (VmRSS) after the run. Every query is new to the process that
answers it: each level takes its own slice of the queries, and the in-process searcher and the server
each get an empty embedding cache (sharing only the converted encoder), so no level reads another's
cached query embeddings or features. Bounded: ``--requests`` per level, 60 s per request, loopback only.
``--short``: each query cut to its first sentences (``lcr.eval.querysets.short_text``, ~127 characters, the
``cv5-short`` form) -> ``reports/bench_load_short.json``. The machine's load average before the run is
recorded, to show it was otherwise idle.

    .venv/bin/python benchmarks/bench_load.py --index lecard-v1-full --requests 24
    .venv/bin/python benchmarks/bench_load.py --index lecard-v1-full --requests 24 --short
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np

from data_tools.lecard import load_lecard_v1
from lcr.eval.querysets import short_text
from lcr.index.bundle import resolve_index
from lcr.paths import cache_dir, lecard_v1, reports_dir
from lcr.pipeline import Searcher

LEVELS = (1, 4, 16)


def pct(xs: list[float], p: float) -> float:
    return float(np.percentile(np.array(xs), p)) if xs else float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def in_process(index: Path, texts: list[str], k: int, warm: list[str]) -> list[float]:
    searcher = Searcher.open(index)
    for text in warm:  # warm-up on queries no level uses: lazy views, first-use extraction
        searcher.search(text, k)
    out = []
    for text in texts:
        t0 = time.perf_counter()
        searcher.search(text, k)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def fresh_cache(root: Path, name: str) -> Path:
    """An empty cache folder that shares the converted encoder models of the user's cache."""
    folder = root / name
    folder.mkdir()
    if (cache_dir() / "models").is_dir():
        (folder / "models").symlink_to(cache_dir() / "models")
    return folder


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def level(url: str, texts: list[str], clients: int, requests: int, k: int) -> dict:
    def one(i: int, client: httpx.Client) -> tuple[float, int]:
        t0 = time.perf_counter()
        status = client.post("/v1/search", json={"text": texts[i], "k": k}).status_code
        return (time.perf_counter() - t0) * 1000, status

    def worker(w: int) -> list[tuple[float, int]]:
        with httpx.Client(base_url=url, timeout=60) as client:
            return [one(i, client) for i in range(w, requests, clients)]

    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = [r for rs in pool.map(worker, range(clients)) for r in rs]
    wall = time.perf_counter() - t0
    ms = [m for m, s in results if s == 200]
    return {"clients": clients, "requests": len(results), "failed": sum(s != 200 for _, s in results),
            "throughput_rps": round(len(results) / wall, 2), "p50_ms": round(pct(ms, 50), 1),
            "p95_ms": round(pct(ms, 95), 1), "p99_ms": round(pct(ms, 99), 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", default="lecard-v1-full")
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--requests", type=int, default=32, help="requests (distinct queries) per concurrency level")
    ap.add_argument("-k", type=int, default=10)
    ap.add_argument("--short", action="store_true", help="queries cut to ~127 characters (the cv5-short form)")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    load_before = os.getloadavg()
    index = resolve_index(args.index)
    texts = [q.text for q in load_lecard_v1(args.data or lecard_v1()).queries]
    if args.short:
        texts = [short_text(t) for t in texts]
    n = args.requests
    if (len(LEVELS) + 1) * n > len(texts):
        raise SystemExit(f"--requests {n} needs {(len(LEVELS) + 1) * n} distinct queries; there are {len(texts)}")
    slices = [texts[(i + 1) * n:(i + 2) * n] for i in range(len(LEVELS))]  # texts[:n] warms the server up
    scratch = Path(tempfile.mkdtemp(prefix="lcr-bench-load-"))
    server_cache = fresh_cache(scratch, "server")
    os.environ["LCR_CACHE_DIR"] = str(fresh_cache(scratch, "in-process"))
    local = in_process(index, slices[0], args.k, texts[:4])
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "lcr.cli", "serve", "--index", str(index), "--port", str(port),
                               "--log-level", "warning"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              env={**os.environ, "LCR_CACHE_DIR": str(server_cache)})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 300
        while time.time() < deadline:
            try:
                if httpx.get(url + "/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            raise SystemExit("the server did not come up")
        for text in texts[:4]:  # warm-up on queries no level uses
            httpx.post(url + "/v1/search", json={"text": text, "k": args.k}, timeout=60)
        levels = [level(url, part, c, n, args.k) for c, part in zip(LEVELS, slices, strict=True)]
        memory = rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(scratch, ignore_errors=True)
    report = {
        "index": index.name, "k": args.k,
        "queries": (f"LeCaRD v1 query facts{' cut by short_text' if args.short else ''}: {n} distinct per level, "
                    "never seen by the answering process"),
        "query_chars_mean": round(float(np.mean([len(t) for t in texts])), 1),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "cpu": _cpu_model(),
                    "load_average_1_5_15_before": [round(x, 2) for x in load_before]},
        "searcher_in_process": {"requests": len(local), "p50_ms": round(pct(local, 50), 1),
                                "p95_ms": round(pct(local, 95), 1), "p99_ms": round(pct(local, 99), 1)},
        "http": levels,
        "http_overhead_ratio_1_client_p50": round(levels[0]["p50_ms"] / pct(local, 50), 3),
        "server_rss_mb": round(memory, 1),
        "command": "python benchmarks/bench_load.py " + " ".join(sys.argv[1:]),
    }
    out = args.out or reports_dir() / ("bench_load_short.json" if args.short else "bench_load.json")
    out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
