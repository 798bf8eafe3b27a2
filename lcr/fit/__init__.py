"""Fitting the served models on a benchmark's judgments: LCM-LAI (LAP pre-training, then the joint
objective per set of training queries) and the RankSVM reranker over cross-fitted features.

``lcr train`` calls these; the lab's cross-validation (:mod:`lcr.experiments`) wraps the same fits per
fold, so the shipped models and the evaluated ones come from one code path.
"""
