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


def test_view_cache_carries_each_cases_cited_articles_for_a_model_that_reads_them():
    rng = np.random.default_rng(1)
    emb = rng.normal(size=(4, 8)).astype(np.float16)
    store = SentenceStore(["a", "b"], [["s"] * 2, ["s"] * 2], emb, np.array([0, 2, 4]), "test")
    cited = {"a": np.array([0, 1, 0], np.float32)}  # b cites no label article
    reads = LcmLai(LcmLaiConfig(dim=8, n_articles=3, exact_articles=True)).eval()
    view = ViewCache(reads, store, exact=cited).view(["b", "a"], max_sentences=2)
    assert torch.equal(view.exact, torch.tensor([[0.0, 0, 0], [0, 1, 0]]))
    plain = LcmLai(LcmLaiConfig(dim=8, n_articles=3)).eval()
    assert ViewCache(plain, store, exact=cited).view(["a"], max_sentences=2).exact is None
