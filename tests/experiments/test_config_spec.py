"""A config's runs are catalogued apart from the shipped config's, by seed, sentences, LCM-LAI variant and encoder."""

from __future__ import annotations

import json
from pathlib import Path

from lcr.experiments.evaluate import config_spec
from lcr.fit.lcm_lai import default_config_path
from lcr.system_spec import SystemSpec


def config_suffix(path) -> str:
    """What ``path`` adds to a system's catalogue name."""
    return config_spec(SystemSpec(system="x"), path).name.removeprefix("x")


def variant_of_shipped(tmp_path, name: str, **changes) -> object:
    cfg = json.loads(default_config_path().read_text(encoding="utf-8"))
    train = {**cfg["train"], **changes.pop("train", {})}
    path = tmp_path / name
    path.write_text(json.dumps({**cfg, **changes, "train": train}), encoding="utf-8")
    return path


def test_shipped_config_keeps_the_plain_name(tmp_path):
    assert config_suffix(None) == ""
    assert config_suffix(default_config_path()) == ""
    assert config_suffix(variant_of_shipped(tmp_path, "same.json")) == ""


def test_seed_and_variant_each_add_their_suffix(tmp_path):
    assert config_suffix(variant_of_shipped(tmp_path, "s.json", train={"seed": 14})) == ".seed14"
    weak = variant_of_shipped(tmp_path, "w.json", lcm_variant="lcm-lai-weak")
    assert config_suffix(weak) == ".lcm-lai-weak"
    both = variant_of_shipped(tmp_path, "b.json", lcm_variant="lcm-lai-weak", train={"seed": 15})
    assert config_suffix(both) == ".seed15.lcm-lai-weak"


def test_another_sentence_count_is_named_between_seed_and_variant(tmp_path):
    assert config_suffix(variant_of_shipped(tmp_path, "n.json", train={"max_sentences": 24})) == ".s24"
    all_three = variant_of_shipped(tmp_path, "a.json", lcm_variant="lcm-lai-weak",
                                   train={"seed": 14, "max_sentences": 24})
    assert config_suffix(all_three) == ".seed14.s24.lcm-lai-weak"


def test_every_shipped_config_loads_and_has_its_own_catalogue_name():
    """Two shipped configs with one suffix would overwrite each other's rows in ``reports/results.json``."""
    lab = Path(__file__).resolve().parents[2] / "experiments" / "configs"  # the lab's configs, outside the package
    shipped = [default_config_path(), *sorted(lab.glob("*.json"))]
    assert len(shipped) > 1
    suffixes = {path.name: config_suffix(path) for path in shipped}
    assert len(set(suffixes.values())) == len(suffixes), suffixes


def test_another_encoder_comes_last(tmp_path):
    int8 = variant_of_shipped(tmp_path, "e.json", encoder="e5-onnx-int8", train={"seed": 14})
    assert config_suffix(int8) == ".seed14.e5-onnx-int8"


def test_a_trained_encoder_delta_is_named_by_its_delta(tmp_path):
    legal = variant_of_shipped(tmp_path, "l.json", encoder="e5-torch:legal", train={"seed": 15})
    assert config_suffix(legal) == ".seed15.e5-legal"


def test_a_catalogue_name_must_agree_with_the_config_it_is_evaluated_under(tmp_path):
    import pytest

    from lcr.errors import BadInput
    from lcr.experiments.evaluate import _evaluated_spec

    seed14 = variant_of_shipped(tmp_path, "s.json", train={"seed": 14})
    assert _evaluated_spec(SystemSpec.parse("ranksvm-legal.seed14"), seed14).name == "ranksvm-legal.seed14"
    assert _evaluated_spec(SystemSpec.parse("ranksvm-legal"), seed14).name == "ranksvm-legal.seed14"
    with pytest.raises(BadInput, match="names seed 14, but the shipped config gives the shipped one"):
        _evaluated_spec(SystemSpec.parse("ranksvm-legal.seed14"), None)


def test_a_system_that_trains_nothing_has_no_seed(tmp_path):
    seed14 = variant_of_shipped(tmp_path, "s.json", encoder="e5-onnx-int8", train={"seed": 14})
    assert config_spec(SystemSpec(system="e5-cosine"), seed14).name == "e5-cosine.e5-onnx-int8"
    assert config_spec(SystemSpec(system="lcm-lai"), seed14).name == "lcm-lai.seed14.e5-onnx-int8"
