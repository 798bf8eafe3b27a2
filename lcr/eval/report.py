"""Render ``reports/results.json`` as Markdown tables, grouped by dataset, protocol and query set, each
group headed by its protocol statement; the README's results section is regenerated from it.

With the LeCaRD v1 data (and its index) at hand, ``reports/README.md`` also gets per-query win/loss
plots against ``bm25-facts`` and the leakage audit (:mod:`lcr.eval.leakage`, also written to
``reports/leakage.json``), both computed from the recorded run files.
"""

from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from data_tools.anchors import ANCHOR_BY_NAME
from data_tools.lecard import load_lecard_v1
from data_tools.trec import read_run
from lcr.errors import BadInput, CaseNotFound, IndexMismatch, IndexMissing
from lcr.eval.data import LECARD_V1, EvalData, id_sort_key
from lcr.eval.leakage import LeakageReport, audit_leakage, metrics_without_leaked
from lcr.eval.narrative import render_narrative
from lcr.eval.plots import plot_win_loss
from lcr.eval.protocols import get_protocol
from lcr.eval.querysets import scored_qids
from lcr.eval.report_sections import (
    anchor_wins_markdown,
    headline_seed_line,
    query_lap_markdown,
    seeds_markdown,
    variants_markdown,
)
from lcr.eval.results import ResultEntry, load_results
from lcr.records import Run

logger = logging.getLogger(__name__)

BASELINE = "bm25-facts"
PLOT_QUERIES = ("cv5", "all")
LEAKAGE_PROTOCOLS = ("official", "hard", "corpus")
LEAKAGE_METRICS = ("MAP", "NDCG@30", "P@5", "R@100")

START, END = "<!-- results:start -->", "<!-- results:end -->"
PROTOCOL_PAGES = "protocols"
NARRATIVE_TEMPLATE, NARRATIVE = "experiments-lecard.template.md", "experiments-lecard.md"
METRIC_ORDER = [
    "MAP",
    "P@5",
    "P@10",
    "NDCG@10",
    "NDCG@20",
    "NDCG@30",
    "MRR",
    "R@100",
    "R@200",
    "R@500",
    "R@1000",
]


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


#: The headline table: per LeCaRD v1 protocol, the query set lcr's systems are scored on, its key metrics.
HEADLINE = (("official", "cv5", ("MAP", "NDCG@30")), ("hard", "cv5", ("MAP", "NDCG@30")),
            ("keller", "cv5", ("MAP", "NDCG@30")), ("corpus", "cv5", ("MAP", "NDCG@30", "R@100")))
ANCHOR_PREFIX = "anchor-"
#: The served system (``lcr.pipeline.compose.build_pipeline`` under the shipped config), named before any
#: number is read: the headline shows it, never the best of the catalogue's entries on the test queries.
SERVED = "ranksvm-legal"


def headline_markdown(entries: list[ResultEntry]) -> str:
    """The README's results section: per protocol, the served system (cv5), ``bm25-facts`` and the
    published systems' own runs scored by the same protocol, and links to the full catalogue."""
    lines = ["| protocol | queries | system | MAP | NDCG@30 | R@100 |", "|---|---|---|---|---|---|"]
    for protocol, queries, metrics in HEADLINE:
        rows = [e for e in entries if e.dataset == LECARD_V1 and e.protocol == protocol]
        served = [e for e in rows if e.system == SERVED and e.queries == queries]
        bm25 = [e for e in rows if e.system == BASELINE and e.queries == "all"]
        anchors = sorted((e for e in rows if e.system.startswith(ANCHOR_PREFIX)),
                         key=lambda e: -e.metrics.get("MAP", 0.0))
        for e in [*served, *bm25, *anchors]:
            cells = [f"{e.metrics[m]:.3f}" if m in e.metrics and m in metrics else "" for m in
                     ("MAP", "NDCG@30", "R@100")]
            name = f"**{e.system}** (served)" if e in served else e.system
            missing = e.extra.get("missing", []) if e.extra else []
            covered = f" ({e.extra['scored'] - len(missing)} covered, absent = 0)" if missing else ""
            lines.append(f"| `{protocol}` | {e.queries}{covered} | {name} | " + " | ".join(cells) + " |")
    return "\n".join([
        f"LeCaRD v1. **{SERVED}** is what `lcr serve` runs, scored with `cv5` (each query ranked by models "
        "trained on the other four folds); `bm25-facts` learns nothing (`all`); `anchor-*` are the published "
        "systems' own runs (MIT) scored by the same protocol code. `official`: each query's 30 labelled "
        "candidates, MAP on grade 3; `hard`: the whole ~100-document pool, unlabelled = 0; `keller`: KELLER's "
        "conventions (105 queries, gain 2^(g−1)); `corpus`: all 9,088 documents. Findings and ablations: "
        "[docs/experiments-lecard.md](docs/experiments-lecard.md); every table and protocol: "
        "[reports/README.md](reports/README.md); every number re-runs with `lcr regress`.",
        "", *lines, "", *_coverage_note(entries), *headline_seed_line(entries, SERVED)])


def _covered_mean(e: ResultEntry, metric: str) -> float | None:
    """An entry's mean over the queries its run covers, when some scored queries were absent from the
    run (each absent query scores 0 on every metric, so the covered mean is ``mean * scored / covered``)."""
    missing = (e.extra or {}).get("missing") or []
    scored = (e.extra or {}).get("scored", 0)
    if not missing or scored <= len(missing) or metric not in e.metrics:
        return None
    return e.metrics[metric] * scored / (scored - len(missing))


def _coverage_note(entries: list[ResultEntry]) -> list[str]:
    """One sentence naming the anchors whose runs lack some queries, with their means on the covered ones."""
    partial = sorted((e for e in entries if e.dataset == LECARD_V1 and e.system.startswith(ANCHOR_PREFIX)
                      and _covered_mean(e, "MAP") is not None), key=lambda e: (e.protocol, -e.metrics["MAP"]))
    if not partial:
        return []
    missing = sorted({q for e in partial for q in e.extra["missing"]}, key=id_sort_key)
    parts = [f"`{e.protocol}` {e.system} {_covered_mean(e, 'MAP'):.3f} / {_covered_mean(e, 'NDCG@30'):.3f}"
             for e in partial if _covered_mean(e, "NDCG@30") is not None]
    return [f"The published JSON runs lack queries {', '.join(missing)}: `keller` drops those two for every "
            f"system (the like-for-like comparison); under the other protocols an absent query scores 0. On "
            f"the queries each run covers, MAP / NDCG@30: {'; '.join(parts)}.", ""]


def update_readme(readme: Path, results: Path) -> bool:
    """Replace the README's results section with the headline table; returns whether the file changed."""
    text = readme.read_text(encoding="utf-8")
    if START not in text or END not in text:
        return False
    body = headline_markdown(load_results(results))
    new = re.sub(
        re.escape(START) + ".*?" + re.escape(END), lambda _: f"{START}\n{body}\n{END}", text, flags=re.S
    )
    readme.write_text(new, encoding="utf-8")
    return new != text


def render_reports(
    results: Path, readme: Path, *, data_root: Path | None = None, case_facts: Callable[[str], str] | None = None,
    reranker_dir: Path | None = None,
) -> list[Path]:
    """Write one page per protocol (``reports/protocols/<dataset>-<protocol>.md``: the protocol spelled out,
    then every entry's table), ``reports/README.md`` (the protocols' index, then what compares systems
    across them: anchors, the RankSVM ablation and weights, seeds, variants, the query side, the LeCaRD v1
    plots and, given ``case_facts`` (case id -> its facts, from the index's case store), the leakage
    audit), ``docs/experiments-lecard.md`` from its template beside the README (:mod:`lcr.eval.narrative`),
    and the README's results section. Returns the paths written."""
    entries = load_results(results)
    out = results.parent / "README.md"
    written = []
    index = []
    for dataset, protocol in sorted({(e.dataset, e.protocol) for e in entries}):
        doc = get_protocol(dataset, protocol).describe().strip()
        rows = [e for e in entries if (e.dataset, e.protocol) == (dataset, protocol)]
        page = results.parent / PROTOCOL_PAGES / f"{dataset}-{protocol}.md"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text("\n".join([
            f"# {dataset} · `{protocol}`", "",
            "Generated by `lcr report` from `reports/results.json`; every entry there names its run file and the "
            "command that regenerates it.", "", doc, "", results_markdown(rows, with_protocols=False)]) + "\n",
            encoding="utf-8")
        written.append(page)
        first = doc.splitlines()[0].rstrip(".")
        index.append(f"- [{dataset} · `{protocol}`]({PROTOCOL_PAGES}/{page.name}): {first} ({len(rows)} entries)")
    parts = [
        "# lcr evaluation report",
        "",
        "Generated by `lcr report` from `reports/results.json`; every entry there names its run file "
        "and the command that regenerates it. The findings, read from these tables: "
        "[docs/experiments-lecard.md](../docs/experiments-lecard.md).",
        "",
        "## Protocols",
        "",
        "Each page spells its protocol out and lists every catalogued system under it, per query set.",
        "",
        *index,
        "",
    ]
    parts += _anchors_section(entries)
    parts += _ranksvm_section(entries, reranker_dir)
    parts += seeds_markdown(entries)
    parts += variants_markdown(entries)
    lap = results.parent / "lap.json"
    if lap.exists():
        parts += query_lap_markdown(json.loads(lap.read_text(encoding="utf-8")))
    sections, more = _lecard_v1_sections(entries, results.parent, data_root, case_facts)
    parts += sections
    out.write_text("\n".join(parts) + "\n", encoding="utf-8")
    written = [out, *written, *more]
    template = readme.parent / "docs" / NARRATIVE_TEMPLATE
    if template.exists():
        doc_out = template.with_name(NARRATIVE)
        doc_out.write_text(render_narrative(template.read_text(encoding="utf-8"), entries, template.name),
                           encoding="utf-8")
        written.append(doc_out)
    if readme.exists() and update_readme(readme, results):
        written.append(readme)
    return written


def _anchors_section(entries: list[ResultEntry]) -> list[str]:
    """The published runs in the catalogue: what each is, what it covers, where it comes from, and its
    `official` / `keller` MAP (the full metrics are in the tables above)."""
    recorded: dict[str, dict[str, ResultEntry]] = defaultdict(dict)
    for e in entries:
        if e.dataset == LECARD_V1 and e.system.startswith(ANCHOR_PREFIX) and e.queries == "all":
            recorded[e.system][e.protocol] = e
    if not recorded:
        return []
    lines = ["## Published anchors (lecard-v1)", "",
             "The published systems' own runs, converted by `python -m data_tools.anchors` into "
             "`reports/runs/lecard-v1/anchors/` in their published order (MIT; licences and sources in the "
             "README there) and scored by the protocols above like any lcr run (queries `all`).", "",
             "| run | system | covers | source | licence | MAP by protocol |", "|---|---|---|---|---|---|"]
    for name, by_protocol in sorted(recorded.items()):
        a = ANCHOR_BY_NAME.get(name)
        about = f"{a.system} | {a.covers} | {a.source} | `{a.licence}`" if a else " | | | "
        maps = ", ".join(f"`{p}` {e.metrics['MAP']:.3f}" + (" (absent queries = 0)" if e.notes else "")
                         for p, e in sorted(by_protocol.items()) if "MAP" in e.metrics)
        lines.append(f"| {name} | {about} | {maps} |")
    return [*lines, ""]


def _ranksvm_section(entries: list[ResultEntry], reranker_dir: Path | None) -> list[str]:
    """Feature-group ablation (``ranksvm-minus-<group>`` vs ``ranksvm``, cv5) and the production
    reranker's learned weights (standardised feature space, so they compare across features)."""
    lines = ["## RankSVM: feature ablation and learned weights", ""]
    by = {(e.protocol, e.system): e.metrics for e in entries if e.dataset == "lecard-v1" and e.queries == "cv5"}
    rows = [s for (p, s) in by if p == "official" and (s == "ranksvm" or s.startswith("ranksvm-minus-"))]
    if ("official", "ranksvm") in by and len(rows) > 1:
        lines += ["Each row drops one feature group and retrains (cv5, labelled candidates); Δ against the full "
                  "`ranksvm`.", "", "| system | official MAP | Δ | official NDCG@30 | Δ | hard MAP | Δ |",
                  "|---|---|---|---|---|---|---|"]
        full_o, full_h = by[("official", "ranksvm")], by.get(("hard", "ranksvm"), {})
        for s in sorted(rows):
            o, h = by[("official", s)], by.get(("hard", s), {})
            hm = f"{h['MAP']:.3f} | {h['MAP'] - full_h.get('MAP', 0):+.3f}" if h else " | "
            lines.append(f"| {s} | {o['MAP']:.3f} | {o['MAP'] - full_o['MAP']:+.3f} | {o['NDCG@30']:.3f} | "
                         f"{o['NDCG@30'] - full_o['NDCG@30']:+.3f} | {hm} |")
        lines.append("")
    if reranker_dir is not None and (reranker_dir / "weights.json").exists():
        w = json.loads((reranker_dir / "weights.json").read_text(encoding="utf-8"))
        m = json.loads((reranker_dir / "manifest.json").read_text(encoding="utf-8"))
        root = Path(__file__).resolve().parents[2]  # the checkout: no machine path in a committed report
        shown = reranker_dir.resolve().relative_to(root) if reranker_dir.resolve().is_relative_to(root) else reranker_dir
        lines += [f"Production reranker (`{shown}`, C = {m.get('C')} chosen by inner CV; weights on "
                  "standardised features):", "", "| feature | weight |", "|---|---|"]
        pairs = sorted(zip(w["feature_names"], w["weights"], strict=True), key=lambda kv: -abs(kv[1]))
        lines += [f"| {n} | {v:+.3f} |" for n, v in pairs] + [""]
    else:
        lines += ["_No production reranker found; build one with `lcr train --reranker`._", ""]
    return lines


WIN_LOSS_TITLE = "## Per-query wins and losses against bm25-facts"
LEAKAGE_TITLE = "## Leakage audit (lecard-v1)"


def _lecard_v1_sections(
    entries: list[ResultEntry], out_dir: Path, data_root: Path | None, case_facts: Callable[[str], str] | None
) -> tuple[list[str], list[Path]]:
    """The plot and leakage sections, or a one-line note for each when the data or index is absent."""
    try:
        if data_root is None or not data_root.is_dir():
            raise BadInput(f"no LeCaRD v1 data folder at {data_root}")
        ds = load_lecard_v1(data_root)
    except BadInput as e:
        note = f"_Skipped: {e}._"
        return [WIN_LOSS_TITLE, "", note, "", LEAKAGE_TITLE, "", note, ""], []
    data = EvalData.from_lecard_v1(ds)
    run_of = _run_reader()
    plot_lines, written = _win_loss_section(entries, data, run_of, out_dir / "plots")
    plot_lines += anchor_wins_markdown(entries, data, run_of, SERVED, ANCHOR_PREFIX)
    try:
        if case_facts is None:
            raise IndexMissing("no index given")
        report = _audit(ds.queries, data, case_facts)
    except (IndexMissing, IndexMismatch, CaseNotFound) as e:
        return plot_lines + [LEAKAGE_TITLE, "", f"_Skipped: {e}._", ""], written
    rows = _leakage_metrics(entries, data, run_of, report)
    path = out_dir / "leakage.json"
    record = {"dataset": LECARD_V1, **report.to_json(), "metrics": rows}
    path.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return plot_lines + _leakage_markdown(report, rows), [*written, path]


def _run_reader() -> Callable[[ResultEntry], Run | None]:
    """Reads each entry's run file once; ``None`` (logged) when it is missing."""
    cache: dict[str, Run | None] = {}

    def run_of(entry: ResultEntry) -> Run | None:
        if entry.run not in cache:
            try:
                cache[entry.run] = read_run(entry.run)
            except BadInput as e:
                logger.warning("skipping %s/%s/%s: %s", entry.protocol, entry.queries, entry.system, e)
                cache[entry.run] = None
        return cache[entry.run]

    return run_of


def _entry_qids(data: EvalData, queries: str) -> list[str]:
    return scored_qids(data, queries)


def _win_loss_section(
    entries: list[ResultEntry], data: EvalData, run_of: Callable[[ResultEntry], Run | None], plot_dir: Path
) -> tuple[list[str], list[Path]]:
    """Per-query AP of every lecard-v1 ``official`` system against bm25-facts on the same queries."""
    protocol = get_protocol(LECARD_V1, "official")
    by_key = {e.key: e for e in entries}
    lines = [
        WIN_LOSS_TITLE,
        "",
        "Per-query AP on lecard-v1 `official`, system minus bm25-facts, sorted (green: win, red: loss).",
        "",
        "| system | queries | wins | ties | losses | plot |",
        "|---|---|---|---|---|---|",
    ]
    written: list[Path] = []
    for e in sorted(entries, key=lambda e: e.key):
        if (
            e.dataset != LECARD_V1
            or e.protocol != "official"
            or e.queries not in PLOT_QUERIES
            or e.system == BASELINE
        ):
            continue
        base = by_key.get((LECARD_V1, "official", e.queries, BASELINE)) or by_key.get(
            (LECARD_V1, "official", "all", BASELINE)
        )
        if base is None:
            continue
        run, base_run = run_of(e), run_of(base)
        if run is None or base_run is None:
            continue
        qids = _entry_qids(data, e.queries)
        ap, base_ap = (
            {q: s["MAP"] for q, s in protocol.evaluate(r, data, qids).per_query.items()}
            for r in (run, base_run)
        )
        out = plot_dir / f"official-{e.system.replace(':', '-')}.{e.queries}.png"
        counts = plot_win_loss(
            ap, base_ap, out, f"lecard-v1 official, queries {e.queries}: {e.system} vs {BASELINE}"
        )
        lines.append(
            f"| {e.system} | {e.queries} | {counts.wins} | {counts.ties} | {counts.losses} | "
            f"[png](plots/{out.name}) |"
        )
        written.append(out)
    if not written:
        return [
            WIN_LOSS_TITLE,
            "",
            "_No lecard-v1 `official` system to compare with bm25-facts yet._",
            "",
        ], []
    return lines + [""] + [f"![{p.stem}](plots/{p.name})" for p in written] + [""], written


def _audit(queries: list[Any], data: EvalData, case_facts: Callable[[str], str]) -> LeakageReport:
    corpus = sorted(data.corpus_ids or (), key=id_sort_key)
    return audit_leakage({q.qid: q.text for q in queries}, case_facts, data.pools, corpus, qrels=data.qrels)


def _leakage_metrics(
    entries: list[ResultEntry],
    data: EvalData,
    run_of: Callable[[ResultEntry], Run | None],
    report: LeakageReport,
) -> list[dict[str, Any]]:
    """Metrics of every recorded lecard-v1 run (``all``/``cv5``) before and after removing the leaks."""
    leaked = report.leaked_ids()
    rows = []
    for e in sorted(entries, key=lambda e: e.key):
        if e.dataset != LECARD_V1 or e.protocol not in LEAKAGE_PROTOCOLS or e.queries not in PLOT_QUERIES:
            continue
        run = run_of(e)
        if run is None:
            continue
        before, after = metrics_without_leaked(
            get_protocol(LECARD_V1, e.protocol), data, run, _entry_qids(data, e.queries), leaked
        )
        rows.append(
            {
                "protocol": e.protocol,
                "queries": e.queries,
                "system": e.system,
                "run": e.run,
                "before": _rounded(before),
                "after": _rounded(after),
                "delta": _rounded({m: after[m] - before[m] for m in before}),
            }
        )
    return rows


def _rounded(metrics: dict[str, float]) -> dict[str, float]:
    return {m: round(v, 4) for m, v in metrics.items()}


def _leakage_markdown(report: LeakageReport, rows: list[dict[str, Any]]) -> list[str]:
    s = report.summary()
    grades = ", ".join(f"{g}: {n}" for g, n in s.pool_grades.items()) or "none"
    lines = [
        LEAKAGE_TITLE,
        "",
        f"LeCaRD v1 queries are fact sections of judgments from the corpus the pools were drawn from. "
        f"Containment = share of a query's character {report.ngram}-grams (NFKC, letters and digits only, "
        f"n-grams touching an anonymised 某 left out) found in a document's facts; a document at or above "
        f"{report.threshold} counts as leaked (the query's own judgment, another instance or a co-defendant's "
        f"judgment of the same case: the threshold sits in the empty gap of the distribution, see "
        f"`lcr/eval/leakage.py`). Full findings: `leakage.json`.",
        "",
        f"* Queries with a leaked document in their pool: **{s.queries_leaked_in_pool}** of {s.queries} "
        f"({s.leaked_docs_in_pool} documents; grades {grades}).",
        f"* Queries with a leaked document anywhere in the {report.corpus_size:,}-document corpus: "
        f"**{s.queries_leaked_in_corpus}** ({s.leaked_docs_in_corpus} documents).",
        "* Queries per bin of best containment in the corpus: "
        + ", ".join(f"{b}: {n}" for b, n in s.best_corpus_histogram.items())
        + ".",
        "",
        "| query | best in pool | leaked documents (containment, where, grade) |",
        "|---|---|---|",
    ]
    for q in report.queries:
        if not q.leaked:
            continue
        docs = ", ".join(
            f"{d.doc_id} ({d.containment:.2f}, {'pool' if d.in_pool else 'corpus'}, "
            f"{'unlabelled' if d.grade is None else f'grade {d.grade}'})"
            for d in q.leaked
        )
        lines.append(f"| {q.qid} | {q.best_pool:.2f} ({q.best_pool_id}) | {docs} |")
    lines += [
        "",
        "Metrics with each query's leaked documents removed from the run, its judgments and its "
        "candidates (Δ = after − before):",
        "",
    ]
    metrics = [m for m in LEAKAGE_METRICS if any(m in r["before"] for r in rows)]
    lines += [
        "| protocol | queries | system | " + " | ".join(f"{m} before | after | Δ" for m in metrics) + " |",
        "|---" * (3 + 3 * len(metrics)) + "|",
    ]
    for r in rows:
        cells = [
            f"{r['before'][m]:.3f} | {r['after'][m]:.3f} | {round(r['delta'][m], 3) + 0.0:+.3f}"
            if m in r["before"]
            else " | | "
            for m in metrics
        ]
        lines.append(f"| {r['protocol']} | {r['queries']} | {r['system']} | " + " | ".join(cells) + " |")
    return lines + [""]
