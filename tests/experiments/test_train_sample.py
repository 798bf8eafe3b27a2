"""``lcr train`` (LCM-LAI and the production RankSVM) on the bundled sample, with the instant random encoder:
it trains on the queries the data has, and says so."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from data_tools.lecard import load_lecard_v1
from data_tools.registry import iter_corpus
from lcr.cli import app
from lcr.index.bundle import build_index
from lcr.models.ranksvm import RankSVM

SAMPLE = Path(__file__).resolve().parents[2] / "data_tools" / "sample" / "lecard"


def test_train_with_reranker_on_the_sample(tmp_path, monkeypatch):
    monkeypatch.setenv("LCR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("LCR_MODELS_DIR", str(tmp_path / "models"))
    build_index(iter_corpus("lecard-v1", SAMPLE), tmp_path / "index", show_progress=False)
    config = tmp_path / "smoke.json"
    config.write_text(json.dumps({"encoder": "random:32", "cail": "", "train": {
        "lap_epochs": 1, "rank_steps": 10, "max_sentences": 6, "label_min_count": 1}}))
    result = CliRunner().invoke(app, ["train", "--config", str(config), "--index", str(tmp_path / "index"),
                                      "--data", str(SAMPLE), "--out", str(tmp_path / "lcm"),
                                      "--reranker", str(tmp_path / "ranksvm")])
    assert result.exit_code == 0, (result.output, result.exception)
    n = len(load_lecard_v1(SAMPLE).queries)
    assert f"all {n} queries" in result.output and n < 107
    assert (tmp_path / "lcm" / "manifest.json").is_file()
    assert RankSVM.load(tmp_path / "ranksvm").feature_names
