"""The published LeCaRD v1 runs lcr is compared with (``shared/data/anchors``: KELLER, SAILER zero-shot
and fine-tuned, fine-tuned BERT; MIT), as lcr runs, so lcr's own protocols score them beside its systems.

The JSON files are ``{query_ridx: {candidate_id: score}}`` (higher is better) over each query's labelled
candidates (105 queries: 6816 and 2403 are absent); the TREC file ranks each query's whole pool (107
queries). ``python -m data_tools.anchors --source DIR --out DIR`` writes each as ``<name>.trec.gz``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from lcr.errors import BadInput
from lcr.eval.trec import read_run, write_run
from lcr.records import Run

#: file in the anchors folder -> run name (also the system name lcr's catalogue records)
ANCHORS = {
    "KELLER_LeCaRD_best_finetuned.json": "anchor-keller",
    "SAILER_LeCaRD_zeroshot.json": "anchor-sailer-zeroshot",
    "SAILER_LeCaRD_best_finetuned.json": "anchor-sailer-finetuned",
    "BERT_LeCaRD_best_finetuned.json": "anchor-bert-finetuned",
    "SAILER_LeCaRD_zeroshot.pool.trec": "anchor-sailer-zeroshot-pool",
}


def load_anchor(path: Path) -> Run:
    """One anchor file as a run (query and case ids as strings, scores as floats)."""
    if path.suffix == ".trec":
        return read_run(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {str(q): {str(c): float(s) for c, s in docs.items()} for q, docs in raw.items()}
    except (ValueError, AttributeError, TypeError) as exc:
        raise BadInput(f"{path}: not a {{query: {{candidate: score}}}} JSON run ({exc})") from None


def convert(source: Path, out: Path) -> list[Path]:
    """Write every anchor found in ``source`` as ``out/<name>.trec.gz``; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for file, name in ANCHORS.items():
        if (source / file).is_file():
            path = out / f"{name}.trec.gz"
            write_run(load_anchor(source / file), path, tag=name)
            written.append(path)
    if not written:
        raise BadInput(f"no anchor file ({', '.join(ANCHORS)}) in {source}")
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, required=True, help="the anchors folder (shared/data/anchors)")
    parser.add_argument("--out", type=Path, required=True, help="where the .trec.gz runs go")
    args = parser.parse_args(argv)
    for path in convert(args.source, args.out):
        print(path)


if __name__ == "__main__":
    main()
