"""Feature tables for learned rerankers.

The pipeline computes feature values (BM25, dense cosine, LCM-LAI scores, …) per query and candidate;
this module only lays them out as a matrix with a fixed column order. What decides the columns
(names, missing indicators, per-query normalisation) is a :class:`FeatureSpec`, which must be the same
at training and at serving time, so it is saved inside the model (``spec.save_to(model)``).

Per-query normalisation exists because lexical scores are on a query-dependent scale (BM25 grows with
query length). It is computed over the rows given for that query, so serve with the same candidate
depth as in training.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from lcr.errors import BadInput, IndexMismatch
from lcr.models.ranksvm import RankSVM
from lcr.records import Qrels

log = logging.getLogger(__name__)

Normalise = Literal["none", "query-zscore", "query-minmax"]
NORMALISATIONS: tuple[Normalise, ...] = ("none", "query-zscore", "query-minmax")
MISSING_SUFFIX = "_missing"
SPEC_KEY = "feature_spec"

# qid -> case_id -> feature -> value
FeatureValues = Mapping[str, Mapping[str, Mapping[str, float]]]


@dataclass(frozen=True)
class FeatureSpec:
    """Which columns a table has and how they are filled.

    ``names`` are the feature columns, in order; ``missing_indicators`` names features that also get a
    ``<name>_missing`` column (1.0 where the value was absent). A missing value becomes 0.0, *after*
    normalisation (so under ``query-zscore`` it sits at the query mean, under ``query-minmax`` at the
    query minimum). Normalisation applies to feature columns, never to indicators.
    """

    names: tuple[str, ...]
    missing_indicators: tuple[str, ...] = ()
    normalise: Normalise = "none"

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", tuple(self.names))
        object.__setattr__(self, "missing_indicators", tuple(self.missing_indicators))
        if not self.names:
            raise BadInput("a feature spec needs at least one feature name")
        if self.normalise not in NORMALISATIONS:
            raise BadInput(
                f"unknown normalisation {self.normalise!r}; choose one of {', '.join(NORMALISATIONS)}"
            )
        unknown = [n for n in self.missing_indicators if n not in self.names]
        if unknown:
            raise BadInput(f"missing indicators requested for unknown features {unknown}")
        columns = self.columns
        if len(set(columns)) != len(columns):
            raise BadInput(f"feature columns are not distinct: {columns}")

    @property
    def columns(self) -> list[str]:
        """Column names of a table built with this spec: features, then indicators."""
        return [*self.names, *(n + MISSING_SUFFIX for n in self.missing_indicators)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "names": list(self.names),
            "missing_indicators": list(self.missing_indicators),
            "normalise": self.normalise,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> FeatureSpec:
        return cls(
            tuple(raw["names"]), tuple(raw.get("missing_indicators", ())), raw.get("normalise", "none")
        )

    def save_to(self, model: RankSVM) -> None:
        """Record this spec in ``model.metadata`` (saved with the model); the columns must match."""
        if model.feature_names and model.feature_names != self.columns:
            raise IndexMismatch(
                f"spec columns {self.columns} differ from the model's features {model.feature_names}"
            )
        model.metadata[SPEC_KEY] = self.to_dict()

    @classmethod
    def of(cls, model: RankSVM) -> FeatureSpec:
        """The spec saved in ``model``, or plain columns (no indicators, no normalisation) if none was."""
        raw = model.metadata.get(SPEC_KEY)
        return cls.from_dict(raw) if raw else cls(tuple(model.feature_names))


@dataclass
class FeatureTable:
    """One row per (query, candidate): ``matrix[i]`` holds the features of ``case_ids[i]`` for ``qids[i]``.
    Rows of one query are contiguous, in the order the values were given."""

    qids: list[str]
    case_ids: list[str]
    matrix: np.ndarray
    feature_names: list[str]

    def __post_init__(self) -> None:
        n = len(self.qids)
        if len(self.case_ids) != n or self.matrix.shape != (n, len(self.feature_names)):
            raise BadInput(
                f"feature table shapes disagree: {n} qids, {len(self.case_ids)} case ids, "
                f"matrix {self.matrix.shape}, {len(self.feature_names)} feature names"
            )

    @classmethod
    def build(cls, values: FeatureValues, spec: FeatureSpec | None = None) -> FeatureTable:
        """Lay out ``values`` (qid -> case_id -> feature -> value) as a table.

        Without a spec the columns are every feature name seen, sorted, with no indicators and no
        normalisation. Features not in the spec are ignored; non-finite values are refused.
        """
        if spec is None:
            seen = sorted({name for cases in values.values() for feats in cases.values() for name in feats})
            spec = FeatureSpec(tuple(seen))
        qids: list[str] = []
        case_ids: list[str] = []
        raw: list[list[float]] = []
        given: list[Mapping[str, float]] = []
        nan = float("nan")
        for qid, cases in values.items():
            for case_id, feats in cases.items():
                qids.append(qid)
                case_ids.append(case_id)
                given.append(feats)
                raw.append([feats.get(name, nan) for name in spec.names])  # absent: NaN
        X = np.array(raw, dtype=float).reshape(len(raw), len(spec.names))
        _check_finite(X, given, qids, case_ids, spec.names)
        present = ~np.isnan(X)
        if spec.normalise != "none":
            X = _normalise_per_query(X, present, qids, spec.normalise)
        X[~present] = 0.0
        index = {name: j for j, name in enumerate(spec.names)}
        indicators = [(~present[:, index[n]]).astype(float) for n in spec.missing_indicators]
        matrix = np.column_stack([X, *indicators]) if indicators else X
        return cls(qids, case_ids, matrix, spec.columns)

    @property
    def groups(self) -> np.ndarray:
        """Query id of each row, for :meth:`RankSVM.fit`."""
        return np.array(self.qids)

    def grades_for(self, qrels: Qrels) -> np.ndarray:
        """Grade of each row from ``qrels``; unjudged candidates are grade 0."""
        absent = sorted(set(self.qids) - set(qrels))
        if absent:
            log.warning("%d queries have no qrels (every row grade 0): %s", len(absent), absent[:5])
        return np.array(
            [qrels.get(q, {}).get(c, 0) for q, c in zip(self.qids, self.case_ids, strict=True)], dtype=int
        )

    def row(self, i: int) -> dict[str, float]:
        """Features of row ``i`` by name."""
        return {name: float(v) for name, v in zip(self.feature_names, self.matrix[i], strict=True)}


def _check_finite(X: np.ndarray, rows: Sequence[Mapping[str, float]], qids: Sequence[str],
                  case_ids: Sequence[str], names: Sequence[str]) -> None:
    """Refuse an infinite value, or a NaN that was given (absent features are NaN in ``X``: only the rows
    holding a NaN are looked up by name)."""
    bad = np.isinf(X)
    for i in np.flatnonzero(np.isnan(X).any(axis=1)):
        bad[i] |= np.array([name in rows[i] and np.isnan(X[i, j]) for j, name in enumerate(names)])
    where = np.argwhere(bad)
    if len(where):
        i, j = (int(x) for x in where[0])
        raise BadInput(f"feature {names[j]!r} of case {case_ids[i]!r} for query {qids[i]!r} is {X[i, j]}")


def _normalise_per_query(
    X: np.ndarray, present: np.ndarray, qids: Sequence[str], how: Normalise
) -> np.ndarray:
    """Scale each column within each query over its present values; constant columns become 0."""
    out = np.zeros_like(X)
    starts = [i for i in range(len(qids)) if i == 0 or qids[i] != qids[i - 1]]
    for start, end in zip(starts, [*starts[1:], len(qids)], strict=True):
        x, p = X[start:end], present[start:end]
        count = p.sum(axis=0)
        if how == "query-zscore":
            mean = np.where(p, x, 0.0).sum(axis=0) / np.maximum(count, 1)
            std = np.sqrt(np.where(p, (x - mean) ** 2, 0.0).sum(axis=0) / np.maximum(count, 1))
            shift, scale = mean, std
        else:
            lo = np.where(count > 0, np.where(p, x, np.inf).min(axis=0), 0.0)
            hi = np.where(count > 0, np.where(p, x, -np.inf).max(axis=0), 0.0)
            shift, scale = lo, hi - lo
        safe = np.where(scale > 1e-12, scale, 1.0)
        out[start:end] = np.where(scale > 1e-12, (x - shift) / safe, 0.0)
    return out
