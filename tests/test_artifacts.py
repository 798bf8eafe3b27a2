"""One manifest schema for every artifact, and what loading does with versions (refuse or warn, as stated)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from lcr import __version__
from lcr.artifacts import FORMATS, MANIFEST_NAME, new_manifest, read_manifest, write_manifest
from lcr.errors import IndexMismatch, IndexMissing

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = {"lcm-lai": "lcm-lai", "ranksvm": "ranksvm-legal", "lcr-encoder-delta": "e5-legal"}


def write(folder: Path, manifest: dict) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def test_every_kind_shares_the_header(tmp_path):
    for kind in FORMATS:
        m = new_manifest(kind, {"own": 1}, components=("numpy",))
        assert list(m)[:5] == ["kind", "format_version", "lcr_version", "created", "components"]
        assert m["lcr_version"] == __version__ and m["components"]["numpy"] != "absent"
        write_manifest(tmp_path, m)
        assert read_manifest(tmp_path, kind)["own"] == 1
    with pytest.raises(ValueError, match="header"):
        new_manifest("ranksvm", {"created": "x"})


def test_another_kind_or_format_is_refused_naming_both(tmp_path):
    folder = write(tmp_path / "m", new_manifest("ranksvm", {}))
    with pytest.raises(IndexMismatch, match="holds a 'ranksvm' artifact, not 'lcm-lai'"):
        read_manifest(folder, "lcm-lai")
    write(folder, {**new_manifest("ranksvm", {}), "format_version": 2, "lcr_version": "9.0.0"})
    with pytest.raises(IndexMismatch, match="format 2 \\(written by lcr 9.0.0\\).*upgrade lcr"):
        read_manifest(folder, "ranksvm")
    with pytest.raises(IndexMissing, match="train one"):
        read_manifest(tmp_path / "absent", "lcm-lai", "train one")


def test_a_newer_lcr_in_a_readable_format_loads_with_a_warning(tmp_path, caplog):
    folder = write(tmp_path / "m", {**new_manifest("lcm-lai", {}), "lcr_version": "99.0.0"})
    with caplog.at_level(logging.WARNING, logger="lcr.artifacts"):
        assert read_manifest(folder, "lcm-lai")["lcr_version"] == "99.0.0"
    assert "written by lcr 99.0.0, newer than this lcr" in caplog.text


def test_manifests_from_before_the_schema_read_as_format_1(tmp_path):
    old_model = write(tmp_path / "a", {"kind": "ranksvm", "format_version": 1, "scikit_learn_version": "1.9.1"})
    assert read_manifest(old_model, "ranksvm")["components"] == {"scikit-learn": "1.9.1"}
    old_delta = write(tmp_path / "b", {"kind": "lcr-encoder-delta", "base": "x"})
    assert read_manifest(old_delta, "lcr-encoder-delta")["format_version"] == 1


def test_the_shipped_models_load_through_the_schema():
    for kind, name in SHIPPED.items():
        m = read_manifest(ROOT / "lcr" / "resources" / "models" / name, kind)
        assert m["format_version"] == FORMATS[kind]
