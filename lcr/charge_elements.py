"""The four elements of a crime (犯罪构成四要件) for 155 charges, from JUREX-4E (experts' texts, MIT; shipped in
``lcr/resources/jurex``): what a precedent's shared charge requires, shown beside the hit so a reader sees
what the two cases' facts have to satisfy.

Each element's text is an outline (``# 要点``, ``## 细目``…); lcr shows its first-level points, without the
source's 【】 emphasis marks.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from importlib import resources

#: The elements in the order criminal-law textbooks give them, as JUREX-4E names them.
ELEMENTS = ("犯罪客体", "客观方面", "犯罪主体", "主观方面")
SOURCE = "JUREX-4E"
#: First-level points kept per element (the rest is commentary: definitions, distinctions from other charges).
POINTS = 2


@dataclass(frozen=True)
class ChargeElements:
    """One charge's four elements, each its first-level points joined by ；."""

    charge: str
    object: str  # 犯罪客体: the legal interest the crime harms
    objective: str  # 客观方面: the conduct (and result) it requires
    subject: str  # 犯罪主体: who can commit it
    subjective: str  # 主观方面: intent or negligence
    source: str = SOURCE


def _points(outline: str, limit: int = POINTS) -> str:
    heads = [m.strip() for m in re.findall(r"^#(?!#)\s*(.+)$", outline, flags=re.M)]
    return "；".join(re.sub(r"[【】]", "", h).rstrip("。；;") for h in heads[:limit] if h)


@functools.cache
def charge_elements() -> dict[str, ChargeElements]:
    """Charge name (with 罪, as judgments write it) -> its elements."""
    raw = json.loads(resources.files("lcr").joinpath("resources", "jurex", "flattened_jurex4e.json")
                     .read_text(encoding="utf-8"))
    return {charge: ChargeElements(charge, *(_points(parts.get(e, "")) for e in ELEMENTS))
            for charge, parts in raw.items()}


def elements_of(charge: str) -> ChargeElements | None:
    """The elements of ``charge`` (a judgment's charge name, 罪 optional), or None if JUREX-4E lacks it."""
    name = charge.strip()
    return charge_elements().get(name if name.endswith("罪") else name + "罪")
