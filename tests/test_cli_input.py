"""Facts in a wrong encoding give a one-line error naming the fix, never a traceback."""

from __future__ import annotations

from typer.testing import CliRunner

from lcr.cli import app
from lcr.errors import BadInput

GBK = "被告人酒后驾驶机动车".encode("gbk")


def test_gbk_on_stdin_is_a_clear_error():
    result = CliRunner().invoke(app, ["search", "--index", "nowhere", "-"], input=GBK)
    assert isinstance(result.exception, BadInput)
    assert "--encoding gbk" in str(result.exception) and "0xb1" in str(result.exception)


def test_gbk_argument_is_a_clear_error():
    as_argv = GBK.decode("utf-8", "surrogateescape")  # what Python makes of undecodable argv bytes
    result = CliRunner().invoke(app, ["search", "--index", "nowhere", as_argv])
    assert isinstance(result.exception, BadInput) and "facts argument" in str(result.exception)


def test_explicit_encoding_decodes_before_the_index_is_opened():
    result = CliRunner().invoke(app, ["search", "--index", "nowhere", "--encoding", "gbk", "-"], input=GBK)
    assert "no index at nowhere" in str(result.exception)  # got past decoding


def test_unknown_encoding_is_named():
    result = CliRunner().invoke(app, ["search", "--index", "nowhere", "--encoding", "klingon", "x"])
    assert isinstance(result.exception, BadInput) and "klingon" in str(result.exception)


def test_k_beyond_the_limit_is_refused_before_any_work():
    from lcr.records import MAX_K

    result = CliRunner().invoke(app, ["search", "--index", "nowhere", "-k", str(MAX_K + 1), "被告人"])
    assert result.exit_code == 2 and "-k" in result.output


def test_help_is_for_users():
    """Issue 26 #15: no developer docstring in `lcr --help`; `lcr eval --help` names the served system."""
    from typer.testing import CliRunner

    from lcr.cli import app

    top = CliRunner().invoke(app, ["--help"]).output
    assert "lcr search" in top and ":mod:" not in top and "``" not in top
    assert "ranksvm-legal" in CliRunner().invoke(app, ["eval", "--help"]).output
