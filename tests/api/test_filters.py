"""Search filters are checked once (``Filters``), so the CLI and the API refuse the same input with the
same message, and the article forms lcr itself prints are accepted."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from lcr.cli import app
from lcr.errors import BadInput
from lcr.law import ARTICLE_FORMS, parse_article
from lcr.pipeline import Filters


@pytest.mark.parametrize("written, key", [
    ("刑法:133", "刑法:133"), ("133", "刑法:133"), ("133-1", "刑法:133-1"), ("刑法：133", "刑法:133"),
    ("刑法第133条之一", "刑法:133-1"), ("刑法第234条", "刑法:234"), ("第２６４条", "刑法:264"), (" 刑法:67 ", "刑法:67"),
    # the form judgments use (issue 26 #6): Chinese numerals, 之一/之二, the statute's full name
    ("刑法第一百三十三条之一", "刑法:133-1"), ("第二百六十四条", "刑法:264"), ("《中华人民共和国刑法》第六十七条", "刑法:67"),
    ("刑法第二百八十七条之二", "刑法:287-2"),
])
def test_article_forms_are_normalised(written, key):
    assert parse_article(written) == key


@pytest.mark.parametrize("bad", ["刑法第一百三十三条x", "abc", "刑法:999", "133之一", "", "刑法第九百条", "第十十条"])
def test_bad_articles_name_the_accepted_forms(bad):
    with pytest.raises(BadInput) as e:
        parse_article(bad)
    assert ARTICLE_FORMS in str(e.value) or "no article" in str(e.value)


def test_years_out_of_order_are_refused():
    with pytest.raises(BadInput, match="after year_to"):
        Filters(year_from=2020, year_to=2010)


def test_cli_refuses_what_the_api_refuses():
    runner = CliRunner()
    for args in (["--year-from", "2020", "--year-to", "2010"], ["--article", "刑法:999"], ["--court", " "]):
        result = runner.invoke(app, ["search", "--index", "nowhere", *args, "被告人酒后驾驶"])
        assert isinstance(result.exception, BadInput), args


def test_similar_to_with_text_is_refused():
    result = CliRunner().invoke(app, ["search", "--index", "nowhere", "--similar-to", "1", "被告人"])
    assert isinstance(result.exception, BadInput) and "not both" in str(result.exception)


def test_api_gives_the_same_message_as_a_422(client):
    r = client.post("/v1/search", json={"text": "被告人", "filters": {"year_from": 2020, "year_to": 2010}})
    assert r.status_code == 422 and "after year_to" in r.text
    r = client.post("/v1/search", json={"text": "被告人酒后驾驶", "filters": {"articles": ["刑法第133条之一"]}})
    assert r.status_code == 200
    r = client.post("/v1/search", json={"text": "被告人酒后驾驶", "filters": {"articles": ["刑法第一百三十三条之一"]}})
    assert r.status_code == 200


def test_unknown_charges_are_refused_with_the_nearest_names(client):
    """Issue 26 #7: an unknown charge filter or charge_hint is a 422 naming valid charges, not 200 and []."""
    r = client.post("/v1/search", json={"text": "被告人酒后驾驶", "filters": {"charges": ["不存在罪"]}})
    assert r.status_code == 422 and "不存在罪" in r.text
    r = client.post("/v1/search", json={"text": "被告人酒后驾驶", "charge_hint": ["危险驾车罪"]})
    assert r.status_code == 422 and "危险驾驶罪" in r.text  # the nearest valid name is offered
    r = client.post("/v1/search", json={"text": "被告人酒后驾驶", "charge_hint": ["外星罪"]})
    assert r.status_code == 422
    # known names pass: the official one, without 罪, and a partial selective-charge name
    for charge in ("危险驾驶罪", "危险驾驶", "贩卖毒品罪"):
        r = client.post("/v1/search", json={"text": "被告人酒后驾驶", "filters": {"charges": [charge]}})
        assert r.status_code == 200, (charge, r.text)


def test_cli_refuses_an_unknown_charge(index_dir):
    result = CliRunner().invoke(app, ["search", "--index", str(index_dir), "--charge", "不存在罪", "被告人酒后驾驶"])
    assert isinstance(result.exception, BadInput) and result.exception.exit_code == 2
    assert "不存在罪" in str(result.exception)
