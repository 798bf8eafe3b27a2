"""The Elasticsearch the backend tests talk to: an in-process server that speaks its REST API (noida-db,
started and stopped here on loopback), or a real cluster when ``LCR_ES_URL`` is set."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from lcr.index.es_cluster import client_from_env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def unused_port() -> int:
    """A loopback port nothing listens on (for unreachable-cluster tests)."""
    return free_port()


@pytest.fixture(scope="session")
def es_url(tmp_path_factory) -> Iterator[str]:
    if os.environ.get("LCR_ES_URL"):
        yield os.environ["LCR_ES_URL"]
        return
    binary = shutil.which("noida-db") or str(Path(os.sys.executable).parent / "noida-db")
    if not Path(binary).exists():
        pytest.skip("noida-db is not installed (pip install -e '.[dev]')")
    port = free_port()
    proc = subprocess.Popen([binary, "start", "--data-dir", str(tmp_path_factory.mktemp("noida")), "--only",
                             "elasticsearch", "--elasticsearch-port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    client = client_from_env({"LCR_ES_URL": url})
    deadline = time.time() + 30
    while time.time() < deadline and not client.options(request_timeout=2).ping():
        time.sleep(0.2)
    try:
        yield url
    finally:  # the entry script starts the server binary as a child: stop the whole process group
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


