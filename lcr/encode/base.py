"""What every sentence encoder is: the protocol, the e5 roles and prefixes, and small helpers the
implementations share."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Literal, Protocol, runtime_checkable

import numpy as np
from tqdm import tqdm

from lcr.errors import BadInput

Role = Literal["query", "passage"]
ROLES: tuple[Role, ...] = ("query", "passage")

#: The prefixes multilingual-e5 was trained with; without them its vectors are noticeably worse.
E5_PREFIX: dict[str, str] = {"query": "query: ", "passage": "passage: "}


@runtime_checkable
class Encoder(Protocol):
    """Maps texts to L2-normalised float32 vectors, so a dot product is a cosine."""

    name: str
    dim: int

    def encode(
        self, texts: Sequence[str], role: Role, batch_size: int = 32, show_progress: bool = False
    ) -> np.ndarray:
        """Return a float32 array of shape ``(len(texts), dim)`` with unit-norm rows."""
        ...


def check_role(role: str) -> Role:
    """Reject a role other than ``query``/``passage`` early: a typo would silently change the prefix."""
    if role not in ROLES:
        raise BadInput(f"encoder role must be one of {ROLES}, got {role!r}")
    return role  # type: ignore[return-value]


def l2_normalise(x: np.ndarray) -> np.ndarray:
    """Row-normalise in place-safe fashion; zero rows stay zero instead of becoming NaN."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)


def batches(n: int, batch_size: int, show_progress: bool, desc: str) -> Iterator[tuple[int, int]]:
    """Yield ``[start, end)`` slices of ``range(n)``, with an optional tqdm bar counting texts."""
    if batch_size < 1:
        raise BadInput(f"batch_size must be >= 1, got {batch_size}")
    bar = tqdm(total=n, desc=desc, unit="text") if show_progress else None
    try:
        for start in range(0, n, batch_size):
            end = min(n, start + batch_size)
            yield start, end
            if bar is not None:
                bar.update(end - start)
    finally:
        if bar is not None:
            bar.close()
