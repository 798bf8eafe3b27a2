"""The one place that builds the production pipeline, from a :class:`~lcr.system_spec.SystemSpec`.

``build_pipeline`` turns an opened index (or one cross-validation fold's models, in the same shape) and
the spec of the system to serve into the composed ranker that the ``Searcher``, the CLI, the API and the
cv5 evaluation all use. The systems an index can serve (:func:`servable_specs`):

* ``bm25-facts``: BM25 over the facts field (every index);
* ``lcm-lai``: the LCM-LAI dense part alone (FAISS over its case vectors);
* ``hybrid-rrf@0.25``: BM25 ∪ LCM-LAI FAISS, reciprocal rank fusion with the dense list at weight 0.25
  (:data:`lcr.retrieve.fusion.DENSE_WEIGHT`), the served first stage;
* the reranker's system (``ranksvm-legal`` for the shipped one): ``hybrid-rrf@0.25>>ranksvm-legal``, the
  RankSVM re-scoring the fused top :data:`FIRST_STAGE_DEPTH` of lists :data:`FUSION_DEPTH` deep.

An index's manifest names the spec it serves (``config.system``, written by ``lcr index build``);
:func:`default_spec` is the richest of these (what an index built before lcr recorded it serves).
The stages are built once per index: the query's per-call state (its encoded sentences, the model's
view of it) travels with the :class:`~lcr.records.Query` object through one ``rank`` call.
"""

from __future__ import annotations

from dataclasses import dataclass

from lcr.errors import BadInput, IndexMismatch
from lcr.index.bundle import DenseConfig, DenseParts, IndexBundle
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
#: The first stage an index with an LCM-LAI part serves.
FIRST_STAGE = SystemSpec(system="hybrid-rrf", dense_weight=DENSE_WEIGHT)
#: LCM-LAI alone, over the index's FAISS vectors.
DENSE_ALONE = SystemSpec(system="lcm-lai")


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
                            name=FIRST_STAGE.name)

    def pipeline(self, reranker: RankSVM, name: str) -> Ranker:
        """The first stage's top :data:`FIRST_STAGE_DEPTH` re-scored by ``reranker`` (trained as ``name``)."""
        assert self.features is not None, "a reranked pipeline needs an LCM-LAI dense part"
        return Pipeline(self.first_stage(), depth=FIRST_STAGE_DEPTH) >> RankSVMReranker(reranker, self.features, name)


def reranker_system(reranker: RankSVM) -> str:
    """The system a RankSVM was trained as (its metadata's :data:`SYSTEM_KEY`; ``ranksvm`` when unrecorded)."""
    return str(reranker.metadata.get(SYSTEM_KEY, "ranksvm"))


def servable_specs(parts: PipelineParts | IndexBundle) -> list[SystemSpec]:
    """The systems ``parts`` can serve, simplest first (see the module docstring)."""
    parts = PipelineParts.of(parts) if isinstance(parts, IndexBundle) else parts
    return _servable(parts.field, parts.dense is not None, parts.reranker)


def _servable(field: str, dense: bool, reranker: RankSVM | None) -> list[SystemSpec]:
    out = [SystemSpec(system=f"bm25-{field.replace('_', '-')}")]
    if dense:
        out += [DENSE_ALONE, FIRST_STAGE]
        if reranker is not None:
            out.append(SystemSpec(system=reranker_system(reranker)))
    return out


def planned_spec(dense: DenseConfig | None, name: str | None = None) -> SystemSpec:
    """The spec an index about to be built with ``dense`` will serve: the system ``name`` (checked
    against what the parts can serve, before any work) or, without one, the richest it can."""
    reranker = RankSVM.load(dense.reranker_dir) if dense is not None and dense.reranker_dir is not None else None
    choices = _servable("facts", dense is not None, reranker)
    return _checked(SystemSpec.parse(name), choices, BadInput) if name else choices[-1]


def _checked(spec: SystemSpec, choices: list[SystemSpec], error: type[Exception] = IndexMismatch) -> SystemSpec:
    if spec.charge_hint or SystemSpec(system=spec.system, dense_weight=spec.dense_weight) not in choices:
        raise error(f"this index cannot serve {spec.name!r}; it serves {', '.join(c.name for c in choices)}")
    return spec


def default_spec(parts: PipelineParts | IndexBundle) -> SystemSpec:
    """What an index serves unless its manifest says otherwise: its reranked pipeline when it has a
    reranker, else its hybrid first stage, else BM25."""
    return servable_specs(parts)[-1]


def check_servable(spec: SystemSpec, parts: PipelineParts | IndexBundle) -> SystemSpec:
    """``spec`` (only its system and fusion weight choose the composition), or :class:`IndexMismatch`
    naming the systems these parts can serve."""
    return _checked(spec, servable_specs(parts))


def compose(stages: Stages, spec: SystemSpec, reranker: RankSVM | None = None) -> Ranker:
    """The ranker ``spec`` names, composed of ``stages`` (and ``reranker`` for a reranked system: one
    fold's RankSVM in the evaluation, the index's own when served). Only the spec's system and fusion
    weight choose the composition; its other parts say how the stages' models were trained."""
    if spec.system.startswith("bm25-"):
        return stages.bm25
    if spec.system == DENSE_ALONE.system:
        if stages.lcm is None:
            raise IndexMismatch(f"{spec.name} needs an LCM-LAI dense part")
        return stages.lcm
    if (spec.system, spec.dense_weight) == (FIRST_STAGE.system, FIRST_STAGE.dense_weight):
        return stages.first_stage()
    if reranker is None or stages.features is None:
        raise IndexMismatch(f"{spec.name} needs a reranker and an LCM-LAI dense part")
    return stages.pipeline(reranker, name=spec.system)


def build_pipeline(parts: PipelineParts | IndexBundle, spec: SystemSpec | None = None,
                   stages: Stages | None = None) -> Ranker:
    """The pipeline ``spec`` names (default: :func:`default_spec`) over ``parts``, composed of ``stages``
    when given (the searcher keeps them, to predict a query's law with the same objects)."""
    if isinstance(parts, IndexBundle):
        parts = PipelineParts.of(parts)
    spec = check_servable(spec or default_spec(parts), parts)
    return compose(stages or Stages(parts), spec, parts.reranker)
