"""The published LeCaRD v1 runs lcr is compared with (``shared/data/anchors``: KELLER, SAILER zero-shot
and fine-tuned, fine-tuned BERT, all MIT), as lcr runs, so lcr's own protocols score them beside its
systems.

Each file's *order* is the authors' ranking, and the converted run keeps exactly that order:

* ``*.json``: ``{query_ridx: {candidate_id: score}}`` over each query's labelled candidates (105 queries;
  6816 and 2403 are absent), each query's candidates listed best first. KELLER's evaluation
  (``Metrics.py``) reads that key order, not the scores, and the files were written sorted by
  ``(score, id string)`` descending, so equal scores (KELLER's half-precision scores tie 191 times) are
  ordered by descending id *string*. lcr breaks ties by ascending id, so keeping the raw scores would
  re-order those ties (KELLER official MAP .664 instead of .668 on its 105 queries).
* ``*.trec``: ``qid Q0 docid rank score tag`` over each query's whole pool (107 queries); the rank column
  (a rank in a longer list, not 1..n) orders the documents, ties in score included.

Either way a listing that contradicts its own scores (a score rising down the list) is refused. The run
gets scores ``n - position`` (``n`` = documents listed for the query), which :func:`lcr.records.ranking`
turns back into the published order; ids are strings.

``python -m data_tools.anchors`` converts every anchor once into
``<reports>/runs/lecard-v1/anchors/<name>.trec.gz``, with the licences and a README naming the sources.
"""

from __future__ import annotations

import argparse
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from data_tools.trec import write_run
from lcr.errors import BadInput
from lcr.paths import data_home, reports_dir
from lcr.records import Run

KELLER_SOURCE = ("ChenlongDeng/KELLER @ 6d9d6a60d68169c82869594b594d9965fcb5e111, "
                 "`examples/评估不同查询集合下的排序结果/ranking_results/`")
SAILER_SOURCE = "CSHaitao/SAILER @ f5bfb4263b3f227fd800c3555debb6186f89fd75, `result/SAILER_LeCaRD`"


@dataclass(frozen=True)
class Anchor:
    """One published run: its file in the anchors folder, the run (and catalogue system) name."""

    file: str
    name: str
    system: str
    covers: str
    source: str
    licence: str


ANCHORS = (
    Anchor("KELLER_LeCaRD_best_finetuned.json", "anchor-keller",
           "KELLER (Deng et al., 2024): sub-fact reformulation, SAILER-initialised encoder fine-tuned on "
           "LeCaRDv2 (a cross-dataset transfer)", "labelled candidates, 105 queries (6816, 2403 absent)",
           KELLER_SOURCE, "LICENSE.KELLER"),
    Anchor("SAILER_LeCaRD_zeroshot.json", "anchor-sailer-zeroshot", "SAILER zero-shot (legal pre-trained encoder)",
           "labelled candidates, 105 queries", KELLER_SOURCE, "LICENSE.KELLER"),
    Anchor("SAILER_LeCaRD_best_finetuned.json", "anchor-sailer-finetuned", "SAILER fine-tuned",
           "labelled candidates, 105 queries", KELLER_SOURCE, "LICENSE.KELLER"),
    Anchor("BERT_LeCaRD_best_finetuned.json", "anchor-bert-finetuned", "Chinese BERT fine-tuned",
           "labelled candidates, 105 queries", KELLER_SOURCE, "LICENSE.KELLER"),
    Anchor("SAILER_LeCaRD_zeroshot.pool.trec", "anchor-sailer-zeroshot-pool", "SAILER zero-shot, TREC run",
           "whole pool (~100 documents), 107 queries", SAILER_SOURCE, "LICENSE.SAILER"),
)
ANCHOR_BY_NAME = {a.name: a for a in ANCHORS}


def default_source() -> Path:
    """``<data>/anchors`` (see :mod:`lcr.paths`)."""
    return data_home() / "anchors"


def default_out() -> Path:
    """``<reports>/runs/lecard-v1/anchors``."""
    return reports_dir() / "runs" / "lecard-v1" / "anchors"


def load_anchor(path: str | Path) -> Run:
    """One anchor file (``.json`` or ``.trec``) as a run in its published order (module docstring)."""
    path = Path(path)
    listed = _trec_listing(path) if path.suffix == ".trec" else _json_listing(path)
    run: Run = {}
    for qid, docs in listed.items():
        ids = [d for d, _ in docs]
        if len(set(ids)) != len(ids):
            raise BadInput(f"{path}: query {qid!r} lists a document twice")
        scores = [s for _, s in docs]
        rising = next((i for i in range(1, len(scores)) if scores[i] > scores[i - 1]), None)
        if rising is not None:
            raise BadInput(f"{path}: query {qid!r}: score rises down the list at {ids[rising]!r} "
                           f"({scores[rising - 1]!r} then {scores[rising]!r}); not a best-first listing")
        run[qid] = {d: float(len(ids) - i) for i, d in enumerate(ids)}
    return run


def _json_listing(path: Path) -> dict[str, list[tuple[str, float]]]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInput(f"{path}: unreadable JSON run ({exc})") from None
    if not isinstance(raw, dict):
        raise BadInput(f"{path}: not a {{query: {{candidate: score}}}} JSON run")
    out = {}
    for qid, docs in raw.items():
        if not isinstance(docs, dict) or not all(isinstance(s, int | float) for s in docs.values()):
            raise BadInput(f"{path}: query {qid!r}: not a {{candidate: score}} map")
        out[str(qid)] = [(str(d), float(s)) for d, s in docs.items()]
    return out


def _trec_listing(path: Path) -> dict[str, list[tuple[str, float]]]:
    rows: dict[str, list[tuple[int, str, float]]] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path}: unreadable TREC run ({exc})") from None
    for lineno, line in enumerate(lines, start=1):
        cols = line.split()
        if not cols:
            continue
        if len(cols) != 6:
            raise BadInput(f"{path}:{lineno}: expected 'qid Q0 docid rank score tag', got {len(cols)} columns")
        qid, _, doc, rank, score, _ = cols
        try:
            rows.setdefault(qid, []).append((int(rank), doc, float(score)))
        except ValueError:
            raise BadInput(f"{path}:{lineno}: rank {rank!r} or score {score!r} is not a number") from None
    out = {}
    for qid, docs in rows.items():
        ranks = [r for r, _, _ in docs]
        if len(set(ranks)) != len(ranks):
            raise BadInput(f"{path}: query {qid!r} repeats a rank")
        out[qid] = [(d, s) for _, d, s in sorted(docs)]
    return out


def convert(source: Path | None = None, out: Path | None = None) -> list[Path]:
    """Write every anchor found in ``source`` as ``out/<name>.trec.gz``, with the licences and a README;
    returns the runs written."""
    source = source if source is not None else default_source()
    out = out if out is not None else default_out()
    found = [a for a in ANCHORS if (source / a.file).is_file()]
    if not found:
        raise BadInput(f"no anchor file ({', '.join(a.file for a in ANCHORS)}) in {source}")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for anchor in found:
        path = out / f"{anchor.name}.trec.gz"
        write_run(load_anchor(source / anchor.file), path, tag=anchor.name)
        written.append(path)
    for licence in sorted({a.licence for a in found}):
        if (source / licence).is_file():
            shutil.copyfile(source / licence, out / licence)
    (out / "README.md").write_text(readme(found), encoding="utf-8")
    return written


def readme(anchors: tuple[Anchor, ...] | list[Anchor] = ANCHORS) -> str:
    """The README written beside the converted runs: what each is, where it comes from, its licence."""
    lines = [
        "# Published LeCaRD v1 runs (anchors)",
        "",
        "The systems lcr is compared with, as their authors released them (MIT licence, copyright their "
        "authors: see the `LICENSE.*` files here), converted by `python -m data_tools.anchors` "
        "(`data_tools/anchors.py`) from `shared/data/anchors`. Each run keeps the published order (JSON key "
        "order; the TREC file's rank column), with scores `n - position`, so lcr's tie-breaking cannot "
        "re-order the authors' ties.",
        "",
        "| run | system | covers | source | licence |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| `{a.name}` | {a.system} | {a.covers} | {a.source} | `{a.licence}` |" for a in anchors]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, default=None, help="the anchors folder (default: <data>/anchors)")
    parser.add_argument("--out", type=Path, default=None,
                        help="where the .trec.gz runs go (default: <reports>/runs/lecard-v1/anchors)")
    args = parser.parse_args(argv)
    for path in convert(args.source, args.out):
        print(path)


if __name__ == "__main__":
    main()
