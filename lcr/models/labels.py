"""The law-article label set of the LAP (law article prediction) sub-task.

Choice (see README, "LCM-LAI"): the label set holds every Criminal Law article of the specific part
(分则, articles 102-451, which define the charges) seen at least ``min_count`` times in the training
data, plus a short list of general-part (总则) articles that encode *circumstances* judges weigh when
they call two cases similar (attempt, joint crime, recidivism, surrender, probation...). The remaining
general-part articles (fines 52/53, confiscation 64, sentence computation 47...) are cited by almost
every judgment, carry no signal about what makes two cases alike, and are left out.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lcr.errors import BadInput
from lcr.records import ArticleRef

#: 总则 articles kept as labels: 17 (age), 18 (mental illness), 20 (self-defence), 22-24 (preparation,
#: attempt, abandonment), 25-29 (joint crime: principal, accessory, coerced, instigator), 61-62 (sentencing
#: discretion), 65 (recidivism), 67-68 (surrender, meritorious service), 69 (concurrent crimes),
#: 72 (probation).
CIRCUMSTANCE_ARTICLES = frozenset({17, 18, 20, 22, 23, 24, 25, 26, 27, 28, 29, 61, 62, 65, 67, 68, 69, 72})


def is_label_article(ref: ArticleRef) -> bool:
    return ref.statute == "刑法" and (ref.article >= 102 or ref.article in CIRCUMSTANCE_ARTICLES)


@dataclass
class ArticleLabels:
    """An ordered label vocabulary of article keys (``"刑法:133"``)."""

    keys: list[str]

    def __post_init__(self) -> None:
        self.index = {k: i for i, k in enumerate(self.keys)}

    def __len__(self) -> int:
        return len(self.keys)

    @classmethod
    def build(cls, article_lists: Iterable[Sequence[ArticleRef]], min_count: int = 3) -> ArticleLabels:
        counts = Counter(
            ArticleRef(r.statute, r.article, r.sub).key
            for refs in article_lists
            for r in {ArticleRef(r.statute, r.article, r.sub) for r in refs if is_label_article(r)}
        )
        keys = sorted((k for k, c in counts.items() if c >= min_count), key=_sort_key)
        if not keys:
            raise BadInput("no law article occurs often enough to form a label set")
        return cls(keys)

    def multi_hot(self, refs: Sequence[ArticleRef]) -> np.ndarray:
        y = np.zeros(len(self.keys), dtype=np.float32)
        for r in refs:
            i = self.index.get(ArticleRef(r.statute, r.article, r.sub).key)
            if i is not None:
                y[i] = 1.0
        return y

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"keys": self.keys}, ensure_ascii=False, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> ArticleLabels:
        return cls(json.loads(path.read_text(encoding="utf-8"))["keys"])


def _sort_key(key: str) -> tuple[str, int, int]:
    statute, _, rest = key.partition(":")
    number, _, sub = rest.partition("-")
    return statute, int(number), int(sub or 0)
