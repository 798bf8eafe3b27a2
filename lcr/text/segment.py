"""Chinese word segmentation for lexical retrieval.

Two backends with the same dictionary: ``rjieba`` (Rust port of jieba, the fast path, ~15-25x
faster) and ``jieba`` (the reference). Both load the legal user dictionary
(``lcr/resources/legal_dict.txt``: charge names with and without 罪, statute names, legal terms) so
terms like 危险驾驶罪 or 如实供述 stay one token, and both drop the LeCaRD stop words. Measured on
200 LeCaRD judgments: identical segmentation of all Chinese text; 99.9% of token spans agree, the
rest being ASCII runs that rjieba keeps whole and jieba splits (``142.9mg``, ``4-3``).

State is per instance: each ``Segmenter`` owns its own dictionary (jieba's global ``jieba.dt`` and
rjieba's module-level default are never touched), built lazily on first use, never at import. The
only module-level state is the read-only resource files, cached on first read.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterable
from functools import cache
from importlib import resources
from typing import Literal

from lcr.errors import BadInput

log = logging.getLogger(__name__)

Backend = Literal["rjieba", "jieba"]
BACKENDS: tuple[str, ...] = ("rjieba", "jieba")
_NORM_CACHE_MAX = 2_000_000  # distinct raw tokens remembered per instance (the LeCaRD vocabulary is ~0.5 M)
# longer tokens are ASCII junk (HTML styles, hashes) in judgments, and index engines cap term length
MAX_TOKEN_CHARS = 40


def _resource_text(name: str) -> str:
    return resources.files("lcr").joinpath("resources", name).read_text(encoding="utf-8")


@cache
def legal_dictionary() -> tuple[tuple[str, int | None], ...]:
    """``(word, freq)`` pairs of the legal user dictionary (jieba user-dict format: ``word [freq]``)."""
    entries = []
    for line in _resource_text("legal_dict.txt").splitlines():
        parts = line.split()
        if parts:
            entries.append((parts[0], int(parts[1]) if len(parts) > 1 else None))
    return tuple(entries)


@cache
def stopwords() -> frozenset[str]:
    """The LeCaRD stop-word list (one word per line, kept verbatim in ``lcr/resources``)."""
    return frozenset(w.strip() for w in _resource_text("stopwords.txt").splitlines() if w.strip())


def _resources_digest() -> str:
    h = hashlib.sha256()
    for name in ("legal_dict.txt", "stopwords.txt"):
        h.update(_resource_text(name).encode("utf-8"))
    return h.hexdigest()[:16]


class Segmenter:
    """Segments text into normalised tokens: no whitespace/punctuation-only tokens, no stop words,
    no tokens over ``MAX_TOKEN_CHARS``, lowercased. Thread-safe; the engine is built on first use."""

    def __init__(self, backend: Backend = "rjieba", user_dict: bool = True, stopwords: bool = True) -> None:
        if backend not in BACKENDS:
            raise BadInput(f"unknown segmenter backend {backend!r}; choose one of {', '.join(BACKENDS)}")
        self.backend: Backend = backend
        self.user_dict = user_dict
        self.stopwords = stopwords
        self._cut: Callable[[str], list[str]] | None = None
        self._lock = threading.Lock()
        # raw token -> normalised token, or "" when the token is dropped; saves re-checking each token
        self._norm: dict[str, str] = {}

    def config(self) -> dict[str, object]:
        """What determines the tokens; goes into index manifests so a changed dictionary is detected."""
        return {
            "backend": self.backend,
            "user_dict": self.user_dict,
            "stopwords": self.stopwords,
            "resources": _resources_digest(),
        }

    def _engine(self) -> Callable[[str], list[str]]:
        if self._cut is None:
            with self._lock:
                if self._cut is None:
                    self._cut = self._build_engine()
        return self._cut

    def _build_engine(self) -> Callable[[str], list[str]]:
        words = legal_dictionary() if self.user_dict else ()
        if self.backend == "rjieba":
            import rjieba

            rj = rjieba.Jieba()
            for word, freq in words:
                rj.add_word(word, freq, None)
            log.debug("rjieba ready (%d user words)", len(words))
            return rj.cut
        import jieba

        tok = jieba.Tokenizer()
        tok.initialize()
        for word, freq in words:
            tok.add_word(word, freq)
        log.debug("jieba ready (%d user words)", len(words))
        return tok.lcut

    def cut(self, text: str) -> list[str]:
        """Raw segmentation (every token, punctuation and stop words included)."""
        return self._engine()(text)

    def _normalise(self, token: str) -> str:
        token = token.strip().lower()
        if len(token) > MAX_TOKEN_CHARS or not any(ch.isalnum() for ch in token):
            return ""
        if self.stopwords and token in stopwords():
            return ""
        return token

    def tokenize(self, text: str) -> list[str]:
        """Index/query tokens of ``text``."""
        norm = self._norm
        raw = self._engine()(text)
        # C-level map/filter over a cache of normalised tokens: ~3x faster than a Python loop
        tokens = list(map(norm.get, raw))
        if None in tokens:
            if len(norm) > _NORM_CACHE_MAX:
                norm.clear()
            for tok in set(raw).difference(norm):
                norm[tok] = self._normalise(tok)
            tokens = list(map(norm.__getitem__, raw))
        return list(filter(None, tokens))

    def tokenize_many(self, texts: Iterable[str]) -> list[list[str]]:
        """``tokenize`` over many texts (in this thread; see ``lcr.index.lexical`` for the parallel build)."""
        return [self.tokenize(t) for t in texts]
