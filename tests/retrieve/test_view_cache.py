"""The precomputed candidate views equal the model's own views of the padded embeddings wherever a
sentence exists (padding is masked out downstream), and give the same pair scores, including for a case
without any sentence and one cut at ``max_sentences``."""

from __future__ import annotations

import numpy as np
import torch

from lcr.encode.sentence_store import SentenceStore
from lcr.models.batching import pad_cases
from lcr.models.lcm_lai import LcmLai, LcmLaiConfig
from lcr.retrieve.dense import ViewCache


def test_view_cache_matches_the_model_view():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    lengths = [3, 0, 5, 1]
    emb = rng.normal(size=(sum(lengths), 16)).astype(np.float16)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    store = SentenceStore(["a", "b", "c", "d"], [["s"] * n for n in lengths], emb, offsets, "test")
    model = LcmLai(LcmLaiConfig(dim=16, n_articles=7)).eval()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.1)
        ids = ["c", "b", "a", "d"]
        cached = ViewCache(model, store).view(ids, max_sentences=4)
        direct = model.view(*pad_cases(store, ids, 4))
        query = model.view(*pad_cases(store, ["a"] * len(ids), 4))
        scores_cached, scores_direct = model.score(query, cached), model.score(query, direct)
    assert torch.equal(cached.mask, direct.mask)
    for name in ("z", "sent_logits", "dist"):
        assert torch.allclose(getattr(cached, name)[cached.mask], getattr(direct, name)[direct.mask], atol=1e-6), name
    for name in ("case_logits", "salience"):
        assert torch.allclose(getattr(cached, name), getattr(direct, name), atol=1e-6), name
    assert torch.allclose(scores_cached, scores_direct, atol=1e-6)
