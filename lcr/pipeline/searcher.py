"""``Searcher``: facts in, ranked precedents with explanations out; used by the CLI and the API. Its
pipeline comes from :func:`~lcr.pipeline.compose.build_pipeline`, as the evaluation's does; every hit
explains itself from the evidence its stages computed (matched sentence pairs, predicted and shared
articles, each feature's share of the score).
"""

from __future__ import annotations

import difflib
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import torch

from data_tools.charges import normalise_charge, official_charges
from lcr.charge_elements import ChargeElements
from lcr.errors import BadQuery
from lcr.index.bundle import MODEL, RERANKER, IndexBundle, served_system
from lcr.index.casestore import normalise_charge as store_key
from lcr.law import describe, parse_article
from lcr.pipeline.compose import PipelineParts, Stages, build_pipeline, default_spec
from lcr.pipeline.explain import evidence_pairs, reasons, shared_charges, shared_elements, shown_predictions
from lcr.ranking import Ranker
from lcr.records import (
    MAX_K,
    Case,
    Evidence,
    PredictedArticle,
    PredictedCharge,
    Query,
    ScoredCase,
    SentencePair,
)
from lcr.rerank.legal_features import PREDICTED_CHARGES
from lcr.system_spec import SystemSpec
from lcr.text.circumstances import Circumstances, extract_circumstances

log = logging.getLogger(__name__)

#: The text a hit shows (the judgment itself is read through the case route).
SUMMARY_FIELDS = ("title", "facts")


MIN_YEAR, MAX_YEAR = 1949, 2100


@dataclass
class Filters:
    """Restrict results to cases with any of ``charges`` / ``articles`` (keys like ``"刑法:133"``), a court
    name containing ``court``, and a year in ``[year_from, year_to]``."""

    charges: list[str] | None = None
    articles: list[str] | None = None
    court: str | None = None
    year_from: int | None = None
    year_to: int | None = None

    def __post_init__(self) -> None:
        """Checked here, so the CLI and the API refuse the same filters with the same message; articles
        are normalised (:func:`~lcr.law.parse_article`: 刑法第133条之一 becomes 刑法:133-1)."""
        if self.charges is not None:
            self.charges = [c.strip() for c in self.charges if c.strip()] or None
        if self.articles is not None:
            self.articles = [parse_article(a) for a in self.articles] or None
        if self.court is not None and not self.court.strip():
            raise BadQuery("the court filter is empty")
        for name in ("year_from", "year_to"):
            year = getattr(self, name)
            if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
                raise BadQuery(f"{name} must be between {MIN_YEAR} and {MAX_YEAR}, got {year}")
        if self.year_from is not None and self.year_to is not None and self.year_from > self.year_to:
            raise BadQuery(f"year_from ({self.year_from}) is after year_to ({self.year_to})")

    def active(self) -> bool:
        return any(v is not None for v in (self.charges, self.articles, self.court, self.year_from, self.year_to))


@dataclass
class LawPrediction:
    """What :meth:`Searcher.predict` returns."""

    articles: list[PredictedArticle]
    charges: list[PredictedCharge]
    circumstances: list[str]


def _check_text(text: str) -> None:
    if not text or not any(ch.isalnum() for ch in text):  # blank, or punctuation and spaces only
        raise BadQuery("the query text has no words: give the facts of a case")


def _checked_k(k: int) -> int:
    if not 1 <= k <= MAX_K:
        raise BadQuery(f"k must be between 1 and {MAX_K}, got {k}")
    return k


@dataclass
class Explanation:
    """Why a hit ranks where it does, typed from the stages' :class:`~lcr.records.Evidence` to the API's
    response (``lcr.api.models.Explanation`` declares the same parts). A part left ``None`` was not
    computed (no LCM-LAI model, nothing shared) and is left out of the output, not sent empty."""

    features: dict[str, float] = field(default_factory=dict)
    articles: list[str] = field(default_factory=list)  # the case's Criminal Law articles, named
    reasons: list[str] = field(default_factory=list)  # in legal Chinese
    matched_sentences: list[SentencePair] | None = None
    predicted_articles: list[PredictedArticle] | None = None
    shared_articles: list[str] | None = None
    predicted_charges: list[PredictedCharge] | None = None
    shared_circumstances: list[str] | None = None
    charge_elements: list[ChargeElements] | None = None  # the shared charges' four elements (JUREX-4E)
    contributions: dict[str, float] | None = None
    same_case_as: str | None = None  # a higher-ranked hit this one is another instance (一审/二审) of

    def to_dict(self) -> dict:
        """The computed parts as plain JSON values (what the CLI prints and the API sends)."""
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass
class SearchHit:
    case_id: str
    rank: int
    score: float
    title: str
    court: str
    year: int | None
    charges: list[str]
    articles: list[str]
    snippet: str
    explanation: Explanation = field(default_factory=Explanation)

    def to_dict(self) -> dict:
        return {**asdict(self), "explanation": self.explanation.to_dict()}


class Searcher:
    """Facts in, ranked precedents with explanations out, over one opened index. The pipeline is built
    once, here, by :func:`~lcr.pipeline.compose.build_pipeline` from the system the index's manifest
    names (``spec``): the same function the evaluation uses."""

    def __init__(self, bundle: IndexBundle):
        self.bundle = bundle
        self.store = bundle.store
        self.manifest = bundle.manifest
        self.index_dir = bundle.folder
        self._charges: set[str] | None = None  # the index's charge names, read on first use
        self._pin_threads()
        parts = PipelineParts.of(bundle)
        self.stages = Stages(parts)
        self.spec: SystemSpec = served_system(bundle.manifest) or default_spec(parts)
        self.pipeline: Ranker = build_pipeline(parts, self.spec, self.stages)

    def _pin_threads(self) -> None:
        """One torch thread for the LCM-LAI heads, set in the calling thread: they are small, so one is as
        fast, and two collapse (OpenMP barriers spin) as soon as anything else runs on the machine. OpenMP
        keeps the setting per thread, so each server worker thread sets it too; else a request answered
        in the threadpool would sum in another order than the same search on the main thread (scores
        differing at 1e-9: tests/test_pipeline.py, the concurrency test)."""
        if self.bundle.dense is not None and torch.get_num_threads() != 1:
            torch.set_num_threads(1)

    @classmethod
    def open(cls, index: str | Path) -> Searcher:
        return cls(IndexBundle.open(index))

    def model_manifests(self) -> dict[str, dict]:
        """The manifests of the models inside the index (``model``: LCM-LAI, ``reranker``: RankSVM)."""
        out = {}
        for name in (MODEL, RERANKER):
            path = self.index_dir / name / "manifest.json"
            if path.is_file():
                out[name] = json.loads(path.read_text(encoding="utf-8"))
        return out

    @property
    def pipeline_name(self) -> str:
        return self.pipeline.name

    def search(self, text: str, k: int = 10, filters: Filters | None = None, qid: str = "query",
               charge_hint: Sequence[str] = ()) -> list[SearchHit]:
        """The ``k`` best cases for the facts ``text``; ``charge_hint``: charges the user believes apply,
        which the ranking boosts (a hint, never a filter: use ``filters`` to restrict)."""
        _check_text(text)
        return self._search(text, _checked_k(k), filters, qid, charge_hint)

    def known_charge(self, name: str, what: str = "charge") -> str:
        """``name`` as a charge this index or the Criminal Law knows (a partial selective-charge name such as
        贩卖毒品罪 becomes its official name); anything else is a :class:`BadQuery` naming the nearest
        valid names (the statute's 469 and the index's own)."""
        name = name.strip()
        stored = self._charge_keys()
        if store_key(name) in stored:
            return name
        official = normalise_charge(name)
        if official is not None:
            return official
        names = sorted(set(official_charges()) | {c + "罪" for c in stored})
        near = difflib.get_close_matches(name if name.endswith("罪") else name + "罪", names, n=5, cutoff=0.3)
        hint = f"; did you mean {'、'.join(near)}?" if near else ""
        raise BadQuery(f"unknown {what} {name!r}: neither the Criminal Law nor this index names it{hint}")

    def _charge_keys(self) -> set[str]:
        if self._charges is None:
            self._charges = self.store.charge_names()
        return self._charges

    def _search(self, text: str, k: int, filters: Filters | None, qid: str,
                charge_hint: Sequence[str] = ()) -> list[SearchHit]:
        self._pin_threads()
        candidates = None
        if filters is not None and filters.charges:
            filters = replace(filters, charges=[self.known_charge(c, "charge filter") for c in filters.charges])
        if filters is not None and filters.active():
            year = None
            if filters.year_from is not None or filters.year_to is not None:
                year = (filters.year_from or 0, filters.year_to or 9999)
            candidates = sorted(self.store.filter_ids(filters.charges, filters.articles, filters.court, year))
            if not candidates:
                return []
        hint = [self.known_charge(h, "charge_hint") for h in charge_hint if h.strip()]
        query = Query(qid, text, hint_charges=hint)
        hits = self.pipeline.rank(query, candidates, k)
        cases = self.store.get_many([h.case_id for h in hits], text_fields=SUMMARY_FIELDS)
        circ, theirs = self._circumstances(query, cases)
        return _link_instances([self._hit(h, case, query, circ, theirs[case.case_id])
                                for h, case in zip(hits, cases, strict=True)])

    def _circumstances(self, query: Query, cases: list[Case]) -> tuple[Circumstances, dict[str, Circumstances]]:
        """The query's and the hits' circumstances: those the reranker's features read already, when the
        pipeline has them, else the index's stored ones."""
        ids = [c.case_id for c in cases]
        features = self.stages.features
        if features is None:
            return extract_circumstances(query.text), self.store.circumstances_many(ids)
        return features.query_circumstances(query), features.circumstances(ids)

    def predict(self, text: str) -> LawPrediction:
        """The law a case's facts fall under, from the facts alone: LAP's articles (with an LCM-LAI model),
        the charges (:class:`~lcr.rerank.query_charges.ChargePredictor`) and the sentencing circumstances."""
        _check_text(text)
        self._pin_threads()
        query = Query("predict", text)
        articles = self.stages.lcm.predicted_articles(query) if self.stages.lcm is not None else []
        charges = self.stages.charges.predict(query) if self.stages.charges is not None else {}
        shown_articles, shown_charges = shown_predictions(
            articles, [PredictedCharge(c, p) for c, p in list(charges.items())[:PREDICTED_CHARGES]])
        return LawPrediction(shown_articles, shown_charges, extract_circumstances(text).labels())

    def similar(self, case_id: str, k: int = 10, filters: Filters | None = None) -> list[SearchHit]:
        """Cases similar to an indexed case, read from its facts only (never its reasoning)."""
        k = _checked_k(k)
        facts = self.store.facts(case_id)
        hits = self._search(facts, k + 1, filters, qid=f"similar:{case_id}")  # the case itself may come back
        kept = [h for h in hits if h.case_id != case_id][:k]
        for rank, h in enumerate(kept, 1):
            h.rank = rank
        return kept

    # -- explanations: read from the evidence the stages handed back --------------------------------
    def _hit(self, h: ScoredCase, case: Case, query: Query, query_circ: Circumstances,
             case_circ: Circumstances) -> SearchHit:
        ev = h.evidence or Evidence()
        articles, charges = shown_predictions(ev.predicted_articles, ev.predicted_charges)
        likely = {a.article for a in articles}
        crim = _most_relevant_first({a.key for a in case.articles if a.statute == "刑法"}, likely)
        pairs = evidence_pairs(ev.matched_sentences)
        explanation = Explanation(
            features={k: round(v, 4) for k, v in h.features.items()},
            articles=[describe(a) for a in crim],
            reasons=reasons(case, articles, charges, query.hint_charges, query_circ, case_circ, pairs),
            matched_sentences=[replace(p, weight=round(p.weight, 4)) for p in pairs] or None,
            predicted_articles=[replace(a, probability=round(a.probability, 4)) for a in articles] or None,
            shared_articles=[a for a in crim if a in likely] if articles else None,
            predicted_charges=[replace(c, probability=round(c.probability, 4)) for c in charges] or None,
            shared_circumstances=list(ev.shared_circumstances) or None,
            charge_elements=shared_elements(shared_charges(case, charges, query.hint_charges)) or None,
            contributions={k: round(v, 4) for k, v in ev.contributions.items()} or None)
        return SearchHit(h.case_id, h.rank, h.score, case.title, case.court, case.year, case.charges, crim,
                         case.facts[:200], explanation)


def _most_relevant_first(keys: set[str], predicted: set[str]) -> list[str]:
    """Cited articles in reading order: those predicted for the query, then the charge-defining (分则)
    articles, then the general part; by number within each."""
    def order(key: str) -> tuple[int, int, int]:
        number, _, sub = key.split(":")[1].partition("-")
        n = int(number)
        return (0 if key in predicted else 1 if n >= 102 else 2), n, int(sub or 0)
    return sorted(keys, key=order)


# 一审/二审/再审 judgments and rulings of one case share their title once the instance words are removed
_INSTANCE_WORDS = re.compile(r"(一审|二审|再审|重审|刑事|附带民事|判决书|裁定书|决定书|一案|案|\s)")


def _instance_key(title: str, charges: Sequence[str]) -> tuple[str, tuple[str, ...]] | None:
    stem = _INSTANCE_WORDS.sub("", title)
    # generic titles ("刑事判决书15 105") name no party: never link on them
    return (stem, tuple(sorted(charges))) if len(re.findall(r"[\u4e00-\u9fff]", stem)) >= 3 else None


def _link_instances(hits: list[SearchHit]) -> list[SearchHit]:
    """Mark hits that are another instance (first, second, retrial) of a higher-ranked hit's case:
    ``explanation.same_case_as`` names it, so they are not read as unrelated precedents."""
    first: dict[tuple[str, tuple[str, ...]], str] = {}
    for h in hits:
        key = _instance_key(h.title, h.charges)
        if key is None:
            continue
        if key in first:
            h.explanation.same_case_as = first[key]
            h.explanation.reasons.append(f"与结果 {first[key]} 为同一案件的不同审级")
        else:
            first[key] = h.case_id
    return hits
