"""Named query sets and the fixed 5-fold cross-validation splits.

Query sets (:func:`query_set`):

* ``all``: every query, in ``EvalData.query_order``.
* ``test``: LeCaRD v1: positions 0, 5, 10, …, 95 of ``query_order`` (20 queries): the queries of
  the upstream BERT baseline's test run (``prediction/bert.json``; upstream ``metrics.py`` takes
  every 5th position, which over 107 queries would also pick 100 and 105); LeCaRDv2: the official
  160 (``EvalData.test_qids``).
* ``train``: ``all`` less ``test``.
* LeCaRD v1 only, as upstream: ``common`` (first 77 of ``query_order``), ``controversial`` (last 30),
  and ``original``: the first 100, the queries the upstream README baselines are averaged over
  (with :meth:`EvalData.top30_judgments` they reproduce them exactly).

Query forms: a set name ending in ``-short`` (``cv5-short``, ``all-short``) holds the same queries cut
to what a user types (:func:`short_text`: the first sentences, up to :data:`SHORT_QUERY_CHARS`
characters), scored against the same judgments.

Cross-validation (:func:`cv5_folds`): 5 folds fixed in the repository under
``lcr/resources/folds/<dataset>_cv5.json``, made once by :func:`make_cv5_folds` (seeded shuffle of
``query_order``, dealt round-robin into 5 folds, each fold kept in ``query_order`` order). To
evaluate, run fold ``i``'s system (trained on :func:`train_qids_for_fold`) on fold ``i``'s queries,
merge with :func:`merge_fold_runs` and score all queries at once: each query is scored by the run of
the fold that held it out.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from functools import cache
from importlib import resources
from pathlib import Path

from lcr.errors import BadInput
from lcr.eval.data import LECARD_V1, LECARD_V2, EvalData, dataset_name
from lcr.records import Query, Run

N_FOLDS = 5
CV5_SEED = 20210711  # fixed once; changing it changes the committed folds
LECARD_V1_COMMON = 77  # upstream metrics.py: the first 77 keys are "common", the rest "controversial"
LECARD_V1_ORIGINAL = 100  # the first 100 queries: README baselines; test = every 5th of them

QUERY_SETS = {
    LECARD_V1: ("all", "test", "train", "common", "controversial", "original"),
    LECARD_V2: ("all", "test", "train"),
}


SHORT_SUFFIX = "-short"
_SENTENCE_END = re.compile(r"[^。！？；]*[。！？；]+|[^。！？；]+$")
#: The short-query rule: whole sentences from the start while they fit in this many characters (at least
#: one sentence; a first sentence longer than this is cut at this length).
SHORT_QUERY_CHARS = 150


def short_text(text: str, max_chars: int = SHORT_QUERY_CHARS) -> str:
    """The first sentences of ``text`` (ending in 。！？；) that fit in ``max_chars`` characters (at least
    one, cut if longer)."""
    out = ""
    for sent in (m.group().strip() for m in _SENTENCE_END.finditer(text.strip())):
        if out and len(out) + len(sent) > max_chars:
            break
        out += sent
        if len(out) >= max_chars:
            break
    return (out or text.strip())[:max_chars]


def query_form(name: str) -> tuple[str, bool]:
    """``(base set name, short?)`` of a query set name (``cv5-short`` -> ``("cv5", True)``)."""
    if name.endswith(SHORT_SUFFIX):
        return name.removesuffix(SHORT_SUFFIX), True
    return name, False


def shortened(queries: dict[str, Query]) -> dict[str, Query]:
    """The same queries, each cut by :func:`short_text` (ids and gold charges kept)."""
    return {q: Query(v.qid, short_text(v.text), list(v.charges), v.source, list(v.hint_charges))
            for q, v in queries.items()}


def scored_qids(data: EvalData, name: str) -> list[str]:
    """The queries a result over query set ``name`` is averaged over (``cv5``: every fold's)."""
    base, _ = query_form(name)
    return [q for f in cv5_folds(data.name) for q in f] if base == "cv5" else query_set(data, base)


def query_set(data: EvalData, name: str) -> list[str]:
    """Query ids of the named set (see the module docstring), in ``query_order`` order."""
    names = QUERY_SETS[data.name]
    if name not in names:
        raise BadInput(f"unknown query set {name!r} for {data.name}; choose one of {', '.join(names)}")
    order = data.query_order
    if name == "all":
        return list(order)
    if name == "common":
        return order[:LECARD_V1_COMMON]
    if name == "controversial":
        return order[LECARD_V1_COMMON:]
    if name == "original":
        return order[:LECARD_V1_ORIGINAL]
    test = set(_test_qids(data))
    return [q for q in order if (q in test) == (name == "test")]


def _test_qids(data: EvalData) -> list[str]:
    if data.name == LECARD_V1:
        return data.query_order[:LECARD_V1_ORIGINAL:5]
    if data.test_qids is None:
        raise BadInput(f"{data.name}: no official test split given (EvalData.test_qids)")
    unknown = set(data.test_qids) - set(data.query_order)
    if unknown:
        raise BadInput(f"{data.name}: test_qids not in query_order, e.g. {sorted(unknown)[0]!r}")
    return data.test_qids


def make_cv5_folds(query_order: Sequence[str], seed: int = CV5_SEED) -> list[list[str]]:
    """Shuffle ``query_order`` with ``random.Random(seed)``, deal it into 5 folds round-robin (sizes
    differ by at most 1) and keep each fold in ``query_order`` order."""
    if len(query_order) < N_FOLDS:
        raise BadInput(f"need at least {N_FOLDS} queries for {N_FOLDS} folds, got {len(query_order)}")
    shuffled = list(query_order)
    random.Random(seed).shuffle(shuffled)
    position = {q: i for i, q in enumerate(query_order)}
    return [sorted(shuffled[i::N_FOLDS], key=position.__getitem__) for i in range(N_FOLDS)]


def write_cv5_folds(data: EvalData, path: str | Path | None = None, seed: int = CV5_SEED) -> Path:
    """Write the folds of ``data`` to ``path`` (default: the packaged resource file); returns it."""
    target = Path(path) if path is not None else _packaged_folds_path(data.name)
    record = {
        "dataset": data.name,
        "seed": seed,
        "method": "random.Random(seed).shuffle(query_order); fold i = shuffled[i::5] in query_order order",
        "folds": make_cv5_folds(data.query_order, seed),
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(record, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return target


@cache
def _load_folds(dataset: str) -> tuple[tuple[str, ...], ...]:
    resource = resources.files("lcr").joinpath(f"resources/folds/{_folds_file(dataset)}")
    if not resource.is_file():
        raise BadInput(f"{dataset}: no packaged cross-validation folds ({_folds_file(dataset)})")
    folds = json.loads(resource.read_text(encoding="utf-8"))["folds"]
    return tuple(tuple(fold) for fold in folds)


def cv5_folds(dataset: str) -> list[list[str]]:
    """The 5 fixed folds of ``dataset`` (query ids), as committed in ``lcr/resources/folds``."""
    return [list(fold) for fold in _load_folds(dataset_name(dataset))]


def train_qids_for_fold(dataset: str, fold: int) -> list[str]:
    """Queries to train on when testing on fold ``fold`` (0-based): all the other folds."""
    folds = cv5_folds(dataset)
    if not 0 <= fold < len(folds):
        raise BadInput(f"fold must be in 0..{len(folds) - 1}, got {fold}")
    return [q for i, f in enumerate(folds) if i != fold for q in f]


def merge_fold_runs(dataset: str, fold_runs: Sequence[Run]) -> Run:
    """One run over all queries: each query's ranking taken from the run of the fold that tests it
    (``fold_runs[i]`` is the run of the system trained for fold ``i``)."""
    folds = cv5_folds(dataset)
    if len(fold_runs) != len(folds):
        raise BadInput(f"expected {len(folds)} fold runs, got {len(fold_runs)}")
    return {
        q: fold_run[q] for fold, fold_run in zip(folds, fold_runs, strict=True) for q in fold if q in fold_run
    }


def _folds_file(dataset: str) -> str:
    return f"{dataset.replace('-', '_')}_cv5.json"


def _packaged_folds_path(dataset: str) -> Path:
    return Path(__file__).resolve().parents[1] / "resources" / "folds" / _folds_file(dataset)
