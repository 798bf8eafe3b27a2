"""lcr: Chinese legal case retrieval with law-article-aware matching (LCM-LAI), FAISS and RankSVM."""

from lcr.errors import BadInput, BadQuery, CaseNotFound, IndexMismatch, IndexMissing, LcrError
from lcr.records import ArticleRef, Case, Qrels, Query, Run, ScoredCase

__version__ = "0.1.0"

__all__ = [
    "ArticleRef",
    "BadInput",
    "BadQuery",
    "Case",
    "CaseNotFound",
    "IndexMismatch",
    "IndexMissing",
    "LcrError",
    "Qrels",
    "Query",
    "Run",
    "ScoredCase",
]
