"""Sentence splitting for Chinese judgments.

Sentences end at 。！？； or a line break; the delimiter (and a closing quote or bracket right after
it) stays with its sentence. Fragments shorter than ``min_chars`` (case numbers, "经审理查明，")
are merged into a neighbour, and sentences longer than ``max_chars`` (judgments often chain a whole
paragraph with ，) are wrapped at ， or, failing that, cut every ``max_chars`` characters, so that
every piece is a sensible unit for a sentence encoder.
"""

from __future__ import annotations

import re

from lcr.errors import BadInput

# a run of non-delimiters, then its delimiters and any closing quotes/brackets; or a bare line break
_SENTENCE = re.compile(r"[^。！？；\n]+(?:[。！？；]+[”’」』）)\"']*)?|[。！？；]+[”’」』）)\"']*")
_CLAUSE = re.compile(r"[^，]+，*|，+")


def _wrap(sentence: str, max_chars: int) -> list[str]:
    """Greedily pack the ，-clauses of an overlong sentence into chunks of at most ``max_chars``."""
    chunks: list[str] = []
    current = ""
    for clause in _CLAUSE.findall(sentence):
        while len(clause) > max_chars:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(clause[:max_chars])
            clause = clause[max_chars:]
        if len(current) + len(clause) > max_chars:
            chunks.append(current)
            current = ""
        current += clause
    if current:
        chunks.append(current)
    return [c for c in (c.strip() for c in chunks) if c]


def split_sentences(text: str, min_chars: int = 8, max_chars: int = 200) -> list[str]:
    """Split ``text`` into stripped sentences of at most ``max_chars`` characters.

    A piece shorter than ``min_chars`` is merged into the previous one (or, at the start, the next
    one) unless the merge would exceed ``max_chars``; only then can a short piece remain.
    """
    if min_chars < 0 or max_chars < 1 or min_chars > max_chars:
        raise BadInput(f"need 0 <= min_chars <= max_chars and max_chars >= 1, got {min_chars}, {max_chars}")
    pieces: list[str] = []
    for match in _SENTENCE.finditer(text):
        sentence = match.group().strip()
        if not sentence:
            continue
        pieces.extend(_wrap(sentence, max_chars) if len(sentence) > max_chars else (sentence,))
    out: list[str] = []
    for piece in pieces:
        if (
            out
            and (len(piece) < min_chars or len(out[-1]) < min_chars)
            and len(out[-1]) + len(piece) <= max_chars
        ):
            out[-1] += piece
        else:
            out.append(piece)
    return out
