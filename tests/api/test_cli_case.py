"""``lcr case ID``: the judgment as a lawyer reads it, from the command line."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from lcr.cli import app
from lcr.index.casestore import CaseStore


def test_case_shows_facts_reasoning_result_and_quoted_articles(index_dir):
    store = CaseStore.open(index_dir / "cases.sqlite")
    drunk = next(c for c in store.iter_cases() if "危险驾驶罪" in c.charges and c.reasoning)
    out = CliRunner().invoke(app, ["case", drunk.case_id, "--index", str(index_dir)])
    assert out.exit_code == 0, out.output
    for heading in ("【事实】", "【本院认为】", "【判决结果】", "刑法第133条之一【危险驾驶罪】", "醉酒驾驶机动车"):
        assert heading in out.output
    body = json.loads(CliRunner().invoke(app, ["case", drunk.case_id, "--index", str(index_dir), "--json"]).output)
    assert body["reasoning"] == drunk.reasoning and body["cited_articles"]
