"""Sharded, resumable encoding of a corpus's sentences, in this process or on Ray.

The encoding step is the expensive part of indexing (GUIDE §2). ``encode_shards`` cuts the cases into
shards of ``shard_size`` cases and writes each as its own sentence store (``shard-00000/``, written beside
and renamed into place, so a shard folder is complete or absent). A run that dies (a worker killed, a node
lost) is resumed by running it again: finished shards are kept, only the missing ones are encoded.
``merge_shards`` turns the shards into the one :class:`~lcr.encode.sentence_store.SentenceStore` the FAISS
builder and the Elasticsearch loader consume.

With ``ray=True`` every shard is a Ray task: a local Ray (``ray.init``) or the cluster ``RAY_ADDRESS``
names. Tasks are not retried by Ray (``max_retries=0``): a failed run reports the shards it lacks, and the
next run picks them up.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lcr.encode.embedding_cache import cached_encoder
from lcr.encode.sentence_store import SentenceStore
from lcr.errors import IndexMismatch

SHARD_PREFIX = "shard-"


@dataclass(frozen=True)
class Shard:
    index: int
    case_ids: list[str]
    sentences: list[list[str]]


def plan(case_ids: Sequence[str], sentences: Sequence[list[str]], shard_size: int) -> list[Shard]:
    return [Shard(i // shard_size, list(case_ids[i:i + shard_size]), [list(s) for s in sentences[i:i + shard_size]])
            for i in range(0, len(case_ids), shard_size)]


def shard_dir(out: Path, index: int) -> Path:
    return out / f"{SHARD_PREFIX}{index:05d}"


def encode_shard(shard: Shard, encoder_spec: str, out: Path,
                 before: Callable[[int], None] | None = None) -> Path:
    """Encode one shard into ``out`` unless it is already there; ``before(index)`` runs first (a hook
    for progress reporting or fault injection)."""
    folder = shard_dir(out, shard.index)
    if folder.exists():
        return folder
    if before is not None:
        before(shard.index)
    store = SentenceStore.encode(shard.case_ids, shard.sentences, cached_encoder(encoder_spec), show_progress=False)
    tmp = folder.with_name(f"{folder.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    store.save(tmp)
    os.replace(tmp, folder)
    return folder


def encode_shards(case_ids: Sequence[str], sentences: Sequence[list[str]], encoder_spec: str, out: Path,
                  shard_size: int = 512, ray: bool = False, before: Callable[[int], None] | None = None,
                  num_cpus: int | None = None) -> list[int]:
    """Encode every shard not yet in ``out``; returns the indices of the shards this run encoded."""
    out.mkdir(parents=True, exist_ok=True)
    todo = [s for s in plan(case_ids, sentences, shard_size) if not shard_dir(out, s.index).exists()]
    if not ray:
        for s in todo:
            encode_shard(s, encoder_spec, out, before)
        return [s.index for s in todo]
    import ray as ray_module  # optional at import time: only runs on Ray need it

    if not ray_module.is_initialized():
        ray_module.init(address=os.environ.get("RAY_ADDRESS") or None, num_cpus=num_cpus,
                        include_dashboard=False, ignore_reinit_error=True, log_to_driver=False)
    task = ray_module.remote(max_retries=0)(encode_shard)
    refs = {task.remote(s, encoder_spec, out, before): s.index for s in todo}
    failed = []
    for ref, index in refs.items():
        try:
            ray_module.get(ref)
        except (ray_module.exceptions.RayError, OSError):
            failed.append(index)
    if failed:
        raise IndexMismatch(f"{len(failed)} of {len(todo)} shards failed (e.g. {failed[:5]}); run again to "
                            "encode just those")
    return [s.index for s in todo]


def merge_shards(out: Path, encoder_name: str | None = None) -> SentenceStore:
    """The shards of ``out``, in order, as one sentence store."""
    folders = sorted(p for p in out.glob(f"{SHARD_PREFIX}*") if p.is_dir() and ".tmp-" not in p.name)
    stores = [SentenceStore.load(f, encoder_name) for f in folders]
    if not stores:
        raise IndexMismatch(f"no encoded shard in {out}")
    lengths = np.concatenate([np.diff(s.offsets) for s in stores])
    return SentenceStore([c for s in stores for c in s.case_ids], [t for s in stores for t in s.sentences],
                         np.concatenate([s.emb for s in stores]), np.concatenate([[0], np.cumsum(lengths)]),
                         stores[0].encoder_name)
