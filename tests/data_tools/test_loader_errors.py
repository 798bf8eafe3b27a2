"""Bad input: every loader reports it with file and line, skips or raises, never crashes half-way.

Exercised through the generic JSONL loader and the shared readers; the dataset loaders use the same
machinery and have their own bad-input cases in their test files."""

from __future__ import annotations

import gzip
import json
import logging
from pathlib import Path

import pytest

from data_tools.jsonl import iter_jsonl_cases
from data_tools.loading import LoadReport, Problem, Reporter, read_json_file
from lcr.errors import BadInput
from lcr.records import ArticleRef


def write_lines(path: Path, lines: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes("\n".join(lines).encode(encoding) + b"\n")
    return path


def line(**obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False)


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    """Line 2 is not JSON, line 3 lacks the facts, line 4 repeats id a, line 5 is blank, line 6 is
    a JSON list."""
    return write_lines(
        tmp_path / "messy.jsonl",
        [
            line(id="a", fact="被告人甲盗窃。"),
            '{"id": "b", "fact": "被告人乙',
            line(id="c", title="无事实"),
            line(id="a", fact="重复的甲。"),
            "",
            "[1, 2]",
            line(id=7, fact="被告人丙抢劫。"),
        ],
    )


def test_skip_reports_every_problem_with_line(messy: Path, caplog: pytest.LogCaptureFixture) -> None:
    report = LoadReport()
    with caplog.at_level(logging.WARNING):
        cases = list(iter_jsonl_cases(messy, report=report))
    assert [c.case_id for c in cases] == ["a", "7"]
    assert cases[0].facts == "被告人甲盗窃。"  # the first of the duplicates is kept
    assert (report.read, report.ok, report.skipped) == (6, 2, 4)
    assert [p.line for p in report.problems] == [2, 3, 4, 6]
    assert all(p.path == str(messy) for p in report.problems)
    assert "invalid JSON" in report.problems[0].message
    assert "missing fact" in report.problems[1].message
    assert "duplicate id 'a' (first at line 1)" in report.problems[2].message
    assert "expected a JSON object" in report.problems[3].message
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 4
    assert str(report.problems[0]).startswith(f"{messy}:2: ")


def test_raise_stops_at_first_problem_with_file_and_line(messy: Path) -> None:
    seen = []
    with pytest.raises(BadInput, match=rf"{messy.name}:2: invalid JSON"):
        for case in iter_jsonl_cases(messy, on_error="raise"):
            seen.append(case.case_id)
    assert seen == ["a"]


def test_wrong_encoding_is_reported_then_read_with_encoding(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "gbk.jsonl",
        [line(id="1", fact="被告人甲盗窃。"), line(id="2", fact="被告人乙诈骗。")],
        "gb18030",
    )
    report = LoadReport()
    assert list(iter_jsonl_cases(path, report=report)) == []
    assert [p.line for p in report.problems] == [1, 2]
    assert "not valid utf-8" in report.problems[0].message and "gb18030" in report.problems[0].message
    with pytest.raises(BadInput, match=r"gbk.jsonl:1: not valid utf-8"):
        list(iter_jsonl_cases(path, on_error="raise"))
    cases = list(iter_jsonl_cases(path, encoding="gb18030", on_error="raise"))
    assert [c.facts for c in cases] == ["被告人甲盗窃。", "被告人乙诈骗。"]


def test_a_gbk_file_is_one_warning_naming_the_flag_not_one_per_line(tmp_path: Path,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    path = write_lines(tmp_path / "gbk.jsonl", [line(id=str(i), fact="被告人甲盗窃。") for i in range(50)], "gb18030")
    report = LoadReport()
    with caplog.at_level(logging.WARNING, logger="data_tools.loading"):
        assert list(iter_jsonl_cases(path, report=report)) == []
    assert report.skipped == 50 and len(report.problems) == 50  # every line still counted and recorded
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2, messages
    assert "gbk.jsonl:1" in messages[0] and "--encoding gb18030" in messages[0]
    assert "pass encoding=" not in messages[0]
    assert "49 more" in messages[1]


def test_one_bad_line_in_an_otherwise_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        (line(id="1", fact="甲。") + "\n").encode()
        + (line(id="2", fact="乙。") + "\n").encode("gb18030")
        + b'{"id": "3", "fact": "\xe4\xb8\x99"}\n'
    )
    report = LoadReport()
    assert [c.case_id for c in iter_jsonl_cases(path, report=report)] == ["1", "3"]
    assert [p.line for p in report.problems] == [2]


def test_gzip_and_truncated_gzip(tmp_path: Path) -> None:
    body = "".join(line(id=str(i), fact=f"事实{i}。") + "\n" for i in range(200)).encode()
    good = tmp_path / "good.jsonl.gz"
    good.write_bytes(gzip.compress(body))
    assert len(list(iter_jsonl_cases(good, on_error="raise"))) == 200
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(gzip.compress(body)[:-40])
    report = LoadReport()
    cases = list(iter_jsonl_cases(cut, report=report))
    assert 0 < len(cases) < 200
    assert "unreadable" in report.problems[-1].message  # possibly after a cut-off last line
    assert report.read == report.ok + report.skipped
    with pytest.raises(BadInput, match="unreadable"):
        list(iter_jsonl_cases(cut, on_error="raise"))


def test_field_mapping_with_dotted_paths(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "c.jsonl",
        [
            line(
                doc={"no": 17},
                text="事实。",
                name="标题",
                meta={"acc": ["盗窃罪"], "arts": [264, "67"]},
                y="2018",
            ),
        ],
    )
    fields = {"title": "name", "charges": "meta.acc", "articles": "meta.arts", "year": "y"}
    (case,) = iter_jsonl_cases(path, id_field="doc.no", facts_field="text", fields=fields, source="mine")
    assert (case.case_id, case.facts, case.title, case.year, case.source) == (
        "17",
        "事实。",
        "标题",
        2018,
        "mine",
    )
    assert case.charges == ["盗窃罪"]
    assert case.articles == [ArticleRef("刑法", 264), ArticleRef("刑法", 67)]


def test_wrong_field_types_are_problems(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path / "t.jsonl",
        [
            line(id="1", fact="甲。", name=5),
            line(id="2", fact="乙。", y="二〇一八"),
            line(id="3", fact="丙。", arts=["x"]),
        ],
    )
    report = LoadReport()
    fields = {"title": "name", "year": "y", "articles": "arts"}
    assert list(iter_jsonl_cases(path, fields=fields, report=report)) == []
    assert [p.line for p in report.problems] == [1, 2, 3]


def test_bad_arguments_raise(tmp_path: Path) -> None:
    path = write_lines(tmp_path / "x.jsonl", [line(id="1", fact="甲。")])
    with pytest.raises(BadInput, match="cannot map onto Case: colour"):
        list(iter_jsonl_cases(path, fields={"colour": "c"}))
    with pytest.raises(BadInput, match="on_error"):
        list(iter_jsonl_cases(path, on_error="ignore"))  # type: ignore[arg-type]
    with pytest.raises(BadInput, match="no such file"):
        list(iter_jsonl_cases(tmp_path / "absent.jsonl"))


def test_whole_file_json_errors_raise_with_line(tmp_path: Path) -> None:
    path = tmp_path / "labels.json"
    path.write_text('{\n"1": {"2": 3},\n"4": \n}', encoding="utf-8")
    with pytest.raises(BadInput, match=r"labels.json:4: invalid JSON"):
        read_json_file(path)
    path.write_bytes('{"1": "被告"}'.encode("gb18030"))
    with pytest.raises(BadInput, match=r"labels.json:1: not valid utf-8"):
        read_json_file(path)
    assert read_json_file(path, encoding="gb18030") == {"1": "被告"}


def test_problem_str_and_duplicate_helper() -> None:
    assert str(Problem("f.json", None, "bad")) == "f.json: bad"
    reporter = Reporter("skip")
    seen: dict[str, int | None] = {}
    assert not reporter.duplicate(seen, "x", "f", 1)
    assert reporter.duplicate(seen, "x", "f", 9)
    assert reporter.report.problems == [Problem("f", 9, "duplicate id 'x' (first at line 1); first kept")]
