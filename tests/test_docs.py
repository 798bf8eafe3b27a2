"""The README stays a front page, and nothing committed under reports/ or docs/ names a machine's paths."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MACHINE_PATH = re.compile(r"(?<![\w.])/(?:work|root|home|Users|tmp/ci)/")


def test_the_readme_is_at_most_150_lines_and_starts_with_the_two_commands():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 150
    block = lines[lines.index("```bash") + 1:][:2]
    assert block[0].startswith("bash scripts/demo.sh") and block[1].startswith("bash scripts/test.sh")


def test_no_machine_paths_under_reports_or_docs():
    offenders = [f"{p.relative_to(ROOT)}:{i}" for folder in ("reports", "docs")
                 for p in sorted((ROOT / folder).rglob("*")) if p.suffix in (".md", ".json", ".txt")
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
                 if MACHINE_PATH.search(line)]
    assert not offenders, offenders
