"""Training LCM-LAI on a CPU: frozen, cached sentence embeddings; only the heads learn.

Two phases. (1) LAP pre-training on cases whose cited articles are known (CAIL2018 facts and LeCaRD
candidates' facts, labelled from their own judgments). It uses no query relevance label, so one
pre-trained model serves every cross-validation fold. (2) Joint training on the training folds' labelled
query-candidate pairs: pairwise ranking loss + λ·LAP loss on the candidates whose articles are known.
"""

from __future__ import annotations

import dataclasses
import logging
import random
from collections.abc import Mapping, Sequence

import numpy as np
import torch
from pydantic import BaseModel, ConfigDict, Field, field_validator
from tqdm import tqdm

from lcr.encode.sentence_store import SentenceStore
from lcr.models.batching import pad_arrays, pad_cases
from lcr.models.lcm_lai import LcmLai, LcmLaiConfig, cited_matrix, pairwise_ranking_loss
from lcr.models.weak_supervision import PSEUDO_CANDIDATES
from lcr.records import Qrels

log = logging.getLogger(__name__)

#: LcmLaiConfig fields a training config may override (dim and n_articles come from the data).
MODEL_OVERRIDES = frozenset(f.name for f in dataclasses.fields(LcmLaiConfig)) - {"dim", "n_articles"}


class TrainConfig(BaseModel):
    """How LCM-LAI is trained; an unknown key is an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int = 13
    lr: float = Field(3e-3, gt=0)
    weight_decay: float = Field(1e-4, ge=0)
    lap_epochs: int = Field(20, ge=0)
    lap_batch: int = Field(64, ge=1)
    rank_steps: int = Field(300, ge=0)
    queries_per_step: int = Field(4, ge=1)
    max_sentences: int = Field(12, ge=1)
    label_min_count: int = Field(3, ge=1)
    model: dict[str, bool | int | float] = Field(default_factory=dict, description="LcmLaiConfig overrides")

    @field_validator("model")
    @classmethod
    def _known_model_keys(cls, value: dict) -> dict:
        unknown = sorted(set(value) - MODEL_OVERRIDES)
        if unknown:
            raise ValueError(f"unknown model setting(s) {unknown}; known: {sorted(MODEL_OVERRIDES)}")
        return value

    def to_dict(self) -> dict:
        return self.model_dump()


def seed_everything(seed: int) -> None:
    """Seed every generator training draws from, and train on one torch thread. Each training phase calls
    it first, so a model does not depend on what ran before it in the process (another fold, a pre-training
    loaded from disk, an encoder that used more threads): one thread keeps every sum in one order."""
    torch.set_num_threads(1)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def new_model(cfg: TrainConfig, dim: int, n_articles: int) -> LcmLai:
    seed_everything(cfg.seed)
    return LcmLai(LcmLaiConfig(dim=dim, n_articles=n_articles, **cfg.model))


def pretrain_lap(model: LcmLai, store: SentenceStore, targets: Mapping[str, np.ndarray], cfg: TrainConfig,
                 show_progress: bool = True) -> list[float]:
    """LAP-only epochs over the cases in ``targets`` (case id -> multi-hot article vector)."""
    if not model.config.use_lap or cfg.lap_epochs == 0:
        return []
    seed_everything(cfg.seed)
    ids = sorted(targets)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    rng = random.Random(cfg.seed)
    losses = []
    model.train()
    for epoch in range(cfg.lap_epochs):
        rng.shuffle(ids)
        total = 0.0
        steps = range(0, len(ids), cfg.lap_batch)
        for start in tqdm(steps, desc=f"LAP epoch {epoch + 1}", disable=not show_progress, leave=False):
            batch = ids[start : start + cfg.lap_batch]
            emb, mask = pad_cases(store, batch, cfg.max_sentences)
            y = torch.from_numpy(np.stack([targets[c] for c in batch]))
            loss = model.lap_loss(model.view(emb, mask), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(batch)
        losses.append(total / len(ids))
        log.info("LAP epoch %d: loss %.4f", epoch + 1, losses[-1])
    model.eval()
    return losses


def train_ranking(model: LcmLai, queries: SentenceStore, cases: SentenceStore, qrels: Qrels,
                  train_qids: Sequence[str], targets: Mapping[str, np.ndarray], cfg: TrainConfig,
                  show_progress: bool = True, pseudo: tuple[SentenceStore, Qrels] | None = None,
                  exact: Mapping[str, np.ndarray] | None = None) -> list[float]:
    """Joint phase: pairwise ranking over each training query's labelled candidates + λ·LAP.

    ``pseudo``: weakly supervised groups (a store of pseudo-query sentences and their graded candidates);
    each step then also draws ``queries_per_step`` of them beside the real queries, each with at most
    :data:`PSEUDO_CANDIDATES` of its candidates (a random draw per step). ``exact``: each judgment's cited
    articles (multi-hot), for a model with ``exact_articles``."""
    # sorted: the model must not depend on the order the caller listed its training queries in
    qids = sorted(q for q in train_qids if q in qrels and q in queries)
    if not qids:
        return []
    pseudo_ids = sorted(q for q in pseudo[1] if q in pseudo[0]) if pseudo is not None else []
    seed_everything(cfg.seed + 1)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    rng = random.Random(cfg.seed + 1)
    n_art = model.config.n_articles
    losses = []
    model.train()
    for _ in tqdm(range(cfg.rank_steps), desc="ranking", disable=not show_progress, leave=False):
        groups = [(queries, q, qrels[q]) for q in rng.sample(qids, min(cfg.queries_per_step, len(qids)))]
        for q in rng.sample(pseudo_ids, min(cfg.queries_per_step, len(pseudo_ids))):
            graded = sorted(pseudo[1][q].items())
            if len(graded) > PSEUDO_CANDIDATES:
                graded = rng.sample(graded, PSEUDO_CANDIDATES)
            groups.append((pseudo[0], q, dict(graded)))
        q_mats, c_ids, grades, group = [], [], [], []
        for gi, (store, q, judged) in enumerate(groups):
            emb = store.embeddings(q)[: cfg.max_sentences]
            for cid, grade in judged.items():
                if cid in cases:
                    q_mats.append(emb)
                    c_ids.append(cid)
                    grades.append(grade)
                    group.append(gi)
        q_emb, q_mask = pad_arrays(q_mats, cases.emb.shape[1])
        c_emb, c_mask = pad_cases(cases, c_ids, cfg.max_sentences)
        c_view = model.view(c_emb, c_mask)
        if exact is not None and model.config.exact_articles:
            c_view = dataclasses.replace(c_view, exact=cited_matrix(exact, c_ids, n_art))
        scores = model.score(model.view(q_emb, q_mask), c_view)
        loss = pairwise_ranking_loss(scores, torch.tensor(grades), torch.tensor(group))
        if model.config.use_lap and model.config.lambda_lap > 0:
            y = np.stack([targets.get(c, np.zeros(n_art, np.float32)) for c in c_ids])
            w = torch.tensor([1.0 if c in targets else 0.0 for c in c_ids])
            loss = loss + model.config.lambda_lap * model.lap_loss(c_view, torch.from_numpy(y), w)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    model.eval()
    return losses
