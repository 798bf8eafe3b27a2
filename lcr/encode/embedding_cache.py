"""On-disk embedding cache, so each (encoder, role, text) is encoded once ever.

Encoding the corpus is the slowest step of the project (hours at ~1k tokens/s on 2 cores), so the cache is
built to survive being killed: misses are encoded batch by batch and each batch is committed before the
next starts, so a rerun resumes where the last one stopped. SQLite (stdlib) in WAL mode gives atomic
commits and lets several processes share one file.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

import numpy as np

from lcr.encode.encoder import Encoder, Role, batches, check_role, load_encoder
from lcr.paths import cache_dir

log = logging.getLogger(__name__)

#: SQLite's historical limit on bound parameters per statement is 999; stay under it.
_LOOKUP_CHUNK = 900
_CHUNK_BATCHES = 16


def default_cache_path() -> Path:
    return cache_dir() / "embeddings.sqlite"


def cache_key(encoder_name: str, role: str, text: str) -> bytes:
    """sha1 over the three fields, NUL-separated so that no two different triples share a preimage."""
    return hashlib.sha1(f"{encoder_name}\x00{role}\x00{text}".encode()).digest()


class CachedEncoder:
    """Wraps an :class:`Encoder`; same name and dim, so it can stand in wherever the encoder is used.

    ``hits``/``misses`` count unique texts looked up (duplicates within a call count once).
    """

    def __init__(self, encoder: Encoder, cache_path: str | os.PathLike[str] | None = None) -> None:
        self.encoder = encoder
        self.name = encoder.name
        self.dim = encoder.dim
        self.path = Path(cache_path) if cache_path is not None else default_cache_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=60.0, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS emb (key BLOB PRIMARY KEY, vec BLOB NOT NULL) WITHOUT ROWID"
        )
        self._db.commit()

    def _lookup(self, keys: list[bytes]) -> dict[bytes, np.ndarray]:
        found: dict[bytes, np.ndarray] = {}
        nbytes = self.dim * 4
        for i in range(0, len(keys), _LOOKUP_CHUNK):
            chunk = keys[i : i + _LOOKUP_CHUNK]
            marks = ",".join("?" * len(chunk))
            with self._lock:
                rows = self._db.execute(f"SELECT key, vec FROM emb WHERE key IN ({marks})", chunk).fetchall()
            for key, vec in rows:
                if len(vec) == nbytes:  # a wrong-sized row is treated as a miss and overwritten
                    found[key] = np.frombuffer(vec, dtype=np.float32)
        return found

    def _store(self, keys: Sequence[bytes], vecs: np.ndarray) -> None:
        rows = [
            (k, np.ascontiguousarray(v, dtype=np.float32).tobytes()) for k, v in zip(keys, vecs, strict=True)
        ]
        with self._lock:
            self._db.executemany("INSERT OR REPLACE INTO emb (key, vec) VALUES (?, ?)", rows)
            self._db.commit()

    def known(self, texts: Sequence[str], role: Role) -> set[str]:
        """Those of ``texts`` whose vectors are stored."""
        by_key = {cache_key(self.name, check_role(role), t): t for t in texts}
        return {by_key[k] for k in self._lookup(list(by_key))}

    def put(self, texts: Sequence[str], role: Role, vecs: np.ndarray) -> None:
        """Store vectors computed elsewhere (e.g. alongside layer states) under this encoder's name."""
        self._store([cache_key(self.name, check_role(role), t) for t in texts], vecs)

    def encode(
        self, texts: Sequence[str], role: Role, batch_size: int = 32, show_progress: bool = False
    ) -> np.ndarray:
        role = check_role(role)
        keys = [cache_key(self.name, role, t) for t in texts]
        unique: dict[bytes, str] = dict(zip(keys, texts, strict=True))
        found = self._lookup(list(unique))
        todo = [k for k in unique if k not in found]
        self.hits += len(found)
        self.misses += len(todo)
        if todo:
            log.info("embedding cache: %d hits, %d misses (%s, %s)", len(found), len(todo), self.name, role)
        # Hand the encoder chunks of many batches so it can sort them by length and pad little;
        # each chunk is committed before the next starts.
        for start, end in batches(len(todo), batch_size * _CHUNK_BATCHES, show_progress, desc="encode"):
            batch_keys = todo[start:end]
            vecs = self.encoder.encode([unique[k] for k in batch_keys], role, batch_size=batch_size)
            self._store(batch_keys, vecs)
            found.update(zip(batch_keys, vecs, strict=True))
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, k in enumerate(keys):
            out[i] = found[k]
        return out

    def __len__(self) -> int:
        """Vectors stored in the file, for every encoder and role that shares it."""
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM emb").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> CachedEncoder:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def cached_encoder(spec: str) -> CachedEncoder:
    """The encoder a config names (e.g. ``"e5-onnx-int8"``), behind the shared on-disk cache; one per
    (spec, cache file) in a process, since loading an encoder costs seconds and memory."""
    return _cached_encoder(spec, default_cache_path())


@functools.cache
def _cached_encoder(spec: str, path: Path) -> CachedEncoder:
    return CachedEncoder(load_encoder(spec), path)
