"""What the rules and the measure heuristic know about the text being scanned (one per text).

:class:`TextContext` holds the text, the tokenizer passed in, the POS tokens
computed so far (cached for the one text: a dictionary change between calls
takes effect at once), the sentence index and the name spans.
"""

from __future__ import annotations

import bisect

from etl.nlp import Tokenizer
from etl.sentences import sentence_bounds, sentence_ends

# A "sentence" longer than this (a page printed without 。/newlines) is not stored whole with every
# quantity in it: the quantity keeps SENTENCE_WINDOW chars either side (see docs/big-pages.md).
# The longest sentence holding a quantity on the seed and test pages is 235 chars.
MAX_SENTENCE_CHARS = 1000
SENTENCE_WINDOW = 200

# (opener, closer, longest content, characters the content may not hold) of the spans whose numerals are names
NAME_SPANS = (("“", "”", 20, "。\n"), ("「", "」", 20, "。\n"), ("《", "》", 60, "\n"), ("\"", "\"", 20, "。\n"))


def excluded_regions(text: str) -> list[tuple[int, int]]:
    """Spans whose numerals are names: short “…” quotes (no 。, ≤20 chars) and 《…》 titles."""
    regions = []
    for open_q, close_q, maxlen, forbid in NAME_SPANS:
        i = 0
        while True:
            a = text.find(open_q, i)
            if a < 0:
                break
            # only a close within maxlen chars can make a region: look no further (linear in the text;
            # an unbounded find from every opener was quadratic on a page of openers and one far close)
            b = text.find(close_q, a + 1, a + 2 + maxlen)
            if b < 0:
                i = a + 1
                continue
            inner = text[a + 1:b]
            if not any(c in inner for c in forbid):
                regions.append((a, b + 1))
                i = b + 1
            else:
                i = a + 1
    regions.sort()
    return regions


def in_regions(regions, starts, pos: int) -> bool:
    k = bisect.bisect_right(starts, pos) - 1
    while k >= 0:
        a, b = regions[k]
        if a <= pos < b:
            return True
        if a < pos - 100:  # regions are at most ~62 chars long
            break
        k -= 1
    return False


def clip_sentence(start: int, end: int, sa: int, sb: int) -> tuple[int, int]:
    """The sentence span ``[sa, sb)`` if it is at most MAX_SENTENCE_CHARS long, else a window of
    SENTENCE_WINDOW chars either side of the surface inside it (bounded work and storage per quantity)."""
    if sb - sa <= MAX_SENTENCE_CHARS:
        return sa, sb
    return max(sa, start - SENTENCE_WINDOW), min(sb, end + SENTENCE_WINDOW)


class TextContext:
    """One text being scanned, with the tokenizer that tags it."""

    def __init__(self, text: str, tokenizer: Tokenizer):
        self.text = text
        self.tokenizer = tokenizer
        self.regions = excluded_regions(text)
        self.region_starts = [a for a, _ in self.regions]
        self.ends = sentence_ends(text)
        self._tokens: dict[str, list[tuple[str, str, int, int]]] = {}

    def in_name(self, pos: int) -> bool:
        """Whether ``pos`` is inside a short quote or a title (:data:`NAME_SPANS`)."""
        return in_regions(self.regions, self.region_starts, pos)

    def sentence(self, start: int, end: int) -> tuple[int, int]:
        """``[a, b)`` of the sentence around ``text[start:end]`` (:func:`etl.sentences.sentence_bounds`)."""
        return sentence_bounds(self.text, start, end, self.ends)

    def tokens(self, s: str) -> list[tuple[str, str, int, int]]:
        """``(word, POS flag, start, end)`` of the tokens of ``s`` (offsets in ``s``), cached per text."""
        out = self._tokens.get(s)
        if out is None:
            out = []
            pos = 0
            for word, flag in self.tokenizer.posseg(s):
                if not word:
                    continue
                idx = s.find(word, pos)
                if idx < 0:  # should not happen; stay robust
                    continue
                out.append((word, flag, idx, idx + len(word)))
                pos = idx + len(word)
            self._tokens[s] = out
        return out
