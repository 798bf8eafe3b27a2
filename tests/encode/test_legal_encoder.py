"""The legal encoder trains tiny here: states once, top layers trained and resumed, a delta that applies."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from data_tools.registry import iter_corpus
from lcr.encode.delta import DELTA_FILE, merged_dir, read_manifest, resolve_delta
from lcr.encode.embedding_cache import CachedEncoder
from lcr.encode.encoder import load_encoder
from lcr.encode.layer_states import LayerStates, compute_states, encode_from_states
from lcr.encode.legal_data import reasoning_sentences, training_docs
from lcr.encode.legal_encoder import train_legal_encoder, training_texts
from lcr.encode.tuning import TuningConfig, train_top_layers
from lcr.errors import BadInput, IndexMismatch
from lcr.paths import cache_dir

SAMPLE = Path(__file__).resolve().parents[2] / "data_tools" / "sample" / "lecard"
TINY = TuningConfig(layers=1, steps=4, batch_docs=6, train_sentences=2, eval_every=2, patience=5, dev_docs=8,
                    checkpoint_s=0.0, num_threads=1, warmup=1, label_min_count=1)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory):
    """A private cache (the converted base model linked in) and 24 sample judgments, 3 sentences each."""
    root = tmp_path_factory.mktemp("legal")
    mp = pytest.MonkeyPatch()
    real_models = cache_dir() / "models"
    load_encoder("e5-torch")  # converts the base model into the real cache once
    (root / "cache").mkdir()
    (root / "cache" / "models").symlink_to(real_models, target_is_directory=True)
    mp.setenv("LCR_CACHE_DIR", str(root / "cache"))
    cases = list(itertools.islice(iter_corpus("lecard-v1", SAMPLE), 24))
    docs = [replace(d, sentences=d.sentences[:3]) for d in training_docs(cases, "lecard", dev="none")]
    for d in docs[::4]:
        d.split = "dev"
    yield root, docs
    mp.undo()


def test_reasoning_sentences_start_after_the_court_says_it():
    text = "经审理查明……。本院认为，被告人醉酒驾驶机动车，其行为已构成危险驾驶罪。公诉机关指控的罪名成立。"
    assert reasoning_sentences(text)[0].startswith("被告人醉酒驾驶机动车")


def test_states_train_resume_and_delta(workspace):
    root, docs = workspace
    base = CachedEncoder(load_encoder("e5-torch"))
    texts = training_texts(docs)
    states = compute_states(texts, "query", root / "states", 10, base, show_progress=False)
    assert len(states) == len(texts) and states.tokens(0).shape[1] == 384
    # the states job put the full model's vectors in the cache: they are what encode() gives
    direct = base.encoder.encode(texts[:5], "query")
    assert np.abs(base.encode(texts[:5], "query") - direct).max() < 1e-5
    # a second call resumes (nothing to do) and refuses other texts in the same folder
    compute_states(texts, "query", root / "states", 10, base, show_progress=False)
    with pytest.raises(IndexMismatch):
        compute_states(texts[:3], "query", root / "states", 10, base, show_progress=False)

    whole, log = train_top_layers(base.encoder.bert, states, docs, TINY, root / "w1", show_progress=False)
    assert set(k.split(".")[2] for k in whole) == {"11"} and log["step"] == 4
    assert len(log["evals"]) == 3  # at the start, after steps 2 and 4
    # interrupted after step 2, then resumed: the very same layers
    _, part = train_top_layers(base.encoder.bert, states, docs, TINY, root / "w2", show_progress=False,
                               until_step=2)
    assert part["unfinished"] and part["step"] == 2
    with pytest.raises(BadInput):
        train_top_layers(base.encoder.bert, states, docs, TINY, root / "w2", show_progress=False)
    resumed, _ = train_top_layers(base.encoder.bert, states, docs, TINY, root / "w2", resume=True,
                                  show_progress=False)
    assert all(torch.equal(whole[k], resumed[k]) for k in whole)


def test_train_legal_encoder_ships_a_delta_the_encoder_reads(workspace):
    root, docs = workspace
    out = root / "delta"
    manifest = train_legal_encoder(docs, out, TINY, show_progress=False, sources={"lecard": "sample"})
    assert (out / DELTA_FILE).stat().st_size < 30e6
    on_disk = read_manifest(out)
    assert on_disk["base"] == load_encoder("e5-torch").model_dir.name
    assert on_disk["recipe"] == TINY.to_dict() and manifest["data"]["docs"]["dev"] == 6
    assert resolve_delta(str(out)) == out
    with pytest.raises(BadInput):
        train_legal_encoder(docs, out, TINY, show_progress=False)  # exists: needs force
    tuned = load_encoder(f"e5-torch:{out}")
    base = load_encoder("e5-torch")
    assert tuned.name != base.name and merged_dir(out).name.startswith(base.model_dir.name + "+")
    texts = training_texts(docs)[:6]
    # the cache holds the tuned vectors computed from the states: the same as a full forward pass
    cached = CachedEncoder(tuned).encode(texts, "query")
    assert np.abs(cached - tuned.encode(texts, "query")).max() < 1e-5
    # the merged model holds exactly the delta's layers
    from safetensors.numpy import load_file

    delta, merged = load_file(str(out / DELTA_FILE)), load_file(str(merged_dir(out) / "model.safetensors"))
    assert all(np.array_equal(merged[k], v) for k, v in delta.items())
    states = LayerStates.load(next((cache_dir() / "layer-states").iterdir()))
    assert encode_from_states(states, CachedEncoder(tuned), show_progress=False) == 0  # all there already


def test_a_delta_for_another_base_is_refused(workspace, tmp_path):
    root, _ = workspace
    src = root / "delta"
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / DELTA_FILE).write_bytes((src / DELTA_FILE).read_bytes())
    manifest = json.loads((src / "manifest.json").read_text(encoding="utf-8"))
    (bad / "manifest.json").write_text(json.dumps({**manifest, "base": "e5-small-q4-000000000000-v1"}))
    with pytest.raises(IndexMismatch, match="retrain"):
        merged_dir(bad)
