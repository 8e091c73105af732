"""The scanner: numerals -> candidates -> (unless a rule rejects them) :class:`Metric` records."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from etl.metrics.context import TextContext, clip_sentence
from etl.metrics.measure import _inherit_measures, measure_of
from etl.metrics.qualifiers import suffix_qualifier
from etl.metrics.rules import Candidate, rejected_by
from etl.metrics.units import WS, printed_unit
from etl.nlp import Tokenizer, default_tokenizer
from etl.numerals import ARABIC_CHARS, CN_RUN_CHARS, scan_numeral
from etl.outlets import to_simplified

log = logging.getLogger(__name__)


@dataclass
class Metric:
    start: int                 # char offset of ``surface`` in the input text
    end: int
    surface: str               # == text[start:end]: numeral + unit (余/多 inside included)
    value: float               # normalised value in the written unit (magnitude applied)
    value_high: float | None   # upper bound for ranges (一至两个, 两三个)
    unit: str | None           # unit as written, without magnitude (万亩 -> 亩)
    unit_kind: str             # count|money|percent|area|weight|length|duration|volume|other
    value_base: float | None   # value converted to base_unit (see docs/metrics.md)
    base_unit: str | None
    qualifier: str | None      # primary qualifier (controlled vocabulary, see docs)
    measure: str | None        # what is counted / measured (noun phrase)
    sentence: str              # sentence (split on 。！？；!?; and newlines) containing the surface
    # --- extra fields -------------------------------------------------------
    value_high_base: float | None = None
    qualifiers: tuple[str, ...] = ()   # every qualifier found, nearest first
    qstart: int = -1           # span including adjacent qualifier words (近百万元, 29亿斤以上)
    qend: int = -1
    numeral: str = ""          # numeral part of the surface
    sentence_start: int = -1   # offset of ``sentence`` in the text
    unit_printed: str | None = None   # unit as printed, magnitude kept (7000余万元 -> 万元)


_NUM_START = set(ARABIC_CHARS) | set(CN_RUN_CHARS) | {"半"}


def _extract(text: str, tokenizer: Tokenizer | None = None) -> list[Metric]:
    """Every metric of ``text`` (unguarded: may raise; :func:`extract_metrics` is the guarded entry)."""
    out: list[Metric] = []
    if not text:
        return out
    ctx = TextContext(text, tokenizer if tokenizer is not None else default_tokenizer())
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        if ch not in _NUM_START:
            i += 1
            continue
        # percent written as 百分之X
        pct_prefix = False
        num_start = i
        if text.startswith("百分之", i) and i + 3 < n and text[i + 3] in _NUM_START:
            pct_prefix = True
            num_start = i + 3
        scan = scan_numeral(text, num_start)
        if scan is None:
            # skip the whole run (十四五, 半百 …) so that no suffix of it is retried
            j = num_start + 1
            if text[num_start] in ARABIC_CHARS:
                while j < n and text[j] in ARABIC_CHARS:
                    j += 1
            else:
                while j < n and (text[j] in CN_RUN_CHARS or text[j] == "半"):
                    j += 1
            i = j
            continue
        next_i = max(scan.end, i + 1)
        m = _candidate(ctx, i, scan, pct_prefix)
        if m is not None:
            out.append(m)
            next_i = max(next_i, m.end)
        i = next_i
    return out


def _candidate(ctx: TextContext, start: int, scan, pct_prefix: bool) -> Metric | None:
    """The metric of the numeral at ``start``, or None when a rule of :data:`etl.metrics.rules.RULES` rejects it."""
    c = Candidate(ctx, start, scan, pct_prefix)
    if rejected_by(c) is not None:
        return None
    return _metric(c)


def _metric(c: Candidate) -> Metric:
    """The record of a candidate no rule rejected: value, qualifiers, sentence and measure."""
    text, start, scan = c.ctx.text, c.start, c.scan
    unit, kind, factor, base_unit, measure_override = c.info
    half = c.half
    quals, qstart = c.prefix
    end = c.unit_end
    if c.split_end is not None and c.unit_end < c.split_end:
        end = c.split_end
    surface = text[start:end]

    value = scan.low
    high = scan.high
    extra_q = None
    if half == 0.5:
        value += 0.5
        if high is not None:
            high += 0.5
    elif half == "多":
        extra_q = "多"

    # qualifiers: inner 余/多 > suffix (以上…) > nearest prefix
    suffix_q, qend = suffix_qualifier(text, end, kind)
    all_q: list[str] = []
    if scan.approx:
        all_q.append(scan.approx)
    if extra_q:
        all_q.append(extra_q)
    if suffix_q:
        all_q.append(suffix_q)
    all_q.extend(quals)
    qualifier = all_q[0] if all_q else None

    value_base = value * factor if factor is not None else (value if kind == "count" else None)
    high_base = (high * factor if factor is not None else (high if kind == "count" else None)) if high is not None else None
    if kind == "count":
        base_unit = unit

    sa, sb = c.ctx.sentence(start, end)
    ca, cb = clip_sentence(start, end, sa, sb)
    sentence = text[ca:cb].strip(WS)
    sent_start = ca + (len(text[ca:cb]) - len(text[ca:cb].lstrip(WS)))

    measure = measure_override
    if measure is None:
        measure = measure_of(c.ctx, kind, qstart, qend, sa, sb)

    return Metric(
        start=start, end=end, surface=surface, value=float(value), value_high=high,
        unit=unit, unit_kind=kind, value_base=value_base, base_unit=base_unit,
        qualifier=qualifier, measure=measure, sentence=sentence,
        value_high_base=high_base, qualifiers=tuple(all_q), qstart=qstart, qend=qend,
        numeral=text[scan.start:scan.end], sentence_start=sent_start,
        unit_printed=printed_unit(text[scan.start:scan.end], unit, scan.is_arabic),
    )


def _as_printed(metrics: list[Metric], printed: str) -> list[Metric]:
    """Surfaces, numerals and sentences of metrics found in the simplified copy of ``printed``,
    taken from the printed text (the copy has the same length, so the offsets are the same)."""
    for m in metrics:
        k = m.surface.find(m.numeral) if m.numeral else -1
        m.surface = printed[m.start:m.end]
        if k >= 0:
            m.numeral = m.surface[k:k + len(m.numeral)]
        if m.sentence_start >= 0:
            m.sentence = printed[m.sentence_start:m.sentence_start + len(m.sentence)]
    return metrics


def extract_metrics(text: str, tokenizer: Tokenizer | None = None) -> list[Metric]:
    """All quantities (numeral + unit) quoted in ``text``.  Never raises.

    ``tokenizer`` (:class:`etl.nlp.Tokenizer`) gives the POS tags of the
    measure and dictionary-word rules; None is :func:`etl.nlp.default_tokenizer`.
    Text in traditional characters is matched as its simplified form (個 is 个,
    萬 is 万, 餘 is 余: :func:`etl.outlets.to_simplified`, character by
    character, so offsets are unchanged); ``surface`` and ``sentence`` are as
    printed, ``unit``/``measure``/``qualifier`` are simplified.
    """
    if not isinstance(text, str) or not text:
        return []
    try:
        simple = to_simplified(text)
        found = _inherit_measures(simple, _extract(simple, tokenizer))
        return found if simple is text else _as_printed(found, text)
    except Exception:  # pragma: no cover - guarded by the hypothesis test on _extract
        log.exception("extract_metrics failed; returning no metrics for this text")
        return []


def extract_metrics_many(texts: list[str], tokenizer: Tokenizer | None = None) -> list[list[Metric]]:
    """Batch entry point used by the pipeline (one list of metrics per text), all with one ``tokenizer``."""
    if tokenizer is None and any(isinstance(t, str) and t for t in texts):
        tokenizer = default_tokenizer()
    return [extract_metrics(t, tokenizer) for t in texts]
