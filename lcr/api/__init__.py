"""The lcr HTTP API (FastAPI): ``create_app(index)`` and its settings."""

from lcr.api.app import create_app
from lcr.api.settings import Settings

__all__ = ["Settings", "create_app"]
