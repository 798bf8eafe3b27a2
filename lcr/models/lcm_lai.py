"""LCM-LAI: law-article-intervened legal case matching (after Xu et al., ACM TOIS 2025).

Only the paper's abstract-level design is known here, so the details below are our choices:

* **Input.** Each case is a short sequence of fact sentences, each embedded once by a frozen encoder
  (multilingual-e5-small by default; cached on disk). Only facts are read, never the court's reasoning.
* **LAP sub-task.** A two-layer head maps each sentence embedding to article logits ``L_i`` (one per
  label in :mod:`lcr.models.labels`). The sentence's *article distribution* is ``softmax(L_i)``; the
  case-level multi-label prediction pools the sentences with a log-sum-exp (a smooth max: a case cites
  an article if some sentence supports it), trained with binary cross-entropy. The log-sum-exp weights
  tell which sentences drove each predicted article.
* **Article-aware attention.** For query sentence ``i`` and candidate sentence ``j``:
  semantic similarity ``S_ij = cos(z_i, z_j)`` (``z`` = embedding plus a learned residual projection)
  and article similarity ``A_ij = cos(p_i, p_j)`` of the two predicted distributions. Each query
  sentence attends over the candidate's sentences with ``softmax_j((S_ij + γ·A_ij) / τ)``: a sentence
  pair that is semantically close *and* about the same law articles gets the weight.
* **Matching.** Query sentences are weighted by a learned salience; the pooled pair representation is
  ``[Σ u_i m_i, max_i m_i, Σ u_i r_i, cos(P_q, P_c), cos(z̄_q, z̄_c)]`` where ``m_i``/``r_i`` are the
  attended semantic/article similarities and ``P`` the case-level article probabilities. A linear layer
  scores it (the RankSVM stage can replace that layer, as in the paper's RankSVM variant).
* **Dependent multi-task loss.** ``pairwise ranking loss + λ · LAP BCE``; matching consumes the LAP
  outputs, so the ranking gradient also shapes the article predictions. No article input at query time.

* **Exact candidate articles** (``exact_articles=True``). The candidate side is a judgment, so the articles
  it cites are known exactly, while the query's must be predicted: one more pooled feature,
  ``exact_article_mass``, the query's mean predicted probability of the candidate's cited articles.

Ablations: ``use_lap=False`` (no LAP head or loss, no article features: ``lcm-lai-no-lap``) and
``article_attention=False`` (LAP trained and case-level article similarity kept, but the attention is
semantic only: ``lcm-lai-semantic-only``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from lcr.encode.sentence_store import SentenceStore
from lcr.models.batching import pad_cases

FEATURE_NAMES = ("attended_semantic", "best_sentence_match", "attended_article", "case_article_cosine",
                 "mean_sentence_cosine")
EXACT_FEATURE = "exact_article_mass"


@dataclass
class LcmLaiConfig:
    dim: int = 384
    n_articles: int = 1
    hidden: int = 256
    dropout: float = 0.1
    use_lap: bool = True
    article_attention: bool = True
    lambda_lap: float = 1.0
    temperature: float = 0.05
    exact_articles: bool = False

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def feature_names(self) -> tuple[str, ...]:
        """The pooled pair representation's features, in the head's order."""
        return FEATURE_NAMES + ((EXACT_FEATURE,) if self.use_lap and self.exact_articles else ())


@dataclass
class CaseView:
    """What the model derives from one side's sentences (batched: B × L × ·)."""

    z: torch.Tensor  # normalised projected sentence embeddings
    mask: torch.Tensor  # True where a sentence exists
    sent_logits: torch.Tensor | None  # article logits per sentence
    dist: torch.Tensor | None  # normalised article distribution per sentence (unit L2 norm)
    case_logits: torch.Tensor | None  # case-level multi-label logits
    salience: torch.Tensor  # sentence weights, sum to 1 over valid sentences
    exact: torch.Tensor | None = None  # a judgment's cited articles (multi-hot, B × articles), when known

    def select(self, index: torch.Tensor) -> CaseView:
        def pick(t: torch.Tensor | None) -> torch.Tensor | None:
            return None if t is None else t[index]

        return CaseView(self.z[index], self.mask[index], pick(self.sent_logits), pick(self.dist),
                        pick(self.case_logits), self.salience[index], pick(self.exact))


def cited_matrix(cited: Mapping[str, np.ndarray], case_ids: Sequence[str], n_articles: int) -> torch.Tensor:
    """:attr:`CaseView.exact` for ``case_ids``: each one's cited articles (multi-hot), zeros where unknown."""
    none = np.zeros(n_articles, np.float32)
    return torch.from_numpy(np.stack([cited.get(c, none) for c in case_ids]))


class LcmLai(nn.Module):
    def __init__(self, config: LcmLaiConfig):
        super().__init__()
        self.config = config
        d = config.dim
        self.proj = nn.Linear(d, d)
        nn.init.zeros_(self.proj.weight)
        nn.init.zeros_(self.proj.bias)
        self.salience = nn.Linear(d, 1)
        nn.init.zeros_(self.salience.weight)
        if config.use_lap:
            # LayerNorm first: unit-norm sentence embeddings have tiny coordinates (~1/√d), which left
            # an un-normalised head stuck at the label priors.
            self.lap = nn.Sequential(nn.LayerNorm(d), nn.Linear(d, config.hidden), nn.GELU(),
                                     nn.Dropout(config.dropout), nn.Linear(config.hidden, config.n_articles))
            nn.init.constant_(self.lap[-1].bias, -6.0)  # start near the rare-label prior, not at p = 0.5
        self.gamma = nn.Parameter(torch.tensor(1.0))
        self.log_tau = nn.Parameter(torch.tensor(math.log(config.temperature)))
        self.head = nn.Linear(len(config.feature_names), 1)
        with torch.no_grad():
            init = [1.0, 0.5, 0.5, 0.5, 1.0] + [0.5] * (len(config.feature_names) - len(FEATURE_NAMES))
            self.head.weight.copy_(torch.tensor([init]))
            self.head.bias.zero_()

    # -- one side -------------------------------------------------------------------------------
    def view(self, emb: torch.Tensor, mask: torch.Tensor) -> CaseView:
        """Per-sentence representations of a batch of cases: ``emb`` B×L×D, ``mask`` B×L."""
        return self.assemble(*self.sentence_parts(emb), mask)

    def sentence_parts(self, emb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """What depends on each sentence alone (projected embedding, salience logit, article logits), so
        an index can compute it once per corpus sentence (:class:`lcr.retrieve.dense.ViewCache`)."""
        z = F.normalize(emb + self.proj(emb), dim=-1)
        sal_logit = self.salience(emb).squeeze(-1)
        return z, sal_logit, (self.lap(emb) if self.config.use_lap else None)

    def assemble(self, z: torch.Tensor, sal_logit: torch.Tensor, logits: torch.Tensor | None,
                 mask: torch.Tensor) -> CaseView:
        """A :class:`CaseView` from padded sentence parts (the steps that mix a case's sentences)."""
        sal = sal_logit.masked_fill(~mask, -1e4).softmax(-1)
        if logits is None:
            return CaseView(z, mask, None, None, None, sal)
        dist = F.normalize(logits.softmax(-1), dim=-1)
        case_logits = logits.masked_fill(~mask.unsqueeze(-1), -1e4).logsumexp(dim=1)
        return CaseView(z, mask, logits, dist, case_logits, sal)

    def case_vectors(self, view: CaseView, article_weight: float) -> torch.Tensor:
        """One vector per case whose inner product is article-aware:
        ``(1-w)·cos(semantic) + w·cos(article probabilities)`` between two cases (``w = article_weight``)."""
        sem = F.normalize((view.z * view.salience.unsqueeze(-1)).sum(1), dim=-1)
        if not self.config.use_lap or article_weight <= 0:
            return sem
        art = F.normalize(view.case_logits.sigmoid(), dim=-1)
        return torch.cat([math.sqrt(1 - article_weight) * sem, math.sqrt(article_weight) * art], dim=-1)

    # -- a pair ---------------------------------------------------------------------------------
    def pair_features(self, q: CaseView, c: CaseView) -> tuple[torch.Tensor, torch.Tensor]:
        """Pooled pair representation (B×F) and the sentence-pair attention (B×Lq×Lc)."""
        sem = torch.einsum("bid,bjd->bij", q.z, c.z)
        tau = self.log_tau.exp()
        use_art = self.config.use_lap and self.config.article_attention
        art = torch.einsum("bia,bja->bij", q.dist, c.dist) if self.config.use_lap else torch.zeros_like(sem)
        logits = (sem + self.gamma * art) / tau if use_art else sem / tau
        pair_mask = q.mask.unsqueeze(2) & c.mask.unsqueeze(1)
        att = logits.masked_fill(~pair_mask, -1e4).softmax(-1) * pair_mask
        m = (att * sem).sum(-1)
        r = (att * art).sum(-1) if use_art else torch.zeros_like(m)
        u = q.salience
        best = m.masked_fill(~q.mask, -1.0).max(-1).values
        if self.config.use_lap:
            case_art = F.cosine_similarity(q.case_logits.sigmoid(), c.case_logits.sigmoid(), dim=-1)
        else:
            case_art = torch.zeros_like(best)
        mean_q = F.normalize((q.z * q.mask.unsqueeze(-1)).sum(1), dim=-1)
        mean_c = F.normalize((c.z * c.mask.unsqueeze(-1)).sum(1), dim=-1)
        parts = [(u * m).sum(-1), best, (u * r).sum(-1), case_art, (mean_q * mean_c).sum(-1)]
        if len(self.config.feature_names) > len(FEATURE_NAMES):
            if c.exact is None:
                parts.append(torch.zeros_like(best))
            else:
                cited = c.exact.sum(-1).clamp(min=1.0)
                parts.append((q.case_logits.sigmoid() * c.exact).sum(-1) / cited)
        return torch.stack(parts, -1), att

    def score(self, q: CaseView, c: CaseView) -> torch.Tensor:
        feats, _ = self.pair_features(q, c)
        return self.head(feats).squeeze(-1)

    # -- losses ---------------------------------------------------------------------------------
    def lap_loss(self, view: CaseView, targets: torch.Tensor, weight: torch.Tensor | None = None) -> torch.Tensor:
        """Binary cross-entropy of the case-level article prediction (rows with weight 0 are ignored)."""
        if not self.config.use_lap:
            return torch.zeros(())
        per_row = F.binary_cross_entropy_with_logits(view.case_logits, targets, reduction="none").mean(-1)
        if weight is None:
            return per_row.mean()
        return (per_row * weight).sum() / weight.sum().clamp(min=1.0)


def pairwise_ranking_loss(scores: torch.Tensor, grades: torch.Tensor, group: torch.Tensor) -> torch.Tensor:
    """RankNet logistic loss over all pairs in the same group (query) whose grades differ."""
    same = group.unsqueeze(0) == group.unsqueeze(1)
    better = grades.unsqueeze(1) > grades.unsqueeze(0)
    pairs = same & better
    if not pairs.any():
        return scores.sum() * 0.0
    diff = scores.unsqueeze(1) - scores.unsqueeze(0)
    weight = (grades.unsqueeze(1) - grades.unsqueeze(0)).float()
    return (F.softplus(-diff) * weight)[pairs].sum() / weight[pairs].sum()


@torch.no_grad()
def case_vectors(model: LcmLai, sentences: SentenceStore, ids: Sequence[str], max_sentences: int,
                 article_weight: float, chunk: int = 512) -> tuple[np.ndarray, np.ndarray | None]:
    """LCM-LAI case vectors (and case-level article probabilities) for ``ids``: what an index's FAISS
    part holds, and what a fold model's evaluation searches."""
    vecs, probs = [], []
    for start in range(0, len(ids), chunk):
        emb, mask = pad_cases(sentences, ids[start : start + chunk], max_sentences)
        view = model.view(emb, mask)
        vecs.append(model.case_vectors(view, article_weight).numpy())
        if view.case_logits is not None:
            probs.append(view.case_logits.sigmoid().numpy())
    return np.concatenate(vecs), (np.concatenate(probs) if probs else None)
