"""Which sentences of a case the LCM-LAI model reads.

Encoding every sentence of every judgment would take hours on a CPU (GUIDE §2), so each case is cut to
its first ``max_sentences`` *fact* sentences, after dropping the evidence boilerplate that judgments
append to the facts ("上述事实，有…证据证实"), which says nothing about what happened. The same rule
applies to queries, so both sides of a pair are read alike.
"""

from __future__ import annotations

import re

from lcr.text.sentences import split_sentences

_EVIDENCE = re.compile(r"上述事实|证据证实|予以证实|予以确认|足以认定|质证|当庭出示|举证|证人证言|书证|笔录")
_LEAD = re.compile(r"^(经审理查明|本院审理查明|公诉机关指控|检察院指控|原判认定|一审法院认定)[，,：:]?")


def select_sentences(facts: str, max_sentences: int = 12, max_chars: int = 120) -> list[str]:
    """The first ``max_sentences`` informative fact sentences, each at most ``max_chars`` long."""
    out: list[str] = []
    for sent in split_sentences(facts, max_chars=max_chars):
        sent = _LEAD.sub("", sent.strip())
        if len(sent) < 6 or _EVIDENCE.search(sent):
            continue
        out.append(sent[:max_chars])
        if len(out) >= max_sentences:
            break
    if not out and facts.strip():
        out.append(facts.strip()[:max_chars])
    return out
