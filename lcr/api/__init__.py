"""The lcr HTTP API (FastAPI): ``create_app(index)``, its ``Settings``, and ``serve(settings)``, the one
function ``lcr serve`` and ``serve.py`` run."""

from lcr.api.app import create_app
from lcr.api.server import serve
from lcr.api.settings import Settings

__all__ = ["Settings", "create_app", "serve"]
