"""Session fixtures shared by the slow tier: the full LeCaRD v1 data (``../shared/data/lecard``) and one
lexical index over it (three BM25 fields), built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from data_tools.registry import iter_corpus
from lcr.index.bundle import build_index

ROOT = Path(__file__).resolve().parents[1]
LECARD = ROOT.parent / "shared" / "data" / "lecard"
FIELDS = ["facts", "reasoning", "full_text"]


@pytest.fixture(scope="session")
def lecard_data() -> Path:
    if not (LECARD / "label_top30_dict.json").is_file():
        pytest.skip("../shared/data/lecard absent")
    return LECARD


@pytest.fixture(scope="session")
def lecard_index(lecard_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A BM25 + case-store index over the 9,088 LeCaRD v1 candidates (about a minute to build)."""
    out = tmp_path_factory.mktemp("lecard") / "lecard-v1"
    build_index(iter_corpus("lecard-v1", lecard_data), out, FIELDS, source=f"lecard-v1:{lecard_data}",
                show_progress=False)
    return out
