"""Extract every quantity an article quotes (number + unit) from Chinese news text.

Entry points: :func:`extract_metrics`, :func:`extract_metrics_many` (batch,
the one the pipeline calls) and :func:`parse_number` (re-exported from
:mod:`etl.numerals`).  See ``docs/metrics.md`` for the rules, the unit /
conversion table and the measured precision / recall on the seed pages.

Design in one paragraph: a hand-written scanner (:mod:`.extract`) finds
numerals (Arabic, full-width, Chinese, mixed, ranges, approximate pairs) and
requires a unit or classifier from the unit table (:mod:`.units`) right after
the numeral. Each candidate then goes through the reject rules, an ordered
tuple of named rules (:data:`.rules.RULES`: calendar dates, ordinals with 第,
codes, names in short quotes / 《》 titles, the indefinite article 一个/一名,
vague bare magnitudes 百年/千家, numerals inside dictionary words such as
统一/唯一/一把手 …), and a kept one is enriched with qualifiers
(:mod:`.qualifiers`) and a measure noun phrase from POS tags
(:mod:`.measure`). The tokenizer is an argument (:class:`etl.nlp.Tokenizer`);
None is the process's default one (:func:`etl.nlp.default_tokenizer`), whose
dictionary is jieba's global one, so a user dictionary loaded with
``jieba.load_userdict`` / ``jieba.add_word`` is honoured. Sentences are those
of :mod:`etl.sentences`, shared with district attribution.
"""

from __future__ import annotations

from etl.metrics.context import MAX_SENTENCE_CHARS, NAME_SPANS, SENTENCE_WINDOW, clip_sentence
from etl.metrics.context import excluded_regions as _excluded_regions
from etl.metrics.extract import Metric, _extract, extract_metrics, extract_metrics_many
from etl.metrics.rules import RULES, Candidate, Rule
from etl.metrics.units import UNIT_TABLE, UNITS, Unit, printed_unit
from etl.numerals import parse_number
from etl.sentences import DELIMITERS, sentence_bounds, sentence_ends

_SENT_DELIMS = set(DELIMITERS)


def _sentence_bounds(text: str, start: int, end: int, ends: list[int] | None = None) -> tuple[int, int]:
    """``[a, b)``: the sentence around ``text[start:end]`` (closing punctuation kept, a newline not)."""
    return sentence_bounds(text, start, end, ends)


__all__ = [
    "Metric", "extract_metrics", "extract_metrics_many", "parse_number", "printed_unit", "sentence_ends",
    "UNITS", "UNIT_TABLE", "Unit", "RULES", "Rule", "Candidate", "NAME_SPANS", "MAX_SENTENCE_CHARS",
    "SENTENCE_WINDOW", "clip_sentence", "_extract", "_excluded_regions", "_sentence_bounds", "_SENT_DELIMS",
]
