"""The API under concurrent load, over a real socket (loopback, bounded): no request fails."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import uvicorn

from lcr.api import create_app

QUERIES = ["被告人酒后驾驶机动车，经检测血液中乙醇含量为180mg/100ml。", "被告人秘密窃取他人财物，价值5000元。",
           "被告人持刀故意伤害他人，致被害人轻伤二级。", "被告人贩卖甲基苯丙胺10克。"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(index_dir: Path) -> Iterator[str]:
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(index_dir), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not srv.started and time.time() < deadline:
        time.sleep(0.05)
    assert srv.started, "server did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


def test_sixteen_concurrent_clients_get_no_error(server: str) -> None:
    def client(i: int) -> list[int]:
        with httpx.Client(base_url=server, timeout=30) as c:
            return [c.post("/v1/search", json={"text": QUERIES[(i + j) % len(QUERIES)], "k": 5}).status_code
                    for j in range(4)]

    with ThreadPoolExecutor(16) as pool:
        statuses = [s for batch in pool.map(client, range(16)) for s in batch]
    assert statuses == [200] * 64
