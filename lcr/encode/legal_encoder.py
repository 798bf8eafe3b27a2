"""``lcr train --encoder``: from judgments to a shipped encoder delta, in three resumable steps.

1. the base e5-small's layer states of every training sentence (:func:`compute_states`; the same pass fills
   the embedding cache with the base vectors);
2. training the top layers from them (:func:`train_top_layers`, checkpointed);
3. the delta folder (:func:`save_delta`), then every training sentence re-encoded with it from the stored
   states (:func:`encode_from_states`), so the first index build or evaluation over it encodes only what
   is new (queries).
"""

from __future__ import annotations

import hashlib
import json
import logging
import resource
import time
from collections.abc import Iterable
from pathlib import Path

from lcr.encode.delta import save_delta
from lcr.encode.embedding_cache import CachedEncoder, cached_encoder
from lcr.encode.layer_states import compute_states, encode_from_states, texts_digest
from lcr.encode.legal_data import TrainingDoc, training_docs
from lcr.encode.sentence_store import SENTENCE_ROLE
from lcr.encode.tuning import TuningConfig, train_top_layers
from lcr.errors import BadInput
from lcr.paths import cache_dir
from lcr.records import Case

log = logging.getLogger(__name__)

BASE_ENCODER = "e5-torch"
#: States are stored entering this layer, so up to 12 - STATE_LAYER top layers can be trained.
STATE_LAYER = 10


def docs_from(lecard: Iterable[Case], cail_train: Iterable[Case], cail_test: Iterable[Case],
              exclude: set[str]) -> list[TrainingDoc]:
    return (training_docs(lecard, "lecard", exclude=exclude) + training_docs(cail_train, "cail", dev="none")
            + training_docs(cail_test, "cail", dev="all"))


def training_texts(docs: list[TrainingDoc]) -> list[str]:
    """Every fact and reasoning sentence once, facts first (the order the states are stored in)."""
    return list(dict.fromkeys([s for d in docs for s in d.sentences] + [s for d in docs for s in d.reasoning]))


def train_legal_encoder(docs: list[TrainingDoc], out: Path, cfg: TuningConfig, resume: bool = False,
                        force: bool = False, sources: dict | None = None, show_progress: bool = True,
                        until_step: int | None = None) -> dict:
    """Train and write the delta to ``out``; return its manifest (``unfinished``: stopped at ``until_step``
    with a checkpoint, nothing written)."""
    if out.exists() and not force:
        raise BadInput(f"{out} exists; pass --force to replace it")
    t0 = time.monotonic()
    base: CachedEncoder = cached_encoder(BASE_ENCODER)
    texts = training_texts(docs)
    digest = texts_digest(texts)
    states_dir = cache_dir() / "layer-states" / f"{digest}-l{STATE_LAYER}"
    states = compute_states(texts, SENTENCE_ROLE, states_dir, STATE_LAYER, base, show_progress=show_progress)
    t_states = time.monotonic() - t0
    recipe = cfg.to_dict()
    work = cache_dir() / "encoder-training" / hashlib.sha1(
        json.dumps([digest, recipe], sort_keys=True).encode()).hexdigest()[:12]
    best, progress = train_top_layers(base.encoder.bert, states, docs, cfg, work, resume=resume,
                                      show_progress=show_progress, until_step=until_step)
    if progress["unfinished"]:
        return {"unfinished": True, "steps_run": progress["step"]}
    manifest = {
        "base_encoder": base.name,
        "trained_layers": sorted({k.split(".")[2] for k in best}, key=int),
        "recipe": recipe,
        "data": {"sources": sources or {}, "texts_digest": digest,
                 "docs": {s: sum(d.split == s for d in docs) for s in ("train", "dev")},
                 "by_source": {src: sum(d.source == src for d in docs) for src in sorted({d.source for d in docs})}},
        "dev": {"initial": progress["evals"][0], "best": progress["best"]},
        "steps_run": progress["step"],
        "early_stopped": bool(progress.get("stopped")),
        "timing_s": {"states": round(t_states, 1), "training": round(time.monotonic() - t0 - t_states, 1)},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    save_delta(out, best, manifest, force=force)
    tuned = cached_encoder(f"{BASE_ENCODER}:{out}")
    n = encode_from_states(states, tuned, show_progress=show_progress)
    log.info("encoded %d training sentences with %s from the stored states", n, tuned.name)
    return manifest
