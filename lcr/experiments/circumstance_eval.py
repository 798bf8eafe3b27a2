"""Precision and recall of the circumstance extractor on the hand-labelled LeCaRD sentences.

The gold sample (``data_tools/resources/circumstances_gold.jsonl``, described beside it in
``circumstances_gold.md``) was labelled by reading each sentence, blind to the extractor. Flags are
scored sentence by sentence (:func:`~lcr.text.circumstances.sentence_flags`), micro-averaged and per
flag; each numeric field counts as correct when the extracted value equals the labelled one (1e-6
relative), a value where the gold has none being a false positive.
"""

from __future__ import annotations

import json
from pathlib import Path

import data_tools
from lcr.text.circumstances import FLAGS, extract_circumstances, sentence_flags

GOLD = Path(data_tools.__file__).parent / "resources" / "circumstances_gold.jsonl"
NUMERIC = ("amount_yuan", "injury", "drug_grams", "blood_alcohol")


def _prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r) if p + r else 0.0, 4),
            "tp": tp, "fp": fp, "fn": fn}


def _same(a: float | str, b: float | str) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return abs(a - b) <= 1e-6 * max(1.0, abs(b))


def evaluate_circumstances(path: Path = GOLD) -> dict:
    gold = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    counts = {f: [0, 0, 0] for f in FLAGS}
    for g in gold:
        pred, truth = sentence_flags(g["text"]), set(g["flags"])
        for f in FLAGS:
            if f in pred or f in truth:  # [tp, fp, fn]
                counts[f][0 if f in pred and f in truth else 1 if f in pred else 2] += 1
    total = [sum(c[i] for c in counts.values()) for i in range(3)]
    numeric = {}
    for name in NUMERIC:
        tp = fp = fn = 0
        for g in gold:
            value, truth = getattr(extract_circumstances(g["text"]), name), g[name]
            if truth is None:
                fp += value is not None
            elif value is not None and _same(value, truth):
                tp += 1
            else:
                fn += 1
                fp += value is not None
        numeric[name] = _prf(tp, fp, fn)
    root = Path(data_tools.__file__).parent.parent
    return {"gold": str(path.relative_to(root) if path.is_relative_to(root) else path), "sentences": len(gold),
            "flags_micro": _prf(*total), "flags": {f: _prf(*c) for f, c in counts.items()}, "numeric": numeric}
