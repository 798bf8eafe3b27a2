"""Query sets and the committed cross-validation folds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lcr.errors import BadInput
from lcr.eval.data import EvalData
from lcr.eval.querysets import (
    cv5_folds,
    make_cv5_folds,
    merge_fold_runs,
    query_set,
    train_qids_for_fold,
    write_cv5_folds,
)


def v1_data(n: int = 107) -> EvalData:
    order = [str(1000 - i) for i in range(n)]
    return EvalData("lecard-v1", {q: {"d": 3} for q in order}, order, {})


def test_lecard_v1_sets() -> None:
    data = v1_data()
    order = data.query_order
    test = query_set(data, "test")
    assert test == [order[i] for i in range(0, 100, 5)]
    assert query_set(data, "train") == [q for q in order if q not in test]
    assert query_set(data, "all") == order
    assert query_set(data, "common") == order[:77]
    assert query_set(data, "controversial") == order[77:]
    assert query_set(data, "original") == order[:100]
    with pytest.raises(BadInput, match="choose one of all, test, train"):
        query_set(data, "dev")


def test_lecard_v2_sets() -> None:
    order = [str(i) for i in range(1, 11)]
    data = EvalData("lecard-v2", {q: {"d": 2} for q in order}, order, {}, test_qids=["10", "5"])
    assert query_set(data, "test") == ["5", "10"]
    assert query_set(data, "train") == [q for q in order if q not in ("5", "10")]
    with pytest.raises(BadInput, match="unknown query set 'common'"):
        query_set(data, "common")
    data.test_qids = None
    with pytest.raises(BadInput, match="no official test split"):
        query_set(data, "test")


def test_make_folds_is_deterministic_partition() -> None:
    order = v1_data().query_order
    folds = make_cv5_folds(order)
    assert folds == make_cv5_folds(order)
    assert sorted(len(f) for f in folds) == [21, 21, 21, 22, 22]
    assert sorted(q for f in folds for q in f) == sorted(order)
    for fold in folds:
        assert fold == [q for q in order if q in set(fold)]  # kept in query_order order
    assert make_cv5_folds(order, seed=1) != folds


@pytest.mark.parametrize(("dataset", "n", "sizes"), [("lecard-v1", 107, {21, 22}), ("LeCaRDv2", 800, {160})])
def test_committed_folds(dataset: str, n: int, sizes: set[int]) -> None:
    folds = cv5_folds(dataset)
    assert len(folds) == 5
    assert {len(f) for f in folds} == sizes
    assert len({q for f in folds for q in f}) == n
    train = train_qids_for_fold(dataset, 2)
    assert set(train) == {q for i, f in enumerate(folds) if i != 2 for q in f}
    with pytest.raises(BadInput, match="fold must be in 0..4"):
        train_qids_for_fold(dataset, 5)


def test_merge_fold_runs_takes_each_query_from_its_fold() -> None:
    folds = cv5_folds("lecard-v1")
    runs = [{q: {"from": float(i)} for f in folds for q in f} for i in range(5)]
    merged = merge_fold_runs("lecard-v1", runs)
    assert {q: scores["from"] for q, scores in merged.items()} == {
        q: float(i) for i, f in enumerate(folds) for q in f
    }
    with pytest.raises(BadInput, match="expected 5 fold runs"):
        merge_fold_runs("lecard-v1", runs[:4])


def test_write_folds(tmp_path: Path) -> None:
    data = v1_data(12)
    path = write_cv5_folds(data, tmp_path / "folds.json")
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["dataset"] == "lecard-v1"
    assert record["folds"] == make_cv5_folds(data.query_order)
