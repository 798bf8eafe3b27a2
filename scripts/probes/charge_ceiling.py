"""How often the charges that a query's relevant precedents carry agree with the query's ``crime`` field
(probe, stop 22): the most common charge among each query's grade-3 candidates, among its 30 labelled
candidates and among its whole pool, scored as a top-1 prediction of ``crime``. These read the judged
judgments, so they are oracles of what neighbour voting can reach, not predictors.

Usage: charge_ceiling.py
"""
import collections

from harness import *

CHARGES = case_charges()
splits = {name: [q for q in ds.split(name) if q in queries and queries[q].charges]
          for name in ("all", "common", "controversial")}


def majority(ids):
    votes = collections.Counter(c for d in ids for c in CHARGES.get(d, ()))
    return votes.most_common(1)[0][0] if votes else None


readers = {"grade-3 majority": lambda q: [d for d, g in ds.qrels[q].items() if g == 3],
           "labelled-30 majority": lambda q: list(ds.qrels[q]),
           "pool majority": lambda q: list(ds.pools[q])}
for name, ids in readers.items():
    row = {s: sum(majority(ids(q)) in queries[q].charges for q in qs) / len(qs) for s, qs in splits.items()}
    print(f"{name:22s}", "  ".join(f"{s} {v:.3f} ({len(splits[s])})" for s, v in row.items()))
