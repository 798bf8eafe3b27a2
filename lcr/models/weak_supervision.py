"""Weak supervision for LCM-LAI's matching from the corpus itself (no query judgment is read).

LeCaRD has 107 judged queries; its corpus has thousands of judgments whose charges are exact (parsed from
each judgment). A judgment's fact sentences, minus any that names a charge, read like a query, and the
other judgments of the same candidate pool are topically close (the pool was retrieved for one case), so
ranking them by charge agreement is a hard, legally meaningful task: the one LeCaRD's top grades reward.

Each pseudo-query's candidates are graded 2 (the same charge set), 1 (overlapping charges) or 0.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from lcr.encode.sentence_store import SentenceStore
from lcr.records import Qrels

#: A sentence naming a charge ("…构成盗窃罪", "罪名"); 犯罪 alone (犯罪嫌疑人, 犯罪事实) names none.
_NAMES_CHARGE = re.compile(r"(?<!犯)罪")

SAME_ARTICLES, SAME_CHARGES, OVERLAPPING_CHARGES, OTHER_CHARGES = 3, 2, 1, 0
#: Candidates of one pseudo-query per training step (a pool's union can hold a few hundred).
PSEUDO_CANDIDATES = 32


def charge_grade(mine: set[str], other: set[str], my_articles: frozenset[str] | None = None,
                 other_articles: frozenset[str] | None = None) -> int:
    """With articles: the same charges *and* the same cited articles (the general part's circumstances:
    surrender, recidivism, attempt, …) rank above the same charges alone."""
    if mine == other:
        same = my_articles is not None and my_articles == other_articles
        return SAME_ARTICLES if same else SAME_CHARGES
    return OVERLAPPING_CHARGES if mine & other else OTHER_CHARGES


def pseudo_groups(pools: Mapping[str, Sequence[str]], case_charges: Mapping[str, Sequence[str]],
                  train_qids: Iterable[str], available: SentenceStore,
                  case_articles: Mapping[str, frozenset[str]] | None = None) -> Qrels:
    """Pseudo-query -> graded candidates, from the pools of ``train_qids``.

    A judgment that also lies in the pool of a query outside ``train_qids`` is left out (as pseudo-query
    and as candidate), so no evaluated query's candidates shape the model it is scored with."""
    train = set(train_qids)
    outside = {c for q, pool in pools.items() if q not in train for c in pool}
    groups: Qrels = {}
    for q in sorted(train):
        pool = [c for c in pools.get(q, ()) if case_charges.get(c) and c not in outside and c in available]
        for c in pool:  # a judgment in several pools ranks the union of them
            mine = set(case_charges[c])
            arts = case_articles.get(c) if case_articles is not None else None
            groups.setdefault(c, {}).update({
                d: charge_grade(mine, set(case_charges[d]), arts,
                                case_articles.get(d) if case_articles is not None else None)
                for d in pool if d != c})
    # a group whose candidates all tie teaches nothing
    return {c: graded for c, graded in groups.items() if len(set(graded.values())) > 1}


def pseudo_query_store(cases: SentenceStore, ids: Sequence[str]) -> SentenceStore:
    """The sentences of ``ids`` without those naming a charge: what a pseudo-query reads."""
    kept_ids, sents, parts = [], [], []
    for c in ids:
        texts = cases.texts(c)
        emb = cases.embeddings(c)
        keep = [i for i, t in enumerate(texts) if not _NAMES_CHARGE.search(t)]
        if not keep:
            continue
        kept_ids.append(c)
        sents.append([texts[i] for i in keep])
        parts.append(emb[keep])
    return SentenceStore.from_parts(kept_ids, sents, parts, cases.encoder_name, cases.emb.shape[1])
