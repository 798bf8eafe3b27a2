"""Artifact folders are written atomically: complete, or the old one stays."""

from __future__ import annotations

from pathlib import Path

import pytest

from lcr.atomic import staged_folder


def test_a_completed_write_replaces_the_folder(tmp_path: Path) -> None:
    target = tmp_path / "model"
    target.mkdir()
    (target / "old.json").write_text("old", encoding="utf-8")
    with staged_folder(target) as out:
        (out / "new.json").write_text("new", encoding="utf-8")
        assert (target / "old.json").is_file()  # readers still see the old folder while it is written
    assert [p.name for p in target.iterdir()] == ["new.json"]
    assert [p.name for p in tmp_path.iterdir()] == ["model"]  # no staging or old folder left


def test_a_failed_write_keeps_the_old_folder(tmp_path: Path) -> None:
    target = tmp_path / "model"
    target.mkdir()
    (target / "weights").write_text("trained", encoding="utf-8")
    with pytest.raises(RuntimeError), staged_folder(target) as out:
        (out / "weights").write_text("half", encoding="utf-8")
        raise RuntimeError("killed mid-save")
    assert (target / "weights").read_text(encoding="utf-8") == "trained"
    assert [p.name for p in tmp_path.iterdir()] == ["model"]
