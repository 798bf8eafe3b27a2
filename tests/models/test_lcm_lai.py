"""LCM-LAI: shapes, masking, article-aware attention, losses, checkpoints."""

from __future__ import annotations

import pytest
import torch

from lcr.errors import IndexMismatch, IndexMissing
from lcr.models.checkpoint import load_model, save_model
from lcr.models.labels import ArticleLabels
from lcr.models.lcm_lai import FEATURE_NAMES, LcmLai, LcmLaiConfig, pairwise_ranking_loss


def make(**kw) -> LcmLai:
    torch.manual_seed(0)
    return LcmLai(LcmLaiConfig(dim=16, n_articles=6, hidden=8, dropout=0.0, **kw)).eval()


def batch(b: int, length: int, valid: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    emb = torch.randn(b, length, 16)
    mask = torch.zeros(b, length, dtype=torch.bool)
    for i, n in enumerate(valid):
        mask[i, :n] = True
    return emb, mask


def test_shapes_and_attention_rows_sum_to_one_over_valid_sentences():
    m = make()
    q = m.view(*batch(3, 4, [4, 2, 1]))
    c = m.view(*batch(3, 5, [5, 3, 2]))
    feats, att = m.pair_features(q, c)
    assert feats.shape == (3, len(FEATURE_NAMES))
    assert att.shape == (3, 4, 5)
    # row 1: query has 2 valid sentences, candidate 3 -> attention only on the valid block
    assert torch.allclose(att[1, :2, :3].sum(-1), torch.ones(2), atol=1e-5)
    assert att[1, :, 3:].abs().sum() == 0
    assert att[1, 2:, :].abs().sum() == 0
    assert m.score(q, c).shape == (3,)


def test_padding_does_not_change_scores():
    m = make()
    qe, qm = batch(1, 3, [3])
    ce, cm = batch(1, 2, [2])
    base = m.score(m.view(qe, qm), m.view(ce, cm))
    ce_pad = torch.cat([ce, torch.randn(1, 4, 16)], 1)
    cm_pad = torch.cat([cm, torch.zeros(1, 4, dtype=torch.bool)], 1)
    padded = m.score(m.view(qe, qm), m.view(ce_pad, cm_pad))
    assert torch.allclose(base, padded, atol=1e-5)


def test_article_aware_weights_follow_article_distributions():
    m = make()
    qe, qm = batch(1, 2, [2])
    ce, cm = batch(1, 3, [3])
    q, c = m.view(qe, qm), m.view(ce, cm)
    _, att = m.pair_features(q, c)
    # give candidate sentence 2 exactly the first query sentence's article distribution, the others a different one
    c.dist = c.dist.clone()
    c.dist[0, 2] = q.dist[0, 0]
    c.dist[0, :2] = torch.nn.functional.normalize(torch.eye(6)[[5, 4]], dim=-1)
    _, att2 = m.pair_features(q, c)
    assert not torch.allclose(att, att2)
    assert att2[0, 0, 2] > att[0, 0, 2]


def test_semantic_only_ignores_article_distributions():
    m = make(article_attention=False)
    q = m.view(*batch(1, 2, [2]))
    c = m.view(*batch(1, 3, [3]))
    _, att = m.pair_features(q, c)
    c.dist = torch.nn.functional.normalize(torch.rand_like(c.dist), dim=-1)
    _, att2 = m.pair_features(q, c)
    assert torch.allclose(att, att2)


def test_no_lap_variant_has_no_article_outputs():
    m = make(use_lap=False)
    v = m.view(*batch(2, 3, [3, 1]))
    assert v.dist is None and v.case_logits is None
    assert m.lap_loss(v, torch.zeros(2, 6)).item() == 0.0
    assert m.score(v, v).shape == (2,)


def test_pairwise_loss_only_within_groups_and_decreases_when_order_is_right():
    grades = torch.tensor([3, 0, 3, 0])
    group = torch.tensor([0, 0, 1, 1])
    good = pairwise_ranking_loss(torch.tensor([2.0, -2.0, 2.0, -2.0]), grades, group)
    bad = pairwise_ranking_loss(torch.tensor([-2.0, 2.0, -2.0, 2.0]), grades, group)
    assert good < bad
    # rows of different groups never pair: shifting a whole group's scores changes nothing
    base = pairwise_ranking_loss(torch.tensor([2.0, -2.0, 1.0, 0.0]), grades, group)
    shifted = pairwise_ranking_loss(torch.tensor([2.0, -2.0, 11.0, 10.0]), grades, group)
    assert torch.allclose(base, shifted)
    assert pairwise_ranking_loss(torch.zeros(2), torch.tensor([1, 1]), torch.tensor([0, 0])).item() == 0.0


def test_lap_loss_weights_ignore_unlabelled_rows():
    m = make()
    v = m.view(*batch(2, 3, [3, 3]))
    y = torch.zeros(2, 6)
    full = m.lap_loss(v, y)
    only_first = m.lap_loss(v, y, torch.tensor([1.0, 0.0]))
    assert not torch.allclose(full, only_first)


def test_checkpoint_round_trip_and_refusals(tmp_path):
    m = make()
    labels = ArticleLabels([f"刑法:{n}" for n in (133, 234, 264, 266, 347, 67)])
    save_model(tmp_path / "m", m, labels, "enc-A", {"note": "test"})
    loaded, labels2, manifest = load_model(tmp_path / "m", "enc-A")
    assert labels2.keys == labels.keys and manifest["note"] == "test"
    qe, qm = batch(1, 2, [2])
    ce, cm = batch(2, 3, [3, 2])
    idx = torch.zeros(2, dtype=torch.long)
    before = m.score(m.view(qe, qm).select(idx), m.view(ce, cm))
    after = loaded.score(loaded.view(qe, qm).select(idx), loaded.view(ce, cm))
    assert torch.allclose(before, after)
    for a, b in zip(m.state_dict().values(), loaded.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    with pytest.raises(IndexMismatch, match="enc-A"):
        load_model(tmp_path / "m", "enc-B")
    with pytest.raises(IndexMissing):
        load_model(tmp_path / "nothing")
    (tmp_path / "m" / "labels.json").write_text('{"keys": ["刑法:1"]}', encoding="utf-8")
    with pytest.raises(IndexMismatch, match="labels.json"):
        load_model(tmp_path / "m")


def test_exact_articles_add_the_querys_mean_probability_of_the_candidates_cited_articles():
    from dataclasses import replace

    m = make(exact_articles=True)
    assert m.config.feature_names[-1] == "exact_article_mass" and m.head.in_features == len(FEATURE_NAMES) + 1
    q = m.view(*batch(2, 3, [3, 2]))
    c = m.view(*batch(2, 4, [4, 1]))
    cited = torch.zeros(2, 6)
    cited[0, [1, 4]] = 1.0  # the second candidate cites nothing the labels know
    feats, _ = m.pair_features(q, replace(c, exact=cited))
    probs = q.case_logits.sigmoid()
    assert torch.allclose(feats[0, -1], probs[0, [1, 4]].mean())
    assert feats[1, -1] == 0
    assert torch.equal(m.pair_features(q, c)[0][:, -1], torch.zeros(2))  # articles unknown: no evidence
    # the exact articles only add a column: the other features do not read them
    assert torch.equal(feats[:, :-1], m.pair_features(q, c)[0][:, :-1])
    assert make(exact_articles=True, use_lap=False).config.feature_names == FEATURE_NAMES
