"""The lab's reranker systems: feature groups for the ablations, and which systems train on whole pools or
on the served first stage's candidates. Each is a :class:`~lcr.fit.reranker.RerankerRecipe`, the product's
fit, so an ablation differs from the served reranker only in what it names here."""

from __future__ import annotations

from lcr.fit.reranker import RerankerRecipe
from lcr.models.lcm_lai import FEATURE_NAMES
from lcr.rerank.stages import ALL_FEATURES, CHARGE_FEATURES, CIRCUMSTANCE_FEATURES, LEGAL_FEATURES

#: Feature groups, for the ablation systems ``ranksvm-minus-<group>``.
FEATURE_GROUPS = {
    "lexical": ("bm25_facts", "bm25_reasoning", "bm25_full_text"),
    "encoder": ("e5_cosine",),
    "lcm": ("lcm_lai", *FEATURE_NAMES),
    "articles": ("cited_article_mass", "cited_circumstance_mass", "charge_match"),
}
#: The query-side legal groups, ablated from ``ranksvm-legal`` as ``ranksvm-legal-minus-<group>``.
LEGAL_GROUPS = {"charges": CHARGE_FEATURES, "circumstances": CIRCUMSTANCE_FEATURES}
FEATURE_SETS = {"ranksvm": ALL_FEATURES, "ranksvm-lcm-pooled": FEATURE_NAMES, "ranksvm-pool": ALL_FEATURES,
                **{f"ranksvm-minus-{g}": tuple(f for f in ALL_FEATURES if f not in fs)
                   for g, fs in FEATURE_GROUPS.items()},
                "ranksvm-legal": LEGAL_FEATURES, "ranksvm-legal-served": LEGAL_FEATURES,
                **{f"ranksvm-legal-minus-{g}": tuple(f for f in LEGAL_FEATURES if f not in fs)
                   for g, fs in LEGAL_GROUPS.items()}}
#: Systems trained on whole pools (unlabelled documents as grade 0) instead of the labelled candidates only.
POOL_TRAINED = {"ranksvm-pool", "ranksvm-legal", *(f"ranksvm-legal-minus-{g}" for g in LEGAL_GROUPS),
                "ranksvm-legal-served"}
#: Systems whose training rows also hold each training query's first-stage top :data:`FIRST_STAGE_DEPTH`
#: over the whole corpus (the documents the served reranker actually re-scores), the unjudged ones as
#: grade 0, so that the reranker learns to keep unjudged look-alikes below judged cases.
SERVED_TRAINED = {"ranksvm-legal-served"}


def recipe(system: str) -> RerankerRecipe:
    """The recipe of the RankSVM system ``system`` (a key of :data:`FEATURE_SETS`)."""
    return RerankerRecipe(tuple(FEATURE_SETS[system]), pools=system in POOL_TRAINED, served=system in SERVED_TRAINED)
