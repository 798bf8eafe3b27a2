"""System names are read and written in one place: every catalogued name round-trips through its spec."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lcr.errors import BadInput
from lcr.eval.results import load_results
from lcr.system_spec import SystemSpec

ROOT = Path(__file__).resolve().parents[1]


def test_every_catalogued_name_is_its_specs_name():
    entries = load_results(ROOT / "reports" / "results.json")
    assert len(entries) > 100
    for e in entries:
        assert e.spec.name == e.system


def test_the_parts_are_typed_fields():
    spec = SystemSpec.parse("lcm-lai-pool.seed14.s24.e5-onnx-int8")
    assert (spec.system, spec.seed, spec.sentences, spec.encoder) == ("lcm-lai-pool", 14, 24, "e5-onnx-int8")
    assert spec.without_seed().name == "lcm-lai-pool.s24.e5-onnx-int8" and spec.is_variant
    hybrid = SystemSpec.parse("hybrid-rrf@0.25")
    assert (hybrid.system, hybrid.dense_weight, hybrid.is_variant) == ("hybrid-rrf", 0.25, False)
    hint = SystemSpec.parse("ranksvm-legal+hint.lcm-lai-weak")
    assert hint.charge_hint and hint.lcm_variant == "lcm-lai-weak" and hint.named_system == "ranksvm-legal+hint"
    es = SystemSpec.parse("bm25-facts.elasticsearch")
    assert es.backend == "elasticsearch" and not es.is_variant
    assert SystemSpec(system="ranksvm-legal", seed=15, encoder="e5-legal").name == "ranksvm-legal.seed15.e5-legal"


@pytest.mark.parametrize("name, why", [
    ("ranksvm-legal.e5-legal.seed14", "canonical order"),
    ("ranksvm-legal.seed14.seed15", "twice"),
    ("ranksvm-legal.bogus", "unknown system name part"),
    ("", "not a system name"),
])
def test_a_malformed_name_is_refused_with_the_reason(name, why):
    with pytest.raises(BadInput, match=why):
        SystemSpec.parse(name)


def test_no_other_module_parses_system_name_suffixes():
    """The suffix grammar lives in lcr/system_spec.py alone (issue 25: no suffix parsing elsewhere)."""
    pattern = re.compile(r"""["'](\+hint|\.seed|\.elasticsearch)|\\\.(seed|s)\\d|\\\.lcm-lai""")
    offenders = [f"{p.relative_to(ROOT)}:{i}" for p in sorted((ROOT / "lcr").rglob("*.py"))
                 if p.name != "system_spec.py"
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert not offenders, offenders
