"""The published runs become lcr runs in their published order: JSON key order (ties included), the TREC
rank column; ids as strings; a listing that contradicts its scores is refused."""

from __future__ import annotations

import json

import pytest

from data_tools.anchors import ANCHOR_BY_NAME, convert, load_anchor
from data_tools.trec import read_run
from lcr.errors import BadInput
from lcr.records import ranking


def write_fixture(src):
    src.mkdir()
    # as KELLER writes them: sorted by (score, id string) descending, so "9" before "10" at equal score
    keller = {"5156": {"38633": 0.95, "9": 0.9, "10": 0.9, "501": 0.5}, "-991": {"7": 1.5}}
    (src / "KELLER_LeCaRD_best_finetuned.json").write_text(json.dumps(keller), encoding="utf-8")
    # the rank column is a rank in a longer list; it orders the tie at 0.66
    (src / "SAILER_LeCaRD_zeroshot.pool.trec").write_text(
        "5156 Q0 38445 12 0.68 LHT\n5156 Q0 32377 25 0.66 LHT\n5156 Q0 1970 38 0.66 LHT\n"
        "2403 Q0 5 3 0.1 LHT\n", encoding="utf-8")
    (src / "LICENSE.KELLER").write_text("MIT License\n", encoding="utf-8")


def test_json_anchor_keeps_the_listed_order_ties_included(tmp_path):
    write_fixture(tmp_path / "a")
    run = load_anchor(tmp_path / "a" / "KELLER_LeCaRD_best_finetuned.json")
    assert ranking(run["5156"]) == ["38633", "9", "10", "501"]  # not "10" before "9" (lcr's own tie-break)
    assert run["5156"] == {"38633": 4.0, "9": 3.0, "10": 2.0, "501": 1.0}
    assert run["-991"] == {"7": 1.0}


def test_trec_anchor_is_ordered_by_its_rank_column(tmp_path):
    write_fixture(tmp_path / "a")
    run = load_anchor(tmp_path / "a" / "SAILER_LeCaRD_zeroshot.pool.trec")
    assert ranking(run["5156"]) == ["38445", "32377", "1970"]
    assert list(run) == ["5156", "2403"]


def test_convert_writes_runs_licences_and_readme(tmp_path):
    write_fixture(tmp_path / "a")
    out = tmp_path / "out"
    written = convert(tmp_path / "a", out)
    assert [p.name for p in written] == ["anchor-keller.trec.gz", "anchor-sailer-zeroshot-pool.trec.gz"]
    assert ranking(read_run(written[0])["5156"]) == ["38633", "9", "10", "501"]
    assert (out / "LICENSE.KELLER").read_text() == "MIT License\n"
    text = (out / "README.md").read_text()
    assert "`anchor-keller`" in text and "MIT" in text and "ChenlongDeng/KELLER" in text
    assert ANCHOR_BY_NAME["anchor-sailer-zeroshot-pool"].licence == "LICENSE.SAILER"


def test_bad_anchors_are_refused(tmp_path):
    with pytest.raises(BadInput, match="no anchor file"):
        convert(tmp_path, tmp_path / "out")
    bad = tmp_path / "BERT_LeCaRD_best_finetuned.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(BadInput, match="not a"):
        load_anchor(bad)
    bad.write_text(json.dumps({"1": {"a": 0.1, "b": 0.9}}), encoding="utf-8")  # worst first
    with pytest.raises(BadInput, match="score rises"):
        load_anchor(bad)
    trec = tmp_path / "x.trec"
    trec.write_text("1 Q0 a 2 0.1 t\n1 Q0 b 1 0.2 t\n1 Q0 c 1 0.05 t\n", encoding="utf-8")
    with pytest.raises(BadInput, match="repeats a rank"):
        load_anchor(trec)
