"""``POST /v1/articles/predict``: law article prediction (LAP) as a service.

From the facts alone: the Criminal Law articles LCM-LAI's LAP head predicts (with an LCM-LAI index), the
charges (the nearest judgments' own charges, and LAP), and the sentencing circumstances stated.
"""

from __future__ import annotations

import time

from fastapi import APIRouter

from lcr.api.deps import SearcherDep
from lcr.api.models import PredictedArticleOut, PredictedChargeOut, PredictRequest, PredictResponse

router = APIRouter(prefix="/articles", tags=["articles"])


@router.post("/predict", response_model=PredictResponse)
def predict(body: PredictRequest, searcher: SearcherDep) -> PredictResponse:
    start = time.perf_counter()
    law = searcher.predict(body.text)
    return PredictResponse(
        took_ms=round((time.perf_counter() - start) * 1000, 2),
        articles=[PredictedArticleOut(article=a.article, name=a.name, probability=round(a.probability, 4))
                  for a in law.articles],
        charges=[PredictedChargeOut(charge=c.charge, probability=round(c.probability, 4)) for c in law.charges],
        circumstances=law.circumstances)
