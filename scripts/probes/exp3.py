"""Per-voter charge priors as separate RankSVM features (voter distributions from ``voters.py``)."""
import json
import sys

from harness import *

folds = load(sys.argv[1]); which = sys.argv[2].split(",")
V = json.load(open(f"{OUT}/voters.json"))
legal = case_charges()


def add(values):
    out = {}
    for q, cases in values.items():
        out[q] = {}
        for c, f in cases.items():
            g = dict(f)
            for v in which:
                d = V[q][v]
                g[f"prior_{v}"] = min(1.0, sum(d.get(ch, 0.0) for ch in legal.get(c, [])))
                top = next(iter(sorted(d, key=lambda k: -d[k])), None)
                g[f"top1_{v}"] = float(top in legal.get(c, []))
            out[q][c] = g
    return out


names = tuple(x for v in which for x in (f"prior_{v}", f"top1_{v}"))
m, n, hm, *_ = evaluate_added(folds, add, names)
print(f"voters {which} official MAP {m:.4f} NDCG@30 {n:.4f} hard MAP {hm:.4f}", flush=True)
