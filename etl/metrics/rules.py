"""What is not a metric: the reject rules as data (``docs/metrics.md``, "What counts as a metric").

:data:`RULES` is an ordered tuple of named :class:`Rule` s, in the order of the
doc's table; a candidate (a numeral the scanner found) is a metric only if no
rule rejects it. Each rule is a small predicate over a :class:`Candidate`, whose
facts (the character before, the unit after, the prefix qualifiers …) are
computed once, on first use. The rules are pure, so their order changes no
output; the one that tokenises (:func:`inside_word`) comes last, so it runs only
on candidates every other rule kept.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from functools import cached_property
from typing import Callable

from etl.metrics.context import TextContext, clip_sentence
from etl.metrics.qualifiers import prefix_qualifiers
from etl.metrics.units import NAME_WORDS, UNITS, WS, Unit, UnitMatch, match_unit
from etl.numerals import ARABIC_CHARS, CN_RUN_CHARS, PREFIX_QUALIFIERS, NumeralScan, scan_numeral

_NAME_SUFFIX_AFTER_DURATION = ("攻坚行动", "攻坚战", "行动计划", "行动", "规划", "计划", "攻坚")


@dataclass
class Candidate:
    """A numeral at ``start`` (``scan``), possibly written 百分之X (``pct_prefix``), not yet a metric."""

    ctx: TextContext
    start: int
    scan: NumeralScan
    pct_prefix: bool = False

    @cached_property
    def prev(self) -> str:
        """The character before the numeral ('' at the start)."""
        return self.ctx.text[self.start - 1] if self.start > 0 else ""

    @cached_property
    def after(self) -> str:
        """The character after the numeral ('' at the end)."""
        text = self.ctx.text
        return text[self.scan.end] if self.scan.end < len(text) else ""

    @cached_property
    def split_end(self) -> int | None:
        """End of a split note right after an Arabic numeral, ``5(3+2)年`` -> after ``)``: one duration."""
        text, j = self.ctx.text, self.scan.end
        n = len(text)
        if self.scan.is_arabic and j < n and text[j] in "(（":
            k = j + 1
            seen_plus = False
            while k < n and (text[k] in ARABIC_CHARS or text[k] == "+"):
                seen_plus |= text[k] == "+"
                k += 1
            if seen_plus and k < n and text[k] in ")）":
                return k + 1
        return None

    @cached_property
    def match(self) -> UnitMatch | None:
        """The unit after the numeral (or after its split note), % for 百分之X, or None."""
        if self.pct_prefix:
            return UnitMatch(self.scan.end, UNITS["%"], None)
        j = self.split_end if self.split_end is not None else self.scan.end
        return match_unit(self.ctx.text, j, self.scan)

    @property
    def info(self) -> Unit:
        return self.match.info

    @property
    def unit_end(self) -> int:
        return self.match.end

    @property
    def half(self):
        return self.match.half

    @cached_property
    def unit_surface(self) -> str:
        if self.pct_prefix:
            return "百分之"
        j = self.split_end if self.split_end is not None else self.scan.end
        return self.ctx.text[j:self.unit_end].strip(WS)

    @cached_property
    def prefix(self) -> tuple[list[str], int]:
        """The prefix qualifiers (nearest first) and where they start."""
        return prefix_qualifiers(self.ctx.text, self.start)


@dataclass(frozen=True)
class Rule:
    """A named reject rule: ``rejects(candidate)`` is True when the candidate is not a metric."""

    name: str
    rejects: Callable[[Candidate], bool]
    doc: str


def rule(fn: Callable[[Candidate], bool]) -> Rule:
    return Rule(fn.__name__, fn, inspect.getdoc(fn) or "")


@rule
def no_unit(c: Candidate) -> bool:
    """Numeral without a unit or classifier: 12345, 5G, 两会, 一带一路, 十四五."""
    return c.match is None


def _is_date(c: Candidate) -> bool:
    scan, text, unit_surface, uend = c.scan, c.ctx.text, c.unit_surface, c.unit_end
    if unit_surface in ("月", "日"):  # calendar month / day (5个月 is a duration)
        return True
    if unit_surface == "年":
        if scan.digit_seq:
            return True
        if scan.is_arabic and scan.int_digits == 4 and 1000 <= scan.low <= 2999:
            return True
        if scan.is_arabic and scan.int_digits == 4 and scan.high is not None:
            return True
        # 24年12月 : year followed by a month
        nxt = scan_numeral(text, uend) if uend < len(text) and (text[uend] in ARABIC_CHARS or text[uend] in CN_RUN_CHARS) else None
        if nxt is not None and text.startswith("月", nxt.end):
            return True
    return False


@rule
def calendar_date(c: Candidate) -> bool:
    """Calendar dates: N月, N日, a 4-digit Arabic year, 二〇二四年, a year before a month, and a numeral
    before 年代/年度/年底/年初/年末/周年/月份/世纪: 2024年, 11月27日, 七八十年代, 70周年."""
    if c.match.non_metric is not None:
        return c.match.non_metric not in NAME_WORDS
    return not c.pct_prefix and _is_date(c)


@rule
def ordinal(c: Candidate) -> bool:
    """Ordinals and serials, preceded by 第 (总第 included): 第105次, 第十一届, 总第4466期."""
    return c.prev == "第"


@rule
def name_word(c: Candidate) -> bool:
    """A word after the numeral that marks a name or an address (号 届 期 单元 年级): 德江路5号, 十四届, 3单元."""
    return c.match.non_metric in NAME_WORDS


@rule
def code(c: Candidate) -> bool:
    """Codes: an ASCII letter or + # / _ @ before, a . before, a + after, or an ASCII letter after an
    Arabic numeral: 5G, G20, 1+3+N, COVID-19."""
    prev, after = c.prev, c.after
    if prev and prev.isascii() and (prev.isalpha() or prev in "+#/_@"):
        return True
    if prev and prev in ".．":
        return True
    return after == "+" or bool(after and after.isascii() and after.isalpha() and c.scan.is_arabic)


@rule
def quoted_name(c: Candidate) -> bool:
    """Names and slogans: a numeral inside a short “…” quote (≤20 chars, no 。) or a 《…》 title (≤60 chars)."""
    return c.ctx.in_name(c.start)


@rule
def indefinite_article(c: Candidate) -> bool:
    """A bare 一 (no range, no 余/多, no magnitude, not 一年半) with a count or duration unit: 一个, 一名, 一天."""
    return c.scan.single_yi and c.info.kind in ("count", "duration") and c.half is None


@rule
def vague_magnitude(c: Candidate) -> bool:
    """Vague quantities: a bare 百/千/万/亿 with no 余/多 and no qualifier (百年, 千家万户), or a Chinese
    numeral after 几 or 数 (几十个, 数百名), or a bare magnitude after 上 or 成 (上千)."""
    scan = c.scan
    if not scan.is_arabic and c.prev in ("几", "数"):
        return True
    quals = c.prefix[0]
    if scan.bare_magnitude and scan.approx is None and not quals:
        return True
    return not scan.is_arabic and quals == [] and c.prev in ("上", "成") and scan.bare_magnitude


@rule
def named_programme(c: Candidate) -> bool:
    """Named programmes: a Chinese-numeral duration followed by 行动, 规划, 计划 or 攻坚: 三年攻坚行动, 五年规划."""
    return (c.info.kind == "duration" and not c.scan.is_arabic
            and c.ctx.text.startswith(_NAME_SUFFIX_AFTER_DURATION, c.unit_end))


@rule
def ranking(c: Candidate) -> bool:
    """Rankings: 前 before a numeral of 名 or 位: 前10名."""
    return c.prev == "前" and c.info.unit in ("名", "位")


@rule
def inside_word(c: Candidate) -> bool:
    """A Chinese numeral inside a dictionary word of the tokenizer: the word starts before the numeral
    (unless the extra part is a qualifier, as in 近三年), or one word of 3+ chars covers the numeral and
    the unit and goes past them: 统一, 唯一, 上半年, 一把手, 一次次."""
    if c.scan.is_arabic:
        return False
    text, start, unit_end = c.ctx.text, c.start, c.unit_end
    sa, sb = clip_sentence(start, unit_end, *c.ctx.sentence(start, unit_end))
    for w, _, ta, tb in c.ctx.tokens(text[sa:sb]):
        ta += sa
        tb += sa
        if tb <= start:
            continue
        if ta >= unit_end:
            break
        if ta < start < tb and text[ta:start] not in PREFIX_QUALIFIERS:
            return True  # 统一, 唯一, 上半年 (but 近三年 is 近 + 三年)
        if ta <= start and tb > unit_end and len(w) >= 3 and not (c.half or c.scan.approx):
            return True
        break
    return False


# in the order of the table in docs/metrics.md
RULES: tuple[Rule, ...] = (
    no_unit, calendar_date, ordinal, name_word, code, quoted_name,
    indefinite_article, vague_magnitude, named_programme, ranking, inside_word,
)


def rejected_by(c: Candidate) -> Rule | None:
    """The first rule of :data:`RULES` that rejects ``c``, or None (a metric)."""
    for r in RULES:
        if r.rejects(c):
            return r
    return None
