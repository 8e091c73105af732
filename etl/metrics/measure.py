"""The measure of a quantity: what is counted or measured (``docs/metrics.md``, "Measure heuristic").

A noun phrase from the tokenizer's POS tags on small windows around the
quantity: read forward from the unit, or backward from the numeral; in a list
the later items inherit the first item's measure. Best effort.
"""

from __future__ import annotations

from etl.metrics.context import TextContext
from etl.numerals import ARABIC_CHARS, CN_RUN_CHARS

_NOUNISH = {"n", "nr", "ns", "nt", "nz", "ng", "nrt", "nrfg", "vn", "an", "j", "l", "eng", "zg"}
_FWD_CONT = _NOUNISH | {"v", "a", "b", "p", "q", "d", "vd", "s", "t"}
_PHRASE_STOP_WORDS = {"全部", "全面", "均", "都", "已", "等", "共", "各", "分别", "现场", "之内", "以来"}
_FWD_STOP = {"x", "uj", "ul", "uz", "ug", "c", "r", "m", "y", "e", "o", "w", "f"}
_NOMINAL_SUFFIX = set("率量额值数比价")


def measure_of(ctx: TextContext, kind: str, qstart: int, qend: int, sa: int, sb: int) -> str | None:
    """The measure of a quantity of ``kind`` whose qualified span is ``[qstart, qend)`` in the sentence ``[sa, sb)``."""
    try:
        if kind == "percent":
            return _measure_backward(ctx, qstart, sa) or _measure_forward(ctx, qend, sb)
        if kind == "duration":
            measure = _measure_forward(ctx, qend, sb, noun_first=True)
            return None if measure is not None and len(measure) < 2 else measure
        return _measure_forward(ctx, qend, sb) or _measure_backward(ctx, qstart, sa)
    except Exception:  # measure is best effort
        return None


def _clean_phrase(toks: list[tuple[str, str]]) -> str | None:
    """The phrase trimmed to end on a noun (or a classifier after one) and to start past adverbs / prepositions."""
    # phrase must end with a noun-ish token (or a classifier after a noun: 党员中心户)
    while toks and not (toks[-1][1] in _NOUNISH or (toks[-1][1] == "q" and len(toks) > 1 and toks[-2][1] in _NOUNISH)):
        toks = toks[:-1]
    while toks and toks[0][1] in ("d", "q", "p") and len(toks) > 1 and toks[0][0] not in ("在",):
        toks = toks[1:]
    s = "".join(w for w, _ in toks)
    return s or None


def _measure_forward(ctx: TextContext, pos: int, sent_end: int, noun_first: bool = False) -> str | None:
    """The noun phrase read forward from ``pos`` (after the unit and its suffix qualifier)."""
    text = ctx.text
    n = min(sent_end, len(text))
    i = pos
    if i < n and text[i] == "的":
        i += 1
    # quoted name right after the unit: 7000余万元“金椒贷”
    if i < n and text[i] in "“「《":
        close = {"“": "”", "「": "」", "《": "》"}[text[i]]
        b = text.find(close, i + 1, min(n, i + 16))
        if b > i + 1:
            inner = text[i + 1:b]
            if not any(c in inner for c in "，,。、；"):
                return inner
    # skip a parenthesised note: 12个(市、区)工商联
    if i < n and text[i] in "(（":
        b = -1
        for close in ")）":
            bb = text.find(close, i + 1, min(n, i + 12))
            if bb > 0:
                b = bb
                break
        if b > 0:
            i = b + 1
    window = text[i:min(n, i + 16)]
    if not window:
        return None
    toks = ctx.tokens(window)
    # skip a directly following numeral + classifier (6个30亿元项目)
    k = 0
    skipped = 0
    while k < len(toks) and skipped < 3 and toks[k][1] in ("m", "q", "x") and (
        toks[k][0][0] in ARABIC_CHARS or toks[k][0][0] in CN_RUN_CHARS or toks[k][1] == "q"
        or toks[k][0] in ("亿元", "万元", "元")
    ) and toks[0][1] == "m" and toks[0][0][0] in ARABIC_CHARS + CN_RUN_CHARS:
        k += 1
        skipped += 1
    phrase: list[tuple[str, str]] = []
    chars = 0
    seen_noun = False
    for word, flag, _, _ in toks[k:]:
        if word.strip() == "" or flag in _FWD_STOP:
            break
        if flag not in _FWD_CONT:
            break
        if flag == "p" and (word != "在" or phrase):
            break
        if word in _PHRASE_STOP_WORDS:
            break
        if seen_noun and (flag not in _NOUNISH or flag == "l") and flag != "q":
            break  # a verb after the head noun starts the predicate (…小区全部成立…)
        if noun_first and not phrase and flag not in _NOUNISH:
            break
        phrase.append((word, flag))
        seen_noun = seen_noun or flag in _NOUNISH
        chars += len(word)
        if len(phrase) >= 4 or chars >= 10:
            break
    return _clean_phrase(phrase)


def _measure_backward(ctx: TextContext, pos: int, sent_start: int) -> str | None:
    """The head noun read backward from ``pos`` (before the numeral and its prefix qualifiers)."""
    text = ctx.text
    a = max(sent_start, pos - 16)
    window = text[a:pos]
    if not window:
        return None
    toks = [(w, f) for w, f, _, _ in ctx.tokens(window)]
    # merge nominalising one-char suffix tokens (组建+率 -> 组建率, 投诉+量)
    merged: list[tuple[str, str]] = []
    for w, f in toks:
        if merged and len(w) == 1 and w in _NOMINAL_SUFFIX and merged[-1][1] not in ("x", "m"):
            merged[-1] = (merged[-1][0] + w, "n")
        else:
            merged.append((w, f))
    skipped = 0
    for idx in range(len(merged) - 1, -1, -1):
        w, f = merged[idx]
        if w.strip() == "" or f in ("x", "m", "w"):
            return None
        if (f in _NOUNISH and f != "eng") or (len(w) > 1 and w[-1] in _NOMINAL_SUFFIX and f == "v"):
            # one-char heads (瓶, 街, 人) read better with their modifier (农药瓶, 镇街, 驾驶人)
            if len(w) == 1 and idx > 0 and merged[idx - 1][1] in _NOUNISH | {"v", "vn"}:
                return merged[idx - 1][0] + w
            return w
        if f in ("v", "p", "d", "uj", "f", "ad", "c", "vd", "ul") and skipped < 2:
            skipped += 1
            continue
        return None
    return None


def _inherit_measures(text: str, metrics: list) -> list:
    """In lists like 签约率分别达98.15%、99.03% / 不少于5家和3家 the later items share
    the measure of the first one."""
    for prev, cur in zip(metrics, metrics[1:]):
        if cur.measure is None and prev.measure is not None and prev.unit_kind == cur.unit_kind:
            gap = text[prev.qend:cur.qstart]
            if gap in ("、", "和", "与", "及", "，", ",", "或") :
                cur.measure = prev.measure
    return metrics
