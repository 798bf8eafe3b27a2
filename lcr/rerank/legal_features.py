"""The features RankSVM ranks by, for (query, candidate) pairs.

* ``bm25_<field>``: BM25 of the query against the candidate's facts, reasoning and full text;
* ``e5_cosine``: plain encoder cosine (mean sentence embeddings);
* ``lcm_lai``: LCM-LAI's article-aware matching score, and its pooled pair representation
  (``attended_semantic``, ``best_sentence_match``, ``attended_article``, ``case_article_cosine``,
  ``mean_sentence_cosine``: see :mod:`lcr.models.lcm_lai`);
* ``cited_article_mass`` / ``cited_circumstance_mass``: the query's *predicted* probability mass on the
  specific-part (charge-defining) / general-part (circumstance) articles the candidate *cites*: the
  asymmetry of the task (the candidate's articles are known, the query's are not) used deliberately;
* ``charge_match``: for the candidate's charges, the best predicted probability of an article that
  defines that charge, averaged over its charges;
* ``charge_prior`` / ``charge_prior_top1``: the query's predicted probability mass on the candidate's
  charges, and whether the candidate has the most probable charge, by the query-side
  :class:`~lcr.rerank.query_charges.ChargePredictor` (neighbours' charges + LAP; a charge hint boosts);
* ``circ_*``: how the sentencing circumstances (关键情节) extracted from both fact sections agree
  (:func:`~lcr.text.circumstances.circumstance_similarity`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from lcr.index.casestore import CaseStore
from lcr.index.lexical import LexicalBackend
from lcr.records import ArticleRef, Evidence, PredictedCharge, Query
from lcr.rerank.query_charges import ChargePredictor, charge_articles, top1
from lcr.retrieve.dense import E5CosineRanker, LcmLaiRanker
from lcr.text.circumstances import (
    Circumstances,
    circumstance_similarity,
    extract_circumstances,
    shared_labels,
)

LEXICAL_FIELDS = ("facts", "reasoning", "full_text")
#: A case's charges and the articles it cites (``CaseStore.legal_many``).
CaseLaw = tuple[list[str], list[ArticleRef]]
#: Charges shown per query in explanations.
PREDICTED_CHARGES = 3


class LegalFeatures:
    """Feature values of (query, candidate) pairs, and the evidence computed on the way (the LCM-LAI
    sentence matches and the query's predicted articles), so explaining a ranking recomputes nothing."""

    def __init__(self, lexical: LexicalBackend, store: CaseStore, e5: E5CosineRanker, lcm: LcmLaiRanker,
                 charges: ChargePredictor | None = None, legal: Mapping[str, CaseLaw] | None = None):
        """``legal``: every case's charges and cited articles (``store.legal_many``), when the caller has
        read them already; else they are read here."""
        self.lexical = lexical
        self.charges = charges
        self.store = store
        self.e5 = e5
        self.lcm = lcm
        self.labels = lcm.labels
        self._charges = charge_articles(self.labels)
        self._specific = np.array([int(k.split(":")[1].split("-")[0]) >= 102 for k in self.labels.keys])
        # case -> (charges, cited label mask), read once for the whole corpus: a query's candidates are
        # then a dictionary lookup, not a case-store query
        self._cited: dict[str, tuple[list[str], np.ndarray]] = {}
        for cid, (charges_, articles) in (legal if legal is not None else store.legal_many(store.ids())).items():
            self._cited[cid] = (charges_, self.labels.multi_hot(articles) > 0)
        # case -> its circumstances, read on first use
        self._circumstances: dict[str, Circumstances] = {}

    def __call__(self, query: Query, case_ids: Sequence[str]) -> dict[str, dict[str, float]]:
        """Feature values of each candidate, memoised per candidate list in the query's context: a later
        call for the same query object and candidates (cross-fitting's training rows) reads them back.
        Evaluation gives each ranking a fresh query, so rows ranked by single features recompute them."""
        return query.context.memo(self, tuple(case_ids), lambda: self._compute(query, list(case_ids)))

    def evidence(self, query: Query, case_ids: Sequence[str]) -> dict[str, Evidence]:
        """Each candidate's matched sentence pairs and the query's predicted articles (shared)."""
        predicted = self.lcm.predicted_articles(query)
        matches = self.lcm.pair_features(query, [c for c in case_ids if c in self.lcm.cases])
        charges = [PredictedCharge(c, p) for c, p in
                   list(self.charges.predict(query).items())[:PREDICTED_CHARGES]] if self.charges else []
        qc = self.query_circumstances(query)
        theirs = self.circumstances(case_ids)
        return {c: Evidence(matches[c].matched if c in matches else [], predicted, {}, charges,
                            shared_labels(qc, theirs[c]) if c in theirs else []) for c in case_ids}

    def _legal(self, ids: list[str]) -> dict[str, tuple[list[str], np.ndarray]]:
        """Each candidate's charges and cited-label mask, read from the case store once per case (they
        never change while an index is open)."""
        todo = [c for c in ids if c not in self._cited]
        for cid, (charges, articles) in (self.store.legal_many(todo).items() if todo else ()):
            self._cited[cid] = (charges, self.labels.multi_hot(articles) > 0)
        return {c: self._cited[c] for c in ids}

    def _compute(self, query: Query, ids: list[str]) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {c: {} for c in ids}
        for field in LEXICAL_FIELDS:
            for c, s in self.lexical.score(query.text, ids, field=field).items():
                out[c][f"bm25_{field}"] = s
        for h in self.e5.rank(query, ids, len(ids)):
            out[h.case_id]["e5_cosine"] = h.score
        # one pass of the model gives both the pooled pair representation and the LCM-LAI score
        for c, match in self.lcm.pair_features(query, [c for c in ids if c in self.lcm.cases]).items():
            out[c].update(match.features)
        probs = self.lcm.query_articles(query)
        prior = self.charges.predict(query) if self.charges is not None else None
        first = top1(prior) if prior is not None else None
        for cid, (charges, cited) in self._legal(ids).items():
            row = out[cid]
            row["cited_article_mass"] = float(probs[cited & self._specific].sum())
            row["cited_circumstance_mass"] = float(probs[cited & ~self._specific].sum())
            matches = [max(probs[i] for i in self._charges[ch]) for ch in charges if ch in self._charges]
            row["charge_match"] = (0.0 if not matches else float(matches[0]) if len(matches) == 1
                                   else float(np.mean(matches)))  # one charge (most cases): no numpy call
            if prior is not None:
                row["charge_prior"] = min(1.0, sum(prior.get(c, 0.0) for c in charges))
                row["charge_prior_top1"] = float(first is not None and first in charges)
        qc = self.query_circumstances(query)
        for cid, cc in self.circumstances(ids).items():
            out[cid].update(circumstance_similarity(qc, cc))
        return out

    def query_circumstances(self, query: Query) -> Circumstances:
        """The query's circumstances, extracted once per query (kept in its context)."""
        return query.context.memo(self, "circumstances", lambda: extract_circumstances(query.text))

    def circumstances(self, ids: Sequence[str]) -> dict[str, Circumstances]:
        """Each case's circumstances (stored in the index, or extracted from its facts), read once per
        open index."""
        todo = [c for c in ids if c not in self._circumstances]
        if todo:
            self._circumstances.update(self.store.circumstances_many(todo))
        return {c: self._circumstances[c] for c in ids if c in self._circumstances}
