from __future__ import annotations

import pytest

from lcr.errors import BadInput
from lcr.text.segment import Segmenter, legal_dictionary, stopwords

TEXT = "被告人张某醉酒驾驶机动车，构成危险驾驶罪。到案后如实供述自己的罪行，依法取保候审，系累犯。"


@pytest.fixture(scope="module", params=["rjieba", "jieba"])
def seg(request: pytest.FixtureRequest) -> Segmenter:
    return Segmenter(backend=request.param)


def test_dictionary_terms_stay_whole(seg: Segmenter) -> None:
    tokens = seg.tokenize(TEXT)
    for term in ("危险驾驶罪", "如实供述", "取保候审", "累犯", "醉酒驾驶"):
        assert term in tokens, (term, tokens)


def test_without_user_dictionary_terms_split() -> None:
    tokens = Segmenter(user_dict=False).tokenize(TEXT)
    assert "危险驾驶罪" not in tokens and "如实供述" not in tokens


def test_stop_words_punctuation_and_whitespace_removed(seg: Segmenter) -> None:
    tokens = seg.tokenize(TEXT + "  \n  ！！……")
    assert not set(tokens) & stopwords()
    assert all(t.strip() and any(ch.isalnum() for ch in t) for t in tokens)
    assert "的" in seg.cut(TEXT) and "的" not in tokens
    kept = Segmenter(backend=seg.backend, stopwords=False).tokenize(TEXT)
    assert "的" in kept


def test_ascii_is_lowercased(seg: Segmenter) -> None:
    assert "ktv" in seg.tokenize("在KTV包厢内")


def test_backends_agree_on_chinese_text() -> None:
    assert Segmenter("rjieba").tokenize(TEXT) == Segmenter("jieba").tokenize(TEXT)


def test_tokenize_many_and_config() -> None:
    seg = Segmenter()
    assert seg.tokenize_many([TEXT, ""]) == [seg.tokenize(TEXT), []]
    config = seg.config()
    assert config["backend"] == "rjieba" and len(str(config["resources"])) == 16
    assert len(legal_dictionary()) > 500


def test_unknown_backend() -> None:
    with pytest.raises(BadInput):
        Segmenter(backend="thulac")  # type: ignore[arg-type]


def test_construction_is_lazy() -> None:
    seg = Segmenter()
    assert seg._cut is None
    seg.tokenize("盗窃")
    assert seg._cut is not None
