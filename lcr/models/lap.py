"""Law article prediction (LAP) as a feature users call: top articles, their probabilities, and the
sentences that drove each one."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from lcr.law import describe
from lcr.models.batching import pad_arrays
from lcr.models.labels import ArticleLabels
from lcr.models.lcm_lai import LcmLai


@dataclass
class ArticlePrediction:
    article: str  # key, e.g. "刑法:133"
    name: str  # e.g. "刑法第133条【交通肇事罪;危险驾驶罪】"
    probability: float
    evidence: list[tuple[str, float]] = field(default_factory=list)  # (sentence, share of the article's logit)


@torch.no_grad()
def predict_articles(model: LcmLai, labels: ArticleLabels, sentences: list[str], embeddings: np.ndarray,
                     top_k: int = 5, evidence_k: int = 2) -> list[ArticlePrediction]:
    """Top ``top_k`` articles for a case given its sentences and their encoder embeddings."""
    if not model.config.use_lap:
        return []
    emb, mask = pad_arrays([embeddings], embeddings.shape[1] if embeddings.size else model.config.dim)
    view = model.view(emb, mask)
    probs = view.case_logits[0].sigmoid().numpy()
    n = len(sentences)
    # Each sentence's share of the log-sum-exp pooling = its responsibility for the case-level logit.
    shares = view.sent_logits[0, :n].softmax(0).numpy() if n else np.zeros((0, len(labels)))
    out = []
    for a in np.argsort(-probs)[:top_k]:
        top_s = np.argsort(-shares[:, a])[:evidence_k] if n else []
        out.append(ArticlePrediction(labels.keys[a], describe(labels.keys[a]), float(probs[a]),
                                     [(sentences[i], float(shares[i, a])) for i in top_s]))
    return out
