"""The fold RankSVM chooses its feature normalisation by inner cross-validation on the training queries."""

import numpy as np
import pytest

from lcr.fit.reranker import NORMALISATION_CV_KEY, RerankerRecipe
from lcr.rerank.features import NORMALISATIONS, FeatureSpec


def _data(scale_a_in_second_half: float, a_informative_in_second_half: bool, seed: int = 0):
    """40 queries × 20 candidates, 4 relevant each. ``a`` is a perfect signal in the first 20 queries;
    in the rest it is either the signal or noise, at ``scale_a_in_second_half``. ``b`` is a weak
    signal at unit scale everywhere."""
    rng = np.random.default_rng(seed)
    values, qrels = {}, {}
    for q in range(40):
        qid = f"q{q}"
        values[qid], qrels[qid] = {}, {}
        for d in range(20):
            rel = int(d < 4)
            second = q >= 20
            if second and not a_informative_in_second_half:
                a = rng.normal()
            else:
                a = rel + 0.1 * rng.normal()
            a *= scale_a_in_second_half if second else 1.0
            b = 0.7 * rel + rng.normal()
            values[qid][f"d{d}"] = {"a": float(a), "b": float(b)}
            if rel:
                qrels[qid][f"d{d}"] = 1
    return values, qrels


@pytest.mark.parametrize(
    ("scale", "informative", "expected"),
    [
        (1e-3, False, "none"),  # z-scoring would blow a's tiny noise up to the signal's size
        (1e-3, True, "query-zscore"),  # raw, a's tiny but perfect signal is swamped by b
    ],
)
def test_normalisation_is_chosen_by_inner_cv(scale, informative, expected):
    values, qrels = _data(scale, informative)
    model = RerankerRecipe(tuple(["a", "b"])).fit(values, qrels)
    scores = model.metadata[NORMALISATION_CV_KEY]
    assert set(scores) == set(NORMALISATIONS)
    chosen = FeatureSpec.of(model).normalise
    assert chosen == max(scores, key=scores.get)
    assert chosen == expected
    assert model.cv_scores[model.C] == pytest.approx(scores[chosen])
