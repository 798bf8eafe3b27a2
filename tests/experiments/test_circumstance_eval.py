"""The circumstance extractor against the committed hand-labelled sentences (real LeCaRD text)."""

import json

from lcr.experiments.circumstance_eval import GOLD, evaluate_circumstances


def test_gold_sample_is_large_and_well_formed():
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) >= 100
    assert len({r["id"] for r in rows}) == len(rows)
    assert all(set(r) >= {"id", "text", "flags", "amount_yuan", "injury", "drug_grams", "blood_alcohol"}
               for r in rows)


def test_extractor_precision_and_recall_on_gold():
    report = evaluate_circumstances()
    micro = report["flags_micro"]
    assert micro["precision"] >= 0.8 and micro["recall"] >= 0.85, micro
    assert report["numeric"]["amount_yuan"]["recall"] >= 0.9


def test_report_counts_a_wrong_label_as_an_error(tmp_path):
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    flipped = [dict(r, flags=[] if r["flags"] else ["surrender"]) for r in rows]
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in flipped), encoding="utf-8")
    assert evaluate_circumstances(path)["flags_micro"]["f1"] < 0.3
