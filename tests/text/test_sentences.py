from __future__ import annotations

import pytest

from lcr.errors import BadInput
from lcr.text.sentences import split_sentences


def test_splits_on_chinese_delimiters_and_keeps_them() -> None:
    text = "被告人张某于2018年驾驶机动车。经鉴定血液酒精含量为150mg/100ml！其行为构成危险驾驶罪吗？本院认为应当从轻处罚；"
    assert split_sentences(text) == [
        "被告人张某于2018年驾驶机动车。",
        "经鉴定血液酒精含量为150mg/100ml！",
        "其行为构成危险驾驶罪吗？",
        "本院认为应当从轻处罚；",
    ]


def test_newlines_split_and_whitespace_is_stripped() -> None:
    assert split_sentences("  第一行没有句号的内容\n\n   第二行也没有句号内容  \n") == [
        "第一行没有句号的内容",
        "第二行也没有句号内容",
    ]


def test_closing_quote_stays_with_its_sentence() -> None:
    assert split_sentences("被告人供称：“我当时喝了酒。”随后被民警查获。") == [
        "被告人供称：“我当时喝了酒。”",
        "随后被民警查获。",
    ]


def test_short_fragments_merge_into_neighbours() -> None:
    out = split_sentences("（2018）刑初1号\n经审理查明，被告人张某盗窃手机一部。好。")
    assert out == ["（2018）刑初1号", "经审理查明，被告人张某盗窃手机一部。好。"]
    # a short first fragment merges forward; a merge never exceeds max_chars
    assert split_sentences("一审\n" + "甲" * 20 + "。", max_chars=21) == ["一审", "甲" * 20 + "。"]
    assert split_sentences("好。被告人张某盗窃手机一部，价值三千元。") == [
        "好。被告人张某盗窃手机一部，价值三千元。"
    ]


def test_long_sentences_wrap_at_commas_then_hard() -> None:
    clause = "被告人张某窃取他人财物" + "，"
    text = clause * 30 + "。"
    out = split_sentences(text, max_chars=50)
    assert all(len(s) <= 50 for s in out)
    assert "".join(out) == text
    assert all(s.endswith("，") for s in out[:-1])
    hard = split_sentences("甲" * 450, max_chars=200)
    assert [len(s) for s in hard] == [200, 200, 50]


def test_empty_and_bad_arguments() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n\n ") == []
    with pytest.raises(BadInput):
        split_sentences("文本", min_chars=10, max_chars=5)
