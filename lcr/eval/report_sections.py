"""Report sections about variants of one system: its seeds, its charge-hint rows, its short-query rows,
and its per-query wins and losses against the published systems.

Each entry's :class:`~lcr.system_spec.SystemSpec` says how it varies the shipped system (another seed,
sentence count, LCM-LAI variant or encoder, a charge hint); a query set ``<set>-short`` holds the short form
of the same queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import numpy as np

from lcr.eval.data import EvalData
from lcr.eval.protocols import get_protocol
from lcr.eval.querysets import SHORT_QUERY_CHARS, SHORT_SUFFIX, scored_qids
from lcr.eval.results import ResultEntry
from lcr.records import Run

LECARD_V1 = "lecard-v1"
SEED_METRICS = ("MAP", "NDCG@30", "R@100")


def seed_groups(entries: list[ResultEntry]) -> dict[tuple[str, str, str], list[ResultEntry]]:
    """(protocol, queries, base system) -> its entries over seeds, for systems catalogued with several."""
    groups: dict[tuple[str, str, str], list[ResultEntry]] = defaultdict(list)
    for e in entries:
        if e.dataset == LECARD_V1:
            groups[(e.protocol, e.queries, e.spec.without_seed().name)].append(e)
    return {k: sorted(v, key=lambda e: e.system) for k, v in groups.items()
            if len(v) > 1 and any(e.spec.seed is not None for e in v)}


def seed_stats(group: list[ResultEntry], metric: str) -> tuple[float, float] | None:
    """Mean and half the range (max − min) / 2 of ``metric`` over a seed group."""
    values = [e.metrics[metric] for e in group if metric in e.metrics]
    if len(values) < 2:
        return None
    return float(np.mean(values)), (max(values) - min(values)) / 2


def seeds_markdown(entries: list[ResultEntry]) -> list[str]:
    groups = seed_groups(entries)
    if not groups:
        return []
    lines = ["## Seeds", "",
             "Learned systems trained with several seeds (the shipped config's seed 13, and "
             "`experiments/configs/lcm-lai-seed<N>.json`): mean ± half the range over the seeds.", "",
             "| system | protocol | queries | seeds | MAP | NDCG@30 | R@100 |", "|---|---|---|---|---|---|---|"]
    for (protocol, queries, system), group in sorted(groups.items()):
        cells = []
        for m in SEED_METRICS:
            s = seed_stats(group, m)
            cells.append(f"{s[0]:.3f} ± {s[1]:.3f}" if s else "")
        lines.append(f"| {system} | `{protocol}` | {queries} | {len(group)} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def headline_seed_line(entries: list[ResultEntry], system: str) -> list[str]:
    """One sentence: ``system``'s mean over its seeds under each protocol it has several for."""
    parts = []
    for (protocol, queries, base), group in sorted(seed_groups(entries).items()):
        if base != system or queries != "cv5":
            continue
        stats = [(m, seed_stats(group, m)) for m in SEED_METRICS]
        parts.append(f"`{protocol}` " + ", ".join(f"{m} {s[0]:.3f} ± {s[1]:.3f}" for m, s in stats if s))
    if not parts:
        return []
    n = len(next(g for (_, q, b), g in seed_groups(entries).items() if b == system and q == "cv5"))
    return [f"**{system}** over {n} seeds (mean ± half the range): " + "; ".join(parts) + ".", ""]


def variants_markdown(entries: list[ResultEntry]) -> list[str]:
    """The charge-hint rows and the short-query rows, each beside the system they vary."""
    by = {e.key: e for e in entries if e.dataset == LECARD_V1}
    lines: list[str] = []
    hinted = sorted((e for e in by.values() if e.spec.charge_hint and e.spec.seed is None), key=lambda e: e.key)
    if hinted:
        lines += ["## With a charge hint", "",
                  "`<system>+hint`: each query is given its true charges (`crime`) as the user's charge hint, "
                  "which boosts cases of those charges and never filters. This is what a lawyer who knows "
                  "the charge gets; it is not a fact-only number.", "",
                  "| protocol | queries | system | MAP | NDCG@30 | without the hint: MAP | NDCG@30 |",
                  "|---|---|---|---|---|---|---|"]
        for e in hinted:
            plain = by.get((e.dataset, e.protocol, e.queries, e.spec.model_copy(update={"charge_hint": False}).name))
            pm = (f"{plain.metrics['MAP']:.3f} | {plain.metrics['NDCG@30']:.3f}" if plain else " | ")
            lines.append(f"| `{e.protocol}` | {e.queries} | {e.system} | {e.metrics['MAP']:.3f} | "
                         f"{e.metrics['NDCG@30']:.3f} | {pm} |")
        lines.append("")
    short = sorted((e for e in by.values() if e.queries.endswith(SHORT_SUFFIX)), key=lambda e: e.key)
    if short:
        lines += ["## Short queries", "",
                  f"`<set>{SHORT_SUFFIX}`: the same queries cut to what a user types: whole sentences from the "
                  f"start while they fit in {SHORT_QUERY_CHARS} characters (at least one, cut at "
                  f"{SHORT_QUERY_CHARS}); judged against the same labels.", "",
                  "| protocol | system | queries | MAP | NDCG@30 | R@100 | full queries: MAP | NDCG@30 | R@100 |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for e in short:
            full = by.get((e.dataset, e.protocol, e.queries.removesuffix(SHORT_SUFFIX), e.system))

            def cells(x: ResultEntry | None) -> str:
                return " | ".join(f"{x.metrics[m]:.3f}" if x and m in x.metrics else "" for m in SEED_METRICS)
            lines.append(f"| `{e.protocol}` | {e.system} | {e.queries} | {cells(e)} | {cells(full)} |")
        lines.append("")
    return lines


def paired_p_values(diff: np.ndarray, seed: int = 13) -> tuple[float, float]:
    """Two-sided p-values of a mean per-query difference: paired t-test and a paired randomisation test
    (each query's sign flipped at random, 10,000 resamples, fixed seed so the report is reproducible)."""
    from scipy import stats

    if len(diff) < 2 or not np.any(diff):
        return 1.0, 1.0
    t = stats.ttest_rel(diff, np.zeros_like(diff)).pvalue
    flip = stats.permutation_test((diff,), np.mean, permutation_type="samples", n_resamples=10_000,
                                  alternative="two-sided", rng=np.random.default_rng(seed)).pvalue
    return float(t), float(flip)


def anchor_wins_markdown(entries: list[ResultEntry], data: EvalData, run_of: Callable[[ResultEntry], Run | None],
                         system: str, anchor_prefix: str = "anchor-", baseline: str = "bm25-facts") -> list[str]:
    """Per-query AP (``official``) of ``system`` (cv5) against each published run, on the queries that run
    covers, and against ``baseline``; with paired significance tests."""
    protocol = get_protocol(LECARD_V1, "official")
    ours = next((e for e in entries if e.dataset == LECARD_V1 and e.protocol == "official"
                 and e.queries == "cv5" and e.system == system), None)
    anchors = sorted((e for e in entries if e.dataset == LECARD_V1 and e.protocol == "official"
                      and e.system.startswith(anchor_prefix)), key=lambda e: e.key)
    anchors += [e for e in entries if e.dataset == LECARD_V1 and e.protocol == "official"
                and e.queries == "all" and e.system == baseline]
    run = run_of(ours) if ours else None
    if ours is None or run is None or not anchors:
        return []
    lines = [f"## {system} against the published systems, query by query", "",
             f"Per-query AP under `official`: {system} (cv5) against each published run, on the queries that "
             f"run covers (its absent queries left out), and against {baseline}. A win is a higher AP by more "
             "than 0.001. p: two-sided, of the mean AP difference, by a paired t-test and by a paired "
             "randomisation test (signs flipped per query, 10,000 resamples, seed 13).", "",
             "| run | queries | wins | ties | losses | mean AP: ours | theirs | p (paired t) | p (randomisation) |",
             "|---|---|---|---|---|---|---|---|---|"]
    qids = scored_qids(data, "cv5")
    our_ap = {q: s["MAP"] for q, s in protocol.evaluate(run, data, qids).per_query.items()}
    for a in anchors:
        their_run = run_of(a)
        if their_run is None:
            continue
        covered = [q for q in qids if q in their_run]
        their_ap = {q: s["MAP"] for q, s in protocol.evaluate(their_run, data, covered).per_query.items()}
        diff = np.array([our_ap[q] - their_ap[q] for q in covered])
        p_t, p_flip = paired_p_values(diff)
        lines.append(f"| {a.system} | {len(covered)} | {(diff > 1e-3).sum()} | {(abs(diff) <= 1e-3).sum()} | "
                     f"{(diff < -1e-3).sum()} | {np.mean([our_ap[q] for q in covered]):.3f} | "
                     f"{np.mean([their_ap[q] for q in covered]):.3f} | {p_t:.3g} | {p_flip:.3g} |")
    return [*lines, ""]


def query_lap_markdown(lap: dict) -> list[str]:
    """The query side of LAP from ``reports/lap.json``: each charge predictor's top-1 accuracy, charge-set
    and article-set F1 on the LeCaRD queries (all / common / controversial), and the pseudo-query table
    the product's voter weights were chosen on."""
    side = lap.get("query_side")
    if not side:
        return []
    product = lap.get("query_side_product", "combined")
    lines = ["## Query side: the charges predicted from the facts alone", "",
             "Each LeCaRD query's true charges (`crime`) only score the predictions (cv5: each query by its fold's "
             f"models). The product's predictor is `{product}`; `*-no-duplicates` rows drop the query's own "
             "judgment and near-copies from the neighbours (a production query has no copy of itself in the "
             "corpus). Source: `reports/lap.json` (`lcr lap-report`).", "",
             "| predictor | top-1 (all) | top-1 common | top-1 controversial | charge-set F1 | article-set F1 |",
             "|---|---|---|---|---|---|"]
    for name, splits in side.items():
        a, c, k = splits.get("all", {}), splits.get("common", {}), splits.get("controversial", {})
        label = f"**{name}**" if name == product else name
        lines.append(f"| {label} | {a.get('top1_charge_accuracy', 0):.3f} ({a.get('queries', 0)}) | "
                     f"{c.get('top1_charge_accuracy', 0):.3f} | {k.get('top1_charge_accuracy', 0):.3f} | "
                     f"{a.get('charge_set_f1', 0):.3f} | {a.get('article_set_f1', 0):.3f} |")
    pseudo = lap.get("pseudo_query_side")
    if pseudo:
        singles = ", ".join(f"{n} {v:.3f}" for n, v in sorted(pseudo["top1_single"].items()))
        chosen = ", ".join(f"{n} {w:g}" for n, w in sorted(pseudo["selected"].items()))
        lines += ["", f"Voter weights, chosen without the queries: on {pseudo['pseudo_queries']} held-out "
                  f"judgments made query-like (sentences naming the charge or the prosecution removed, first "
                  f"{pseudo['chars']} characters; neighbours without the judgment or its near-copies), top-1 "
                  f"alone: {singles}; equal weights {pseudo['top1_equal']:.3f}; selected ({chosen}) "
                  f"{pseudo['top1_selected']:.3f}. The same predictors are far weaker on LeCaRD's queries, "
                  "which were chosen to include confusable charges."]
    return [*lines, ""]
