"""Parse one OCR/text dump of a Chinese newspaper page into structured data.

Public entry point: :func:`parse_page` (pure, deterministic, never raises).

The grammar and the order in which the rules below are applied are written
down in ``docs/page-grammar.md``; keep the two in sync.  In short:

1. lines -> markup stripped + normalised (``etl.parse_text``)
2. masthead at the top of the page -> :class:`PageMeta`
3. local line kinds: caption, byline, credit, continuation marker, dateline,
   bullet, plain text
4. duplicates: a line (or a run of re-wrapped lines) whose text was already
   seen earlier on the page
5. structural pass (a small state machine over the remaining lines):
   headline runs (kicker/title/subtitle, banners), bylines, datelines, body
   paragraphs with column-break repair, section heads, call-outs, captions
6. per-article post-processing: section-head resolution, derived titles,
   dates (page-level year inference)

No Dagster imports here; standard library only.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from etl.parse_text import (
    COMMA_LIKE,
    chunks,
    core,
    couplet_cue,
    finished,
    has_comma,
    label_like,
    normalize,
    strip_dashes,
    strip_markup,
    strong_banner_cue,
    top_level_dash_split,
)

__all__ = ["PageMeta", "Paragraph", "Article", "ParsedPage", "parse_page", "LINE_CLASSES", "DATE_CONFIDENCE"]


# ==========================================================================
# Public data model
# ==========================================================================
@dataclass
class PageMeta:
    publication: str | None      # masthead name, e.g. '金胶州'
    page_date: date | None       # from '2024年11月29日'
    issue_no: int | None         # from '总第4466期'
    lunar_text: str | None       # '农历甲辰年十月廿九'
    weekday: str | None          # '星期五'
    url: str | None
    lines: list[str]             # the raw masthead lines


@dataclass
class Paragraph:
    ordinal: int                 # position within its article (or within furniture)
    text: str                    # normalised text
    kind: str                    # see PARAGRAPH_KINDS
    source_lines: list[int]      # 0-based input line numbers


@dataclass
class Article:
    ordinal: int
    kicker: str | None           # 引题
    title: str                   # 主题 (never empty)
    subtitle: str | None         # 副题
    dateline_month: int | None
    dateline_day: int | None
    news_date: date | None
    date_confidence: str         # see DATE_CONFIDENCE
    outlets: list[str]
    reporters: list[str]
    correspondents: list[str]
    body: str                    # 'body' paragraphs joined with '\n'
    paragraphs: list[Paragraph]  # every paragraph attributed to the article
    captions: list[str]
    continuation: str            # 'none' | 'continues' | 'continued_from'
    title_source: str = "heading"  # 'heading' | 'derived'
    # ---- extra fields (not part of the original interface) ----
    title_level: int | None = None       # markdown heading level of the title (0 = unmarked)
    dateline_text: str | None = None     # the dropped marker, e.g. '本报12月18日讯'
    news_year: int | None = None         # year used for news_date (or the only thing known)
    continues: bool = False              # a '(下转…版)' marker was seen
    continued_from: bool = False         # a '（上接…版）' marker was seen
    bylines: list[str] = field(default_factory=list)   # raw byline/credit strings
    section_heads: list[str] = field(default_factory=list)
    callouts: list[str] = field(default_factory=list)


@dataclass
class ParsedPage:
    meta: PageMeta
    articles: list[Article]
    furniture: list[Paragraph]
    line_classes: dict[str, int]
    # extra: class of every non-blank input line (0-based line number -> class)
    line_class_by_line: dict[int, str] = field(default_factory=dict)


LINE_CLASSES = (
    "masthead", "headline", "byline", "dateline", "article_body", "section_head",
    "caption", "callout", "duplicate", "continuation_marker", "furniture", "noise",
)
PARAGRAPH_KINDS = (
    "kicker", "title", "subtitle", "byline", "body", "section_head", "caption",
    "callout", "duplicate", "continuation_marker", "masthead", "banner",
)
DATE_CONFIDENCE = (
    "page_date",                    # no dateline; page date from the masthead
    "dateline+page_year",           # dateline month/day + masthead year
    "dateline+text_year",           # dateline month/day + latest year named on the page
    "dateline+text_year_relative",  # ... + 去年 refinement (see docs)
    "text_year",                    # no dateline, no page date; only a year is known
    "unknown",                      # nothing usable; news_date is None
)

# Thresholds (characters of core text); see docs/page-grammar.md.
HEAD_MAX_LEN = 100          # longest line that can still be a headline line
SECTION_HEAD_MAX_LEN = 20   # longest unmarked in-article section head
DUP_MIN_CORE = 16           # shortest run (core chars) accepted as a duplicate
DUP_MIN_CORE_HEADLIKE = 24  # ... when it is a single headline-like line
DUP_FULL_SEARCH_LIMIT = 300_000  # above this page size only exact line repeats are checked
MASTHEAD_SCAN = 12          # non-blank lines inspected for a masthead


# ==========================================================================
# Regular expressions (the lexical part of the grammar)
# ==========================================================================
_CN_NUM = "一二三四五六七八九十百零〇"
_PAGE_REF = rf"第?\s*[0-9A-Za-z{_CN_NUM}]{{1,4}}\s*版"
MARKER_DOWN_FULL_RE = re.compile(rf"^[（(]\s*(?:下转|转)\s*{_PAGE_REF}\s*[）)]$")
MARKER_DOWN_END_RE = re.compile(rf"\s*[（(]\s*(?:下转|转)\s*{_PAGE_REF}\s*[）)]\s*$")
MARKER_UP_START_RE = re.compile(rf"^[（(]\s*(?:上接|接)\s*{_PAGE_REF}\s*[）)]\s*")

CAPTION_RE = re.compile(r"^[■▲△▼]\s*")
BYLINE_BOX_RE = re.compile(r"^□\s*")

DATELINE_RE = re.compile(
    r"^(?P<marker>(?:本报|本刊|新华社|中新社|中新网|人民网|新华网|央视网|央广网|[\u4e00-\u9fff]{2,8}?(?:社|报|网|台))"
    r"(?:记者)?[\u4e00-\u9fff]{0,6}?"
    r"(?:(?P<m>\d{1,2})月(?P<d>\d{1,2})日)?(?:电|讯))"
)
_DATELINE_CREDIT_RE = re.compile(r"^\s*[（(]([^（）()]{1,60})[）)]")
_LEADING_MD_RE = re.compile(r"^\s*(\d{1,2})月(\d{1,2})日")
_INLINE_CREDIT_RE = re.compile(r"^(?P<body>.*?)[（(](?P<credit>[^（）()]{1,60})[）)]\s*$")

_DATE_FULL_RE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_LUNAR_RE = re.compile(r"农历\s*[\u4e00-\u9fff]{2,12}")
_WEEKDAY_RE = re.compile(r"星期[一二三四五六日天]|礼拜[一二三四五六日天]")
_ISSUE_RE = re.compile(r"总\s*第\s*(\d+)\s*期|(?<!总)第\s*(\d+)\s*期")
_URL_RE = re.compile(r"(?:https?://|www\.)\S+")
_PAGE_NO_RE = re.compile(rf"{_PAGE_REF}|[A-Z]\d{{1,2}}")
_NAME_SUFFIX_RE = re.compile(r"(数字报|电子报|电子版|数字版|网络版)$")

# years named in text: '2023年', '2022年度', or a title starting with a year '《2022中国…'
_YEAR_RE = re.compile(r"(?<![\d.])((?:19|20)\d{2})(?=\s*年)|(?<=《)((?:19|20)\d{2})")
_FUTURE_PREFIX_RE = re.compile(r"(预计|计划|力争|争取|目标|有望|将于|将在|预期|展望|到|至)\s*$")

_NAME_TOKEN_RE = re.compile(r"^[\u4e00-\u9fff·]{1,6}$|^[A-Za-z][A-Za-z .'-]{0,30}$")


# ==========================================================================
# Credits (bylines / trailing credits)
# ==========================================================================
def parse_credit(s: str, boxed: bool = False) -> dict | None:
    """Parse '青岛日报/观海新闻记者 李德银 通讯员 魏康 高欢欢' style credits.

    Returns {'outlets', 'reporters', 'correspondents'} or None if the string
    does not look like a credit.  '本报' is not an outlet (the page's own
    publication is in PageMeta).
    """
    t = s.strip()
    if not t or len(t) > 60 or re.search(r"[，。；！？,;!?]", t):
        return None
    if "记者" not in t and "通讯员" not in t and not boxed:
        return None
    t = re.sub(r"\s*(报道|摄影|摄|采写|整理|文/图|文图)$", "", t).strip()
    rep_part, _, corr_part = t.partition("通讯员")
    m = re.match(r"^(.*?)((?:特约|实习|首席|驻\S{1,4})?记者)(.*)$", rep_part)
    if m:
        outlet_str, names_str = m.group(1), m.group(3)
    else:
        outlet_str, names_str = "", rep_part
    outlets = [o.strip() for o in re.split(r"[/／、]", outlet_str) if o.strip() and o.strip() != "本报"]

    def names(x: str) -> list[str] | None:
        toks = [n for n in re.split(r"[\s、/]+", x) if n]
        if any(not _NAME_TOKEN_RE.match(n) for n in toks):
            return None
        return toks

    reporters = names(names_str)
    correspondents = names(corr_part)
    if reporters is None or correspondents is None:
        return None
    if any(len(o) > 12 for o in outlets):
        return None
    return {"outlets": outlets, "reporters": reporters, "correspondents": correspondents}


# ==========================================================================
# Internal line record
# ==========================================================================
class _Line:
    __slots__ = ("no", "raw", "text", "level", "bullet", "bold", "kind", "credit", "core")

    def __init__(self, no: int, raw: str, text: str, level: int, bullet: bool, bold: bool):
        self.no = no
        self.raw = raw
        self.text = text
        self.level = level
        self.bullet = bullet
        self.bold = bold
        self.kind = "text"
        self.credit: dict | None = None
        self.core = ""

    # ---- shape predicates used by the structural pass ----
    @property
    def head_like(self) -> bool:
        """Could be a headline line: short, not a finished sentence, does not
        end with a comma, does not start with closing punctuation; unmarked
        lines must not contain '。'."""
        t = self.text
        if self.kind != "text" or not t or len(t) > HEAD_MAX_LEN or finished(t):
            return False
        if t[-1] in COMMA_LIKE or t[0] in "，。、；：？！”’）》,.;:?!)":
            return False
        if self.level == 0 and "。" in t:
            return False
        return True

    @property
    def section_head_like(self) -> bool:
        return len(self.text) <= SECTION_HEAD_MAX_LEN and not re.search(r"[，,；;。]", self.text)


def _classify_local(ln: _Line) -> None:
    """Context-free line kinds (rule 3 of the grammar)."""
    t = ln.text
    if not t:
        ln.kind = "noise"
    elif ln.bullet:
        ln.kind = "bullet"
    elif CAPTION_RE.match(t):
        ln.kind = "caption"
    elif MARKER_DOWN_FULL_RE.match(t):
        ln.kind = "marker_down"
    elif MARKER_UP_START_RE.match(t):
        rest = MARKER_UP_START_RE.sub("", t, count=1)
        ln.kind = "up_start" if rest.strip() else "marker_up"
    elif BYLINE_BOX_RE.match(t):
        cr = parse_credit(BYLINE_BOX_RE.sub("", t), boxed=True)
        if cr is not None:
            ln.kind, ln.credit = "byline", cr
    elif re.fullmatch(r"[（(][^（）()]{1,60}[）)]", t):
        cr = parse_credit(t[1:-1])
        if cr is not None:
            ln.kind, ln.credit = "credit", cr
    elif ln.level == 0 and len(t) <= 40 and re.match(r"^(?:本报)?[\u4e00-\u9fff/]{0,20}记者\s", t):
        cr = parse_credit(t)
        if cr is not None and cr["reporters"]:
            ln.kind, ln.credit = "byline", cr
    if ln.kind == "text" and DATELINE_RE.match(t):
        ln.kind = "dateline"


# ==========================================================================
# Masthead
# ==========================================================================
def _meta_remainder(t: str) -> tuple[str, bool]:
    """Remove masthead tokens; return (remainder, had_strong_token)."""
    strong = False
    for rx in (_DATE_FULL_RE, _LUNAR_RE, _WEEKDAY_RE, _ISSUE_RE, _URL_RE):
        if rx.search(t):
            strong = True
            t = rx.sub(" ", t)
    t = _PAGE_NO_RE.sub(" ", t)
    t = re.sub(r"[\s|｜/·、，,：:\-—]+", "", t)
    return t, strong


def _find_masthead(lines: list[_Line]) -> tuple[PageMeta, set[int]]:
    """Rule 2: the masthead is a prefix of the page made of masthead-token
    lines and short name lines.  It needs at least one strong token (date /
    lunar date / weekday / issue number / URL) and ends at the last token
    line (strong, or a pure page-number line such as '第3版'); short name
    lines after that are not masthead (they may be headlines)."""
    empty = PageMeta(None, None, None, None, None, None, [])
    cand: list[_Line] = []
    last_strong = -1
    last_meta = -1
    for ln in lines:
        if not ln.text:
            continue
        if len(cand) >= MASTHEAD_SCAN:
            break
        rem, strong = _meta_remainder(ln.text)
        is_name = len(ln.text) <= 12 and bool(re.fullmatch(r"[\w·]+", ln.text)) and not re.search(r"\d", ln.text)
        if strong and len(rem) <= 4:
            cand.append(ln)
            last_strong = last_meta = len(cand) - 1
        elif not rem:
            cand.append(ln)
            last_meta = len(cand) - 1
        elif is_name:
            cand.append(ln)
        else:
            break
    if last_strong < 0:
        return empty, set()
    mast = cand[: last_meta + 1]
    meta = PageMeta(None, None, None, None, None, None, [ln.raw.strip() for ln in mast])
    names: list[tuple[int, str]] = []
    for ln in mast:
        t = ln.text
        m = _DATE_FULL_RE.search(t)
        if m and meta.page_date is None:
            try:
                meta.page_date = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                pass
        m = _LUNAR_RE.search(t)
        if m and meta.lunar_text is None:
            meta.lunar_text = re.sub(r"\s+", "", m.group(0))
        m = _WEEKDAY_RE.search(t)
        if m and meta.weekday is None:
            meta.weekday = m.group(0)
        m = _ISSUE_RE.search(t)
        if m and meta.issue_no is None:
            meta.issue_no = int(m.group(1) or m.group(2))
        m = _URL_RE.search(t)
        if m and meta.url is None:
            meta.url = m.group(0)
        rem, strong = _meta_remainder(t)
        if not strong and re.fullmatch(r"[\w·]+", t):
            names.append((ln.level, t))
    if names:
        marked = [n for lvl, n in names if lvl > 0]
        name = marked[0] if marked else names[0][1]
        meta.publication = _NAME_SUFFIX_RE.sub("", name) or name
    return meta, {ln.no for ln in mast}


# ==========================================================================
# Duplicate detection (rule 4)
# ==========================================================================
_DEDUP_KINDS = {"text", "dateline", "up_start", "bullet"}


def _find_duplicates(seq: list[_Line], total_chars: int) -> list[list[int]]:
    """Return runs (lists of line numbers) judged to repeat earlier text.

    ``seq`` is the non-blank, non-masthead lines in order.  Lines of other
    kinds (bylines, captions, markers) break runs and are not compared.
    A run starting at line k is the longest k..j such that the concatenated
    core text of k..j occurs in the core text of everything before k.  It
    is accepted when it is >= DUP_MIN_CORE chars (DUP_MIN_CORE_HEADLIKE for a
    single headline-like line), or when it directly follows another
    duplicate run and continues it (the last duplicate line's core + this
    line's core occurs earlier: truncated tails such as a lone '本报11月').
    Marked headings (#) are never duplicates.
    """
    runs: list[list[int]] = []
    full = total_chars <= DUP_FULL_SEARCH_LIMIT
    seen = ""
    seen_lines: set[str] = set()
    prev_dup = False
    last_dup_core = ""
    k = 0
    n = len(seq)

    def eligible(ln: _Line) -> bool:
        return ln.kind in _DEDUP_KINDS and ln.level == 0 and bool(ln.core)

    while k < n:
        ln = seq[k]
        if not eligible(ln):
            prev_dup = False
            k += 1
            continue
        c = ln.core
        found = (c in seen) if full else (c in seen_lines)
        if found:
            j, acc = k, c
            if full:
                while j + 1 < n and eligible(seq[j + 1]) and (acc + seq[j + 1].core) in seen:
                    j += 1
                    acc += seq[j].core
            single_head = j == k and ln.head_like
            need = DUP_MIN_CORE_HEADLIKE if single_head else DUP_MIN_CORE
            tail = prev_dup and full and (last_dup_core + acc) in seen
            if len(acc) >= need or tail:
                runs.append([seq[x].no for x in range(k, j + 1)])
                for x in range(k, j + 1):
                    if full:
                        seen += seq[x].core
                    seen_lines.add(seq[x].core)
                prev_dup = True
                last_dup_core = seq[j].core
                k = j + 1
                continue
        if full:
            seen += c
        seen_lines.add(c)
        prev_dup = False
        k += 1
    return runs


# ==========================================================================
# Article builder
# ==========================================================================
class _Art:
    """Mutable article under construction."""

    def __init__(self) -> None:
        self.idx = -1                        # position in the page's article list
        self.kicker: str | None = None
        self.title: str | None = None
        self.subtitle: str | None = None
        self.title_level: int | None = None
        self.paras: list[dict] = []          # {'kind','text','lines','tentative'}
        self.open_para: int | None = None    # index of the body paragraph a continuation may join
        self.has_body = False
        self.has_headline = False
        self.closed = False
        self.outlets: list[str] = []
        self.reporters: list[str] = []
        self.correspondents: list[str] = []
        self.bylines: list[str] = []
        self.dl_month: int | None = None
        self.dl_day: int | None = None
        self.dateline_text: str | None = None
        self.continues = False
        self.continued_from = False

    def add_credit(self, cr: dict, raw: str) -> None:
        for key in ("outlets", "reporters", "correspondents"):
            dst = getattr(self, key)
            for v in cr[key]:
                if v not in dst:
                    dst.append(v)
        self.bylines.append(raw)

    def add_para(self, kind: str, text: str, lines: list[int], **extra) -> int:
        self.paras.append({"kind": kind, "text": text, "lines": list(lines), **extra})
        return len(self.paras) - 1


# ==========================================================================
# Structural pass (rule 5)
# ==========================================================================
class _PageParser:
    def __init__(self, lines: list[_Line], masthead: set[int], dup_runs: list[list[int]], all_core: str):
        self.lines = lines
        self.cls: dict[int, str] = {}
        self.arts: list[_Art] = []
        self.furniture: list[dict] = []
        self.cur: _Art | None = None
        self.pending_captions: list[tuple[str, list[int]]] = []
        self.owner: dict[int, int] = {}  # line no -> article index (-1 furniture)
        self.all_core = all_core
        self.dup_runs = dup_runs
        dup_lines = {no for run in dup_runs for no in run}
        for no in masthead:
            self.cls[no] = "masthead"
        self.items = [
            ln for ln in lines
            if ln.raw.strip() and ln.no not in masthead and ln.no not in dup_lines and ln.kind != "noise"
        ]
        for ln in lines:
            if ln.raw.strip() and ln.kind == "noise" and ln.no not in masthead:
                self.cls[ln.no] = "noise"

    # ---------------------------------------------------------------- utils
    def _new_article(self) -> _Art:
        a = _Art()
        a.idx = len(self.arts)
        self.arts.append(a)
        self.cur = a
        for text, lines in self.pending_captions:
            a.add_para("caption", text, lines)
            for no in lines:
                self.owner[no] = len(self.arts) - 1
        self.pending_captions = []
        return a

    def _mark(self, lines: list[int], cls: str, art: _Art | None) -> None:
        idx = art.idx if art is not None else -1
        for no in lines:
            self.cls[no] = cls
            self.owner[no] = idx

    def _open(self) -> _Art | None:
        """The article that body text may still be added to."""
        return self.cur if self.cur is not None and not self.cur.closed else None

    def _open_unfinished(self) -> bool:
        a = self._open()
        return a is not None and a.open_para is not None and not finished(a.paras[a.open_para]["text"])

    def _furniture(self, kind: str, text: str, lines: list[int]) -> None:
        self.furniture.append({"kind": kind, "text": text, "lines": list(lines)})
        for no in lines:
            self.owner[no] = -1

    # ----------------------------------------------------------------- main
    def run(self) -> None:
        items = self.items
        i = 0
        n = len(items)
        while i < n:
            it = items[i]
            k = it.kind
            if k == "caption":
                self._caption(it)
            elif k == "marker_down":
                self._marker_down(it)
            elif k in ("marker_up", "up_start"):
                self._marker_up(it)
            elif k == "byline":
                self._byline(it)
            elif k == "credit":
                self._credit(it)
            elif k == "bullet":
                j = i
                while j < n and items[j].kind == "bullet":
                    j += 1
                self._callout(items[i:j])
                i = j
                continue
            elif k == "dateline":
                self._dateline(it)
            elif not it.head_like:
                self._body(it)
            else:
                i = self._headlike(i)
                continue
            i += 1

    # --------------------------------------------------------- line kinds
    def _caption(self, it: _Line) -> None:
        text = re.sub(r"^[■▲△▼]\s*", "", it.text)
        a = self.cur
        if a is None:
            self.pending_captions.append((text, [it.no]))
            self.cls[it.no] = "caption"
            return
        a.add_para("caption", text, [it.no])
        self._mark([it.no], "caption", a)

    def _marker_down(self, it: _Line) -> None:
        a = self.cur
        if a is None:
            self._furniture("continuation_marker", it.text, [it.no])
            self.cls[it.no] = "continuation_marker"
            return
        a.continues = True
        a.closed = True
        a.add_para("continuation_marker", it.text, [it.no])
        self._mark([it.no], "continuation_marker", a)

    def _marker_up(self, it: _Line) -> None:
        a = self._open()
        if a is None or a.has_body:
            a = self._new_article()
        a.continued_from = True
        marker = MARKER_UP_START_RE.match(it.text).group(0).strip()
        rest = it.text[len(MARKER_UP_START_RE.match(it.text).group(0)):].strip()
        if not rest:
            a.add_para("continuation_marker", marker, [it.no])
            self._mark([it.no], "continuation_marker", a)
            return
        # the rest of the line is body text (possibly starting with a dateline)
        fake = _Line(it.no, it.raw, rest, 0, False, False)
        if DATELINE_RE.match(rest):
            self._dateline(fake, force_attach=True)
            return
        self._add_body_text(a, fake, rest, "article_body")

    def _byline(self, it: _Line) -> None:
        a = self._open()
        if a is None or a.has_body:
            a = self._new_article()
        a.add_credit(it.credit, it.text)
        a.add_para("byline", it.text, [it.no])
        self._mark([it.no], "byline", a)

    def _credit(self, it: _Line) -> None:
        """A whole-line parenthesised credit: leading byline if the article has
        no body yet, otherwise a trailing credit that closes the article."""
        a = self._open()
        if a is not None and not a.has_body:
            a.add_credit(it.credit, it.text)
        else:
            a = self.cur
            if a is None:
                self._furniture("byline", it.text, [it.no])
                self.cls[it.no] = "byline"
                return
            a.add_credit(it.credit, it.text)
            a.closed = True
        a.add_para("byline", it.text, [it.no])
        self._mark([it.no], "byline", a)

    def _callout(self, group: list[_Line]) -> None:
        a = self.cur
        for ln in group:
            if a is None:
                self._furniture("callout", ln.text, [ln.no])
                self.cls[ln.no] = "callout"
            else:
                a.add_para("callout", ln.text, [ln.no])
                self._mark([ln.no], "callout", a)

    def _dateline(self, it: _Line, force_attach: bool = False) -> None:
        a = self._open()
        if not force_attach and (a is None or a.has_body):
            a = self._new_article()
        elif a is None:
            a = self._new_article()
        m = DATELINE_RE.match(it.text)
        rest = it.text[m.end():]
        if a.dateline_text is None:
            a.dateline_text = m.group("marker")
            mo, dy = m.group("m"), m.group("d")
            mc = _DATELINE_CREDIT_RE.match(rest)
            if mc:
                cr = parse_credit(mc.group(1))
                if cr is not None:
                    a.add_credit(cr, mc.group(1))
                    rest = rest[mc.end():]
            rest = rest.strip()
            if mo is None:
                md = _LEADING_MD_RE.match(rest)
                if md:
                    mo, dy = md.group(1), md.group(2)
            if mo is not None:
                a.dl_month, a.dl_day = int(mo), int(dy)
        rest = rest.strip()
        if rest:
            self._add_body_text(a, it, rest, "dateline", new_para=True)
        else:
            self._mark([it.no], "dateline", a)

    def _body(self, it: _Line) -> None:
        a = self._open()
        if a is None:
            a = self._new_article()
        self._add_body_text(a, it, it.text, "article_body")

    def _add_body_text(self, a: _Art, it: _Line, text: str, cls: str, new_para: bool = False) -> None:
        """Add body text, joining it to an unfinished paragraph (column-break
        repair), and peel off trailing '(下转…版)' markers and credits."""
        close = False
        while True:
            m = MARKER_DOWN_END_RE.search(text)
            if m and m.start() > 0:
                text = text[: m.start()].rstrip()
                a.continues = True
                close = True
                continue
            m = _INLINE_CREDIT_RE.match(text)
            if m and m.group("body") and finished(m.group("body")):
                cr = parse_credit(m.group("credit"))
                if cr is not None:
                    a.add_credit(cr, m.group("credit"))
                    text = m.group("body").rstrip()
                    close = True
                    continue
            break
        if text:
            if not new_para and a.open_para is not None and not finished(a.paras[a.open_para]["text"]):
                p = a.paras[a.open_para]
                sep = " " if (p["text"][-1:].isascii() and p["text"][-1:].isalnum()
                              and text[:1].isascii() and text[:1].isalnum()) else ""
                p["text"] = p["text"] + sep + text
                p["lines"].append(it.no)
            else:
                a.open_para = a.add_para("body", text, [it.no])
            a.has_body = True
        self._mark([it.no], cls, a)
        if close:
            a.closed = True

    # ------------------------------------------------------ headline runs
    def _headlike(self, i: int) -> int:
        """Decide what a run of headline-like lines is.  Returns next index."""
        items = self.items
        n = len(items)
        j = i
        while j < n and items[j].kind == "text" and items[j].head_like:
            j += 1
        run = items[i:j]
        nxt = items[j] if j < n else None
        confirmed = nxt is not None and nxt.kind in ("byline", "dateline", "up_start", "marker_up")

        # (a) followed by byline / dateline / 上接 marker: a headline block
        if confirmed:
            self._headline_block(run, confirmed=True)
            return j
        # (b) heading of a bullet box
        if nxt is not None and nxt.kind == "bullet":
            self._callout(run)
            return j
        first = run[0]
        # (c) an unfinished paragraph is open: continuation or picture label
        if self._open_unfinished() and first.level == 0:
            after = items[i + 1] if i + 1 < n else None
            if label_like(first.text) and after is not None and after.kind == "text" and after.level == 0:
                a = self.cur
                a.add_para("caption", first.text, [first.no], label=True)
                self._mark([first.no], "caption", a)
            else:
                self._body(first)
            return i + 1
        a = self._open()
        # (d) nothing open (page start, after a closing credit or 下转 marker)
        if a is None or not a.paras:
            self._headline_block(run, confirmed=False)
            return j
        # (e) inside an open article
        if any(ln.text.endswith("——") or ln.text.startswith("——") for ln in run) or \
                any(ln.level > 0 and top_level_dash_split(ln.text) for ln in run):
            self._headline_block(run, confirmed=False)
            return j
        if len(run) <= 3 and (strong_banner_cue(first.text) or
                              (couplet_cue(first.text) and (first.level == 0 or first.bold))):
            self._banner(run)
            a.closed = True
            return j
        if self._is_callout(run):
            self._callout(run)
            return j
        marked = [ln.level for ln in run if ln.level > 0]
        if marked:
            if a.title_level is not None and 0 < a.title_level < min(marked):
                for ln in run:
                    a.add_para("section_head", ln.text, [ln.no], tentative=False)
                    self._mark([ln.no], "section_head", a)
                a.open_para = None
            else:
                self._headline_block(run, confirmed=False)
            return j
        if len(run) == 1 and first.section_head_like and nxt is not None and nxt.kind == "text":
            a.add_para("section_head", first.text, [first.no], tentative=True)
            self._mark([first.no], "section_head", a)
            a.open_para = None
            return j
        for ln in run:
            self._body(ln)
        return j

    def _is_callout(self, run: list[_Line]) -> bool:
        """>=3 lines, at least one short label line, and at least one line
        whose text is repeated elsewhere on the page (boxes restate the body)."""
        if len(run) < 3:
            return False
        if not any(label_like(ln.text, 12) for ln in run):
            return False
        for ln in run:
            c = ln.core
            if len(c) >= 10 and self.all_core.count(c) >= 2:
                return True
        return False

    def _banner(self, run: list[_Line]) -> None:
        text = " ".join(ln.text for ln in run)
        self._furniture("banner", text, [ln.no for ln in run])
        for ln in run:
            self.cls[ln.no] = "furniture"

    def _headline_block(self, run: list[_Line], confirmed: bool) -> None:
        """Split a headline run into banners + kicker/title/subtitle and start
        a new article with it."""
        banner = [strong_banner_cue(ln.text) for ln in run]
        # extend banners to adjacent lines with the same (non-zero) heading level
        changed = True
        while changed:
            changed = False
            for x, ln in enumerate(run):
                if banner[x] or ln.level == 0:
                    continue
                for y in (x - 1, x + 1):
                    if 0 <= y < len(run) and banner[y] and run[y].level == ln.level:
                        banner[x] = True
                        changed = True
        if not confirmed and all(banner):
            self._banner(run)
            if self.cur is not None:
                self.cur.closed = True
            return
        if all(banner):  # keep at least the last line as the title
            banner[-1] = False
        # banners only at the start of the run; anything after a headline line stays
        first_head = banner.index(False)
        ban_lines = run[:first_head]
        head_lines = run[first_head:]
        if ban_lines:
            self._banner(ban_lines)
        a = self._new_article()
        roles = _assign_roles(head_lines)
        a.kicker, a.title, a.subtitle, a.title_level = roles["kicker"], roles["title"], roles["subtitle"], roles["level"]
        a.has_headline = True
        for kind in ("kicker", "title", "subtitle"):
            if roles[kind]:
                a.add_para(kind, roles[kind], roles[kind + "_lines"])
        self._mark([ln.no for ln in head_lines], "headline", a)


def _assign_roles(lines: list[_Line]) -> dict:
    """kicker / title / subtitle from the lines of one headline block.

    Order of cues: a piece ending with '——' is a kicker (title follows);
    markdown heading level (the most prominent '#' is the title); a piece
    starting with '——' is a subtitle; for two unmarked lines a comma makes a
    line the kicker/subtitle rather than the title; a two-phrase couplet first
    line is a kicker; otherwise the first line is the title (three lines:
    kicker/title/subtitle).  A single line 'A，B C' whose last comma-bearing
    space-separated chunk is not the last chunk splits into kicker + title.
    Returns {'kicker','title','subtitle','level', '<role>_lines'}.
    """
    pieces: list[dict] = []
    for ln in lines:
        t = ln.text
        sp = top_level_dash_split(t) if not t.startswith("——") else None
        if sp:
            pieces.append({"text": sp[0] + "——", "level": ln.level, "no": ln.no})
            pieces.append({"text": sp[1], "level": ln.level, "no": ln.no})
        else:
            pieces.append({"text": t, "level": ln.level, "no": ln.no})
    res = {"kicker": None, "title": "", "subtitle": None, "level": pieces[0]["level"],
           "kicker_lines": [], "title_lines": [], "subtitle_lines": []}
    if len(pieces) == 1:
        p = pieces[0]
        cs = chunks(p["text"])
        last_comma = max((x for x, c in enumerate(cs) if has_comma(c)), default=-1)
        if 0 <= last_comma < len(cs) - 1:
            res.update(kicker=strip_dashes(" ".join(cs[: last_comma + 1])), title=" ".join(cs[last_comma + 1:]),
                       kicker_lines=[p["no"]])
        else:
            res.update(title=strip_dashes(p["text"]) or p["text"])
        res["title_lines"] = [p["no"]]
        return res
    k = len(pieces)
    t_idx = None
    for x, p in enumerate(pieces):
        if p["text"].endswith("——") and x + 1 < k:
            t_idx = x + 1
            break
    if t_idx is None:
        marked = [(p["level"], x) for x, p in enumerate(pieces) if p["level"] > 0]
        if marked:
            t_idx = min(marked)[1]
    if t_idx is None:
        for x, p in enumerate(pieces):
            if p["text"].startswith("——"):
                t_idx = max(0, x - 1)
                break
    if t_idx is None:
        if k == 2:
            c0, c1 = has_comma(pieces[0]["text"]), has_comma(pieces[1]["text"])
            if c0 and not c1:
                t_idx = 1
            elif c1 and not c0:
                t_idx = 0
            elif couplet_cue(pieces[0]["text"]) and not couplet_cue(pieces[1]["text"]):
                t_idx = 1
            else:
                t_idx = 0
        else:
            t_idx = 1

    def lines_of(ps: list[dict]) -> list[int]:
        out: list[int] = []
        for p in ps:
            if p["no"] not in out:
                out.append(p["no"])
        return out

    res["kicker"] = " ".join(strip_dashes(p["text"]) for p in pieces[:t_idx]) or None
    res["title"] = strip_dashes(pieces[t_idx]["text"]) or pieces[t_idx]["text"]
    res["subtitle"] = " ".join(strip_dashes(p["text"]) for p in pieces[t_idx + 1:]) or None
    res["level"] = pieces[t_idx]["level"]
    res["kicker_lines"] = lines_of(pieces[:t_idx])
    res["title_lines"] = lines_of([pieces[t_idx]])
    res["subtitle_lines"] = lines_of(pieces[t_idx + 1:])
    return res


# ==========================================================================
# Dates (rule 6)
# ==========================================================================
def infer_text_year(text: str) -> tuple[int | None, str | None]:
    """Page-level year from years named in the text.

    All articles of a page share a publication day, so the inference is done
    once per page.  Named years that are not future-marked (预计/计划/到/…
    directly before) are lower bounds: year = the latest of them.  If the page
    also says '去年' and names a future-marked year F with F >= latest + 2,
    the latest named year is taken to be last year: year = latest + 1.
    Returns (year, confidence_suffix) with suffix 'text_year' or
    'text_year_relative'.
    """
    past: list[int] = []
    future: list[int] = []
    for m in _YEAR_RE.finditer(text):
        y = int(m.group(1) or m.group(2))
        prefix = text[max(0, m.start() - 4): m.start()]
        (future if _FUTURE_PREFIX_RE.search(prefix) else past).append(y)
    if not past:
        return None, None
    latest = max(past)
    later = [f for f in future if f > latest]
    if later and "去年" in text and min(later) - latest >= 2:
        return latest + 1, "text_year_relative"
    return latest, "text_year"


def _date_article(a: Article, page_date: date | None, text_year: int | None, suffix: str | None) -> None:
    if a.dateline_month is not None and a.dateline_day is not None:
        if page_date is not None:
            y = page_date.year
            if (a.dateline_month, a.dateline_day) > (page_date.month, page_date.day) and a.dateline_month - page_date.month > 6:
                y -= 1  # a December dateline on a January page
            conf = "dateline+page_year"
        elif text_year is not None:
            y, conf = text_year, "dateline+" + (suffix or "text_year")
        else:
            a.news_date, a.date_confidence = None, "unknown"
            return
        try:
            a.news_date, a.news_year, a.date_confidence = date(y, a.dateline_month, a.dateline_day), y, conf
        except ValueError:
            a.news_date, a.date_confidence = None, "unknown"
        return
    if page_date is not None:
        a.news_date, a.news_year, a.date_confidence = page_date, page_date.year, "page_date"
    elif text_year is not None:
        a.news_date, a.news_year, a.date_confidence = None, text_year, "text_year"
    else:
        a.news_date, a.date_confidence = None, "unknown"


def _date_undated_from_page_datelines(articles: list[Article], page_date: date | None) -> None:
    """No masthead date: an article without a dateline of its own takes the
    latest dateline date on the page (all articles on a page share a
    publication day, and a dateline is that day or shortly before it)."""
    if page_date is not None:
        return
    dated = [a.news_date for a in articles if a.news_date is not None and a.date_confidence.startswith("dateline")]
    if not dated:
        return
    latest = max(dated)
    for a in articles:
        if a.news_date is None and a.dateline_month is None:
            a.news_date, a.news_year, a.date_confidence = latest, latest.year, "page_dateline"


# ==========================================================================
# Post-processing and assembly
# ==========================================================================
def derive_title(body: str) -> str:
    """Fallback title: clauses of the first sentence until >= 8 chars, capped
    at 40 chars; unbalanced leading quotes removed."""
    first = re.split(r"[。！？!?]", body.strip(), maxsplit=1)[0] if body.strip() else ""
    clauses = re.split(r"(?<=[，,；;：:])", first)
    out = ""
    for c in clauses:
        out += c
        if len(out.rstrip("，,；;：:")) >= 8:
            break
    out = out.rstrip("，,；;：: ").lstrip("“‘「『\"' ")
    if len(out) > 40:
        out = out[:40]
    return out


def _resolve_section_heads(a: _Art, cls: dict[int, str]) -> None:
    """A lone unmarked section-head candidate is a paragraph start cut by a
    column break (merge it into the next body paragraph); two or more of
    them in one article are real in-article section heads."""
    tentative = [x for x, p in enumerate(a.paras) if p["kind"] == "section_head" and p.get("tentative")]
    if len(tentative) != 1:
        return
    x = tentative[0]
    nxt = x + 1
    while nxt < len(a.paras) and a.paras[nxt]["kind"] in ("caption", "duplicate", "callout"):
        nxt += 1
    if nxt < len(a.paras) and a.paras[nxt]["kind"] == "body":
        head, body = a.paras[x], a.paras[nxt]
        body["text"] = head["text"] + body["text"]
        body["lines"] = head["lines"] + body["lines"]
        for no in head["lines"]:
            cls[no] = "article_body"
        del a.paras[x]


def _empty_page() -> ParsedPage:
    return ParsedPage(PageMeta(None, None, None, None, None, None, []), [], [], {c: 0 for c in LINE_CLASSES})


def parse_page(text: str) -> ParsedPage:
    """Parse one page dump.  Pure, deterministic, never raises: on any
    internal error (or non-str input) an empty page is returned."""
    try:
        if not isinstance(text, str):
            return _empty_page()
        return _parse_page(text)
    except Exception:  # pragma: no cover - defensive: never raise on input
        return _empty_page()


def _parse_page(text: str) -> ParsedPage:
    raw_lines = text.splitlines()
    lines: list[_Line] = []
    bold_open = False
    for no, raw in enumerate(raw_lines):
        t, level, bullet, opens, closes = strip_markup(raw)
        bold = bold_open or opens
        if opens and not closes:
            bold_open = True
        elif closes:
            bold_open = False
        ln = _Line(no, raw, normalize(t), level, bullet, bold)
        if not raw.strip():
            ln.kind = "blank"
            lines.append(ln)
            continue
        _classify_local(ln)
        ln.core = core(MARKER_UP_START_RE.sub("", ln.text))
        lines.append(ln)

    # rule 2: masthead
    meta, mast = _find_masthead([ln for ln in lines if ln.kind != "blank"])
    # rule 4: duplicates
    seq = [ln for ln in lines if ln.kind != "blank" and ln.no not in mast]
    dup_runs = _find_duplicates(seq, len(text))
    all_core = "".join(ln.core for ln in seq)

    # rule 5: structure
    pp = _PageParser(lines, mast, dup_runs, all_core)
    pp.run()

    # duplicates are attached to the owner of the line before the run
    prev_owner: dict[int, int] = {}
    last = -2
    order = [ln.no for ln in seq]
    dup_start = {run[0]: run for run in dup_runs}
    for no in order:
        if no in dup_start:
            run = dup_start[no]
            prev_owner[no] = last
            text_ = "".join(lines[x].text for x in run)
            if last >= 0 and last < len(pp.arts):
                pp.arts[last].add_para("duplicate", text_, run)
            else:
                pp._furniture("duplicate", text_, run)
            for x in run:
                pp.cls[x] = "duplicate"
                pp.owner[x] = last if last >= 0 else -1
        if no in pp.owner:
            last = pp.owner[no]
    for text_, lns in pp.pending_captions:
        pp._furniture("caption", text_, lns)

    # rule 6: per-article post-processing and dates
    page_text = "\n".join(ln.text for ln in lines if ln.no not in mast)
    text_year, suffix = infer_text_year(page_text)
    articles: list[Article] = []
    for a in pp.arts:
        _resolve_section_heads(a, pp.cls)
        paras = sorted(a.paras, key=lambda p: (p["lines"][0] if p["lines"] else -1))
        # headline paragraphs have their lines on the title only; keep them first
        body = "\n".join(p["text"] for p in paras if p["kind"] == "body")
        title, source = a.title, "heading"
        if not title:
            source = "derived"
            title = derive_title(body)
            if not title:
                capt = [p["text"] for p in paras if p["kind"] in ("caption", "callout", "duplicate")]
                title = derive_title(capt[0]) if capt else ""
            title = title or "（无标题）"
        out_paras = [Paragraph(x, p["text"], p["kind"], list(p["lines"])) for x, p in enumerate(paras)]
        continuation = "continued_from" if a.continued_from else ("continues" if a.continues else "none")
        art = Article(
            ordinal=len(articles), kicker=a.kicker, title=title, subtitle=a.subtitle,
            dateline_month=a.dl_month, dateline_day=a.dl_day, news_date=None, date_confidence="unknown",
            outlets=list(a.outlets), reporters=list(a.reporters), correspondents=list(a.correspondents),
            body=body, paragraphs=out_paras,
            captions=[p["text"] for p in paras if p["kind"] == "caption"],
            continuation=continuation, title_source=source, title_level=a.title_level,
            dateline_text=a.dateline_text, continues=a.continues, continued_from=a.continued_from,
            bylines=list(a.bylines),
            section_heads=[p["text"] for p in paras if p["kind"] == "section_head"],
            callouts=[p["text"] for p in paras if p["kind"] == "callout"],
        )
        _date_article(art, meta.page_date, text_year, suffix)
        articles.append(art)
    _date_undated_from_page_datelines(articles, meta.page_date)

    furniture: list[Paragraph] = []
    for ln in lines:
        if ln.no in mast:
            furniture.append(Paragraph(0, ln.text, "masthead", [ln.no]))
    furniture += [Paragraph(0, f["text"], f["kind"], f["lines"]) for f in pp.furniture]
    furniture.sort(key=lambda p: p.source_lines[0] if p.source_lines else -1)
    for x, p in enumerate(furniture):
        p.ordinal = x

    counts = Counter({c: 0 for c in LINE_CLASSES})
    by_line: dict[int, str] = {}
    for ln in lines:
        if ln.kind == "blank":
            continue
        c = pp.cls.get(ln.no, "unclassified")
        by_line[ln.no] = c
        counts[c] += 1
    return ParsedPage(meta=meta, articles=articles, furniture=furniture, line_classes=dict(counts),
                      line_class_by_line=by_line)
