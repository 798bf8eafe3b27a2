"""The shipped encoder gives the committed vectors, on any x86-64 machine.

``reference/sentences.json`` holds 200 fixed sentences (query and passage roles) from the bundled sample;
``reference/e5-torch.npz`` their vectors from the product's encoder (``e5-torch``: the dequantised
multilingual-e5-small in float32). Float32 sums taken in another order (AVX2 against AVX-512 kernels,
1 or 2 threads, batched or alone) moved a component by at most 1.3e-7 (``reports/encoder_drift.json``),
so a difference above ``TOLERANCE`` means the encoder changed: its weights, tokenizer, pooling or a
library under it. The int8 path is shown to move by ~1e-2 between instruction sets (same report).

Regenerate after a deliberate change: ``LCR_UPDATE_REFERENCES=1 pytest tests/encode/test_encoder_reference.py``.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import numpy as np
import pytest

from lcr.encode.fast_e5 import FastE5Encoder
from lcr.encode.sentences import select_sentences

HERE = Path(__file__).parent / "reference"
SAMPLE = Path(__file__).resolve().parents[2] / "data_tools" / "sample" / "lecard"
#: 75x the largest drift measured between kernel paths; far below what any model change does (>1e-3).
TOLERANCE = 1e-5
N_SENTENCES = 200


def reference_sentences() -> list[tuple[str, str]]:
    """Up to 5 fact sentences of each sample query, then 2 of each candidate, until there are 200."""
    out: list[tuple[str, str]] = []
    for line in (SAMPLE / "query.json").read_text(encoding="utf-8").splitlines():
        out += [("query", s) for s in select_sentences(json.loads(line)["q"], 5)]
    with gzip.open(SAMPLE / "candidates.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            if len(out) >= N_SENTENCES:
                break
            out += [("passage", s) for s in select_sentences(json.loads(line).get("ajjbqk", ""), 2)]
    return out[:N_SENTENCES]


def encode(encoder: FastE5Encoder, sentences: list[tuple[str, str]]) -> np.ndarray:
    out = np.zeros((len(sentences), encoder.dim), np.float32)
    for role in ("query", "passage"):
        rows = [i for i, (r, _) in enumerate(sentences) if r == role]
        out[rows] = encoder.encode([sentences[i][1] for i in rows], role)  # type: ignore[arg-type]
    return out


def test_reference_sentences_are_the_committed_ones():
    committed = json.loads((HERE / "sentences.json").read_text(encoding="utf-8"))
    assert [tuple(x) for x in committed] == reference_sentences()


def test_encoder_reproduces_the_committed_vectors():
    sentences = [tuple(x) for x in json.loads((HERE / "sentences.json").read_text(encoding="utf-8"))]
    encoder = FastE5Encoder("e5-torch")
    got = encode(encoder, sentences)  # type: ignore[arg-type]
    if os.environ.get("LCR_UPDATE_REFERENCES") == "1":
        np.savez_compressed(HERE / "e5-torch.npz", vectors=got, encoder=np.array(encoder.name))
        pytest.skip("reference vectors rewritten")
    ref = np.load(HERE / "e5-torch.npz")
    assert str(ref["encoder"]) == encoder.name, "the encoder's name (model checksum, recipe) changed"
    drift = float(np.abs(got - ref["vectors"]).max())
    assert drift <= TOLERANCE, f"e5-torch vectors moved by {drift:.2e} (> {TOLERANCE:g}) from the reference"


def test_one_text_alone_or_in_a_batch_gets_the_same_vector():
    """The corpus is encoded in whatever batches the cache misses form: a vector must not depend on them."""
    sentences = reference_sentences()[:24]
    encoder = FastE5Encoder("e5-torch")
    texts = [s for _, s in sentences]
    batched = encoder.encode(texts, "passage", batch_size=24)
    alone = np.concatenate([encoder.encode([t], "passage") for t in texts[:6]])
    assert np.abs(batched[:6] - alone).max() <= TOLERANCE


def test_the_onnx_and_torch_runtimes_give_the_same_vectors():
    """``e5-torch`` encodes through ONNX Runtime by default; torch (training, layer states) must agree with it
    to the reference tolerance, so the vectors cached by either mean the same."""
    sentences = reference_sentences()[:40]
    texts = [s for _, s in sentences]
    onnx = FastE5Encoder("e5-torch")
    torch_run = FastE5Encoder("e5-torch", runtime="torch")
    assert onnx.name == torch_run.name and onnx.runtime == "onnx" and torch_run.runtime == "torch"
    assert np.abs(onnx.encode(texts, "passage") - torch_run.encode(texts, "passage")).max() <= TOLERANCE


def test_onnx_runtime_vectors_do_not_depend_on_the_thread_count():
    texts = [s for _, s in reference_sentences()[:16]]
    one, two = FastE5Encoder("e5-torch", num_threads=1), FastE5Encoder("e5-torch", num_threads=2)
    assert np.abs(one.encode(texts, "query") - two.encode(texts, "query")).max() <= TOLERANCE


def test_a_batch_splits_where_padding_would_waste_and_stays_whole_when_lengths_are_close():
    from lcr.encode.fast_e5 import _similar_lengths

    assert list(_similar_lengths([7, 3], [24, 80])) == [[7], [3]]  # a query's short and long sentence
    assert list(_similar_lengths([0, 1, 2, 3], [40, 41, 45, 49])) == [[0, 1, 2, 3]]
    assert list(_similar_lengths([0, 1, 2, 3, 4], [10, 12, 30, 31, 70])) == [[0, 1], [2, 3], [4]]
    assert list(_similar_lengths([], [])) == []


def test_split_batches_give_the_vectors_of_one_padded_batch(monkeypatch):
    """The short/long split changes only padding: the vectors stay those of one padded batch."""
    from lcr.encode import fast_e5

    sentences = [s for _, s in reference_sentences()[:12]]
    texts = sentences + [s[:12] for s in sentences[:4]]  # lengths far apart: split in several runs
    encoder = FastE5Encoder("e5-torch")
    split = encoder.encode(texts, "query")
    monkeypatch.setattr(fast_e5, "PAD_SLACK", 1e9)  # never split
    whole = encoder.encode(texts, "query")
    assert np.abs(split - whole).max() <= TOLERANCE


def test_idle_onnx_threads_sleep_rather_than_spin():
    """Concurrent searches on few cores: spinning pool threads took the cores the other searches needed."""
    session = FastE5Encoder("e5-torch")._session
    assert session.get_session_options().get_session_config_entry("session.intra_op.allow_spinning") == "0"


def test_the_torch_runtime_is_refused_for_a_backend_without_a_torch_model():
    from lcr.errors import BadInput

    with pytest.raises(BadInput, match="ONNX Runtime only"):
        FastE5Encoder("e5-onnx-int8", runtime="torch")
