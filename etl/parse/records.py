"""Typed records of the page parser: what it reads (lines), what it finds
(credits, page metadata, furniture) and what it returns (articles).

Vocabularies used in the warehouse are tuples here, so the DDL comments,
docs/page-grammar.md and the tests name the same values.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

PAGE_KINDS = (
    "print_page",       # a printed page dumped as text (the seeds): mastheads, banners, bylines
    "epaper_article",   # one article of an e-paper site, with the site's chrome (上一篇/下一篇, 放大 缩小)
    "repost",           # a news site or portal reposting an article (来源：, 发布时间：, 责任编辑：)
    "issue_index",      # a whole-issue or page index: edition list, items of headline + lead
    "markdown",         # a crawler's Markdown dump with YAML front matter
)

FURNITURE_KINDS = (
    "masthead", "front_matter", "edition_list", "navigation", "breadcrumb", "metadata", "editor_line",
    "copyright", "related", "teaser", "headline_index", "cross_reference", "editor_note", "banner",
    "caption", "callout", "byline", "duplicate", "continuation_marker", "boilerplate",
)

LINE_CLASSES = (
    "masthead", "headline", "byline", "dateline", "article_body", "section_head",
    "caption", "callout", "duplicate", "continuation_marker", "furniture", "noise",
)

PARAGRAPH_KINDS = (
    "kicker", "title", "subtitle", "byline", "body", "section_head", "caption",
    "callout", "duplicate", "continuation_marker", "masthead", "banner",
)

TITLE_SOURCES = (
    "heading",   # printed as a headline
    "derived",   # the item prints no headline: the title is built from its first words (flagged)
)

DATE_CONFIDENCE = (
    "page_date",                    # no dateline; the page's own date (masthead, 发布时间, e-paper date line)
    "dateline+page_year",           # dateline month/day + the page date's year
    "dateline+text_year",           # dateline month/day + latest year named on the page
    "dateline+text_year_relative",  # ... + 去年 refinement (see docs)
    "relative+dateline",            # 昨日/今天… in the lead, counted from the article's dateline date
    "relative+page_date",           # 昨日/今天… in the lead, counted from the page date
    "page_dateline",                # no dateline, no page date: the latest dateline date on the page
    "text_year",                    # no dateline, no page date; only a year is known
    "unknown",                      # nothing usable; news_date is None
)


@dataclass
class Credit:
    """People and media one credit names (a byline, a dateline's bracket, a trailing credit)."""
    outlets: list[str] = field(default_factory=list)
    reporters: list[str] = field(default_factory=list)
    correspondents: list[str] = field(default_factory=list)
    photographers: list[str] = field(default_factory=list)
    raw: str = ""
    form: str = ""               # name of the credit form (etl.parse.credits.CREDIT_FORMS)
    dateline: tuple[str | None, str | None] | None = None   # (month, day) of a dated credit '（新华社北京1月2日电 记者…）'

    def empty(self) -> bool:
        return not (self.outlets or self.reporters or self.correspondents or self.photographers)


@dataclass
class Line:
    """One input line (or one segment of a line split by rule R2)."""
    no: int                      # 0-based input line number
    raw: str                     # the raw input line
    text: str                    # normalised text, markup stripped
    level: int = 0               # markdown heading level (0 = unmarked)
    bullet: bool = False
    bold: bool = False
    gap: bool = False            # left part of a line split at a wide gap (a title followed by its lead)
    numbered: bool = False       # '1. …' item of an index
    lead: bool = False           # right part of a wide-gap split: the item's first paragraph, never a headline
    kind: str = "text"           # context-free kind (rule R6)
    chrome: str | None = None    # furniture kind when the line is site chrome (rule R3)
    credit: Credit | None = None
    core: str = ""

    @property
    def blank(self) -> bool:
        return not self.raw.strip()


@dataclass
class PageMeta:
    publication: str | None      # the page's own publication (masthead, 来源, 当前位置, citation)
    page_date: date | None       # the page's own date (masthead, 发布时间, e-paper date line, front matter)
    issue_no: int | None         # 总第4466期
    lunar_text: str | None       # 农历甲辰年十月廿九
    weekday: str | None          # 星期五
    url: str | None
    lines: list[str]             # the raw masthead lines
    kind: str = "print_page"     # one of PAGE_KINDS
    source: str | None = None    # the repost's source line as printed (来源：大众网-半岛都市报)
    edition: str | None = None   # 版次 as printed (第03版, A02)
    authors: list[str] = field(default_factory=list)   # a portal's '作者：' line


@dataclass
class Paragraph:
    ordinal: int                 # position within its article (or within furniture)
    text: str                    # normalised text
    kind: str                    # PARAGRAPH_KINDS for articles, FURNITURE_KINDS for furniture
    source_lines: list[int]      # 0-based input line numbers


@dataclass
class Article:
    ordinal: int
    kicker: str | None           # 引题
    title: str                   # 主题 (derived from the text when the item prints none)
    subtitle: str | None         # 副题
    dateline_month: int | None
    dateline_day: int | None
    news_date: date | None
    date_confidence: str         # DATE_CONFIDENCE
    outlets: list[str]
    reporters: list[str]
    correspondents: list[str]
    body: str                    # 'body' paragraphs joined with '\n'
    paragraphs: list[Paragraph]  # every paragraph attributed to the article
    captions: list[str]
    continuation: str            # 'none' | 'continues' | 'continued_from'
    title_source: str = "heading"
    photographers: list[str] = field(default_factory=list)
    title_level: int | None = None
    dateline_text: str | None = None
    news_year: int | None = None
    continues: bool = False
    continued_from: bool = False
    bylines: list[str] = field(default_factory=list)
    section_heads: list[str] = field(default_factory=list)
    callouts: list[str] = field(default_factory=list)


@dataclass
class ParsedPage:
    meta: PageMeta
    articles: list[Article]
    furniture: list[Paragraph]
    line_classes: dict[str, int]
    line_class_by_line: dict[int, str] = field(default_factory=dict)


def empty_meta() -> PageMeta:
    return PageMeta(None, None, None, None, None, None, [])
