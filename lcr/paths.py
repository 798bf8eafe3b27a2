"""Where lcr reads and writes, resolved in one place and never from the working directory.

Each location is an environment variable, else a documented default:

| what | variable | default |
|---|---|---|
| home | ``LCR_HOME`` | the source checkout lcr runs from (an editable install), else ``$XDG_DATA_HOME/lcr`` (``~/.local/share/lcr``) |
| indexes | ``LCR_INDEX_DIR`` | ``<home>/indexes`` |
| trained models | ``LCR_MODELS_DIR`` | ``<indexes>/models`` |
| caches (embeddings, converted encoders, sentence stores) | ``LCR_CACHE_DIR`` | ``$XDG_CACHE_HOME/lcr`` (``~/.cache/lcr``) |
| benchmark data | ``LCR_DATA_HOME`` | ``shared/data`` beside the checkout, else ``<home>/data`` |
| reports (results catalogue, runs) | ``LCR_REPORTS_DIR`` | ``<home>/reports`` |
"""

from __future__ import annotations

import os
import tomllib
from functools import cache
from pathlib import Path


def _env(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else None


@cache
def checkout() -> Path | None:
    """The source checkout this package is imported from (its folder holds lcr's ``pyproject.toml``)."""
    root = Path(__file__).resolve().parents[1]
    try:
        meta = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    return root if meta.get("project", {}).get("name") == "lcr" else None


def home() -> Path:
    xdg = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return _env("LCR_HOME") or checkout() or xdg / "lcr"


def indexes_dir() -> Path:
    return _env("LCR_INDEX_DIR") or home() / "indexes"


def models_dir() -> Path:
    return _env("LCR_MODELS_DIR") or indexes_dir() / "models"


def cache_dir() -> Path:
    xdg = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return _env("LCR_CACHE_DIR") or xdg / "lcr"


def data_home() -> Path:
    found = _env("LCR_DATA_HOME")
    if found:
        return found
    root = checkout()
    return root.parent / "shared" / "data" if root is not None else home() / "data"


def reports_dir() -> Path:
    return _env("LCR_REPORTS_DIR") or home() / "reports"


def lecard_v1() -> Path:
    """The full LeCaRD v1 folder (``<data>/lecard``)."""
    return data_home() / "lecard"


#: The production models shipped inside the package (trained on full LeCaRD v1, see lcr/resources/README.md).
SHIPPED_MODELS = Path(__file__).resolve().parent / "resources" / "models"
SHIPPED_LCM_LAI = SHIPPED_MODELS / "lcm-lai"
SHIPPED_RERANKER = SHIPPED_MODELS / "ranksvm-legal"
