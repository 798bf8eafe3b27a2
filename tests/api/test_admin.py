"""Index lifecycle in the service: admin routes off without a token, bearer auth, corpora confined to the
configured roots, a rebuild as a background job, and zero failed queries while it swaps in."""

from __future__ import annotations

import itertools
import json
import shutil
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from data_tools.registry import iter_corpus
from lcr.api import create_app
from lcr.index.bundle import build_index

SAMPLE = Path(__file__).resolve().parents[2] / "data_tools" / "sample" / "lecard"
TOKEN = "s3cret-admin-token-0123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture()
def live(tmp_path: Path) -> Path:
    out = tmp_path / "live"
    build_index(itertools.islice(iter_corpus("lecard-v1", SAMPLE), 60), out, ["facts"], show_progress=False)
    return out


def _wait(client: TestClient, job_id: str, timeout: float = 120) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = client.get(f"/v1/admin/jobs/{job_id}", headers=AUTH).json()
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish")


def test_admin_routes_are_off_without_a_token(live: Path) -> None:
    with TestClient(create_app(live)) as c:
        assert c.post("/v1/admin/index/rebuild", json={"corpus": str(SAMPLE)}).status_code == 404


def test_token_and_roots_are_enforced(live: Path, tmp_path: Path) -> None:
    with TestClient(create_app(live, admin_token=TOKEN, corpus_roots=[SAMPLE.parent])) as c:
        assert c.post("/v1/admin/index/rebuild", json={"corpus": str(SAMPLE)}).status_code == 401
        bad = {"Authorization": "Bearer wrong-token-wrong-token"}
        assert c.post("/v1/admin/index/rebuild", json={"corpus": str(SAMPLE)}, headers=bad).status_code == 401
        outside = c.post("/v1/admin/index/rebuild", json={"corpus": str(tmp_path)}, headers=AUTH)
        assert outside.status_code == 403 and outside.json()["error"] == "Forbidden"
        escape = c.post("/v1/admin/index/rebuild", json={"corpus": str(SAMPLE / ".." / ".." / "..")}, headers=AUTH)
        assert escape.status_code == 403


def test_rebuild_under_load_swaps_in_the_new_index_with_no_failed_query(live: Path) -> None:
    with TestClient(create_app(live, admin_token=TOKEN, corpus_roots=[SAMPLE.parent])) as c:
        before = c.get("/v1/health").json()
        assert before["counts"]["cases"] == 60
        statuses: list[int] = []
        errors: list[str] = []  # a request that raised inside the app (the thread would swallow it)
        stop = threading.Event()

        def load() -> None:
            while not stop.is_set():
                try:
                    statuses.append(c.post("/v1/search", json={"text": "被告人酒后驾驶机动车", "k": 3}).status_code)
                except Exception as exc:  # noqa: BLE001 - recorded and asserted below
                    errors.append(repr(exc))

        threads = [threading.Thread(target=load) for _ in range(4)]
        for t in threads:
            t.start()
        r = c.post("/v1/admin/index/rebuild", json={"corpus": str(SAMPLE)}, headers=AUTH)
        assert r.status_code == 202
        busy = c.post("/v1/admin/index/rebuild", json={"corpus": str(SAMPLE)}, headers=AUTH)
        job = _wait(c, r.json()["job_id"])
        time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join(timeout=30)
        assert job["status"] == "succeeded", job
        assert job["cases_read"] == 471 and busy.status_code in (202, 409)
        after = c.get("/v1/health").json()
        assert after["counts"]["cases"] == 471 and after["created"] != before["created"]
        assert not errors, errors[:3]
        assert statuses and set(statuses) == {200}


def test_a_failed_rebuild_keeps_the_old_index_serving(live: Path, tmp_path: Path) -> None:
    root = tmp_path / "corpora"
    root.mkdir()
    broken = root / "broken.jsonl"
    broken.write_text("not json\n")
    with TestClient(create_app(live, admin_token=TOKEN, corpus_roots=[root])) as c:
        before = c.get("/v1/health").json()
        r = c.post("/v1/admin/index/rebuild", json={"corpus": str(broken), "format": "jsonl"}, headers=AUTH)
        job = _wait(c, r.json()["job_id"])
        assert job["status"] == "failed" and "no case could be read" in job["error"]
        assert c.get("/v1/health").json() == before
        assert c.post("/v1/search", json={"text": "被告人盗窃", "k": 3}).status_code == 200
    assert json.loads((live / "manifest.json").read_text())["created"] == before["created"]
    assert not list(tmp_path.glob("live.*"))
    shutil.rmtree(root)
