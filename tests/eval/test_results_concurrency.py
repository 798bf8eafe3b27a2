"""Several evaluations recording into one catalogue at once (cv5 runs go in the background side by side)
lose no entry and never leave a half-written file."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from lcr.eval.results import ResultEntry, load_results, upsert_result

WRITERS = 6
EACH = 5


def _record(args: tuple[str, int]) -> None:
    path, writer = args
    for i in range(EACH):
        upsert_result(ResultEntry("lecard-v1", "official", "cv5", f"sys-{writer}-{i}", {"MAP": 0.5}, "r.trec.gz",
                                  "lcr eval"), Path(path))
        assert len(load_results(Path(path))) >= i + 1  # always a whole, parseable catalogue


def test_concurrent_recording_keeps_every_entry(tmp_path):
    path = tmp_path / "results.json"
    with multiprocessing.get_context("fork").Pool(WRITERS) as pool:
        pool.map(_record, [(str(path), w) for w in range(WRITERS)])
    systems = {e.system for e in load_results(path)}
    assert systems == {f"sys-{w}-{i}" for w in range(WRITERS) for i in range(EACH)}
    assert not list(tmp_path.glob(".results.json.*.tmp"))
