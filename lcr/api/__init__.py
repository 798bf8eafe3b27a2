"""The lcr HTTP API (FastAPI): ``create_app(index)``, its ``Settings``, and ``serve(settings)``, the one
function ``lcr serve`` and ``serve.py`` run.

Names are imported on first use, so reading the settings (and refusing bad ones) does not load the
search pipeline and torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lcr.api.app import create_app
    from lcr.api.server import serve
    from lcr.api.settings import Settings

__all__ = ["Settings", "create_app", "serve"]

_HOMES = {"create_app": "lcr.api.app", "serve": "lcr.api.server", "Settings": "lcr.api.settings"}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(_HOMES[name]), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
