"""Server settings, read from the environment (``LCR_INDEX``, ``LCR_HOST``, ``LCR_PORT``,
``LCR_ALLOW_PUBLIC``) when asked for, never at import time.

The default bind is loopback: the API has no authentication, so listening on every interface is
refused unless ``LCR_ALLOW_PUBLIC=1`` says that is intended.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from lcr.errors import BadInput

DEFAULT_INDEX = "indexes/sample"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
PUBLIC_HOSTS = frozenset({"0.0.0.0", "::", "[::]", ""})
_TRUE = frozenset({"1", "true", "yes", "on"})


@dataclass(frozen=True)
class Settings:
    index: str = DEFAULT_INDEX
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    allow_public: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.port <= 65535:
            raise BadInput(f"port must be in 1..65535, got {self.port}")
        if self.host.strip() in PUBLIC_HOSTS and not self.allow_public:
            raise BadInput(
                f"refusing to listen on every interface ({self.host!r}): the API has no authentication; "
                "set LCR_ALLOW_PUBLIC=1 if that is intended"
            )

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str] | None = None,
        *,
        index: str | None = None,
        host: str | None = None,
        port: int | None = None,
    ) -> Settings:
        """Settings from ``env`` (default ``os.environ``); keyword arguments that are not ``None`` win."""
        env = os.environ if env is None else env
        raw_port = env.get("LCR_PORT", str(DEFAULT_PORT))
        if port is None:
            try:
                port = int(raw_port)
            except ValueError:
                raise BadInput(f"LCR_PORT must be an integer, got {raw_port!r}") from None
        return cls(
            index=index if index is not None else env.get("LCR_INDEX", DEFAULT_INDEX),
            host=host if host is not None else env.get("LCR_HOST", DEFAULT_HOST),
            port=port,
            allow_public=env.get("LCR_ALLOW_PUBLIC", "").strip().lower() in _TRUE,
        )
