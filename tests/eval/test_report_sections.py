"""Seed, charge-hint and short-query sections of the report."""

import pytest

from lcr.eval.report import headline_markdown
from lcr.eval.report_sections import seed_stats, seeds_markdown, variants_markdown
from lcr.eval.results import ResultEntry
from lcr.system_spec import SystemSpec


def entry(system, maps, protocol="official", queries="cv5"):
    return ResultEntry("lecard-v1", protocol, queries, system, {"MAP": maps, "NDCG@30": 0.9}, "run", "cmd")


def test_seed_variants_are_grouped_and_summarised():
    rows = [entry("ranksvm-legal", 0.60), entry("ranksvm-legal.seed14", 0.58), entry("ranksvm-legal.seed15", 0.62)]
    assert SystemSpec.parse("ranksvm-legal.seed14").without_seed().name == "ranksvm-legal"
    mean, spread = seed_stats(rows, "MAP")
    assert mean == pytest.approx(0.60) and spread == pytest.approx(0.02)
    text = "\n".join(seeds_markdown(rows))
    assert "| ranksvm-legal | `official` | cv5 | 3 | 0.600 ± 0.020" in text


def test_variants_never_enter_the_fact_only_headline():
    rows = [entry("ranksvm-legal", 0.60), entry("ranksvm-legal+hint", 0.70), entry("ranksvm-legal.seed14", 0.65),
            entry("ranksvm-legal", 0.55, queries="cv5-short")]
    assert rows[1].spec.is_variant and rows[2].spec.is_variant
    table = headline_markdown(rows)
    assert "+hint" not in table.split("over 2 seeds")[0] and "0.700" not in table
    assert "over 2 seeds" in table


def test_another_lcm_variant_under_the_pipeline_is_an_ablation_with_its_own_seeds():
    rows = [entry("ranksvm-legal", 0.60), entry("ranksvm-legal.lcm-lai-weak", 0.66),
            entry("ranksvm-legal.seed14.lcm-lai-weak", 0.64), entry("lcm-lai-weak", 0.52)]
    assert SystemSpec.parse("ranksvm-legal.seed14.lcm-lai-weak").without_seed().name == "ranksvm-legal.lcm-lai-weak"
    assert rows[1].spec.is_variant and not rows[3].spec.is_variant
    assert "0.660" not in headline_markdown(rows)
    assert "| ranksvm-legal.lcm-lai-weak | `official` | cv5 | 2 | 0.650 ± 0.010" in "\n".join(seeds_markdown(rows))


def test_hint_and_short_rows_sit_beside_the_plain_system():
    rows = [entry("ranksvm-legal", 0.60), entry("ranksvm-legal+hint", 0.70),
            entry("ranksvm-legal", 0.55, queries="cv5-short"), entry("ranksvm-legal+hint", 0.72, protocol="hard"),
            entry("bm25-facts", 0.50, queries="all-short")]
    text = "\n".join(variants_markdown(rows))
    assert "| `official` | cv5 | ranksvm-legal+hint | 0.700 | 0.900 | 0.600 | 0.900 |" in text
    assert "| `official` | ranksvm-legal | cv5-short | 0.550 | 0.900 |  | 0.600 | 0.900 |  |" in text


def test_query_side_section_marks_the_product_and_states_the_pseudo_query_selection():
    from lcr.eval.report_sections import query_lap_markdown

    row = {"queries": 106, "top1_charge_accuracy": 0.5, "charge_set_f1": 0.4, "article_set_f1": 0.45}
    lap = {"query_side": {"bm25-knn": {"all": row, "common": row, "controversial": row},
                          "combined": {"all": {**row, "top1_charge_accuracy": 0.6}, "common": row,
                                       "controversial": row}},
           "query_side_product": "combined",
           "pseudo_query_side": {"pseudo_queries": 397, "chars": 1500, "top1_single": {"bm25-knn": 0.75},
                                 "top1_equal": 0.75, "selected": {"bm25-knn": 1.0}, "top1_selected": 0.76}}
    text = "\n".join(query_lap_markdown(lap))
    assert "| **combined** | 0.600 (106) |" in text and "| bm25-knn | 0.500 (106) |" in text
    assert "397 held-out judgments" in text and "selected (bm25-knn 1) 0.760" in text
    assert query_lap_markdown({}) == []


def test_a_sentence_count_variant_is_kept_out_of_the_headline_and_grouped_over_seeds():
    rows = [entry("lcm-lai-pool", 0.51), entry("lcm-lai-pool.s24", 0.52), entry("lcm-lai-pool.seed14.s24", 0.54)]
    assert SystemSpec.parse("lcm-lai-pool.seed14.s24").without_seed().name == "lcm-lai-pool.s24"
    assert not rows[0].spec.is_variant and rows[1].spec.is_variant
    assert "| lcm-lai-pool.s24 | `official` | cv5 | 2 | 0.530 ± 0.010" in "\n".join(seeds_markdown(rows))


def test_another_encoder_is_an_ablation_kept_out_of_the_headline():
    rows = [entry("ranksvm-legal", 0.60), entry("ranksvm-legal.e5-onnx-int8", 0.66),
            entry("ranksvm-legal.seed14.e5-onnx-int8", 0.64)]
    assert rows[1].spec.is_variant and rows[2].spec.is_variant
    assert "0.660" not in headline_markdown(rows) and "0.640" not in headline_markdown(rows)
    assert SystemSpec.parse("ranksvm-legal.seed14.e5-onnx-int8").without_seed().name == "ranksvm-legal.e5-onnx-int8"


def test_paired_tests_tell_a_shift_from_noise():
    import numpy as np

    from lcr.eval.report_sections import paired_p_values

    rng = np.random.default_rng(0)
    shifted = paired_p_values(rng.normal(0.08, 0.2, 105))
    noise = paired_p_values(rng.normal(0.0, 0.2, 105))
    assert max(shifted) < 0.01 and min(noise) > 0.05
    assert paired_p_values(np.zeros(10)) == (1.0, 1.0)
    assert paired_p_values(np.full(30, 0.01)) == paired_p_values(np.full(30, 0.01))  # fixed seed
