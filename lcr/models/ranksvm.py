"""RankSVM: a pairwise linear ranker (Joachims 2002; revisited for similar-case retrieval by Liu & Zheng
2025, "Improving Similar Case Retrieval Ranking Performance By Revisiting RankSVM").

Features are standardised on the training rows, then every pair of rows of *the same query* with
different grades becomes one difference vector ``z_i - z_j`` (label +1, the more relevant row first) plus
its mirror (label -1), and a linear SVM without intercept separates them. A row's score is
``w · z``, so each feature's share of it, ``w_k z_k``, is an exact explanation.

Our own implementation on scikit-learn's ``LinearSVC`` (liblinear), not Joachims' svm_rank, which is
licensed for non-commercial use only. A model is a folder of JSON, never a pickle.
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.svm import LinearSVC

from lcr.artifacts import MANIFEST_NAME, new_manifest, read_manifest, write_manifest
from lcr.atomic import staged_folder
from lcr.errors import BadInput, IndexMismatch, IndexMissing
from lcr.eval.metrics import GAINS, Gain, ndcg_at_k

log = logging.getLogger(__name__)

MODEL_KIND = "ranksvm"
WEIGHTS_NAME = "weights.json"

Loss = Literal["hinge", "squared_hinge"]
PairWeight = Literal["none", "grade-diff"]
DEFAULT_CS: tuple[float, ...] = (0.001, 0.01, 0.1, 1.0, 10.0)


class RankSVM:
    """Pairwise linear ranker (an SVM on within-query difference vectors) over standardised features.

    ``loss="squared_hinge"`` (default) is the L2-loss RankSVM solved in the primal by liblinear's
    trust-region Newton method, as in Lee & Lin (2014), "Large-scale linear RankSVM": well under a
    second for 10^5 pairs at any C. ``loss="hinge"`` is Joachims' L1-loss form, solved in the dual by
    coordinate descent; it gives the same rankings in our checks but needs thousands of iterations at
    C >= 0.1 (minutes on LeCaRD-sized data).

    ``C`` is the SVM cost; every ordered pair enters twice (as ``d`` with +1 and ``-d`` with -1), so
    with no intercept the solution equals a one-copy SVM with cost ``2C``. ``pair_weight="grade-diff"``
    weights a pair by its grade gap, so confusing grade 3 with 0 costs more than 1 with 0. A query
    with more than ``max_pairs_per_query`` pairs keeps a sample of them drawn with ``seed``.
    """

    def __init__(
        self,
        C: float = 1.0,
        *,
        loss: Loss = "squared_hinge",
        pair_weight: PairWeight = "none",
        max_pairs_per_query: int = 2000,
        seed: int = 0,
        max_iter: int = 1000,
    ) -> None:
        if not C > 0:
            raise BadInput(f"C must be > 0, got {C}")
        if loss not in ("hinge", "squared_hinge"):
            raise BadInput(f"unknown loss {loss!r}; choose 'hinge' or 'squared_hinge'")
        if pair_weight not in ("none", "grade-diff"):
            raise BadInput(f"unknown pair weighting {pair_weight!r}; choose 'none' or 'grade-diff'")
        if max_pairs_per_query < 1:
            raise BadInput(f"max_pairs_per_query must be >= 1, got {max_pairs_per_query}")
        self.C = float(C)
        self.loss: Loss = loss
        self.pair_weight: PairWeight = pair_weight
        self.max_pairs_per_query = max_pairs_per_query
        self.seed = seed
        self.max_iter = max_iter
        self.feature_names: list[str] = []
        self.coef = np.zeros(0)
        self.mean = np.zeros(0)
        self.std = np.ones(0)
        self.cv_scores: dict[float, float] = {}
        self.cv_setup: dict[str, Any] = {}
        self.counts: dict[str, int] = {}
        # free-form, JSON-serialisable; saved and loaded verbatim (e.g. the feature spec used to build X)
        self.metadata: dict[str, Any] = {}

    # ---------------------------------------------------------------- training

    def fit(
        self, X: np.ndarray, grades: np.ndarray, groups: np.ndarray, feature_names: Sequence[str]
    ) -> RankSVM:
        """Fit on rows ``X`` (n×f) with relevance ``grades`` and query ids ``groups``; returns self."""
        X, grades, groups = _check_training(X, grades, groups, feature_names)
        mean = X.mean(axis=0)
        std = X.std(axis=0)
        std = np.where(std > 1e-12, std, 1.0)
        Z = (X - mean) / std
        hi, lo = pair_indices(grades, groups, self.max_pairs_per_query, self.seed)
        if len(hi) == 0:
            raise BadInput("no training pairs: every query's rows have the same grade")
        diffs = Z[hi] - Z[lo]
        weight = grades[hi] - grades[lo] if self.pair_weight == "grade-diff" else np.ones(len(hi))
        svm = LinearSVC(
            C=self.C,
            loss=self.loss,
            fit_intercept=False,
            dual=self.loss == "hinge",
            max_iter=self.max_iter,
            random_state=self.seed,
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            svm.fit(
                np.vstack([diffs, -diffs]),
                np.concatenate([np.ones(len(hi)), -np.ones(len(hi))]),
                sample_weight=np.concatenate([weight, weight]),
            )
        for w in caught:
            if issubclass(w.category, ConvergenceWarning):
                log.warning(
                    "RankSVM C=%g: liblinear did not converge in %d iterations", self.C, self.max_iter
                )
            else:
                warnings.warn(w.message, w.category, stacklevel=2)
        self.feature_names = list(feature_names)
        self.coef = svm.coef_.ravel().astype(float)
        self.mean, self.std = mean, std
        self.cv_scores, self.cv_setup = {}, {}
        self.counts = {"rows": len(X), "queries": len(np.unique(groups)), "pairs": len(hi)}
        log.debug("RankSVM C=%g fitted on %d pairs from %d queries", self.C, len(hi), self.counts["queries"])
        return self

    def fit_cv(
        self,
        X: np.ndarray,
        grades: np.ndarray,
        groups: np.ndarray,
        feature_names: Sequence[str],
        Cs: Sequence[float] = DEFAULT_CS,
        folds: int = 4,
        k: int = 30,
        gain: Gain = "linear",
    ) -> RankSVM:
        """Pick ``C`` from ``Cs`` by query-grouped inner cross-validation, then refit on all rows.

        Only queries with at least two distinct grades take part in the inner CV (the others give no
        pairs and no score). Each C is scored by the mean NDCG@k (``gain``) over every held-out query,
        ranking that query's rows; tied scores count against the model. Ties between Cs go to the
        smaller C. Call this on the training queries only: it never sees the outer test fold.
        """
        X, grades, groups = _check_training(X, grades, groups, feature_names)
        if not Cs or any(not c > 0 for c in Cs):
            raise BadInput(f"Cs must be a non-empty list of positive costs, got {list(Cs)}")
        if gain not in GAINS:
            raise BadInput(f"unknown gain scheme {gain!r}; choose one of {', '.join(GAINS)}")
        if k < 1:
            raise BadInput(f"k must be >= 1, got {k}")
        splits = grouped_folds(grades, groups, folds, self.seed)
        per_query: dict[float, list[float]] = {float(c): [] for c in Cs}
        for train, val in splits:
            for c in per_query:
                inner = self._with_C(c).fit(X[train], grades[train], groups[train], feature_names)
                per_query[c].extend(
                    _query_ndcgs(inner.decision_function(X[val]), grades[val], groups[val], k, gain)
                )
        scores = {c: float(np.mean(v)) for c, v in per_query.items()}
        best = max(scores, key=lambda c: (scores[c], -c))
        for c, s in scores.items():
            log.info("RankSVM inner CV: C=%g NDCG@%d=%.4f%s", c, k, s, "  <- best" if c == best else "")
        self.C = best
        self.fit(X, grades, groups, feature_names)
        self.cv_scores = scores
        self.cv_setup = {"metric": f"ndcg@{k}", "gain": gain, "folds": folds}
        return self

    def _with_C(self, C: float) -> RankSVM:
        return RankSVM(
            C,
            loss=self.loss,
            pair_weight=self.pair_weight,
            max_pairs_per_query=self.max_pairs_per_query,
            seed=self.seed,
            max_iter=self.max_iter,
        )

    # ---------------------------------------------------------------- scoring

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """Score of each row of ``X`` (higher ranks first)."""
        return self.standardise(X) @ self.coef

    def standardise(self, X: np.ndarray) -> np.ndarray:
        """Rows of ``X`` in the model's standardised space (training mean and std)."""
        self._require_fitted()
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != len(self.feature_names):
            raise BadInput(f"expected an (n, {len(self.feature_names)}) feature matrix, got shape {X.shape}")
        if not np.isfinite(X).all():
            raise BadInput("feature matrix holds NaN or infinite values")
        return (X - self.mean) / self.std

    def contributions(self, x: np.ndarray) -> dict[str, float]:
        """Each feature's share ``w_k * z_k`` of one row's score; the shares sum to the score."""
        x = np.asarray(x, dtype=float)
        if x.ndim != 1:
            raise BadInput(f"contributions takes one row (1-D), got shape {x.shape}")
        _, shares = self.scores_and_shares(x[None, :])
        return dict(zip(self.feature_names, shares[0].tolist(), strict=True))

    def scores_and_shares(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`decision_function` and each row's per-feature shares ``w_k * z_k`` (``(n, features)``,
        a row sums to its score), from one standardisation."""
        z = self.standardise(X)
        return z @ self.coef, z * self.coef

    @property
    def weights(self) -> dict[str, float]:
        """Feature -> weight in the standardised space (comparable across features)."""
        self._require_fitted()
        return {name: float(w) for name, w in zip(self.feature_names, self.coef, strict=True)}

    def _require_fitted(self) -> None:
        if not self.feature_names:
            raise BadInput("RankSVM is not fitted: call fit, fit_cv or RankSVM.load first")

    # ---------------------------------------------------------------- persistence

    def save(self, folder: str | Path) -> Path:
        """Write the model folder (``weights.json``, ``manifest.json``) atomically
        (:func:`lcr.atomic.staged_folder`): an interrupted save leaves the previous model."""
        self._require_fitted()
        folder = Path(folder)
        weights = {
            "feature_names": self.feature_names,
            "weights": self.coef.tolist(),
            "mean": self.mean.tolist(),
            "std": self.std.tolist(),
        }
        manifest = new_manifest(MODEL_KIND, {
            "C": self.C,
            "config": {
                "loss": self.loss,
                "pair_weight": self.pair_weight,
                "max_pairs_per_query": self.max_pairs_per_query,
                "seed": self.seed,
                "max_iter": self.max_iter,
            },
            "inner_cv": {
                **self.cv_setup,
                "scores": [{"C": c, "score": s} for c, s in self.cv_scores.items()],
            },
            "counts": self.counts,
            "metadata": self.metadata,
        }, components=("scikit-learn",))
        with staged_folder(folder) as out:
            (out / WEIGHTS_NAME).write_text(json.dumps(weights, ensure_ascii=False, indent=1), encoding="utf-8")
            write_manifest(out, manifest)
        return folder / MANIFEST_NAME

    @classmethod
    def load(cls, folder: str | Path, expected_features: Sequence[str] | None = None) -> RankSVM:
        """Read a saved model; ``IndexMissing`` if absent, ``IndexMismatch`` if foreign, unreadable or
        built on other features than ``expected_features`` (names and order must match)."""
        folder = Path(folder)
        if not (folder / MANIFEST_NAME).is_file() or not (folder / WEIGHTS_NAME).is_file():
            raise IndexMissing(f"no RankSVM model at {folder} ({MANIFEST_NAME} or {WEIGHTS_NAME} missing)")
        manifest = read_manifest(folder, MODEL_KIND)
        try:
            raw = json.loads((folder / WEIGHTS_NAME).read_text(encoding="utf-8"))
        except ValueError as exc:
            raise IndexMismatch(f"unreadable RankSVM model at {folder}: {exc}") from exc
        try:
            model = cls(manifest["C"], **manifest["config"])
            names = [str(n) for n in raw["feature_names"]]
            coef, mean, std = (np.asarray(raw[key], dtype=float) for key in ("weights", "mean", "std"))
            cv = dict(manifest["inner_cv"])
            cv_scores = {float(e["C"]): float(e["score"]) for e in cv.pop("scores", [])}
        except (KeyError, TypeError, ValueError, BadInput) as exc:
            raise IndexMismatch(f"malformed RankSVM model at {folder}: {exc!r}") from exc
        if not names or any(len(a) != len(names) for a in (coef, mean, std)):
            raise IndexMismatch(
                f"malformed RankSVM model at {folder}: weight vectors and feature names disagree"
            )
        if expected_features is not None:
            _check_features(folder, names, list(expected_features))
        model.feature_names, model.coef, model.mean, model.std = names, coef, mean, std
        model.cv_scores, model.cv_setup = cv_scores, cv
        model.counts = manifest.get("counts", {})
        model.metadata = manifest.get("metadata", {})
        return model


def pair_indices(
    grades: np.ndarray, groups: np.ndarray, max_pairs_per_query: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Row indices ``(hi, lo)`` of every pair within one query whose grades differ, ``hi`` the more
    relevant row. Queries are taken in sorted id order and over-full ones subsampled with one RNG
    seeded by ``seed``, so the pairs are the same on every run."""
    grades = np.asarray(grades, dtype=float)
    _, inverse = np.unique(np.asarray(groups), return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    bounds = np.cumsum(np.bincount(inverse))
    rng = np.random.default_rng(seed)
    his: list[np.ndarray] = []
    los: list[np.ndarray] = []
    for rows in np.split(order, bounds[:-1]):
        g = grades[rows]
        a, b = np.triu_indices(len(rows), k=1)
        keep = g[a] != g[b]
        a, b = a[keep], b[keep]
        if len(a) > max_pairs_per_query:
            pick = np.sort(rng.choice(len(a), size=max_pairs_per_query, replace=False))
            a, b = a[pick], b[pick]
        a_better = g[a] > g[b]
        his.append(rows[np.where(a_better, a, b)])
        los.append(rows[np.where(a_better, b, a)])
    if not his:
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    return np.concatenate(his), np.concatenate(los)


def grouped_folds(
    grades: np.ndarray, groups: np.ndarray, folds: int, seed: int = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(train rows, validation rows)`` per fold; whole queries are dealt to folds (seeded shuffle),
    so no query is on both sides. Queries whose rows all share one grade are left out of every fold."""
    grades = np.asarray(grades, dtype=float)
    groups = np.asarray(groups)
    qids = [q for q in np.unique(groups) if len(np.unique(grades[groups == q])) > 1]
    if folds < 2:
        raise BadInput(f"inner cross-validation needs >= 2 folds, got {folds}")
    if len(qids) < folds:
        raise BadInput(
            f"{folds}-fold inner CV needs >= {folds} queries with differing grades, got {len(qids)}"
        )
    shuffled = np.random.default_rng(seed).permutation(np.array(qids, dtype=groups.dtype))
    out = []
    for held_out in np.array_split(shuffled, folds):
        rest = np.setdiff1d(shuffled, held_out)
        out.append((np.flatnonzero(np.isin(groups, rest)), np.flatnonzero(np.isin(groups, held_out))))
    return out


def _query_ndcgs(
    scores: np.ndarray, grades: np.ndarray, groups: np.ndarray, k: int, gain: Gain
) -> list[float]:
    """NDCG@k of each query's rows ranked by ``scores``; ties broken worst grade first."""
    out = []
    for q in np.unique(groups):
        rows = np.flatnonzero(groups == q)
        g = grades[rows]
        ranked = g[np.lexsort((g, -scores[rows]))]
        out.append(ndcg_at_k(ranked.tolist(), g.tolist(), k, gain))
    return out


def _check_training(
    X: np.ndarray, grades: np.ndarray, groups: np.ndarray, feature_names: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=float)
    grades = np.asarray(grades, dtype=float)
    groups = np.asarray(groups)
    if X.ndim != 2 or X.shape[0] == 0:
        raise BadInput(f"X must be a non-empty (n_rows, n_features) matrix, got shape {X.shape}")
    n, f = X.shape
    if grades.shape != (n,) or groups.shape != (n,):
        raise BadInput(f"X has {n} rows but grades has shape {grades.shape} and groups {groups.shape}")
    if len(feature_names) != f or len(set(feature_names)) != f:
        raise BadInput(f"need {f} distinct feature names for {f} columns, got {list(feature_names)}")
    if not np.isfinite(X).all():
        bad = sorted({feature_names[j] for j in np.flatnonzero(~np.isfinite(X).all(axis=0))})
        raise BadInput(f"NaN or infinite feature values in column(s) {', '.join(bad)}")
    if not np.isfinite(grades).all():
        raise BadInput("grades hold NaN or infinite values")
    return X, grades, groups


def _check_features(folder: Path, have: list[str], want: list[str]) -> None:
    if have == want:
        return
    missing, extra = [n for n in want if n not in have], [n for n in have if n not in want]
    if missing or extra:
        detail = f"model lacks {missing}, has extra {extra}"
    else:
        detail = "same features in a different order"
    raise IndexMismatch(
        f"RankSVM model at {folder} was trained on features {have}, but the caller supplies {want} ({detail}); "
        "retrain the model or compute the features it expects"
    )
