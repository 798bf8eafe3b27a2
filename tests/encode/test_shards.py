"""Sharded encoding: resumable locally and on Ray; a worker killed mid-encode costs only its shard."""

from __future__ import annotations

import os

import numpy as np
import pytest

from lcr.encode.shards import encode_shards, merge_shards, shard_dir
from lcr.errors import IndexMismatch

IDS = [f"c{i}" for i in range(40)]
SENTS = [[f"被告人第{i}号案件的第{j}句事实。" for j in range(1 + i % 3)] for i in range(40)]


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LCR_CACHE_DIR", str(tmp_path / "cache"))


def test_local_run_resumes_and_merges_in_order(tmp_path):
    out = tmp_path / "shards"
    assert encode_shards(IDS, SENTS, "random:16", out, shard_size=8) == [0, 1, 2, 3, 4]
    (shard_dir(out, 3) / "sentences.npz").unlink()
    shard_dir(out, 3).rename(tmp_path / "gone")
    assert encode_shards(IDS, SENTS, "random:16", out, shard_size=8) == [3]
    merged = merge_shards(out)
    assert merged.case_ids == IDS and merged.sentences == SENTS
    assert merged.emb.shape == (sum(len(s) for s in SENTS), 16)
    np.testing.assert_array_equal(np.diff(merged.offsets), [len(s) for s in SENTS])


def _die_on_shard_2(index: int) -> None:
    if index == 2:
        os._exit(1)  # the worker process dies mid-run, as a killed Ray worker does


def test_killed_ray_worker_costs_only_its_shard(tmp_path):
    ray = pytest.importorskip("ray")
    out = tmp_path / "shards"
    try:
        with pytest.raises(IndexMismatch, match="run again"):
            encode_shards(IDS, SENTS, "random:16", out, shard_size=8, ray=True, before=_die_on_shard_2, num_cpus=1)
        finished = {p.name: p.stat().st_mtime_ns for p in out.glob("shard-*")}
        assert sorted(finished) == ["shard-00000", "shard-00001", "shard-00003", "shard-00004"]
        assert encode_shards(IDS, SENTS, "random:16", out, shard_size=8, ray=True, num_cpus=1) == [2]
        assert {p: m for p, m in finished.items()} == {
            p.name: p.stat().st_mtime_ns for p in out.glob("shard-*") if p.name != "shard-00002"}
    finally:
        ray.shutdown()
    assert merge_shards(out).case_ids == IDS
