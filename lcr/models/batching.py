"""Turn sentence-store rows into padded tensors for the model."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from lcr.encode.sentence_store import SentenceStore


def pad_cases(store: SentenceStore, case_ids: Sequence[str], max_sentences: int | None = None
              ) -> tuple[torch.Tensor, torch.Tensor]:
    """Embeddings ``B×L×D`` (zero-padded) and mask ``B×L`` for ``case_ids`` from ``store``."""
    mats = [store.embeddings(c) for c in case_ids]
    if max_sentences is not None:
        mats = [m[:max_sentences] for m in mats]
    return pad_arrays(mats, store.emb.shape[1])


def pad_arrays(mats: Sequence[np.ndarray], dim: int) -> tuple[torch.Tensor, torch.Tensor]:
    length = max([len(m) for m in mats] + [1])
    emb = np.zeros((len(mats), length, dim), dtype=np.float32)
    mask = np.zeros((len(mats), length), dtype=bool)
    for i, m in enumerate(mats):
        if len(m) == 0:  # a case with no text still gets one zero "sentence" so softmaxes stay defined
            mask[i, 0] = True
            continue
        emb[i, : len(m)] = m
        mask[i, : len(m)] = True
    return torch.from_numpy(emb), torch.from_numpy(mask)
