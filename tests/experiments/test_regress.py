"""The regression catalogue (``lcr regress``): entry defaults, command parsing, status classification,
selection, and an end-to-end regression of a tiny catalogue built on the bundled sample."""

from __future__ import annotations

import gzip
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from data_tools.registry import iter_corpus
from lcr.cli import app
from lcr.eval import get_protocol
from lcr.eval.results import (
    ResultEntry,
    annotate_results,
    load_results,
    regression_defaults,
    system_kind,
    upsert_result,
    write_results,
)
from lcr.experiments.evaluate import evaluate_system
from lcr.experiments.regress import (
    Check,
    EvalArgs,
    classify,
    compare,
    format_check,
    parse_command,
    regress,
    select,
    summary,
)
from lcr.index.bundle import build_index
from lcr.paths import home, lecard_v1

SAMPLE = Path(__file__).resolve().parents[2] / "data_tools" / "sample" / "lecard"


def _entry(system="bm25-facts", protocol="official", queries="all", command="", metrics=None, **kw) -> ResultEntry:
    return ResultEntry("lecard-v1", protocol, queries, system, metrics or {"MAP": 0.5}, "r.trec.gz", command, **kw)


# --- catalogue fields -------------------------------------------------------------------------------

def test_defaults_by_kind():
    assert system_kind("bm25-reasoning") == "bm25"
    assert system_kind("ranksvm-pool") == "learned"
    assert system_kind("feature:bm25_facts") == "learned"
    assert system_kind("mine", "lcr eval --system x/mine.trec.gz,bm25-facts") == "runs"
    assert system_kind("mine", "lcr eval --system bm25-facts") == "learned"
    assert regression_defaults("bm25-facts") == (0.0005, ["index:lecard-v1", "data:lecard"])
    assert regression_defaults("lcm-lai", command="lcr eval --index other --system lcm-lai") == (
        0.002, ["index:other", "data:lecard", "encoder-cache", "training"])
    assert regression_defaults("mine", command="lcr eval --system runs/mine.trec") == (
        0.0005, ["run:runs/mine.trec", "data:lecard"])
    assert regression_defaults("bm25-facts", "lecardv2")[1] == ["index:lecard-v1", "data:lecardv2"]


def test_old_entries_load_and_every_written_entry_states_tolerance_and_needs(tmp_path):
    path = tmp_path / "results.json"
    old = {"dataset": "lecard-v1", "protocol": "official", "queries": "all", "system": "hybrid-rrf",
           "metrics": {"MAP": 0.5}, "run": "r.trec.gz", "command": "lcr eval --system hybrid-rrf"}
    path.write_text(json.dumps([old]), encoding="utf-8")
    (entry,) = load_results(path)
    assert entry.tolerance == 0.002 and entry.needs == ["index:lecard-v1", "data:lecard", "encoder-cache",
                                                        "training"]
    upsert_result(_entry(metrics={"MAP": 0.123456}), path)
    rows = json.loads(path.read_text(encoding="utf-8"))
    assert [r["system"] for r in rows] == ["bm25-facts", "hybrid-rrf"]
    assert all("tolerance" in r and "needs" in r for r in rows)
    assert rows[0]["metrics"] == {"MAP": 0.1235} and "notes" not in rows[0] and "extra" not in rows[0]
    assert '"needs": ["index:lecard-v1", "data:lecard"]' in path.read_text(encoding="utf-8")  # one line


def test_upsert_keeps_a_hand_set_tolerance_but_not_a_default_one(tmp_path):
    path = tmp_path / "results.json"
    write_results([_entry(tolerance=0.01), _entry("bm25-reasoning")], path)
    upsert_result(_entry(metrics={"MAP": 0.6}), path)
    upsert_result(_entry("bm25-reasoning", command="lcr eval --index other --system bm25-reasoning"), path)
    by_system = {e.system: e for e in load_results(path)}
    assert by_system["bm25-facts"].tolerance == 0.01 and by_system["bm25-facts"].metrics == {"MAP": 0.6}
    assert by_system["bm25-reasoning"].needs == ["index:other", "data:lecard"]
    upsert_result(_entry(tolerance=0.001), path)
    assert {e.system: e for e in load_results(path)}["bm25-facts"].tolerance == 0.001


def test_annotate_writes_the_defaults_and_changes_no_number(tmp_path):
    path = tmp_path / "results.json"
    rows = [{"dataset": "lecard-v1", "protocol": "official", "queries": "all", "system": "bm25-facts",
             "metrics": {"MAP": 0.4947, "P@5": 0.1}, "run": "r", "command": "c"}]
    path.write_text(json.dumps(rows), encoding="utf-8")
    assert annotate_results(path) == 1
    (row,) = json.loads(path.read_text(encoding="utf-8"))
    assert row == {**rows[0], "tolerance": 0.0005, "needs": ["index:lecard-v1", "data:lecard"]}


# --- command parsing, classification, selection -----------------------------------------------------

def test_parse_command_reads_the_recorded_options():
    cmd = ("lcr eval --index lecard-v1 --data ../shared/data/lecard --system bm25-facts,bm25-reasoning "
           "--protocol official,hard --queries all --depth=500 --config 'my cfg.json' --record")
    args = parse_command(_entry(command=cmd))
    assert args == EvalArgs("lecard-v1", (home() / "../shared/data/lecard"), 500, home() / "my cfg.json",
                            "lecard-v1", "bm25-facts")


def test_parse_command_defaults_and_paths():
    assert parse_command(_entry(command="lcr eval --system lcm-lai --queries cv5 --record")) == EvalArgs(
        "lecard-v1", lecard_v1(), 1000, None, "lecard-v1", "bm25-facts")
    assert parse_command(_entry(command="")) == EvalArgs(system="bm25-facts")
    args = parse_command(_entry(command="lcr eval --index indexes/x --data /abs/lecard --dataset lecardv2"))
    assert args.index == str(home() / "indexes/x") and args.data == Path("/abs/lecard")
    assert args.dataset == "lecardv2"
    run = parse_command(_entry("mine", command="lcr eval --system runs/mine.trec.gz,bm25-facts"))
    assert run.system == str(home() / "runs/mine.trec.gz")


def test_classify():
    assert classify(0.4947, 0.49474, 0.0005) == "OK"  # equal at the catalogue's 4 decimals
    assert classify(0.4947, 0.4951, 0.0005) == "within tolerance"
    assert classify(0.4947, 0.4952, 0.0005) == "within tolerance"  # |diff| == tolerance
    assert classify(0.4947, 0.4953, 0.0005) == "FAIL"
    assert classify(0.4947, 0.4927, 0.002) == "within tolerance"
    assert classify(0.4947, 0.4926, 0.002) == "FAIL"


def test_compare_fails_a_metric_only_one_side_has():
    checks = {m.name: m for m in compare({"MAP": 0.5, "P@5": 0.2}, {"MAP": 0.5003, "NDCG@10": 0.7}, 0.0005)}
    assert checks["MAP"].status == "within tolerance" and checks["MAP"].diff == pytest.approx(0.0003)
    assert checks["P@5"].status == "FAIL" and checks["P@5"].diff is None
    assert checks["NDCG@10"].status == "FAIL" and checks["NDCG@10"].expected is None


def test_select():
    entries = [_entry("bm25-facts"), _entry("bm25-reasoning", "hard"), _entry("lcm-lai", queries="cv5"),
               _entry("hybrid-rrf@0.5"), _entry("mine", command="lcr eval --system mine.trec")]

    def names(chosen: list[ResultEntry]) -> list[str]:
        return [e.system for e in chosen]

    assert names(select(entries)) == names(entries)
    assert names(select(entries, "bm25")) == ["bm25-facts", "bm25-reasoning"]
    assert names(select(entries, "runs")) == ["mine"]
    assert names(select(entries, "learned")) == ["lcm-lai", "hybrid-rrf@0.5"]
    assert names(select(entries, "hybrid-*,lcm-*")) == ["lcm-lai", "hybrid-rrf@0.5"]
    assert names(select(entries, "bm25", protocols=["hard"])) == ["bm25-reasoning"]
    assert names(select(entries, queries=["cv5"])) == ["lcm-lai"]
    assert names(select(entries, "nothing*")) == []


# --- end to end on the sample -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    """A catalogue of bm25-facts (official, hard) and a run-file system, recorded on the sample."""
    tmp = tmp_path_factory.mktemp("regress")
    mp = pytest.MonkeyPatch()
    mp.setenv("LCR_REPORTS_DIR", str(tmp / "reports"))
    index = tmp / "idx"
    build_index(iter_corpus("lecard-v1", SAMPLE), index, ["facts"], show_progress=False)
    results = tmp / "results.json"
    for prot in ("official", "hard"):
        cmd = f"lcr eval --index {index} --data {SAMPLE} --system bm25-facts --protocol {prot} --record"
        evaluate_system("bm25-facts", str(index), "lecard-v1", SAMPLE, get_protocol("lecard-v1", prot), "all",
                        record=True, command=cmd, results_path=results)
    run = tmp / "mine.trec.gz"
    shutil.copy(tmp / "reports" / "runs" / "lecard-v1" / "official" / "bm25-facts.all.trec.gz", run)
    evaluate_system(str(run), str(index), "lecard-v1", SAMPLE, get_protocol("lecard-v1", "official"), "all",
                    record=True, command=f"lcr eval --data {SAMPLE} --system {run} --record", results_path=results)
    yield tmp, results
    mp.undo()


def test_a_fresh_catalogue_regresses_ok(catalogue):
    _, results = catalogue
    entries = load_results(results)
    assert [(e.protocol, e.system, e.tolerance) for e in entries] == [
        ("hard", "bm25-facts", 0.0005), ("official", "bm25-facts", 0.0005), ("official", "mine", 0.0005)]
    assert entries[2].needs[0].startswith("run:") and system_kind("mine", entries[2].command) == "runs"
    checks = list(regress(entries))
    assert [(c.check, c.status) for c in checks] == [("rescore", "OK"), ("rerun", "OK")] * 3, [
        format_check(c) for c in checks]
    assert all(c.metrics and not c.differences() for c in checks)
    assert summary(checks) == "6 checks: 6 OK, 0 within tolerance, 0 FAIL, 0 skipped"
    assert [c.check for c in regress(entries, rescore_only=True)] == ["rescore"] * 3


def test_a_tampered_metric_fails_and_a_small_drift_is_within_tolerance(catalogue):
    _, results = catalogue
    entry = select(load_results(results), "bm25", ["official"])[0]
    entry.metrics["MAP"] += 0.01
    entry.metrics["P@5"] += 0.0003
    checks = list(regress([entry]))
    assert [c.status for c in checks] == ["FAIL", "FAIL"]
    diffs = {m.name: m for m in checks[1].differences()}
    assert set(diffs) == {"MAP", "P@5"}
    assert diffs["MAP"].status == "FAIL" and diffs["MAP"].diff == pytest.approx(-0.01, abs=1e-4)
    assert diffs["P@5"].status == "within tolerance"
    line = format_check(checks[1])
    assert line.startswith("FAIL") and "MAP -0.0100" in line and "P@5 -0.0003" in line
    entry.metrics["MAP"] -= 0.01
    assert [c.status for c in regress([entry])] == ["within tolerance"] * 2


def test_missing_needs_skip_and_a_missing_run_file_fails(catalogue, tmp_path):
    _, results = catalogue
    entry = select(load_results(results), "bm25", ["hard"])[0]
    checks = list(regress([entry], index=str(tmp_path / "no-index")))
    assert [c.status for c in checks] == ["OK", "SKIP"] and "no index" in checks[1].reason
    assert [c.status for c in regress([entry], data=tmp_path / "no-data")] == ["SKIP", "SKIP"]
    entry.run = str(tmp_path / "gone.trec.gz")
    (rescored,) = regress([entry], rescore_only=True)
    assert rescored.status == "FAIL" and "missing" in rescored.reason


def test_a_stale_run_file_fails_its_rescore(catalogue, tmp_path):
    tmp, results = catalogue
    entry = select(load_results(results), "bm25", ["official"])[0]
    stale = tmp_path / "stale.trec"
    recorded = tmp / "reports" / "runs" / "lecard-v1" / "official" / "bm25-facts.all.trec.gz"
    with gzip.open(recorded, "rt", encoding="utf-8") as f:
        rows = [r.split() for r in f]
    # reverse every query's ranking: the numbers no longer match the run
    stale.write_text("".join(f"{q} Q0 {d} {r} {-float(s)!r} t\n" for q, _, d, r, s, _ in rows), encoding="utf-8")
    entry.run = str(stale)
    rescored, rerun = regress([entry])
    assert rescored.status == "FAIL" and rerun.status == "OK"


def test_cli_exit_codes(catalogue, tmp_path):
    _, results = catalogue
    runner = CliRunner()
    ok = runner.invoke(app, ["regress", "--results", str(results), "--only", "bm25"])
    assert ok.exit_code == 0, ok.output
    assert "4 checks: 4 OK, 0 within tolerance, 0 FAIL, 0 skipped" in ok.output
    assert [line.split()[:2] for line in ok.stdout.splitlines()][:4] == [["OK", "rescore"], ["OK", "rerun"]] * 2
    bad = tmp_path / "results.json"
    entries = load_results(results)
    entries[0].metrics["MAP"] += 0.1
    write_results(entries, bad)
    failed = runner.invoke(app, ["regress", "--results", str(bad), "--protocol", "hard", "--rescore-only"])
    assert failed.exit_code == 1 and failed.stdout.startswith("FAIL") and "1 FAIL" in failed.output
    none = runner.invoke(app, ["regress", "--results", str(bad), "--only", "nothing"])
    assert none.exit_code == 2
    annotated = runner.invoke(app, ["regress", "--results", str(bad), "--annotate"])
    assert annotated.exit_code == 0 and "annotated 3 entries" in annotated.output


def test_entries_carry_structured_args_and_regress_reads_them_not_the_command(catalogue):
    _, results = catalogue
    entries = load_results(results)
    official = select(entries, "bm25", ["official"])[0]
    assert official.args["system"] == "bm25-facts" and official.args["depth"] == 1000
    assert official.args["dataset"] == "lecard-v1" and official.args["config"] is None
    assert entries[2].args["system"].endswith("mine.trec.gz")
    garbled = [replace(e, command="lcr eval --index nowhere --data nowhere") for e in entries]
    checks = list(regress(garbled))
    assert [c.status for c in checks] == ["OK"] * 6, [format_check(c) for c in checks]


# --- tolerances from a measured cross-machine spread -----------------------------------------------

def test_a_measured_spread_widens_only_the_failed_entries_tolerances(tmp_path):
    from lcr.experiments.regress import MetricCheck, check_moves, failed_moves, with_spread

    served = _entry("ranksvm-legal", "corpus", "cv5", metrics={"MAP": 0.4872, "R@100": 0.8753}, tolerance=0.008,
                    extra={"tolerance_basis": {"avx2_kernels_spread": 0.0047}})
    steady = _entry("lcm-lai", "corpus", "cv5", metrics={"MAP": 0.1}, tolerance=0.002)
    failed = Check(served, "rerun", "FAIL", (MetricCheck("MAP", 0.4872, 0.5062, "FAIL"),
                                             MetricCheck("R@100", 0.8753, 0.8753, "OK")))
    within = Check(steady, "rerun", "within tolerance", (MetricCheck("MAP", 0.1, 0.1015, "within tolerance"),))
    log = "\n".join(map(format_check, [failed, within]))
    assert failed_moves(log) == {"lecard-v1 / corpus / cv5 / ranksvm-legal": pytest.approx(0.019)}
    assert check_moves([failed, within]) == pytest.approx(failed_moves(log))  # the checks, or their log read back
    widened = with_spread(served, 0.019, "avx2 box")
    assert widened.tolerance == 0.029  # 1.5 x .019, rounded up
    basis = widened.extra["tolerance_basis"]
    assert basis["measured_spread"] == {"avx2 box": 0.019} and basis["avx2_kernels_spread"] == 0.0047
    assert with_spread(served, 0.0001, "x").tolerance == 0.008  # never narrowed
    # the command: only the selected entries that FAILed change, from an earlier run's log
    path = tmp_path / "results.json"
    write_results([served, steady], path)
    (tmp_path / "regress.log").write_text(log, encoding="utf-8")
    out = CliRunner().invoke(app, ["regress", "--results", str(path), "--record-spread", "avx2 box",
                                   "--from-log", str(tmp_path / "regress.log")])
    assert out.exit_code == 0, out.output
    after = {e.system: e for e in load_results(path)}
    assert after["ranksvm-legal"].tolerance == 0.029 and after["lcm-lai"].tolerance == 0.002
    assert after["ranksvm-legal"].metrics == served.metrics  # the recorded numbers never change
