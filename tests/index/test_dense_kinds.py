"""FAISS index kinds chosen by size or configuration, and memory-mapped loading."""

from __future__ import annotations

import numpy as np
import pytest

from lcr.errors import BadInput
from lcr.index.dense import DenseIndex


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(20, 37))
    x = centres[rng.integers(0, 20, 2000)] + 0.3 * rng.normal(size=(2000, 37))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return [f"c{i}" for i in range(len(x))], x.astype(np.float32)


def _recall(index: DenseIndex, exact: DenseIndex, queries: np.ndarray, k: int = 20) -> float:
    return float(np.mean([len({c for c, _ in index.search(q, k)} & {c for c, _ in exact.search(q, k)}) / k
                          for q in queries]))


def test_auto_is_flat_below_the_threshold_and_hnsw_above(data):
    ids, x = data
    assert DenseIndex.build(ids, x).meta["faiss_kind"] == "flat-ip"
    assert DenseIndex.build(ids, x, hnsw_threshold=1000).meta["faiss_kind"] == "hnsw32"


@pytest.mark.parametrize("kind, floor", [("hnsw", 0.9), ("ivf-pq", 0.3)])
def test_approximate_kinds_find_most_exact_neighbours(data, kind, floor):
    ids, x = data
    exact = DenseIndex.build(ids, x, kind="flat")
    approx = DenseIndex.build(ids, x, kind=kind)
    assert approx.meta["dim"] == 37 and (approx.meta["pad"] == 11 if kind == "ivf-pq" else approx.meta["pad"] == 0)
    assert _recall(approx, exact, x[:50]) >= floor


def test_unknown_kind_is_refused(data):
    ids, x = data
    with pytest.raises(BadInput, match="ivf-pq"):
        DenseIndex.build(ids, x, kind="annoy")  # type: ignore[arg-type]


def test_mmap_loading_gives_the_same_hits(data, tmp_path):
    ids, x = data
    built = DenseIndex.build(ids, x, kind="ivf-pq")
    built.save(tmp_path / "dense")
    mapped = DenseIndex.load(tmp_path / "dense", mmap=True)
    assert isinstance(mapped.vectors, np.memmap)
    assert mapped.search(x[3], 10) == built.search(x[3], 10)
    np.testing.assert_allclose(mapped.score(x[3], ids[:5]), built.score(x[3], ids[:5]), rtol=1e-6)
