"""The supervised charge classifier scored as a query-side ablation: it learns charges from the corpus
judgments' query-like facts and never trains on an excluded judgment."""

from __future__ import annotations

from lcr.experiments.query_lap import charge_classifier
from lcr.records import Query

FACTS = {
    "theft": "被告人趁被害人不备，窃取其手机一部，价值人民币三千元。",
    "drive": "被告人酒后驾驶小型轿车在道路上行驶，经检测血液酒精含量为一百八十毫克。",
}


class _Store:
    def __init__(self, texts: dict[str, str]):
        self.texts = texts

    def ids(self) -> list[str]:
        return list(self.texts)

    def facts(self, cid: str) -> str:
        return self.texts[cid]


def _corpus(n: int = 6) -> tuple[_Store, dict[str, list[str]]]:
    texts, charges = {}, {}
    for i in range(n):
        texts[f"t{i}"], charges[f"t{i}"] = FACTS["theft"] + f"案发后第{i}日被抓获。", ["盗窃罪"]
        texts[f"d{i}"], charges[f"d{i}"] = FACTS["drive"] + f"车辆行驶约{i}公里。", ["危险驾驶罪"]
    return _Store(texts), charges


def test_predicts_the_charge_of_similar_facts():
    store, charges = _corpus()
    predict = charge_classifier(store, charges, exclude=set())
    theft = predict(Query("q1", "被告人窃取他人手机一部，价值二千元。"))
    drive = predict(Query("q2", "被告人酒后驾驶轿车，血液酒精含量为九十毫克。"))
    assert next(iter(theft)) == "盗窃罪" and next(iter(drive)) == "危险驾驶罪"
    assert abs(sum(theft.values()) - 1.0) < 1e-9


def test_excluded_judgments_are_not_learned():
    store, charges = _corpus()
    store.texts["x"], charges["x"] = "被告人在网上发布虚假招聘信息，骗取求职者保证金。", ["诈骗罪"]
    predict = charge_classifier(store, charges, exclude={"x"})
    assert "诈骗罪" not in predict(Query("q", "被告人发布虚假招聘信息骗取保证金。"))


def test_the_jurex_element_voter_scores_every_described_charge_from_the_facts_alone(tmp_path, monkeypatch):
    from lcr.charge_elements import charge_elements
    from lcr.encode.embedding_cache import cached_encoder
    from lcr.experiments.query_lap import element_voter
    from lcr.retrieve.dense import QueryEncoder

    monkeypatch.setenv("LCR_CACHE_DIR", str(tmp_path))
    voter = element_voter(QueryEncoder(cached_encoder("random:32"), 6))
    probs = voter(Query("q", FACTS["drive"], charges=["危险驾驶罪"]))
    assert set(probs) <= set(charge_elements()) and len(probs) > 100
    assert abs(sum(probs.values()) - 1.0) < 1e-6 and list(probs.values()) == sorted(probs.values(), reverse=True)
    # the query's charges are never read: the same facts without them get the same votes
    assert voter(Query("q2", FACTS["drive"])) == probs
