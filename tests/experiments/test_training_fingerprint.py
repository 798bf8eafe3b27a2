"""A fold model is keyed by everything it saw; the pseudo-query variants also see every pool and the
pooled judgments' charges."""

import numpy as np

from lcr.encode.sentence_store import SentenceStore
from lcr.fit.lcm_lai import Resources
from lcr.models.labels import ArticleLabels


def resources(pools, charges) -> Resources:
    cases = SentenceStore.from_parts(["c1", "c2", "c3"], [["x"], ["y"], ["z"]],
                                     [np.eye(3)[i : i + 1] for i in range(3)], "enc", 3)
    queries = SentenceStore.from_parts(["q1", "q2"], [["qa"], ["qb"]], [np.ones((1, 3)), np.zeros((1, 3))], "enc", 3)
    return Resources(cases, queries, {"q1": {"c1": 3}, "q2": {"c2": 1}}, ArticleLabels(["刑法:264"]), {}, None, {},
                     {}, pools, {"q1": "事实一", "q2": "事实二"}, charges)


POOLS = {"q1": ["c1", "c2"], "q2": ["c2", "c3"]}
CHARGES = {"c1": ["盗窃罪"], "c2": ["盗窃罪"], "c3": ["诈骗罪"]}


def test_an_evaluated_querys_pool_and_a_pooled_charge_key_only_the_weak_models():
    base = resources(POOLS, CHARGES)
    other_pool = resources({**POOLS, "q2": ["c3"]}, CHARGES)
    other_charge = resources(POOLS, {**CHARGES, "c3": ["抢劫罪"]})
    for with_pools in (False, True):
        plain = base.training_fingerprint(["q1"], with_pools)
        assert other_pool.training_fingerprint(["q1"], with_pools) == plain
        assert other_charge.training_fingerprint(["q1"], with_pools) == plain
    weak = base.training_fingerprint(["q1"], True, weak=True)
    assert weak != base.training_fingerprint(["q1"], True)
    assert other_pool.training_fingerprint(["q1"], True, weak=True) != weak
    assert other_charge.training_fingerprint(["q1"], True, weak=True) != weak
    assert resources(POOLS, CHARGES).training_fingerprint(["q1"], True, weak=True) == weak
