from __future__ import annotations

import json
from pathlib import Path

import pytest

from lcr.errors import BadInput, BadQuery, IndexMismatch, IndexMissing
from lcr.index.lexical import LexicalBackend, TantivyBM25
from lcr.index.manifest import Manifest
from lcr.records import Case
from lcr.text.segment import Segmenter

FACTS = {
    "drunk": "被告人张某醉酒后驾驶小型轿车在道路上行驶，经鉴定血液酒精含量为150mg/100ml，构成危险驾驶罪。",
    "theft": "被告人李某趁被害人不备，窃取其放在桌上的手机一部，价值人民币三千元。",
    "fraud": "被告人王某冒充公司老板，通过微信骗取被害人转账人民币五万元。",
    "drugs": "被告人赵某在宾馆房间内向吸毒人员贩卖甲基苯丙胺（冰毒）二克，被公安民警当场抓获。",
    "injury": "被告人钱某因琐事与被害人发生争执，持木棍将被害人头部打伤，经鉴定为轻伤二级。",
    "traffic": "被告人孙某驾驶货车未注意观察路况，撞倒行人致其死亡，负事故全部责任，交通肇事后逃逸。",
    "gambling": "被告人周某开设赌场，组织他人以麻将方式赌博，抽头渔利二万元。",
    "bribery": "被告人吴某利用担任局长的职务便利，收受他人财物共计人民币二十万元，为他人谋取利益。",
    "fight": "被告人郑某纠集多人持刀与对方聚众斗殴，致一人轻伤。",
    "fire": "被告人冯某因不满拆迁补偿，用汽油点燃邻居房屋，造成财产损失十万元。",
}


def _cases() -> list[Case]:
    return [
        Case(case_id=cid, facts=facts, reasoning=f"本院认为，{facts}", title=f"{cid}案")
        for cid, facts in FACTS.items()
    ]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> tuple[TantivyBM25, Path]:
    out = tmp_path_factory.mktemp("lex") / "bm25"
    backend = TantivyBM25(progress=False)
    backend.build(iter(_cases()), out, fields=("facts", "reasoning", "full_text"))
    return backend, out


def test_satisfies_protocol(index: tuple[TantivyBM25, Path]) -> None:
    assert isinstance(index[0], LexicalBackend)


@pytest.mark.parametrize(
    ("query", "best"),
    [
        ("醉酒驾驶机动车，血液酒精含量超标", "drunk"),
        ("偷了别人的手机", "theft"),
        ("贩卖冰毒给吸毒人员", "drugs"),
        ("开设赌场抽头渔利", "gambling"),
        ("收受财物为他人谋取利益", "bribery"),
    ],
)
def test_query_words_rank_matching_case_first(index: tuple[TantivyBM25, Path], query: str, best: str) -> None:
    hits = index[0].search(query, k=3)
    assert hits[0].case_id == best
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert hits[0].features == {"bm25_facts": hits[0].score}


def test_fields_are_searchable(index: tuple[TantivyBM25, Path]) -> None:
    backend = index[0]
    assert backend.search("开设赌场", 1, field="full_text")[0].case_id == "gambling"
    assert backend.search("本院认为开设赌场", 1, field="reasoning")[0].case_id == "gambling"
    with pytest.raises(BadInput):
        backend.search("赌场", 1, field="result")


def test_score_returns_exact_ids_with_zero_for_no_match(index: tuple[TantivyBM25, Path]) -> None:
    backend = index[0]
    scores = backend.score("开设赌场抽头渔利", ["gambling", "fire", "not-indexed"])
    assert set(scores) == {"gambling", "fire", "not-indexed"}
    assert scores["gambling"] > 0 and scores["fire"] == 0.0 and scores["not-indexed"] == 0.0
    top = backend.search("开设赌场抽头渔利", 1)[0]
    assert scores["gambling"] == pytest.approx(top.score)


def test_allowed_ids_filter_keeps_scores(index: tuple[TantivyBM25, Path]) -> None:
    backend = index[0]
    query = "被告人驾驶车辆"
    full = {h.case_id: h.score for h in backend.search(query, 10)}
    hits = backend.search(query, 10, allowed_ids={"traffic", "theft"})
    assert {h.case_id for h in hits} <= {"traffic", "theft"}
    assert hits[0].case_id == "traffic" and hits[0].score == pytest.approx(full["traffic"])
    assert backend.search(query, 10, allowed_ids=set()) == []


def test_long_and_special_character_queries(index: tuple[TantivyBM25, Path]) -> None:
    backend = index[0]
    long_query = ('被告人张某醉酒后驾驶小型轿车（AND OR NOT）"引号" [方括号] {花括号} a:b +-*^~ \\ / ! ' * 8)[
        :450
    ]
    assert len(long_query) == 450
    assert backend.search(long_query, 5)[0].case_id == "drunk"
    assert backend.search("的了吗！！", 5) == []  # only stop words / punctuation
    with pytest.raises(BadQuery):
        backend.search("   ", 5)


def test_reopen_and_manifest(index: tuple[TantivyBM25, Path]) -> None:
    backend, out = index
    manifest = Manifest.load(out)
    assert manifest.kind == TantivyBM25.KIND
    assert manifest.counts["cases"] == 10
    assert manifest.config["bm25"] == {"k1": 1.2, "b": 0.75}
    assert len(json.loads((out / "ids.json").read_text(encoding="utf-8"))) == 10
    again = TantivyBM25().open(out)
    assert again.search("开设赌场", 1)[0].case_id == "gambling" and len(again) == 10
    with pytest.raises(IndexMismatch, match="config.segmenter.backend"):
        TantivyBM25(segmenter=Segmenter(backend="jieba")).open(out)
    with pytest.raises(IndexMissing):
        TantivyBM25().open(out.parent / "absent")
    with pytest.raises(IndexMissing):
        TantivyBM25().search("赌场", 1)


def test_rebuild_failure_keeps_old_index(index: tuple[TantivyBM25, Path]) -> None:
    _, out = index
    dup = _cases() + [_cases()[0]]
    with pytest.raises(BadInput, match="duplicate"):
        TantivyBM25(progress=False).build(iter(dup), out)
    assert TantivyBM25().open(out).search("开设赌场", 1)[0].case_id == "gambling"
    assert [p.name for p in out.parent.iterdir()] == [out.name]


def test_bad_fields_rejected(tmp_path: Path) -> None:
    with pytest.raises(BadInput):
        TantivyBM25(progress=False).build(iter(_cases()), tmp_path / "x", fields=("nope",))


def test_parallel_segmentation_gives_the_same_index(tmp_path: Path) -> None:
    backend = TantivyBM25(workers=1, progress=False)
    backend.build(iter(_cases()), tmp_path / "par", fields=("facts",))
    inline = TantivyBM25(progress=False)
    inline.build(iter(_cases()), tmp_path / "inl", fields=("facts",))
    query = "被告人持刀将被害人打伤"
    assert [(h.case_id, h.score) for h in backend.search(query, 10)] == [
        (h.case_id, h.score) for h in inline.search(query, 10)
    ]
