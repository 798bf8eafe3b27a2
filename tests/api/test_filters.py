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
])
def test_article_forms_are_normalised(written, key):
    assert parse_article(written) == key


@pytest.mark.parametrize("bad", ["刑法第一百三十三条x", "abc", "刑法:999", "133之一", ""])
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
