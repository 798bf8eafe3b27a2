"""Measure law article prediction (LAP): LCM-LAI's LAP head vs a TF-IDF + linear classifier baseline,
trained on the same cases in the same run and scored on the CAIL2018 sample's test split and on the
held-out fifth of the LeCaRD candidates.

Decision rule for both: every article with probability ≥ 0.5, and at least the most probable one (every
case cites at least one article). Micro-F1 over all (case, article) decisions; macro-F1 averaged over
the articles that occur in the test set's gold labels.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import torch
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.multiclass import OneVsRestClassifier

from lcr.encode.sentence_store import SentenceStore
from lcr.fit.lcm_lai import Resources, held_out
from lcr.models.batching import pad_cases
from lcr.models.lcm_lai import LcmLai

log = logging.getLogger(__name__)


def decide(probs: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    pred = probs >= threshold
    pred[np.arange(len(probs)), probs.argmax(1)] = True
    return pred


def f1s(gold: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    present = np.flatnonzero(gold.sum(0) > 0)
    return {"micro_f1": float(f1_score(gold, pred, average="micro", zero_division=0)),
            "macro_f1": float(f1_score(gold[:, present], pred[:, present], average="macro", zero_division=0)),
            "cases": int(len(gold)), "articles_in_gold": int(len(present))}


@torch.no_grad()
def model_probs(model: LcmLai, store: SentenceStore, ids: list[str], max_sentences: int) -> np.ndarray:
    out = []
    for start in range(0, len(ids), 512):
        emb, mask = pad_cases(store, ids[start : start + 512], max_sentences)
        out.append(model.view(emb, mask).case_logits.sigmoid().numpy())
    return np.concatenate(out)


def evaluate_lap(model: LcmLai, res: Resources, max_sentences: int) -> dict:
    labels = res.labels
    lecard_train = [c for c, a in res.case_articles.items() if not held_out(c) and a]
    lecard_test = [c for c, a in res.case_articles.items() if held_out(c) and a]
    cail_train = [c for c in res.cail_articles if res.cail_split[c] == "train"]
    cail_test = [c for c in res.cail_articles if res.cail_split[c] == "test"]

    def gold(ids, arts):
        return np.stack([labels.multi_hot(arts[c]) for c in ids]) > 0

    def text(store, c):
        return "".join(store.texts(c))

    sets = {"lecard-heldout": (res.cases, lecard_test, res.case_articles)}
    if res.cail is not None:
        sets["cail2018-test"] = (res.cail, cail_test, res.cail_articles)
    # Baseline: the same training cases and the same input text (the selected fact sentences).
    train_texts = [text(res.cases, c) for c in lecard_train]
    y_train = [gold(lecard_train, res.case_articles)]
    if res.cail is not None:
        train_texts += [text(res.cail, c) for c in cail_train]
        y_train.append(gold(cail_train, res.cail_articles))
    y = np.concatenate(y_train)
    keep = np.flatnonzero(y.sum(0) > 0)
    t0 = time.perf_counter()
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), min_df=2, max_features=200_000, sublinear_tf=True)
    x = vec.fit_transform(train_texts)
    clf = OneVsRestClassifier(LogisticRegression(C=10.0, max_iter=200, solver="liblinear"), n_jobs=1)
    clf.fit(x, y[:, keep].astype(int))
    baseline_secs = time.perf_counter() - t0
    report: dict = {"labels": len(labels), "decision": "p >= 0.5, at least the argmax",
                    "train_cases": {"lecard": len(lecard_train), "cail2018": len(cail_train)},
                    "baseline": "TF-IDF (char 1-2-grams, sublinear) + one-vs-rest logistic regression (C=10)",
                    "baseline_train_seconds": round(baseline_secs, 1), "results": {}}
    for name, (store, ids, arts) in sets.items():
        g = gold(ids, arts)
        ours = f1s(g, decide(model_probs(model, store, ids, max_sentences)))
        probs = np.zeros((len(ids), len(labels)))
        probs[:, keep] = clf.predict_proba(vec.transform([text(store, c) for c in ids]))
        report["results"][name] = {"lcm-lai-lap": ours, "tfidf-logreg": f1s(g, decide(probs))}
    return report
