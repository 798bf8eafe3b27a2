"""Render ``reports/results.json`` as Markdown tables, grouped by dataset, protocol and query set, each
group headed by its protocol statement; the README's results section is regenerated from it."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from lcr.eval.protocols import get_protocol
from lcr.eval.results import ResultEntry, load_results

START, END = "<!-- results:start -->", "<!-- results:end -->"
METRIC_ORDER = ["MAP", "P@5", "P@10", "NDCG@10", "NDCG@20", "NDCG@30", "MRR", "R@100", "R@200", "R@500",
                "R@1000"]


def results_markdown(entries: list[ResultEntry], with_protocols: bool = True) -> str:
    groups: dict[tuple[str, str, str], list[ResultEntry]] = defaultdict(list)
    for e in entries:
        groups[(e.dataset, e.protocol, e.queries)].append(e)
    out = []
    for (dataset, protocol, queries), rows in sorted(groups.items()):
        metrics = [m for m in METRIC_ORDER if any(m in r.metrics for r in rows)]
        out.append(f"#### {dataset} · `{protocol}` · queries `{queries}`\n")
        if with_protocols:
            out.append(_protocol_line(dataset, protocol) + "\n")
        out.append("| system | " + " | ".join(metrics) + " |")
        out.append("|---" * (len(metrics) + 1) + "|")
        for r in sorted(rows, key=lambda r: -r.metrics.get(metrics[0], 0.0) if metrics else 0.0):
            cells = [f"{r.metrics[m]:.3f}" if m in r.metrics else "" for m in metrics]
            out.append(f"| {r.system} | " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


def _protocol_line(dataset: str, protocol: str) -> str:
    doc = get_protocol(dataset, protocol).describe()
    first = doc.strip().splitlines()[0]
    return f"_{first}_"


def update_readme(readme: Path, results: Path) -> bool:
    """Replace the README's results section; returns whether the file changed."""
    text = readme.read_text(encoding="utf-8")
    if START not in text or END not in text:
        return False
    body = results_markdown(load_results(results), with_protocols=False)
    new = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: f"{START}\n{body}\n{END}", text,
                 flags=re.S)
    readme.write_text(new, encoding="utf-8")
    return new != text
