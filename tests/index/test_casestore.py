from __future__ import annotations

import threading
from pathlib import Path

import pytest

from lcr.errors import BadInput, CaseNotFound, IndexMissing
from lcr.index.casestore import CaseStore
from lcr.records import ArticleRef, Case

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
