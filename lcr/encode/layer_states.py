"""e5-small's token states at one inner layer, stored once per text, so that training the top layers (and
re-encoding with them) never reruns the frozen bottom of the model.

Why: a forward pass through all 12 layers of every corpus sentence costs most of an hour on 2 cores; the
layers below the trained ones never change, so their output is computed once, in the same pass that
fills the embedding cache with the frozen encoder's vectors (:func:`compute_states`).

A store folder holds shards ``states-NNNNN.npy`` (float32 ``(tokens, 384)``, every text's real tokens
back to back, memory-mapped on load), ``lengths-NNNNN.npy`` (int32 token count per text) and
``manifest.json`` (encoder name, layer, the texts in order, shard size). A shard is written to a
temporary name and renamed, so a killed run resumes at the first missing shard.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from lcr.encode.base import Role, check_role, l2_normalise
from lcr.encode.fast_e5 import FastE5Encoder, mean_pool
from lcr.errors import IndexMismatch, IndexMissing

if TYPE_CHECKING:
    import torch

    from lcr.encode.embedding_cache import CachedEncoder

log = logging.getLogger(__name__)

SHARD = 4096
MANIFEST = "manifest.json"


def texts_digest(texts: Sequence[str]) -> str:
    h = hashlib.sha1()
    for t in texts:
        h.update(hashlib.sha1(t.encode()).digest())
    return h.hexdigest()[:16]


@dataclass
class LayerStates:
    """Token states entering layer ``layer`` for each of ``texts`` (encoded with ``role``'s prefix)."""

    folder: Path
    encoder_name: str
    layer: int
    role: Role
    texts: list[str]
    lengths: np.ndarray  # int32, per text
    offsets: np.ndarray  # int64, len(texts) + 1, rows into the concatenated shards
    shards: list[np.ndarray]  # float32 (tokens, dim) each, memory-mapped

    @classmethod
    def load(cls, folder: Path, encoder_name: str | None = None) -> LayerStates:
        path = folder / MANIFEST
        if not path.exists():
            raise IndexMissing(f"no layer states at {folder}")
        meta = json.loads(path.read_text(encoding="utf-8"))
        if encoder_name is not None and meta["encoder"] != encoder_name:
            raise IndexMismatch(f"{folder} holds states of {meta['encoder']!r}, not {encoder_name!r}")
        n_shards = -(-len(meta["texts"]) // meta["shard"])
        missing = [i for i in range(n_shards) if not (folder / f"states-{i:05d}.npy").exists()]
        if missing:
            raise IndexMissing(f"{folder}: {len(missing)} of {n_shards} shards not computed yet")
        lengths = np.concatenate([np.load(folder / f"lengths-{i:05d}.npy") for i in range(n_shards)])
        shards = [np.load(folder / f"states-{i:05d}.npy", mmap_mode="r") for i in range(n_shards)]
        return cls(folder, meta["encoder"], meta["layer"], meta["role"], meta["texts"], lengths,
                   np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)]), shards)

    def __len__(self) -> int:
        return len(self.texts)

    def tokens(self, row: int) -> np.ndarray:
        """The ``(tokens, dim)`` states of text ``row``."""
        shard, within = divmod(row, SHARD)
        base = self.offsets[shard * SHARD]
        lo, hi = self.offsets[row] - base, self.offsets[row + 1] - base
        return self.shards[shard][lo:hi]

    def padded(self, rows: Sequence[int]) -> tuple[torch.Tensor, torch.Tensor]:
        """Right-padded ``(states, attention_mask)`` tensors for ``rows``."""
        import torch

        width = int(max(self.lengths[r] for r in rows))
        out = torch.zeros((len(rows), width, self.shards[0].shape[1]), dtype=torch.float32)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, r in enumerate(rows):
            tok = torch.from_numpy(np.array(self.tokens(r)))
            out[i, : len(tok)] = tok
            mask[i, : len(tok)] = 1
        return out, mask


def _forward(encoder: FastE5Encoder, input_ids: np.ndarray, mask: np.ndarray, layer: int
             ) -> tuple[np.ndarray, np.ndarray]:
    """(pooled vectors of the full model, hidden states entering ``layer``) for one padded batch."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(encoder.num_threads)
    try:
        with torch.inference_mode():
            ids_t, mask_t = torch.from_numpy(input_ids), torch.from_numpy(mask)
            out = encoder.bert(input_ids=ids_t, attention_mask=mask_t, output_hidden_states=True)
            return mean_pool(out.last_hidden_state, mask_t).numpy(), out.hidden_states[layer].numpy()
    finally:
        torch.set_num_threads(before)


def compute_states(texts: Sequence[str], role: Role, folder: Path, layer: int, cache: CachedEncoder,
                   batch_size: int = 32, show_progress: bool = True) -> LayerStates:
    """Store the states entering ``layer`` for every text under ``folder`` (resuming a killed run), and
    put each text's full-model vector into ``cache`` on the way, so the frozen encoder is never rerun.

    ``cache`` must wrap an ``e5-torch`` :class:`FastE5Encoder`; batches are sorted by length within each
    shard, as :meth:`FastE5Encoder.encode` sorts them.
    """
    role = check_role(role)
    encoder = cache.encoder
    if not isinstance(encoder, FastE5Encoder) or encoder.backend != "e5-torch":
        raise IndexMismatch(f"layer states need the e5-torch encoder, not {cache.name!r}")
    if not 0 < layer < encoder.bert.config.num_hidden_layers:
        raise IndexMismatch(f"layer must be in 1..{encoder.bert.config.num_hidden_layers - 1}, got {layer}")
    texts = list(texts)
    folder.mkdir(parents=True, exist_ok=True)
    meta = {"encoder": cache.name, "layer": layer, "role": role, "shard": SHARD,
            "digest": texts_digest(texts), "texts": texts}
    path = folder / MANIFEST
    if path.exists():
        old = json.loads(path.read_text(encoding="utf-8"))
        if {k: old.get(k) for k in ("encoder", "layer", "role", "shard", "digest")} != {
                k: meta[k] for k in ("encoder", "layer", "role", "shard", "digest")}:
            raise IndexMismatch(f"{folder} holds states of other texts or another encoder; use a new folder")
    else:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    ids = encoder.tokenizer.ids(texts, role)
    shards = range(0, len(texts), SHARD)
    from tqdm.auto import tqdm

    for shard_no, start in enumerate(tqdm(shards, desc=f"layer {layer} states", disable=not show_progress)):
        target = folder / f"states-{shard_no:05d}.npy"
        if target.exists():
            continue
        rows = list(range(start, min(start + SHARD, len(texts))))
        order = sorted(rows, key=lambda i: len(ids[i]))
        states: dict[int, np.ndarray] = {}
        vecs = np.empty((len(rows), encoder.dim), dtype=np.float32)
        for b in range(0, len(order), batch_size):
            batch = order[b : b + batch_size]
            input_ids, mask = encoder.tokenizer.pad([ids[i] for i in batch])
            pooled, hidden = _forward(encoder, input_ids, mask, layer)
            for j, i in enumerate(batch):
                states[i] = hidden[j, : len(ids[i])].copy()
                vecs[i - start] = pooled[j]
        cache.put([texts[i] for i in rows], role, l2_normalise(vecs))
        lengths = np.array([len(ids[i]) for i in rows], dtype=np.int32)
        for name, arr in ((f"lengths-{shard_no:05d}.npy", lengths),
                          (target.name, np.concatenate([states[i] for i in rows]))):
            tmp = folder / (name + ".tmp")
            with open(tmp, "wb") as fh:
                np.save(fh, arr)
            os.replace(tmp, folder / name)  # the states file last: its presence marks a finished shard
    return LayerStates.load(folder, cache.name)


def encode_from_states(states: LayerStates, cache: CachedEncoder, batch_size: int = 32,
                       show_progress: bool = True) -> int:
    """Finish the forward pass of ``cache``'s e5-torch model (e.g. one with a delta merged in, whose
    layers below ``states.layer`` are the base's) from the stored states, and put the vectors into
    ``cache``; texts already there are skipped. Returns how many were encoded."""
    import torch
    from tqdm.auto import tqdm
    from transformers.masking_utils import create_bidirectional_mask

    encoder = cache.encoder
    if not isinstance(encoder, FastE5Encoder) or encoder.backend != "e5-torch":
        raise IndexMismatch(f"encoding from layer states needs an e5-torch encoder, not {cache.name!r}")
    known = cache.known(states.texts, states.role)
    todo = [i for i, t in enumerate(states.texts) if t not in known]
    todo.sort(key=lambda i: (i // SHARD, int(states.lengths[i])))  # within a shard, by length
    layers = encoder.bert.encoder.layer[states.layer :]
    before = torch.get_num_threads()
    torch.set_num_threads(encoder.num_threads)
    try:
        for b in tqdm(range(0, len(todo), batch_size), desc="encode from states", disable=not show_progress):
            rows = todo[b : b + batch_size]
            with torch.inference_mode():
                h, mask = states.padded(rows)
                attn = create_bidirectional_mask(config=encoder.bert.config, inputs_embeds=h, attention_mask=mask)
                for layer in layers:
                    out = layer(h, attention_mask=attn)
                    h = out[0] if isinstance(out, tuple) else out
                vecs = l2_normalise(mean_pool(h, mask).numpy())
            cache.put([states.texts[i] for i in rows], states.role, vecs)
    finally:
        torch.set_num_threads(before)
    return len(todo)
