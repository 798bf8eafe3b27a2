"""The composed pipeline (:func:`build_pipeline`, one place) and the ``Searcher`` that serves it."""

from lcr.pipeline.compose import FIRST_STAGE_DEPTH, PipelineParts, Stages, build_pipeline
from lcr.pipeline.searcher import MAX_K, Filters, Searcher, SearchHit

__all__ = ["FIRST_STAGE_DEPTH", "MAX_K", "Filters", "PipelineParts", "SearchHit", "Searcher", "Stages", "build_pipeline"]
