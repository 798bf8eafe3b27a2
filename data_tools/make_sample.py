"""Write a small LeCaRD v1 sample in exactly the shared layout, so the LeCaRD loaders read it unchanged.

    python -m data_tools.make_sample --source ../shared/data/lecard --out data_tools/sample/lecard

Queries: walk all queries from the smallest to the largest total size of their labelled documents
(ties by the order of the label file) and take a query when it brings a charge not yet taken, until
``--queries`` are chosen: diverse charges in a few MB.  Documents: every labelled candidate of those
queries, plus the first ``--unlabelled`` unlabelled ones of each query's combined top-100 run (ranks
31+, the pool's hardest negatives).  Every file is restricted to those queries and documents, keeping
the original order; query and candidate lines are copied byte for byte.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import shutil
from pathlib import Path
from typing import Any

from data_tools.lecard import LecardV1, load_lecard_v1

logger = logging.getLogger(__name__)


def document_sizes(candidates: Path) -> dict[str, int]:
    """Bytes of each candidate's JSON line."""
    with gzip.open(candidates, "rb") as fh:
        return {str(json.loads(line)["cid"]): len(line) for line in fh if line.strip()}


def choose_queries(data: LecardV1, n: int, sizes: dict[str, int]) -> list[str]:
    """``n`` queries, smallest labelled documents first, each adding at least one new charge; returned
    in label-file order."""
    charges = {q.qid: q.charges for q in data.queries}
    order = {qid: i for i, qid in enumerate(data.query_order)}
    by_size = sorted(data.query_order, key=lambda q: (sum(sizes.get(c, 0) for c in data.qrels[q]), order[q]))
    chosen: list[str] = []
    seen: set[str] = set()
    for qid in by_size:
        if set(charges.get(qid, [])) - seen:
            chosen.append(qid)
            seen.update(charges[qid])
        if len(chosen) == n:
            break
    return sorted(chosen, key=order.__getitem__)


def choose_documents(data: LecardV1, qids: list[str], unlabelled: int) -> dict[str, set[str]]:
    """Per query: its labelled ids plus the first ``unlabelled`` unlabelled ids of its combined run."""
    run = json.loads((data.root / "prediction" / "combined_top100.json").read_text(encoding="utf-8"))
    chosen: dict[str, set[str]] = {}
    for qid in qids:
        labelled, pool = set(data.qrels[qid]), set(data.pools[qid])
        extra = [cid for cid in map(str, run[qid]) if cid not in labelled and cid in pool]
        chosen[qid] = labelled | set(extra[:unlabelled])
    return chosen


def _restrict(mapping: dict[str, Any], keep: dict[str, set[str]]) -> dict[str, Any]:
    """``mapping`` limited to the kept queries (original key order) and, inside, to kept ids."""
    out: dict[str, Any] = {}
    for qid, value in mapping.items():
        if qid in keep:
            if isinstance(value, dict):
                out[qid] = {cid: g for cid, g in value.items() if cid in keep[qid]}
            else:
                out[qid] = [cid for cid in value if str(cid) in keep[qid]]
    return out


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")


def _copy_lines(source: Path, out: Path, key: str, keep: set[str]) -> int:
    """Copy the JSON lines whose ``key`` is in ``keep``, byte for byte; gzip output has no timestamp."""
    opener = gzip.open if source.suffix == ".gz" else open
    count = 0
    with opener(source, "rb") as src, open(out, "wb") as raw:
        dst = gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") if out.suffix == ".gz" else raw
        for line in src:
            if line.strip() and str(json.loads(line)[key]) in keep:
                dst.write(line)
                count += 1
        if dst is not raw:
            dst.close()
    return count


_README = """# LeCaRD v1 sample (bundled with lcr)

A small subset of **LeCaRD** (Legal Case Retrieval Dataset), Ma et al., *LeCaRD: A Legal Case
Retrieval Dataset for Chinese Law System*, SIGIR 2021, https://github.com/myx666/LeCaRD.
Licence: MIT, Copyright (c) 2021 myx666 (see `LICENSE.txt`, copied verbatim). Candidate texts come
from the full LeCaRD candidate set.

## Contents

* {n_queries} queries: {qids}
* {n_docs} candidate documents: every labelled candidate of these queries, plus up to {unlabelled}
  unlabelled candidates per query (the first unlabelled ids of its `prediction/combined_top100.json`,
  i.e. ranks 31+).
* `query.json`, `candidates.jsonl.gz`, `label_top30_dict.json`, `golden_labels.json`,
  `candidate_pools.json`, `prediction/combined_top100.json`: the same layout and formats as the full
  dataset, restricted to these queries and documents (original order kept; query and candidate lines
  are byte-identical copies).

## How it was made

    python -m data_tools.make_sample --source <LeCaRD folder> --out data_tools/sample/lecard \\
        --queries {n_queries} --unlabelled {unlabelled}

Queries are taken from the smallest to the largest total size of their labelled documents, skipping a
query that brings no charge not already taken (diverse charges in a few MB). Pools list only the
included documents, so unlabelled pool documents beyond those are missing: scores on this sample are
for smoke tests, not comparable with published numbers. The official subsets (`common`, `test`, …) are
defined by positions in the full label file and do not carry over to the sample.
"""


def make_sample(source: Path, out: Path, n_queries: int = 12, unlabelled: int = 10) -> dict[str, set[str]]:
    """Write the sample into ``out``; returns the chosen ``{query id: document ids}``."""
    data = load_lecard_v1(source, on_error="raise")
    qids = choose_queries(data, n_queries, document_sizes(source / "candidates.jsonl.gz"))
    keep = choose_documents(data, qids, unlabelled)
    docs = set().union(*keep.values())
    out.mkdir(parents=True, exist_ok=True)
    for name in (
        "label_top30_dict.json",
        "golden_labels.json",
        "candidate_pools.json",
        "prediction/combined_top100.json",
    ):
        _write_json(out / name, _restrict(json.loads((source / name).read_text(encoding="utf-8")), keep))
    n_lines = _copy_lines(source / "query.json", out / "query.json", "ridx", set(qids))
    n_docs = _copy_lines(source / "candidates.jsonl.gz", out / "candidates.jsonl.gz", "cid", docs)
    shutil.copyfile(source / "LICENSE.txt", out / "LICENSE.txt")
    readme = _README.format(n_queries=len(qids), qids=", ".join(qids), n_docs=n_docs, unlabelled=unlabelled)
    (out / "README.md").write_text(readme, encoding="utf-8")
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    logger.info("wrote %d queries, %d documents to %s (%.2f MB)", n_lines, n_docs, out, size / 1e6)
    return keep


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True, help="LeCaRD folder in the shared layout")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--queries", type=int, default=12)
    parser.add_argument("--unlabelled", type=int, default=10, help="unlabelled documents per query")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    make_sample(args.source, args.out, args.queries, args.unlabelled)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
