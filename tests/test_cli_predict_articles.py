"""``lcr predict-articles`` works on a fresh clone: its default model is the one lcr ships."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from lcr.cli import app


def test_predict_articles_defaults_to_the_shipped_model(tmp_path, monkeypatch):
    monkeypatch.setenv("LCR_MODELS_DIR", str(tmp_path / "no-models-here"))
    result = CliRunner().invoke(app, ["predict-articles", "--json", "-k", "3",
                                      "被告人醉酒驾驶机动车，经检验其血液中乙醇含量为201.1毫克/100毫升。"])
    assert result.exit_code == 0, result.output
    preds = json.loads(result.output)
    assert len(preds) == 3 and preds[0]["probability"] >= preds[-1]["probability"]
