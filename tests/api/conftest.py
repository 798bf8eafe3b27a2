"""Fixtures for the API tests: one index over the bundled LeCaRD sample, built once per session, and a
client of an app serving it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from data_tools.registry import iter_corpus
from lcr.api import create_app
from lcr.index.bundle import build_index

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "data_tools" / "sample" / "lecard"


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("api") / "sample-index"
    build_index(iter_corpus("lecard-v1", SAMPLE), out, source=f"lecard-v1:{SAMPLE}", show_progress=False)
    return out


@pytest.fixture(scope="session")
def client(index_dir: Path) -> Iterator[TestClient]:
    with TestClient(create_app(index_dir)) as c:
        yield c
