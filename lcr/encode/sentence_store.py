"""Per-case fact sentences and their frozen-encoder embeddings, stored once and reused.

Layout of a store folder: ``sentences.npz`` (``emb``: float16 N×D sentence embeddings, ``offsets``:
int64 (cases+1) row offsets) and ``sentences.json`` (case ids, the sentence texts, encoder name). The
embeddings depend only on the encoder, not on any trained head, so training and index rebuilds after a
model change reuse them; the encoder itself goes through the on-disk embedding cache as well.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lcr.encode.base import Encoder
from lcr.errors import CaseNotFound, IndexMismatch, IndexMissing

log = logging.getLogger(__name__)

#: e5 prefix used for every sentence: "query: " is e5's convention for symmetric similarity.
SENTENCE_ROLE = "query"


@dataclass
class SentenceStore:
    case_ids: list[str]
    sentences: list[list[str]]
    emb: np.ndarray  # float16, N × D
    offsets: np.ndarray  # int64, len(case_ids) + 1
    encoder_name: str

    def __post_init__(self) -> None:
        self._pos = {cid: i for i, cid in enumerate(self.case_ids)}

    def __len__(self) -> int:
        return len(self.case_ids)

    def __contains__(self, case_id: str) -> bool:
        return case_id in self._pos

    def index(self, case_id: str) -> int:
        """Row of ``case_id`` (its sentences are ``offsets[row]:offsets[row + 1]``)."""
        i = self._pos.get(case_id)
        if i is None:
            raise CaseNotFound(f"case {case_id!r} is not in the sentence store")
        return i

    def embeddings(self, case_id: str) -> np.ndarray:
        i = self._pos.get(case_id)
        if i is None:
            raise CaseNotFound(f"case {case_id!r} is not in the sentence store")
        return self.emb[self.offsets[i] : self.offsets[i + 1]].astype(np.float32)

    def texts(self, case_id: str) -> list[str]:
        i = self._pos.get(case_id)
        if i is None:
            raise CaseNotFound(f"case {case_id!r} is not in the sentence store")
        return self.sentences[i]

    @classmethod
    def encode(cls, case_ids: Sequence[str], sentences: Sequence[list[str]], encoder: Encoder,
               batch_size: int = 32, show_progress: bool = True) -> SentenceStore:
        flat = [s for sents in sentences for s in sents]
        lengths = np.array([len(s) for s in sentences], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        log.info("encoding %d sentences of %d cases with %s", len(flat), len(case_ids), encoder.name)
        emb = encoder.encode(flat, role=SENTENCE_ROLE, batch_size=batch_size, show_progress=show_progress)
        return cls(list(case_ids), [list(s) for s in sentences], emb.astype(np.float16), offsets, encoder.name)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(folder / "sentences.npz", emb=self.emb, offsets=self.offsets)
        meta = {"encoder": self.encoder_name, "case_ids": self.case_ids, "sentences": self.sentences}
        (folder / "sentences.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, encoder_name: str | None = None) -> SentenceStore:
        if not (folder / "sentences.npz").exists():
            raise IndexMissing(f"no sentence store at {folder}")
        meta = json.loads((folder / "sentences.json").read_text(encoding="utf-8"))
        if encoder_name is not None and meta["encoder"] != encoder_name:
            raise IndexMismatch(
                f"sentence store {folder} was encoded with {meta['encoder']!r}, but {encoder_name!r} was asked for"
            )
        arrays = np.load(folder / "sentences.npz")
        return cls(meta["case_ids"], meta["sentences"], arrays["emb"], arrays["offsets"], meta["encoder"])

    @classmethod
    def from_parts(cls, case_ids: Sequence[str], sentences: Sequence[list[str]], parts: Sequence[np.ndarray],
                   encoder_name: str, dim: int) -> SentenceStore:
        """A store from each case's sentences and their embedding rows (``dim`` wide, for an empty store)."""
        if not len(case_ids) == len(sentences) == len(parts):
            raise ValueError("case ids, sentences and embedding parts differ in length")
        lengths = np.array([len(p) for p in parts], dtype=np.int64)
        emb = np.concatenate(parts).astype(np.float16) if parts else np.zeros((0, dim), np.float16)
        return cls(list(case_ids), [list(s) for s in sentences], emb,
                   np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64), encoder_name)

    def subset(self, case_ids: Sequence[str]) -> SentenceStore:
        """A store holding just ``case_ids`` (in that order)."""
        idx = [self.index(c) for c in case_ids]
        return SentenceStore.from_parts(case_ids, [self.sentences[i] for i in idx],
                                        [self.emb[self.offsets[i] : self.offsets[i + 1]] for i in idx],
                                        self.encoder_name, self.emb.shape[1])
