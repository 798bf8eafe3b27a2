"""A sentence store built from per-case parts, and the subsets and merges built on it."""

import numpy as np
import pytest

from lcr.encode.sentence_store import SentenceStore
from lcr.errors import CaseNotFound


def store() -> SentenceStore:
    parts = [np.full((2, 3), 1.0), np.full((1, 3), 2.0), np.full((3, 3), 3.0)]
    return SentenceStore.from_parts(["a", "b", "c"], [["a1", "a2"], ["b1"], ["c1", "c2", "c3"]], parts, "enc", 3)


def test_from_parts_lays_cases_out_in_order():
    s = store()
    assert s.offsets.tolist() == [0, 2, 3, 6] and s.emb.dtype == np.float16
    assert s.embeddings("b").tolist() == [[2.0, 2.0, 2.0]] and s.texts("c") == ["c1", "c2", "c3"]


def test_an_empty_store_keeps_its_width():
    empty = SentenceStore.from_parts([], [], [], "enc", 384)
    assert len(empty) == 0 and empty.emb.shape == (0, 384) and empty.offsets.tolist() == [0]


def test_parts_must_line_up_with_the_ids():
    with pytest.raises(ValueError, match="differ in length"):
        SentenceStore.from_parts(["a", "b"], [["x"]], [np.zeros((1, 3))], "enc", 3)


def test_subset_reorders_and_refuses_an_unknown_case():
    sub = store().subset(["c", "a"])
    assert sub.case_ids == ["c", "a"] and sub.offsets.tolist() == [0, 3, 5]
    assert sub.embeddings("a").tolist() == [[1.0] * 3] * 2
    with pytest.raises(CaseNotFound):
        store().subset(["z"])
