"""Corpus pseudo-queries for LCM-LAI: graded by charges, never from an evaluated query's pool."""

from __future__ import annotations

import numpy as np
import torch

from lcr.encode.sentence_store import SentenceStore
from lcr.models.lcm_lai import LcmLai, LcmLaiConfig
from lcr.models.train import TrainConfig, train_ranking
from lcr.models.weak_supervision import charge_grade, pseudo_groups, pseudo_query_store


def store(texts: dict[str, list[str]], dim: int = 8, seed: int = 0) -> SentenceStore:
    rng = np.random.default_rng(seed)
    ids = list(texts)
    lengths = [len(texts[c]) for c in ids]
    emb = rng.normal(size=(sum(lengths), dim)).astype(np.float16)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return SentenceStore(ids, [texts[c] for c in ids], emb, offsets, "test-encoder")


CHARGES = {"a": ["盗窃罪"], "b": ["盗窃罪"], "c": ["盗窃罪", "诈骗罪"], "d": ["故意伤害罪"],
           "e": ["故意伤害罪"], "x": ["盗窃罪"]}


def test_charge_grade_orders_same_overlapping_other():
    assert charge_grade({"盗窃罪"}, {"盗窃罪"}) == 2
    assert charge_grade({"盗窃罪"}, {"盗窃罪", "诈骗罪"}) == 1
    assert charge_grade({"盗窃罪"}, {"诈骗罪"}) == 0


def test_groups_come_from_training_pools_and_skip_other_queries_pools():
    cases = store({c: ["某日某人到某处。"] for c in CHARGES})
    pools = {"q1": ["a", "b", "c", "d", "x"], "q2": ["x", "e"]}
    groups = pseudo_groups(pools, CHARGES, ["q1"], cases)
    # x also lies in q2's pool, which is evaluated; d shares no charge with anyone left, so its group ties
    assert set(groups) == {"a", "b", "c"}
    assert groups["a"] == {"b": 2, "c": 1, "d": 0}
    assert all("x" not in g for g in groups.values())
    assert "e" not in groups  # q2 is not a training query
    both = pseudo_groups(pools, CHARGES, ["q1", "q2"], cases)
    assert both["x"]["e"] == 0 and both["x"]["a"] == 2


def test_a_group_whose_candidates_all_tie_is_dropped():
    cases = store({c: ["某日。"] for c in "abx"})
    assert pseudo_groups({"q": ["a", "b", "x"]}, CHARGES, ["q"], cases) == {}


def test_pseudo_queries_drop_sentences_that_name_a_charge():
    cases = store({"a": ["被告人张某窃取手机一部。", "其行为构成盗窃罪。", "犯罪嫌疑人张某被抓获。"],
                   "b": ["罪名成立。"]})
    pseudo = pseudo_query_store(cases, ["a", "b"])
    assert pseudo.case_ids == ["a"]  # nothing of b is left
    assert pseudo.texts("a") == ["被告人张某窃取手机一部。", "犯罪嫌疑人张某被抓获。"]
    np.testing.assert_array_equal(pseudo.embeddings("a"), cases.embeddings("a")[[0, 2]])


def test_training_reads_the_pseudo_groups():
    cases = store({c: ["某日某人到某处。", "又一句。"] for c in CHARGES}, seed=1)
    queries = store({"q1": ["被告人某甲盗窃。"]}, seed=2)
    qrels = {"q1": {"a": 3, "d": 0}}
    groups = pseudo_groups({"q1": list(CHARGES)}, CHARGES, ["q1"], cases)
    cfg = TrainConfig(rank_steps=3, queries_per_step=2, lap_epochs=0)

    def trained(pseudo):
        torch.manual_seed(0)
        model = LcmLai(LcmLaiConfig(dim=8, n_articles=3))
        train_ranking(model, queries, cases, qrels, ["q1"], {}, cfg, show_progress=False, pseudo=pseudo)
        return model.proj.weight.detach().clone()

    plain = trained(None)
    assert torch.equal(plain, trained(None))
    assert not torch.equal(plain, trained((pseudo_query_store(cases, sorted(groups)), groups)))
