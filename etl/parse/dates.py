"""Rule R10: the date of each article.

:data:`DATE_RULES` is tried in order for every article; the first rule that
gives a result decides ``news_date``, ``news_year`` and ``date_confidence``
(vocabulary in :data:`etl.parse.records.DATE_CONFIDENCE`). The year always
comes from the page itself: its printed date (masthead, 发布时间, e-paper date
line, front matter) or a year the page names; today's date is never used.
R10.6 then gives undated articles of a page without a page date the page's
latest dateline date.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from etl.parse.lexicon import (
    FUTURE_PREFIX_RE,
    LAST_YEAR_LEAD_RE,
    RELATIVE_DAY_RE,
    RELATIVE_DAYS,
    SINCE_SUFFIX_RE,
    YEAR_RE,
)
from etl.parse.records import Article

_CN_VALUES = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
ROLLOVER_MONTHS = 6        # a dateline month this far after the page month belongs to the previous year
LEAD_CLAUSE_RE = re.compile(r"^[^，,。；;！？!?：:]{0,24}")
REPORT_DATE_RE = re.compile(r"^\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*(?:综合报道|综合消息|消息|电)")


def cn_int(s: str | int | None) -> int | None:
    """'14' / '十四' / '二十三' / '九' -> int; None when it is not a number."""
    if s is None or isinstance(s, int):
        return s
    s = s.strip()
    if s.isdigit():
        return int(s)
    if not s or any(ch not in _CN_VALUES and ch != "十" for ch in s):
        return None
    if "十" not in s:
        return int("".join(str(_CN_VALUES[ch]) for ch in s))
    tens, _, ones = s.partition("十")
    return (_CN_VALUES[tens] if tens else 1) * 10 + (_CN_VALUES[ones] if ones else 0)


def infer_text_year(text: str) -> tuple[int | None, str | None]:
    """Page-level year from the years the page names (R10.5).

    Named years that are not future-marked (预计/计划/到/… directly before) and
    do not open a span (…年以来, …年起) are lower bounds: year = the latest. If
    the page also says '去年' and names a future-marked year F >= latest + 2,
    the latest named year is last year: year = latest + 1.
    Returns (year, 'text_year' | 'text_year_relative') or (None, None).
    """
    past: list[int] = []
    future: list[int] = []
    for m in YEAR_RE.finditer(text):
        y = int(m.group(1) or m.group(2))
        if m.group(1) and SINCE_SUFFIX_RE.match(text, m.end()):
            continue
        prefix = text[max(0, m.start() - 4): m.start()]
        span_end = re.search(r"(?:19|20)\d{2}\s*年[^，。；]{0,8}(?:至|到|—|-)\s*$", text[max(0, m.start() - 14): m.start()])
        # '2012年12月至2025年4月期间': the end of a span that started in a named year is not a plan
        (future if FUTURE_PREFIX_RE.search(prefix) and not span_end else past).append(y)
    if not past:
        return None, None
    latest = max(past)
    later = [f for f in future if f > latest]
    if later and "去年" in text and min(later) - latest >= 2:
        return latest + 1, "text_year_relative"
    return latest, "text_year"


@dataclass
class DateContext:
    page_date: date | None
    text_year: int | None
    text_suffix: str | None
    leads: dict[int, str] = field(default_factory=dict)   # article ordinal -> text right after its dateline
    page_dateline: date | None = None   # the latest dateline date on a page without a page date


def _dateline_date(a: Article, ctx: DateContext) -> tuple[date | None, int | None, str] | None:
    day = cn_int(a.dateline_day)
    if day is None:
        return None
    month = cn_int(a.dateline_month)
    pd = ctx.page_date
    if month is None:
        if pd is None:
            return None
        month = pd.month if day <= pd.day else (pd.month - 1 or 12)
    last_year = bool(LAST_YEAR_LEAD_RE.match(ctx.leads.get(a.ordinal, ""))) and \
        not re.search(r"\d\s*日|[一二三四五六七八九十]日", a.dateline_text or "")   # '本报讯 去年12月27日，…'
    if pd is not None:
        y = pd.year
        if last_year or month - pd.month > ROLLOVER_MONTHS:
            y -= 1   # a December dateline on a January page
        conf = "dateline+page_year"
    elif ctx.text_year is not None:
        y, conf = ctx.text_year - last_year, "dateline+" + (ctx.text_suffix or "text_year")
    else:
        return None, None, "unknown"
    try:
        return date(y, month, day), y, conf
    except ValueError:
        return None, None, "unknown"


def rule_relative(a: Article, ctx: DateContext):
    """R10.1 a relative day (今天, 昨日, 前天…) in the first clause of a dateline's lead,
    counted from the dateline date, else from the page date."""
    lead = ctx.leads.get(a.ordinal)
    if not lead:
        return None
    clause = LEAD_CLAUSE_RE.match(lead).group(0)
    stated = re.search(r"[今昨前]\s*[（(]\s*(\d{1,2})\s*[）)]\s*日", clause)
    if stated and ctx.page_date is not None:        # '今（15）日': the day is printed in the brackets
        base = ctx.page_date
        day = int(stated.group(1))
        month, year = (base.month, base.year) if day <= base.day else \
            ((base.month - 1 or 12), base.year - (base.month == 1))
        try:
            return date(year, month, day), year, "relative+page_date"
        except ValueError:
            return None
    m = RELATIVE_DAY_RE.search(clause)
    if not m:
        return None
    base = _dateline_date(a, ctx)
    if base and base[0] is not None:
        return base[0] + timedelta(days=RELATIVE_DAYS[m.group(0)]), base[1], "relative+dateline"
    if base is None and ctx.page_date is not None:
        d = ctx.page_date + timedelta(days=RELATIVE_DAYS[m.group(0)])
        return d, d.year, "relative+page_date"
    return None


def rule_dateline(a: Article, ctx: DateContext):
    """R10.2 dateline month/day (本报12月9日讯, 【新华社重庆十四日电】, a leading '4月4日，' after 本报讯)
    with the page date's year, else the page's text year."""
    return _dateline_date(a, ctx)


def rule_page_date(a: Article, ctx: DateContext):
    """R10.3 no dateline date: the page's own date."""
    if ctx.page_date is not None:
        return ctx.page_date, ctx.page_date.year, "page_date"
    return None


def rule_page_dateline(a: Article, ctx: DateContext):
    """R10.4 no page date and no dateline of its own: the latest dateline date on the page
    (the articles of a page share a publication day, and a dateline is that day or just before)."""
    if ctx.page_date is None and ctx.page_dateline is not None and cn_int(a.dateline_day) is None:
        return ctx.page_dateline, ctx.page_dateline.year, "page_dateline"
    return None


def rule_text_year(a: Article, ctx: DateContext):
    """R10.5 only a year is known (news_date stays NULL)."""
    if ctx.text_year is not None:
        return None, ctx.text_year, "text_year"
    return None


DATE_RULES: tuple[tuple[str, str, Callable], ...] = (
    ("R10.1", "relative_day", rule_relative),
    ("R10.2", "dateline", rule_dateline),
    ("R10.3", "page_date", rule_page_date),
    ("R10.4", "page_dateline", rule_page_dateline),
    ("R10.5", "text_year", rule_text_year),
)


def date_articles(articles: list[Article], ctx: DateContext) -> None:
    dated = [d[0] for a in articles if (d := _dateline_date(a, ctx)) and d[0] is not None]
    ctx.page_dateline = max(dated) if dated else None
    for a in articles:
        a.news_date, a.news_year, a.date_confidence = None, None, "unknown"
        for _rid, _name, rule in DATE_RULES:
            got = rule(a, ctx)
            if got is not None:
                a.news_date, a.news_year, a.date_confidence = got
                break
        a.dateline_month, a.dateline_day = cn_int(a.dateline_month), cn_int(a.dateline_day)
