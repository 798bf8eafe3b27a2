"""Sentence stores for whole corpora, built once and cached on disk.

A store is keyed by the encoder, the sentence-selection settings and the exact texts, so any change to
them builds a new store, and an unchanged corpus is never re-encoded (the per-sentence embedding cache
underneath also survives interrupted runs).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence

from lcr.encode.encoder import Encoder
from lcr.encode.sentence_store import SentenceStore
from lcr.encode.sentences import select_sentences
from lcr.paths import cache_dir

log = logging.getLogger(__name__)

SELECTION_VERSION = "v2"


def store_key(encoder_name: str, max_sentences: int, ids: Sequence[str], texts: Sequence[str]) -> str:
    h = hashlib.sha1(f"{encoder_name}|{max_sentences}|{SELECTION_VERSION}".encode())
    for cid, text in zip(ids, texts, strict=True):
        h.update(cid.encode() + b"\x00" + hashlib.sha1(text.encode()).digest())
    return h.hexdigest()[:16]


def sentence_store_for(ids: Sequence[str], texts: Sequence[str], encoder: Encoder, max_sentences: int,
                       label: str = "corpus", show_progress: bool = True) -> SentenceStore:
    """Sentence store of ``texts`` (facts, or query texts) under ``ids``; cached by content."""
    folder = cache_dir() / "sentences" / f"{label}-{store_key(encoder.name, max_sentences, ids, texts)}"
    if (folder / "sentences.npz").exists():
        return SentenceStore.load(folder, encoder.name)
    sents = [select_sentences(t, max_sentences) for t in texts]
    log.info("%s: encoding %d sentences of %d texts", label, sum(map(len, sents)), len(ids))
    store = SentenceStore.encode(list(ids), sents, encoder, show_progress=show_progress)
    tmp = folder.with_name(folder.name + ".tmp")
    store.save(tmp)
    tmp.rename(folder)
    return store
