"""The first build exports the ONNX model quietly: the exporter's tracer and deprecation warnings and ORT's
quantisation advice are for model authors, not for someone building an index."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import pytest
from transformers import BertConfig, BertModel

from lcr.encode.fast_e5 import onnx_path


def test_export_and_quantise_print_no_warnings(tmp_path: Path, caplog: pytest.LogCaptureFixture,
                                               capfd: pytest.CaptureFixture[str]) -> None:
    tiny = BertConfig(vocab_size=64, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                      intermediate_size=32, max_position_embeddings=32)
    BertModel(tiny, add_pooling_layer=False).save_pretrained(tmp_path)
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING):
        warnings.simplefilter("always")
        out = onnx_path(tmp_path, "e5-onnx-int8")
    assert out.is_file() and out.stat().st_size > 0
    assert [str(w.message)[:120] for w in caught] == []
    assert [r.getMessage()[:120] for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert "Warning" not in capfd.readouterr().err
