"""The published runs become lcr runs: JSON score maps and TREC files, ids as strings, scores kept."""

from __future__ import annotations

import json

import pytest

from data_tools.anchors import convert, load_anchor
from lcr.errors import BadInput
from lcr.eval.trec import read_run


def test_json_and_trec_anchors_convert_to_runs(tmp_path):
    src = tmp_path / "anchors"
    src.mkdir()
    (src / "KELLER_LeCaRD_best_finetuned.json").write_text(
        json.dumps({"5156": {"38633": 0.9, "501": 0.95}, "-991": {"7": 1.5}}), encoding="utf-8")
    (src / "SAILER_LeCaRD_zeroshot.pool.trec").write_text("5156 Q0 38445 1 0.68 LHT\n5156 Q0 32377 2 0.66 LHT\n",
                                                         encoding="utf-8")
    assert load_anchor(src / "KELLER_LeCaRD_best_finetuned.json") == {"5156": {"38633": 0.9, "501": 0.95},
                                                                       "-991": {"7": 1.5}}
    written = convert(src, tmp_path / "out")
    assert [p.name for p in written] == ["anchor-keller.trec.gz", "anchor-sailer-zeroshot-pool.trec.gz"]
    assert read_run(written[0]) == {"5156": {"501": 0.95, "38633": 0.9}, "-991": {"7": 1.5}}
    assert read_run(written[1]) == {"5156": {"38445": 0.68, "32377": 0.66}}


def test_a_folder_without_anchors_is_an_error(tmp_path):
    with pytest.raises(BadInput, match="no anchor file"):
        convert(tmp_path, tmp_path / "out")
    bad = tmp_path / "BERT_LeCaRD_best_finetuned.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(BadInput, match="not a"):
        load_anchor(bad)
