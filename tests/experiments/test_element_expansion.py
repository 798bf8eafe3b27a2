"""The element-expansion ablation: a query gets the four elements of its BM25 neighbours' charge appended,
chosen from the corpus's judgments without the query's near-duplicates, never from its own labels."""

from __future__ import annotations

from pathlib import Path

import pytest

from data_tools.registry import iter_corpus
from lcr.experiments.element_expansion import ElementExpandedBM25
from lcr.index.bundle import IndexBundle, build_index
from lcr.records import Query

SAMPLE = Path(__file__).resolve().parents[2] / "data_tools" / "sample" / "lecard"
DRUNK = "被告人酒后驾驶小型轿车在道路上行驶，经检验，其血液中乙醇含量为201.1毫克／100毫升。"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("expand") / "index"
    build_index(iter_corpus("lecard-v1", SAMPLE), out, ["facts"], show_progress=False)
    bundle = IndexBundle.open(out)
    charges = {c: ch for c, (ch, _) in bundle.store.legal_many(bundle.store.ids()).items()}
    return bundle, charges


def test_a_query_is_expanded_with_its_neighbours_charge_elements(sample):
    bundle, charges = sample
    ranker = ElementExpandedBM25(bundle.lexical, charges)
    query = Query("q", DRUNK, charges=["盗窃罪"])  # labels are never read: the expansion follows the facts
    extra = ranker.expansion(query)
    assert extra.startswith("危险驾驶罪。") and "道路" in extra
    hits = ranker.rank(query, None, 5)
    assert len(hits) == 5 and "危险驾驶罪" in charges[hits[0].case_id]


def test_the_querys_near_duplicates_do_not_choose_its_expansion(sample):
    bundle, charges = sample
    plain = ElementExpandedBM25(bundle.lexical, charges)
    drunk_cases = {c for c, ch in charges.items() if "危险驾驶罪" in ch}
    without = ElementExpandedBM25(bundle.lexical, charges, leaked={"q": drunk_cases})
    assert plain.expansion(Query("q", DRUNK)).startswith("危险驾驶罪")
    assert not without.expansion(Query("q", DRUNK)).startswith("危险驾驶罪")
    assert without.expansion(Query("other", DRUNK)).startswith("危险驾驶罪")  # only that query's duplicates

