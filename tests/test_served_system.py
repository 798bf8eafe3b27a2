"""An index's manifest names the system it serves (a :class:`SystemSpec`), and the searcher builds that
pipeline from it: ``lcr index build --system`` chooses it (checked before any work), a rebuild keeps it,
and an index whose parts cannot serve its named system is refused on open."""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from data_tools.registry import iter_corpus
from lcr.cli import app
from lcr.errors import BadInput, IndexMismatch
from lcr.index.bundle import DenseConfig, build_index, rebuild_index, served_system
from lcr.index.manifest import Manifest
from lcr.pipeline import Searcher
from lcr.pipeline.compose import FIRST_STAGE, planned_spec
from lcr.records import Query
from lcr.system_spec import SystemSpec

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data_tools" / "sample" / "lecard"
MODELS = REPO / "lcr" / "resources" / "models"
DRUNK = "被告人酒后驾驶小型轿车在道路上行驶，经检验，其血液中乙醇含量为201.1毫克／100毫升。"


@pytest.fixture(scope="module")
def shipped(tmp_path_factory) -> Path:
    """40 sample cases indexed with the shipped LCM-LAI and RankSVM, recording the default system."""
    out = tmp_path_factory.mktemp("served") / "full"
    dense = DenseConfig(MODELS / "lcm-lai", None, 12, 0.3, MODELS / "ranksvm-legal")
    build_index(itertools.islice(iter_corpus("lecard-v1", SAMPLE), 40), out, dense=dense, show_progress=False,
                system=planned_spec(dense))
    return out


def _with_system(src: Path, dst: Path, system: dict | None) -> Path:
    shutil.copytree(src, dst)
    manifest = json.loads((dst / "manifest.json").read_text(encoding="utf-8"))
    if system is None:
        manifest["config"].pop("system")
    else:
        manifest["config"]["system"] = system
    (dst / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    return dst


def test_the_manifest_names_the_served_system_and_the_searcher_serves_it(shipped, tmp_path):
    assert served_system(Manifest.load(shipped)) == SystemSpec(system="ranksvm-legal")
    full = Searcher.open(shipped)
    assert full.spec.name == "ranksvm-legal" and full.pipeline_name == "hybrid-rrf@0.25>>ranksvm-legal"
    first = Searcher.open(_with_system(shipped, tmp_path / "first", FIRST_STAGE.model_dump(exclude_defaults=True)))
    assert first.spec == FIRST_STAGE and first.pipeline_name == "hybrid-rrf@0.25"
    expected = full.stages.first_stage().rank(Query("q", DRUNK), None, 5)
    assert [h.case_id for h in first.search(DRUNK, k=5)] == [h.case_id for h in expected]
    dense = Searcher.open(_with_system(shipped, tmp_path / "dense", {"system": "lcm-lai"}))
    assert dense.pipeline_name == "lcm-lai"
    bm25 = Searcher.open(_with_system(shipped, tmp_path / "bm25", {"system": "bm25-facts"}))
    assert bm25.pipeline_name == "bm25-facts"
    # an index written before lcr recorded the system serves the richest its parts allow
    assert Searcher.open(_with_system(shipped, tmp_path / "legacy", None)).spec.name == "ranksvm-legal"


def test_an_index_naming_a_system_its_parts_cannot_serve_is_refused(shipped, tmp_path):
    for system, why in (({"system": "ranksvm-pool"}, "ranksvm-legal"),  # not the reranker it holds
                        ({"system": "hybrid-rrf", "dense_weight": 0.5}, "hybrid-rrf@0.25"),
                        ({"system": "ranksvm-legal", "charge_hint": True}, "ranksvm-legal")):
        with pytest.raises(IndexMismatch, match=f"cannot serve .*{why}"):
            Searcher.open(_with_system(shipped, tmp_path / str(len(list(tmp_path.iterdir()))), system))


def test_a_system_is_checked_against_the_parts_before_any_work():
    lexical_only = planned_spec(None)
    assert lexical_only.name == "bm25-facts"
    with pytest.raises(BadInput, match="cannot serve 'lcm-lai'; it serves bm25-facts"):
        planned_spec(None, "lcm-lai")
    dense = DenseConfig(MODELS / "lcm-lai", None, 12, 0.3, None)
    assert planned_spec(dense).name == "hybrid-rrf@0.25"
    with pytest.raises(BadInput, match="ranksvm-legal"):
        planned_spec(dense, "ranksvm-legal")  # no reranker given
    with pytest.raises(BadInput, match="not a system name|unknown system name part"):
        planned_spec(dense, "hybrid-rrf@0.25.bogus")


def test_the_cli_records_the_chosen_system_and_a_rebuild_keeps_it(tmp_path):
    runner = CliRunner()
    refused = runner.invoke(app, ["index", "build", "--data", str(SAMPLE), "--out", str(tmp_path / "x"),
                                  "--system", "ranksvm-legal"])
    assert isinstance(refused.exception, BadInput) and "it serves bm25-facts" in str(refused.exception)
    assert not (tmp_path / "x").exists()
    built = runner.invoke(app, ["index", "build", "--data", str(SAMPLE), "--out", str(tmp_path / "lex"),
                                "--system", "bm25-facts"])
    assert built.exit_code == 0, built.output
    assert "serves bm25-facts" in built.output
    assert Manifest.load(tmp_path / "lex").config["system"] == {"system": "bm25-facts"}
    cases = list(itertools.islice(iter_corpus("lecard-v1", SAMPLE), 20))
    rebuild_index(tmp_path / "lex", cases, _Counts(), "lecard-v1:sample")
    assert served_system(Manifest.load(tmp_path / "lex")) == SystemSpec(system="bm25-facts")
    info = runner.invoke(app, ["index", "info", str(tmp_path / "lex")])
    assert '"system": "bm25-facts"' in info.output


class _Counts:
    read, skipped, problems = 20, 0, []


def test_a_hit_sharing_the_predicted_charge_shows_its_four_elements(shipped):
    hit = Searcher.open(shipped).search(DRUNK, k=3)[0]
    assert "危险驾驶罪" in hit.charges and hit.explanation.reasons[0] == "同为危险驾驶罪"
    (elements,) = hit.explanation.charge_elements
    assert elements.charge == "危险驾驶罪" and "道路" in elements.objective and elements.source == "JUREX-4E"
    assert hit.to_dict()["explanation"]["charge_elements"][0]["subjective"] == "故意"
