"""The one sentence splitter: quantities (:mod:`etl.metrics`) and district attribution (:mod:`etl.model`).

A sentence ends at one of :data:`DELIMITERS` (``。！？；!?;`` and a newline).
The delimiters of a text are indexed once (:func:`sentence_ends`) and bisected
(:func:`sentence_bounds`), so finding the sentence of each of m quantities costs
O(log n), not a walk over the text (a page printed as one delimiter-less line
made that O(m·n); see ``docs/big-pages.md``).
"""

from __future__ import annotations

import bisect
import re

DELIMITERS = "。！？；!?;\n"
_DELIM_RE = re.compile("[" + re.escape("".join(sorted(set(DELIMITERS)))) + "]")


def sentence_ends(text: str) -> list[int]:
    """Offsets of every sentence delimiter (``。！？；!?;`` and newline) in ``text``, ascending."""
    return [m.start() for m in _DELIM_RE.finditer(text)]


def sentence_bounds(text: str, start: int, end: int | None = None, ends: list[int] | None = None, *,
                    keep_newline: bool = False) -> tuple[int, int]:
    """``[a, b)``: the sentence around ``text[start:end]`` (``end`` defaults to ``start``).

    The closing punctuation is kept; a closing newline only with ``keep_newline``
    (a quantity's stored ``sentence`` leaves it out; district attribution, which
    only asks whether a mention starts inside ``[a, b)``, keeps it: the same
    answer either way, since no mention starts with a newline). ``ends`` is
    :func:`sentence_ends` of ``text``, computed here when not given.
    """
    if ends is None:
        ends = sentence_ends(text)
    if end is None:
        end = start
    k = bisect.bisect_left(ends, start)
    a = ends[k - 1] + 1 if k else 0
    j = bisect.bisect_left(ends, end)
    if j == len(ends):
        return a, len(text)
    b = ends[j]
    return a, (b if text[b] == "\n" and not keep_newline else b + 1)
