"""The one place that builds the production pipeline.

``build_pipeline`` turns an opened index (or one cross-validation fold's models, in the same shape)
into the composed ranker that the ``Searcher``, the CLI, the API and the cv5 evaluation all use:

* lexical-only index: ``bm25-facts``;
* with an LCM-LAI dense part: ``hybrid-rrf@0.25`` = BM25 ∪ LCM-LAI FAISS, reciprocal rank fusion with
  the dense list at weight 0.25 (:data:`lcr.retrieve.fusion.DENSE_WEIGHT`);
* with a reranker too: ``hybrid-rrf@0.25>>ranksvm``, the RankSVM re-scoring the fused top
  :data:`FIRST_STAGE_DEPTH` of lists :data:`FUSION_DEPTH` deep.

The stages are built once per index: the query's per-call state (its encoded sentences, the model's
view of it) travels with the :class:`~lcr.records.Query` object through one ``rank`` call.
"""

from __future__ import annotations

from dataclasses import dataclass

from lcr.index.bundle import DenseParts, IndexBundle
from lcr.index.casestore import CaseStore
from lcr.index.lexical import LexicalBackend
from lcr.models.ranksvm import RankSVM
from lcr.ranking import Pipeline, Ranker
from lcr.rerank.legal_features import LegalFeatures
from lcr.rerank.query_charges import ChargePredictor
from lcr.rerank.stages import RankSVMReranker
from lcr.retrieve.dense import E5CosineRanker, LcmLaiRanker, QueryEncoder
from lcr.retrieve.fusion import DENSE_WEIGHT, FusionRanker
from lcr.retrieve.lexical import BM25Ranker
from lcr.system_spec import SystemSpec

#: The key of a RankSVM's metadata naming the system it was trained as (e.g. ``ranksvm-legal``).
SYSTEM_KEY = "system"
#: How many first-stage cases the reranker re-scores.
FIRST_STAGE_DEPTH = 100
#: How deep each list fused by the hybrid first stage is read. At 100, an RRF dense weight of 0.25 can only
#: reorder BM25's top 100 (a case BM25 missed never reaches the fused top 100), so the served head's
#: Recall@100 is BM25's (.875, corpus cv5); lists 300 / 1000 deep raise it to .883 / .884 but cost
#: 1.57-1.62x the query encoder end to end instead of 1.49x (benchmarks/bench_search.py). Kept at 100.
FUSION_DEPTH = 100


@dataclass
class PipelineParts:
    """What a pipeline is built from: an index's parts, or one fold's (same shape)."""

    lexical: LexicalBackend
    store: CaseStore
    dense: DenseParts | None = None
    reranker: RankSVM | None = None
    field: str = "facts"

    @classmethod
    def of(cls, bundle: IndexBundle, field: str = "facts") -> PipelineParts:
        return cls(bundle.lexical, bundle.store, bundle.dense, bundle.reranker, field)


def neighbours(ranker: Ranker):
    """A ranker searching the whole corpus, as the kNN voters of the charge predictor want it."""
    return lambda query, k: [h.case_id for h in ranker.rank(query, None, k)]


class Stages:
    """Every stage the parts offer, built once; pipelines (the production one, and the evaluation's
    variants) are compositions of these same objects."""

    def __init__(self, parts: PipelineParts):
        self.bm25 = BM25Ranker(parts.lexical, parts.field)
        self.lcm: LcmLaiRanker | None = None
        self.e5: E5CosineRanker | None = None
        self.features: LegalFeatures | None = None
        self.charges: ChargePredictor | None = None
        d = parts.dense
        legal = parts.store.legal_many(parts.store.ids())  # read once, for the charge predictor and the features
        case_charges = {c: charges for c, (charges, _) in legal.items()}
        if d is None:  # charges still come from the BM25 neighbours' judgments
            self.charges = ChargePredictor(case_charges, {"bm25-knn": neighbours(self.bm25)})
        else:
            queries = QueryEncoder(d.encoder, d.max_sentences)
            cited = ({c: d.labels.multi_hot(refs) for c, (_, refs) in legal.items()}
                     if d.model.config.exact_articles else None)  # a judgment's own articles, when the model reads them
            self.lcm = LcmLaiRanker("lcm-lai", d.model, d.labels, queries, d.sentences, d.max_sentences,
                                    d.article_weight, dense=d.faiss, case_articles=cited)
            self.e5 = E5CosineRanker(queries, d.sentences)
            self.charges = ChargePredictor(case_charges, {"bm25-knn": neighbours(self.bm25),
                                                          "dense-knn": neighbours(self.e5)},
                                           lap=self.lcm.query_articles, labels=d.labels)
            self.features = LegalFeatures(parts.lexical, parts.store, self.e5, self.lcm, self.charges, legal)

    def first_stage(self) -> Ranker:
        """The served first stage: BM25 alone without a dense part, else ``hybrid-rrf@0.25``."""
        if self.lcm is None:
            return self.bm25
        return FusionRanker([self.bm25, self.lcm], method="rrf", weights=[1.0, DENSE_WEIGHT], depth=FUSION_DEPTH,
                            name=SystemSpec(system="hybrid-rrf", dense_weight=DENSE_WEIGHT).name)

    def pipeline(self, reranker: RankSVM | None = None, name: str = "ranksvm") -> Ranker:
        first = self.first_stage()
        if reranker is None or self.features is None:
            return first
        return Pipeline(first, depth=FIRST_STAGE_DEPTH) >> RankSVMReranker(reranker, self.features, name)


def build_pipeline(parts: PipelineParts | IndexBundle, stages: Stages | None = None) -> Ranker:
    """The production pipeline over ``parts`` (see the module docstring), composed of ``stages`` when
    given (the searcher keeps them, to predict a query's law with the same objects)."""
    if isinstance(parts, IndexBundle):
        parts = PipelineParts.of(parts)
    name = parts.reranker.metadata.get(SYSTEM_KEY, "ranksvm") if parts.reranker is not None else "ranksvm"
    return (stages or Stages(parts)).pipeline(parts.reranker, name=name)
