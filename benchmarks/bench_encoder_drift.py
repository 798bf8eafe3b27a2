"""How much an encoder's vectors move with batch, threads and instruction set -> ``reports/encoder_drift.json``.

Why: the same cv5 command gave the served pipeline .578 official MAP on an AVX-512 VNNI machine against .590
committed. This measures, on the 200 reference sentences of ``tests/encode/reference``, each encoder path:

* batch: each text alone against batches of 32 (the embedding cache hands the encoder whatever texts are
  missing, so batch mates depend on the cache's history);
* threads: 1 against 2;
* instruction set: for torch, its AVX-512 kernels against the AVX2 ones (``ATEN_CPU_CAPABILITY=avx2``,
  ``MKL_CBWR=AVX2``, the code a machine without AVX-512 runs); for ONNX Runtime, whose kernel choice has
  no switch, the same process under ``qemu-x86_64 -cpu Haswell`` (Debian's ``qemu-user``: AVX2, no
  AVX-512, no VNNI), on the first ``--emulated`` query sentences (emulation is ~1,000x slower for the
  integer paths; ONNX float32 is left out: emulated float32 GEMMs did not finish 8 sentences in 15 min);
* accuracy: cosine to float32 torch, and speed (tokens per second, 2 threads, batches of 32).

Each configuration runs in its own process, since those switches are read when the libraries load.

    .venv/bin/python benchmarks/bench_encoder_drift.py              # ~6 min, most of it emulation
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SENTENCES = ROOT / "tests" / "encode" / "reference" / "sentences.json"
PINNED = {"ATEN_CPU_CAPABILITY": "avx2", "MKL_CBWR": "AVX2"}
#: ONNX paths compared: the product's int8 recipe, the same with 7-bit weights (``reduce_range``, ORT's
#: advice for machines without VNNI), the original 4-bit weights (MatMulNBits) and plain float32.
ONNX_VARIANTS = ("int8", "int8-reduce-range", "q4", "fp32")


@dataclass(frozen=True)
class Config:
    path: str  # "torch" or one of ONNX_VARIANTS
    threads: int
    batch: int
    pinned: bool = False
    emulated: bool = False

    @property
    def label(self) -> str:
        tags = [f"t{self.threads}", f"b{self.batch}"] + (["avx2-kernels"] if self.pinned else []) + (
            ["qemu-haswell"] if self.emulated else [])
        return f"{self.path}:{':'.join(tags)}"


def onnx_model(variant: str, folder: Path) -> Path:
    """The ONNX file of ``variant``: the product's cached ones, or (fp32, reduce-range) built in ``folder``."""
    from lcr.encode.fast_e5 import converted_dir, export_onnx_fp32, onnx_path

    if variant in ("int8", "q4"):
        return onnx_path(converted_dir(), f"e5-onnx-{variant}")
    fp32 = folder / "fp32.onnx"
    if not fp32.exists():
        export_onnx_fp32(converted_dir(), fp32)
    if variant == "fp32":
        return fp32
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out = folder / "int8-reduce-range.onnx"
    if not out.exists():
        quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8, per_channel=True, reduce_range=True)
    return out


def worker(cfg: Config, n: int, models: Path, out: Path) -> None:
    """Encode the first ``n`` reference sentences the way ``cfg`` says; save vectors and timing."""
    from lcr.encode.base import l2_normalise
    from lcr.encode.fast_e5 import FastE5Encoder, converted_dir, load_tokenizer

    sentences = json.loads(SENTENCES.read_text(encoding="utf-8"))[:n]
    tok = load_tokenizer(converted_dir())
    vectors = np.zeros((len(sentences), 384), np.float32)
    tokens = 0
    if cfg.path == "torch":
        enc = FastE5Encoder("e5-torch", num_threads=cfg.threads)
        run = None
    else:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads, opts.inter_op_num_threads = cfg.threads, 1
        session = ort.InferenceSession(str(onnx_model(cfg.path, models)), opts, providers=["CPUExecutionProvider"])
        run = session.run
    start = time.perf_counter()
    for role in ("query", "passage"):
        rows = [i for i, (r, _) in enumerate(sentences) if r == role]
        texts = [sentences[i][1] for i in rows]
        ids = tok.ids(texts, role)
        tokens += sum(map(len, ids))
        if run is None:
            vectors[rows] = enc.encode(texts, role, batch_size=cfg.batch)
            continue
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))  # as the product batches
        for j in range(0, len(order), cfg.batch):
            chunk = order[j : j + cfg.batch]
            input_ids, mask = tok.pad([ids[i] for i in chunk])
            got = run(["embedding"], {"input_ids": input_ids, "attention_mask": mask})[0]
            vectors[[rows[i] for i in chunk]] = got
    seconds = time.perf_counter() - start
    np.save(out, l2_normalise(vectors))
    out.with_suffix(".json").write_text(json.dumps({"seconds": seconds, "tokens": tokens}))


def launch(cfg: Config, n: int, models: Path, tmp: Path) -> tuple[np.ndarray, dict]:
    out = tmp / f"{cfg.label.replace(':', '_')}.npy"
    env = {**os.environ, **(PINNED if cfg.pinned else {})}
    cmd = [sys.executable, __file__, "--worker", json.dumps(asdict(cfg)), "--n", str(n), "--models", str(models),
           "--out", str(out)]
    if cfg.emulated:
        cmd = ["qemu-x86_64", "-cpu", "Haswell", *cmd]
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return np.load(out), json.loads(out.with_suffix(".json").read_text())


def drift(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    return {"max_abs": float(np.abs(a - b).max()), "min_cosine": float((a * b).sum(1).min()),
            "identical_rows": int((a == b).all(1).sum()), "rows": n}


def cpu_flags() -> dict[str, object]:
    flags: set[str] = set()
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags") and not flags:
                flags = set(line.split(":", 1)[1].split())
            if line.startswith("model name") and not model:
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    keys = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8", "amx_bf16")
    return {"model": model, **{k: k in flags for k in keys}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--emulated", type=int, default=8, help="sentences run under qemu (0: skip emulation)")
    ap.add_argument("--out", type=Path, default=ROOT / "reports" / "encoder_drift.json")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, default=200, help=argparse.SUPPRESS)
    ap.add_argument("--models", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return worker(Config(**json.loads(args.worker)), args.n, args.models, args.out)

    emulate = args.emulated > 0 and shutil.which("qemu-x86_64") is not None
    results = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        reference, _ = launch(Config("torch", 1, 1), 200, tmp, tmp)  # float32, each text alone
        for path in ("torch", *ONNX_VARIANTS):
            alone, _ = launch(Config(path, 1, 1), 200, tmp, tmp)
            batched, timing = launch(Config(path, 2, 32), 200, tmp, tmp)
            one_thread, _ = launch(Config(path, 1, 32), 200, tmp, tmp)
            row: dict[str, object] = {
                "path": path,
                "tokens_per_s_2threads_batch32": round(timing["tokens"] / timing["seconds"], 1),
                "batch_1_vs_32": drift(alone, one_thread),
                "threads_1_vs_2": drift(one_thread, batched),
                "cosine_to_fp32_torch_min": drift(alone, reference)["min_cosine"],
            }
            if path == "torch":
                pinned, _ = launch(Config(path, 2, 32, pinned=True), 200, tmp, tmp)
                row["isa_avx512_vs_avx2_kernels"] = drift(batched, pinned)
            elif emulate and path != "fp32":
                emulated, _ = launch(Config(path, 1, 1, emulated=True), args.emulated, tmp, tmp)
                row["isa_native_vs_qemu_haswell"] = drift(alone, emulated)
            results.append(row)
            print(json.dumps(row), flush=True)
    report = {
        "benchmark": "encoder vector drift by batch, threads and instruction set (tests/encode/reference, 200 sentences)",
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "loadavg": os.getloadavg(),
                    **cpu_flags()},
        "timing_note": "tokens/s from one run on a shared machine (see loadavg): compare paths within this "
                       "run only; reports/bench_encoder.json has speeds taken on a quiet machine",
        "emulated_sentences": args.emulated if emulate else 0,
        "note": "drift = largest absolute difference of a vector component (unit vectors, 384-d); "
                "isa rows compare this machine's kernels with AVX2-only ones",
        "results": results,
    }
    args.out.write_text(json.dumps(report, indent=1) + "\n")


if __name__ == "__main__":
    main()
