from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lcr.errors import BadInput, IndexMismatch, IndexMissing
from lcr.models.ranksvm import Loss, PairWeight, RankSVM, grouped_folds, pair_indices

NAMES = ["bm25", "dense", "noise"]
TRUE_W = np.array([2.0, 1.0, 0.0])


def _kendall_tau(a: np.ndarray, b: np.ndarray) -> float:
    i, j = np.triu_indices(len(a), k=1)
    return float(np.mean(np.sign(a[i] - a[j]) * np.sign(b[i] - b[j])))


def _synthetic(n_queries: int = 12, per_query: int = 20, seed: int = 0):
    """Grades are quantiles of a known linear utility; each query's features sit on their own scale."""
    rng = np.random.default_rng(seed)
    Xs, grades, groups = [], [], []
    for q in range(n_queries):
        X = rng.normal(size=(per_query, 3)) * [1.0, 3.0, 1.0] + rng.normal(scale=5.0, size=3)
        utility = (X - X.mean(axis=0)) / [1.0, 3.0, 1.0] @ TRUE_W
        Xs.append(X)
        grades.append(np.searchsorted(np.quantile(utility, [0.5, 0.75, 0.9]), utility))
        groups.append(np.full(per_query, f"q{q}"))
    return np.vstack(Xs), np.concatenate(grades), np.concatenate(groups)


def test_recovers_ordering_and_weight_signs() -> None:
    X, grades, groups = _synthetic()
    model = RankSVM(C=1.0).fit(X, grades, groups, NAMES)
    w = model.weights
    assert w["bm25"] > 0 and w["dense"] > 0
    assert abs(w["noise"]) < 0.2 * w["bm25"]
    Xt, gt, qt = _synthetic(n_queries=5, seed=1)
    scores = model.decision_function(Xt)
    for q in np.unique(qt):
        rows = qt == q
        utility = (Xt[rows] - Xt[rows].mean(axis=0)) / [1.0, 3.0, 1.0] @ TRUE_W
        assert _kendall_tau(scores[rows], utility) > 0.85


def test_pairs_stay_within_queries() -> None:
    # Query a: high feature values but low grades; query b: low values, high grades. Within each
    # query a larger feature means more relevant; pairing across queries would learn the opposite.
    x_a = np.array([[10.0], [11.0], [12.0]])
    x_b = np.array([[0.0], [1.0], [2.0]])
    X = np.vstack([x_a, x_b])
    grades = np.array([0, 0, 1, 1, 2, 3])
    groups = np.array(["a", "a", "a", "b", "b", "b"])
    hi, lo = pair_indices(grades, groups, max_pairs_per_query=100)
    assert all(groups[h] == groups[low] for h, low in zip(hi, lo, strict=True))
    assert all(grades[h] > grades[low] for h, low in zip(hi, lo, strict=True))
    assert len(hi) == 2 + 3  # a: (2,0), (2,1); b: all three pairs
    model = RankSVM(C=1.0).fit(X, grades, groups, ["x"])
    assert model.weights["x"] > 0


def test_pair_cap_is_deterministic() -> None:
    grades = np.arange(100) % 4
    groups = np.zeros(100, dtype=int)
    first = pair_indices(grades, groups, max_pairs_per_query=50, seed=3)
    again = pair_indices(grades, groups, max_pairs_per_query=50, seed=3)
    assert len(first[0]) == 50
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))


@pytest.mark.parametrize(("loss", "pair_weight"), [("hinge", "none"), ("squared_hinge", "grade-diff")])
def test_other_loss_and_pair_weighting_fit(loss: Loss, pair_weight: PairWeight) -> None:
    X, grades, groups = _synthetic()
    model = RankSVM(C=0.1, loss=loss, pair_weight=pair_weight).fit(X, grades, groups, NAMES)
    reference = RankSVM(C=0.1).fit(X, grades, groups, NAMES)
    assert model.weights["bm25"] > 0 and model.weights["dense"] > 0
    assert np.corrcoef(model.coef, reference.coef)[0, 1] > 0.99


def test_standardisation_is_stored_and_applied() -> None:
    X, grades, groups = _synthetic()
    X[:, 2] = 7.0  # constant column: std 0 -> 1
    model = RankSVM().fit(X, grades, groups, NAMES)
    np.testing.assert_allclose(model.mean, X.mean(axis=0))
    np.testing.assert_allclose(model.std[:2], X[:, :2].std(axis=0))
    assert model.std[2] == 1.0
    np.testing.assert_allclose(model.decision_function(X), ((X - model.mean) / model.std) @ model.coef)


def test_contributions_sum_to_the_score() -> None:
    X, grades, groups = _synthetic()
    model = RankSVM().fit(X, grades, groups, NAMES)
    for row in X[:5]:
        contrib = model.contributions(row)
        assert list(contrib) == NAMES
        assert sum(contrib.values()) == pytest.approx(model.decision_function(row[None, :])[0])


def test_fit_cv_picks_c_from_grid_without_mixing_queries(monkeypatch: pytest.MonkeyPatch) -> None:
    X, grades, groups = _synthetic(n_queries=8)
    seen: list[set[str]] = []
    real_fit = RankSVM.fit

    def spy(self: RankSVM, X, grades, groups, names):  # type: ignore[no-untyped-def]
        seen.append(set(groups.tolist()))
        return real_fit(self, X, grades, groups, names)

    monkeypatch.setattr(RankSVM, "fit", spy)
    grid = (0.01, 0.1, 1.0)
    model = RankSVM().fit_cv(X, grades, groups, NAMES, Cs=grid, folds=4)
    assert model.C in grid
    assert set(model.cv_scores) == set(grid) and all(0 <= s <= 1 for s in model.cv_scores.values())
    assert model.cv_scores[model.C] == max(model.cv_scores.values())
    assert len(seen) == 4 * len(grid) + 1 and seen[-1] == set(groups.tolist())
    splits = grouped_folds(grades, groups, 4)
    held = [set(groups[val].tolist()) for _, val in splits]
    assert set().union(*held) == set(groups.tolist()) and sum(len(h) for h in held) == 8
    for (train, val), inner in zip(splits, seen[:: len(grid)], strict=False):
        assert not set(groups[train].tolist()) & set(groups[val].tolist())
        assert inner == set(groups[train].tolist())


def test_grouped_folds_skip_single_grade_queries() -> None:
    grades = np.array([0, 1, 0, 0, 1, 2, 0, 3])
    groups = np.array(["a", "a", "b", "b", "c", "c", "d", "d"])
    splits = grouped_folds(grades, groups, 3)
    assert {g for _, val in splits for g in groups[val]} == {"a", "c", "d"}
    with pytest.raises(BadInput, match="queries with differing grades"):
        grouped_folds(grades, groups, 4)


def test_save_load_round_trip(tmp_path: Path) -> None:
    X, grades, groups = _synthetic(n_queries=8)
    model = RankSVM(pair_weight="grade-diff").fit_cv(X, grades, groups, NAMES, Cs=(0.1, 1.0), folds=2)
    model.metadata["note"] = "test"
    model.save(tmp_path / "m")
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["kind"] == "ranksvm" and manifest["format_version"] == 1 and manifest["lcr_version"]
    loaded = RankSVM.load(tmp_path / "m", expected_features=NAMES)
    np.testing.assert_array_equal(loaded.decision_function(X), model.decision_function(X))
    assert loaded.C == model.C and loaded.cv_scores == model.cv_scores
    assert loaded.pair_weight == "grade-diff" and loaded.metadata == {"note": "test"}
    assert loaded.cv_setup == {"metric": "ndcg@30", "gain": "linear", "folds": 2}


def test_load_errors(tmp_path: Path) -> None:
    with pytest.raises(IndexMissing):
        RankSVM.load(tmp_path / "nowhere")
    X, grades, groups = _synthetic(n_queries=3)
    RankSVM().fit(X, grades, groups, NAMES).save(tmp_path / "m")
    with pytest.raises(IndexMismatch, match=r"lacks \['lcm'\], has extra \['noise'\]"):
        RankSVM.load(tmp_path / "m", expected_features=["bm25", "dense", "lcm"])
    with pytest.raises(IndexMismatch, match="different order"):
        RankSVM.load(tmp_path / "m", expected_features=["dense", "bm25", "noise"])
    manifest = tmp_path / "m" / "manifest.json"
    manifest.write_text(
        manifest.read_text(encoding="utf-8").replace('"ranksvm"', '"other"'), encoding="utf-8"
    )
    with pytest.raises(IndexMismatch, match="'other'"):
        RankSVM.load(tmp_path / "m")


def test_bad_inputs() -> None:
    X, grades, groups = _synthetic(n_queries=2)
    with pytest.raises(BadInput, match="no training pairs"):
        RankSVM().fit(X, np.ones(len(X)), groups, NAMES)
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(BadInput, match="dense"):
        RankSVM().fit(bad, grades, groups, NAMES)
    with pytest.raises(BadInput, match="rows"):
        RankSVM().fit(X, grades[:-1], groups, NAMES)
    with pytest.raises(BadInput, match="feature names"):
        RankSVM().fit(X, grades, groups, NAMES[:2])
    with pytest.raises(BadInput, match="not fitted"):
        RankSVM().decision_function(X)
    model = RankSVM().fit(X, grades, groups, NAMES)
    with pytest.raises(BadInput, match="shape"):
        model.decision_function(X[:, :2])
    with pytest.raises(BadInput, match="NaN"):
        model.decision_function(bad)
    with pytest.raises(BadInput, match="C must be"):
        RankSVM(C=0)
