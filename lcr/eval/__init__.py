"""Evaluation: metrics, protocols (LeCaRD v1/v2), query sets and folds, TREC/LeCaRD run files."""

from lcr.eval.data import DATASETS, LECARD_V1, LECARD_V2, EvalData, dataset_name
from lcr.eval.protocols import EvalResult, Protocol, get_protocol, protocol_names
from lcr.eval.querysets import cv5_folds, merge_fold_runs, query_set, train_qids_for_fold
from lcr.eval.trec import (
    read_lecard_run,
    read_lecard_runs,
    read_qrels,
    read_run,
    write_qrels,
    write_run,
)

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
    "read_lecard_run",
    "read_lecard_runs",
    "read_qrels",
    "read_run",
    "train_qids_for_fold",
    "write_qrels",
    "write_run",
]
