from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest

from lcr.errors import BadInput, CaseNotFound, IndexMissing
from lcr.index.casestore import CaseStore
from lcr.records import ArticleRef, Case
from lcr.text.circumstances import Circumstances, extract_circumstances

CASES = [
    Case(
        case_id="1",
        facts="被告人甲醉酒驾驶机动车。",
        title="甲危险驾驶案",
        reasoning="本院认为，被告人甲构成危险驾驶罪。",
        result="判处拘役二个月。",
        full_text="全文一",
        charges=["危险驾驶罪"],
        articles=[ArticleRef("刑法", 133, 1, paragraph=1), ArticleRef("刑法", 67, paragraph=3)],
        court="湖南省长沙市天心区人民法院",
        year=2018,
        source="test",
    ),
    Case(
        case_id="2",
        facts="被告人乙盗窃手机一部。",
        charges=["盗窃罪"],
        articles=[ArticleRef("刑法", 264)],
        court="北京市海淀区人民法院",
        year=2019,
    ),
    Case(
        case_id="-3",
        facts="被告人丙盗窃后抗拒抓捕，当场使用暴力。",
        charges=["抢劫", "盗窃罪"],
        articles=[ArticleRef("刑法", 263), ArticleRef("刑法", 269), ArticleRef("刑法", 67, paragraph=1)],
        court="湖南省长沙市中级人民法院",
        year=2020,
    ),
]


@pytest.fixture()
def store(tmp_path: Path) -> CaseStore:
    return CaseStore.create(tmp_path / "cases.sqlite", iter(CASES))


def test_round_trip(store: CaseStore) -> None:
    for case in CASES:
        assert store.get(case.case_id) == case
    assert len(store) == 3
    assert store.ids() == ["1", "2", "-3"]
    assert "2" in store and "9" not in store and 2 not in store
    assert store.facts("-3") == CASES[2].facts
    assert [c.case_id for c in store.get_many(["-3", "1"])] == ["-3", "1"]
    assert len(store.checksum) == 64


def test_reopen(store: CaseStore) -> None:
    again = CaseStore.open(store.path)
    assert again.get("1") == CASES[0] and again.checksum == store.checksum


def test_missing_cases(store: CaseStore) -> None:
    with pytest.raises(CaseNotFound):
        store.get("404")
    with pytest.raises(CaseNotFound, match="'404'"):
        store.get_many(["1", "404"])
    with pytest.raises(CaseNotFound):
        store.facts("404")
    with pytest.raises(IndexMissing):
        CaseStore.open(store.path.parent / "nothing.sqlite")


def test_filters(store: CaseStore) -> None:
    assert store.filter_ids() == {"1", "2", "-3"}
    assert store.filter_ids(charges=["盗窃罪"]) == {"2", "-3"}
    assert store.filter_ids(charges=["盗窃"]) == {"2", "-3"}  # with or without 罪
    assert store.filter_ids(charges=["抢劫罪", "危险驾驶"]) == {"1", "-3"}
    assert store.filter_ids(articles=["刑法:67"]) == {"1", "-3"}
    assert store.filter_ids(articles=["刑法:133-1"]) == {"1"}
    assert store.filter_ids(articles=["刑法:133"]) == set()
    assert store.filter_ids(court="长沙市") == {"1", "-3"}
    assert store.filter_ids(year=2019) == {"2"}
    assert store.filter_ids(year=(2019, 2020)) == {"2", "-3"}
    assert store.filter_ids(charges=["盗窃罪"], court="长沙") == {"-3"}
    assert store.filter_ids(charges=[]) == set()


def test_duplicate_ids_rejected_and_old_file_kept(tmp_path: Path) -> None:
    path = tmp_path / "cases.sqlite"
    CaseStore.create(path, CASES[:1])
    with pytest.raises(BadInput):
        CaseStore.create(path, [CASES[1], CASES[1]])
    assert CaseStore.open(path).ids() == ["1"]
    assert [p.name for p in tmp_path.iterdir()] == ["cases.sqlite"]


def test_threads_share_a_store(store: CaseStore) -> None:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(50):
                assert store.get("2").charges == ["盗窃罪"]
        except BaseException as exc:  # noqa: BLE001 - collected for the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    store.close()
    assert store.get("1") == CASES[0]  # reopens lazily after close


def test_circumstances_are_stored_at_build_and_read_back(tmp_path: Path) -> None:
    cases = [*CASES, Case(case_id="4", facts="被告人丁持刀抢劫现金3，000元，后主动到公安机关投案，如实供述。经鉴定，"
                                              "被害人损伤程度为轻伤二级。")]
    store = CaseStore.create(tmp_path / "cases.sqlite", iter(cases))
    assert store.has_circumstances
    got = store.circumstances_many(["4", "1"])
    assert got == {c.case_id: extract_circumstances(c.facts) for c in (cases[3], cases[0])}
    assert {"weapon", "surrender", "confession"} <= got["4"].flags and got["4"].injury == "轻伤二级"
    assert got["4"].amount_yuan == 3000
    with pytest.raises(CaseNotFound):
        store.circumstances_many(["4", "nope"])


def test_circumstances_of_other_rules_are_extracted_again(tmp_path: Path) -> None:
    path = tmp_path / "cases.sqlite"
    CaseStore.create(path, iter(CASES)).close()
    with sqlite3.connect(path) as conn:  # as if built under other rules: a stored value now known wrong
        conn.execute("UPDATE meta SET value = 'older-rules' WHERE key = 'circumstances_rules'")
        conn.execute("UPDATE case_circumstances SET value = ? WHERE case_id = '1'",
                     (json.dumps(Circumstances(frozenset({"death"})).to_dict()),))
    store = CaseStore(path)
    assert not store.has_circumstances
    assert store.circumstances_many(["1"])["1"] == extract_circumstances(CASES[0].facts)
