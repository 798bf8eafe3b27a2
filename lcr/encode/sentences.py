"""Which sentences of a case the LCM-LAI model reads.

Encoding every sentence of every judgment would take hours on a CPU (GUIDE §2), so each case is cut to
its first ``max_sentences`` *fact* sentences. Dropped first: the evidence boilerplate judgments append
to the facts ("上述事实，有…证据证实"), which says nothing about what happened, and sentences stating the
legal characterisation (cited articles, "其行为构成…罪"), which a query never has and which would let
the LAP head read its labels. The same rule applies to queries, so both sides are read alike.
"""

from __future__ import annotations

import re

from lcr.text.sentences import split_sentences

_EVIDENCE = re.compile(r"上述事实|证据证实|予以证实|予以确认|足以认定|质证|当庭出示|举证|证人证言|书证|笔录")
#: The prosecution's or court's legal characterisation ("其行为触犯了《刑法》第…条…应当以…罪追究"): the
#: labels the LAP head learns to predict, which a query (facts only) never contains.
_LEGAL = re.compile(r"第[〇零一二三四五六七八九十百千\d]+条|公诉机关认为|检察院认为|其行为(已)?(触犯|构成)|追究其?刑事责任")
_LEAD = re.compile(r"^(经审理查明|本院审理查明|公诉机关指控|检察院指控|原判认定|一审法院认定)[，,：:]?")


def select_sentences(facts: str, max_sentences: int = 12, max_chars: int = 120) -> list[str]:
    """The first ``max_sentences`` informative fact sentences, each at most ``max_chars`` long."""
    out: list[str] = []
    for sent in split_sentences(facts, max_chars=max_chars):
        sent = _LEAD.sub("", sent.strip())
        if len(sent) < 6 or _EVIDENCE.search(sent) or _LEGAL.search(sent):
            continue
        out.append(sent[:max_chars])
        if len(out) >= max_sentences:
            break
    if not out and facts.strip():
        out.append(facts.strip()[:max_chars])
    return out
