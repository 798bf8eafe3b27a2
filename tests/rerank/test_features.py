from __future__ import annotations

import numpy as np
import pytest

from lcr.errors import BadInput
from lcr.rerank.features import FeatureSpec, FeatureTable

VALUES = {
    "q1": {"a": {"bm25": 10.0, "dense": 0.5}, "b": {"bm25": 20.0}, "c": {"bm25": 30.0, "dense": 0.7}},
    "q2": {"d": {"bm25": 1.0, "dense": 0.1}, "e": {"bm25": 3.0, "dense": 0.3}},
}


def test_build_fills_missing_and_adds_indicators_on_request() -> None:
    plain = FeatureTable.build(VALUES)
    assert plain.feature_names == ["bm25", "dense"]
    assert plain.qids == ["q1", "q1", "q1", "q2", "q2"] and plain.case_ids == ["a", "b", "c", "d", "e"]
    assert plain.matrix[1].tolist() == [20.0, 0.0]
    table = FeatureTable.build(VALUES, FeatureSpec(("bm25", "dense"), missing_indicators=("dense",)))
    assert table.feature_names == ["bm25", "dense", "dense_missing"]
    assert table.matrix[:, 2].tolist() == [0.0, 1.0, 0.0, 0.0, 0.0]
    assert table.row(1) == {"bm25": 20.0, "dense": 0.0, "dense_missing": 1.0}
    assert table.groups.tolist() == table.qids


def test_query_zscore_and_minmax_normalise_within_each_query() -> None:
    z = FeatureTable.build(VALUES, FeatureSpec(("bm25", "dense"), normalise="query-zscore"))
    np.testing.assert_allclose(z.matrix[:3, 0], [-1.224745, 0.0, 1.224745], atol=1e-6)
    np.testing.assert_allclose(z.matrix[3:, 0], [-1.0, 1.0])
    np.testing.assert_allclose(z.matrix[:3, 1], [-1.0, 0.0, 1.0])  # missing sits at the query mean
    m = FeatureTable.build(VALUES, FeatureSpec(("bm25", "dense"), normalise="query-minmax"))
    np.testing.assert_allclose(m.matrix[:, 0], [0.0, 0.5, 1.0, 0.0, 1.0])
    single = FeatureTable.build({"q": {"x": {"f": 5.0}}}, FeatureSpec(("f",), normalise="query-zscore"))
    assert single.matrix.tolist() == [[0.0]]


def test_grades_for_uses_qrels_with_unjudged_as_zero() -> None:
    table = FeatureTable.build(VALUES)
    assert table.grades_for({"q1": {"c": 3, "a": 1}, "q2": {"e": 2}}).tolist() == [1, 0, 3, 0, 2]


def test_spec_and_value_errors() -> None:
    with pytest.raises(BadInput, match="unknown features"):
        FeatureSpec(("bm25",), missing_indicators=("dense",))
    with pytest.raises(BadInput, match="normalisation"):
        FeatureSpec(("bm25",), normalise="global")  # type: ignore[arg-type]
    with pytest.raises(BadInput, match="not distinct"):
        FeatureSpec(("x", "x_missing"), missing_indicators=("x",))
    with pytest.raises(BadInput, match="'bm25' of case 'a'"):
        FeatureTable.build({"q": {"a": {"bm25": float("inf")}}})
    ab = FeatureSpec(("bm25", "dense"))
    with pytest.raises(BadInput, match="'dense' of case 'b'"):  # a given NaN, beside an absent feature
        FeatureTable.build({"q": {"a": {"bm25": 1.0}, "b": {"dense": float("nan")}}}, ab)
    table = FeatureTable.build({"q": {"a": {"bm25": 1.0}, "b": {"dense": 2.0}}}, ab)  # absent: 0, no error
    assert table.matrix.tolist() == [[1.0, 0.0], [0.0, 2.0]]
    spec = FeatureSpec(("a", "b"), ("a",), "query-minmax")
    assert FeatureSpec.from_dict(spec.to_dict()) == spec
