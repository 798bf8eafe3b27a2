"""Evaluation: metrics, protocols (LeCaRD v1/v2), query sets and folds (run and qrels files are read and
written by :mod:`data_tools.trec`)."""

from lcr.eval.data import DATASETS, LECARD_V1, LECARD_V2, EvalData, dataset_name
from lcr.eval.protocols import EvalResult, Protocol, get_protocol, protocol_names
from lcr.eval.querysets import cv5_folds, merge_fold_runs, query_set, train_qids_for_fold

__all__ = [
    "DATASETS",
    "LECARD_V1",
    "LECARD_V2",
    "EvalData",
    "EvalResult",
    "Protocol",
    "cv5_folds",
    "dataset_name",
    "get_protocol",
    "merge_fold_runs",
    "protocol_names",
    "query_set",
    "train_qids_for_fold",
]
