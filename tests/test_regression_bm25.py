"""Regression check of a published number (slow: needs ../shared/data): rebuild the BM25 index over the
full LeCaRD corpus and re-score `bm25-facts` on the official protocol; the result must match the entry
in reports/results.json and stay above the issue's floor (upstream BM25 − 0.03)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from data_tools.registry import iter_corpus
from lcr.eval import get_protocol
from lcr.eval.runner import evaluate
from lcr.experiments.evaluate import load_eval_data
from lcr.index.bundle import build_index
from lcr.index.lexical import TantivyBM25
from lcr.retrieve.lexical import BM25Ranker

ROOT = Path(__file__).resolve().parents[1]
LECARD = ROOT.parent / "shared" / "data" / "lecard"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not LECARD.exists(), reason="../shared/data/lecard absent")]


def test_bm25_facts_official_matches_the_catalogue(tmp_path):
    build_index(iter_corpus("lecard-v1", LECARD), tmp_path / "idx", ["facts"], show_progress=False)
    data, queries = load_eval_data("lecard-v1", LECARD)
    ranker = BM25Ranker(TantivyBM25(progress=False).open(tmp_path / "idx" / "lexical"), "facts")
    _, result = evaluate(ranker, queries, get_protocol("lecard-v1", "official"), data, "all", show_progress=False)
    catalogue = json.loads((ROOT / "reports" / "results.json").read_text(encoding="utf-8"))
    entry = next(e for e in catalogue if (e["dataset"], e["protocol"], e["queries"], e["system"])
                 == ("lecard-v1", "official", "all", "bm25-facts"))
    for metric in ("MAP", "NDCG@30", "P@5"):
        assert result.mean[metric] == pytest.approx(entry["metrics"][metric], abs=0.002), metric
    assert result.mean["MAP"] >= 0.454 and result.mean["NDCG@30"] >= 0.858
