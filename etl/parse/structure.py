"""Rule R8: cut the page's lines into articles.

A small state machine walks the lines that are left after chrome, masthead,
duplicates and noise. Each line kind has a handler (:data:`KIND_HANDLERS`,
dispatched by name); a run of headline-like lines is decided by the ordered
table :data:`RUN_RULES`. The parser state (:class:`Builder`) is kept apart
from the rules; headline pieces get their roles in :mod:`etl.parse.headlines`.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from etl.parse.credits import after_dateline, leading_attribution, paragraph_tail, parse_credit
from etl.parse.headlines import assign_roles
from etl.parse.lexicon import (
    BRIEF_LEAD_RE,
    CAPTION_RE,
    DATELINE_RE,
    INNER_DATELINE_RE,
    LEADING_D_RE,
    LEADING_MD_RE,
    MARKER_DOWN_END_RE,
    MARKER_UP_START_RE,
    PHOTO_ITEMS_RE,
    REPORTED_LEAD_RE,
    SELF_REFERENCES,
)
from etl.parse.lines import head_like
from etl.parse.records import Credit, Line
from etl.parse.text import finished, label_like, strong_banner_cue

CHANNEL_BAR_MIN = 16         # glued channel names above a web page's title ('青岛新闻城市档案区市撷英…')
HEAD_LIST_MIN = 3            # headline lines stacked above an index item's gap-split title are a list, not its kicker
INDEX_MIN_LINES = 4          # a run this long that no body follows is a list of headlines, not a headline
LEAD_IN_MAX_PARAS = 3        # paragraphs a repost may print before its dateline (导语)
# chrome that ends the article above it; other chrome (metadata, navigation, editions) is transparent
CLOSING_CHROME = {"related", "copyright", "cross_reference", "editor_note", "editor_line", "navigation",
                  "edition_list", "breadcrumb", "headline_index"}
SEPARATING_CHROME = {"related", "copyright", "cross_reference", "editor_note"}
WEB_KINDS = ("repost", "epaper_article", "markdown")   # one story per page unless datelines or labels say otherwise
TEASER_END_RE = re.compile(r"(?:(?<!…)\.{3,}|(?<!…)…(?!…)|。。。)\s*$")   # '…树...', not a '……' ellipsis


@dataclass
class Art:
    """An article under construction."""
    idx: int = -1
    kicker: str | None = None
    title: str | None = None
    subtitle: str | None = None
    title_level: int | None = None
    title_lines: list[Line] = field(default_factory=list)
    paras: list[dict] = field(default_factory=list)
    open_para: int | None = None
    has_body: bool = False
    closed: bool = False
    credits: list[Credit] = field(default_factory=list)
    dl_month: int | str | None = None
    dl_day: int | str | None = None
    dateline_text: str | None = None
    dateline_source: str | None = None
    lead: str | None = None              # the text right after the dateline (date rules read it)
    continues: bool = False
    continued_from: bool = False
    related: bool = False                # printed under a related-links label
    teaser: bool = False                 # cut short with '…' (a teaser, not the article)
    brief: bool = False                  # a '△…' / '1.…' brief: an untitled item however short
    gap_head: bool = False               # headline of an index item ('title   lead')
    tail: bool = False                   # started after the page's copyright footer
    closed_by_credit: bool = False       # closed by a trailing credit (not by a marker, banner or chrome)
    after_chrome: bool = False           # chrome stood between the headline and what follows

    @property
    def has_headline(self) -> bool:
        return self.title is not None

    def add_para(self, kind: str, text: str, lines: list[Line], **extra) -> int:
        self.paras.append({"kind": kind, "text": text, "lines": [ln.no for ln in lines], **extra})
        return len(self.paras) - 1

    def body_paras(self) -> int:
        return sum(1 for p in self.paras if p["kind"] == "body")


class Builder:
    """Parser state of rule R8: articles, furniture and the class of every line."""

    def __init__(self, items: list[Line], kind: str, all_core: str, run_rules: tuple = ()):
        self.items = items
        self.run_rules = run_rules          # etl.parse.runs.RUN_RULES: how a run of headed lines is read
        self.pos = {id(ln): x for x, ln in enumerate(items)}
        self.page_kind = kind
        self.all_core = all_core
        self.arts: list[Art] = []
        self.furniture: list[dict] = []
        self.cur: Art | None = None
        self.pending_captions: list[tuple[str, list[Line], Credit | None]] = []
        self.cls: dict[int, str] = {}       # id(line) -> line class
        self.owner: dict[int, int] = {}     # id(line) -> article index (-1 furniture)
        self.related_mode = False
        self.photo_items = False             # under a '图片新闻' label every headed block is an item of its own
        self.tail_mode = False               # after a copyright/contact footer: the page's tail
        self.chrome_since = False

    # ----------------------------------------------------------- helpers
    def new_article(self) -> Art:
        if self.page_kind == "markdown" and self.arts:   # a crawler's Markdown file holds one story
            a = self.arts[0]
            a.closed = False
            self.cur = a
            return a
        a = Art(idx=len(self.arts), related=self.related_mode, tail=self.tail_mode)
        self.arts.append(a)
        self.cur = a
        for text, lines, cr in self.pending_captions:
            a.add_para("caption", text, lines)
            if cr is not None:
                self.add_credit(a, cr)
            self.mark(lines, "caption", a)
        self.pending_captions = []
        return a

    @staticmethod
    def add_credit(a: Art, cr: Credit | None) -> None:
        """Attach a credit; a dated credit ('（新华社北京1月2日电 记者…）') also dates an undated article."""
        if cr is None:
            return
        a.credits.append(cr)
        if cr.dateline and a.dl_day is None and a.dateline_text is None:
            a.dl_month, a.dl_day = cr.dateline

    def mark(self, lines: list[Line], cls: str, art: Art | None) -> None:
        for ln in lines:
            self.cls[id(ln)] = cls
            self.owner[id(ln)] = art.idx if art is not None else -1

    def open(self) -> Art | None:
        return self.cur if self.cur is not None and not self.cur.closed else None

    def open_unfinished(self) -> bool:
        a = self.open()
        return a is not None and a.open_para is not None and not finished(a.paras[a.open_para]["text"])

    def add_furniture(self, kind: str, text: str, lines: list[Line], cls: str = "furniture") -> None:
        self.furniture.append({"kind": kind, "text": text, "lines": [ln.no for ln in lines]})
        for ln in lines:
            self.cls[id(ln)] = cls
            self.owner[id(ln)] = -1

    def body_follows(self, it: Line) -> bool:
        """Does story text (body or a dateline) come after this line, before a headline, chrome or the end?"""
        j = self.pos.get(id(it), len(self.items)) + 1
        while j < len(self.items):
            nxt = self.items[j]
            if nxt.chrome:
                return False
            if nxt.kind in ("byline", "credit", "caption", "photo_credit"):
                j += 1
                continue
            return nxt.kind == "dateline" or (nxt.kind == "text" and not head_like(nxt))
        return False

    def next_after(self, j: int) -> tuple[Line | None, bool]:
        """The first non-chrome item from j on, and whether separating chrome came first."""
        sep = False
        while j < len(self.items) and self.items[j].chrome:
            sep = sep or self.items[j].chrome in SEPARATING_CHROME
            j += 1
        return (self.items[j] if j < len(self.items) else None), sep

    # ----------------------------------------------------------- main loop
    def run(self) -> None:
        i, n = 0, len(self.items)
        while i < n:
            it = self.items[i]
            if it.chrome:
                self.on_chrome(it)
                i += 1
                continue
            if it.kind == "bullet":
                j = i
                while j < n and self.items[j].kind == "bullet" and not self.items[j].chrome:
                    j += 1
                self.on_callout(self.items[i:j])
                i = j
                continue
            if it.kind == "text" and head_like(it) and not it.lead:
                i = self.on_run(i)
                continue
            KIND_HANDLERS.get(it.kind, Builder.on_body)(self, it)
            self.chrome_since = False
            i += 1

    # ----------------------------------------------------------- kind handlers
    def on_chrome(self, it: Line) -> None:
        self.add_furniture(it.chrome, it.text, [it])
        a = self.cur
        if it.chrome == "related":
            self.related_mode = True
        if it.chrome == "copyright":
            self.tail_mode = True
        if it.chrome == "editor_note" and it.text.startswith("——") and a is not None:
            # '——编者' signs the paragraphs just above it: they were an editor's note, not the story
            while a.paras and a.paras[-1]["kind"] == "body":
                p = a.paras.pop()
                self.furniture.append({"kind": "editor_note", "text": p["text"], "lines": p["lines"]})
                for ln in self.items:
                    if ln.no in p["lines"] and self.owner.get(id(ln)) == a.idx:
                        self.cls[id(ln)], self.owner[id(ln)] = "furniture", -1
            a.has_body = any(p["kind"] == "body" for p in a.paras)
            a.open_para = None
        if a is not None and it.chrome in CLOSING_CHROME and (a.has_body or it.chrome == "related"):
            a.closed = True
        self.chrome_since = True

    def on_caption(self, it: Line) -> None:
        text = CAPTION_RE.sub("", it.text)
        cr = it.credit
        if cr is not None and cr.raw and text.endswith(cr.raw):
            text = text[: -len(cr.raw)].rstrip()
        a = self.cur
        if a is None or (a.closed and a.has_body and it is not None and self.chrome_since):
            self.pending_captions.append((text, [it], cr))
            self.cls[id(it)] = "caption"
            return
        a.add_para("caption", text, [it])
        if cr is not None:
            self.add_credit(a, cr)
        self.mark([it], "caption", a)

    def on_photo_credit(self, it: Line) -> None:
        a = self.cur
        if self.pending_captions:
            text, lines, cr = self.pending_captions[-1]
            self.pending_captions[-1] = (text, lines + [it], cr or it.credit)
            self.cls[id(it)] = "caption"
            return
        if a is not None:
            if it.credit is not None:
                self.add_credit(a, it.credit)
            self.mark([it], "caption", a)
        else:
            self.add_furniture("caption", it.text, [it], cls="caption")

    def on_brief(self, it: Line) -> None:
        """'△…' / '1.…': one brief of a run of briefs, each an untitled item of its own."""
        a = self.new_article()
        a.brief = True
        self.add_body(a, it, BRIEF_LEAD_RE.sub("", it.text), "article_body", new_para=True)

    def on_box_label(self, it: Line) -> None:
        a = self.open()
        text = CAPTION_RE.sub("", it.text)
        if a is None:
            self.add_furniture("callout", text, [it], cls="callout")
            return
        a.add_para("section_head", text, [it], tentative=False)
        self.mark([it], "section_head", a)
        a.open_para = None

    def on_marker_down(self, it: Line) -> None:
        a = self.cur
        if a is None:
            self.add_furniture("continuation_marker", it.text, [it], cls="continuation_marker")
            return
        a.continues = True
        a.closed = True
        a.add_para("continuation_marker", it.text, [it])
        self.mark([it], "continuation_marker", a)

    def on_marker_up(self, it: Line) -> None:
        a = self.open()
        if a is None or a.has_body:
            a = self.new_article()
        a.continued_from = True
        m = MARKER_UP_START_RE.match(it.text)
        rest = it.text[m.end():].strip()
        if not rest:
            a.add_para("continuation_marker", m.group(0).strip(), [it])
            self.mark([it], "continuation_marker", a)
            return
        if DATELINE_RE.match(rest):
            self.on_dateline(it, text=rest, force_attach=True)
            return
        self.add_body(a, it, rest, "article_body")

    def on_byline(self, it: Line) -> None:
        """A byline before body attaches. After body: on a web page (or a 文/图 credit) it belongs to
        the story — a sub-report's byline when more of its text follows, else its closing credit; on a
        printed page it starts the next story, unless no story text follows it (then it closes this
        one); an index item's right-aligned credit under its lead is the item's."""
        a = self.open()
        if a is not None and a.has_body:
            follows = self.body_follows(it)
            web_credit = it.credit is not None and it.credit.form == "byline_line" and \
                (self.page_kind in WEB_KINDS or bool(it.credit.photographers))
            if web_credit or a.gap_head or not follows:
                self.add_credit(a, it.credit)
                a.add_para("byline", it.text, [it])
                self.mark([it], "byline", a)
                if not (web_credit and follows):
                    a.closed = a.closed_by_credit = True
                return
        if a is None or a.has_body:
            a = self.new_article()
        self.add_credit(a, it.credit)
        a.add_para("byline", it.text, [it])
        self.mark([it], "byline", a)

    def on_credit(self, it: Line) -> None:
        """A whole-line credit: a leading byline before any body, else a trailing credit that closes."""
        a = self.open()
        if a is not None and not a.has_body:
            self.add_credit(a, it.credit)
        else:
            a = self.cur
            if a is None:
                self.add_furniture("byline", it.text, [it], cls="byline")
                return
            self.add_credit(a, it.credit)
            a.closed = a.closed_by_credit = True
        a.add_para("byline", it.text, [it])
        self.mark([it], "byline", a)

    def on_callout(self, group: list[Line]) -> None:
        a = self.cur
        for ln in group:
            if a is None:
                self.add_furniture("callout", ln.text, [ln], cls="callout")
            else:
                a.add_para("callout", ln.text, [ln])
                self.mark([ln], "callout", a)

    def on_dateline(self, it: Line, text: str | None = None, force_attach: bool = False) -> None:
        text = it.text if text is None else text
        a = self.open()
        lead_in = (a is not None and a.has_headline and a.dateline_text is None and not a.credits
                   and 0 < a.body_paras() <= LEAD_IN_MAX_PARAS and
                   (self.page_kind in ("repost", "epaper_article", "markdown") or
                    (a.body_paras() == 1 and not finished(a.paras[a.open_para]["text"] if a.open_para is not None else ""))))
        m0 = DATELINE_RE.match(text)
        same_dispatch = (a is not None and a.has_body and a.dateline_text is not None and m0 is not None and
                         m0.group("source") not in SELF_REFERENCES and a.dateline_text.startswith(m0.group(0)[:6]))
        if same_dispatch:        # '新华社七日讯 …' again under one headline: a second dispatch of the same story
            force_attach = True
        if not force_attach and (a is None or (a.has_body and not lead_in)):
            a = self.new_article()
        elif lead_in and a.body_paras() == 1 and a.open_para is not None and not finished(a.paras[a.open_para]["text"]):
            a.paras[a.open_para]["kind"] = "subtitle"   # an unfinished line above the dateline is a deck, not body
            a.open_para, a.has_body = None, False
        m = DATELINE_RE.match(text)
        lead_credit = None
        if m is None:                                # '本报记者陆珂报道：' stands where a dateline stands
            m = REPORTED_LEAD_RE.match(text)
            lead_credit = parse_credit(m.group("marker"))
        rest = text[m.end():]
        if a.dateline_text is None:
            a.dateline_text = m.group("marker")
            srcs = [x for x in (m.group("source"), m.groupdict().get("via")) if x and x not in SELF_REFERENCES]
            a.dateline_source = "/".join(srcs) or None
            mo, dy = (m.group("m"), m.group("d")) if lead_credit is None else (None, None)
            self.add_credit(a, lead_credit)
            got = after_dateline(rest)
            if got:
                self.add_credit(a, got[0])
                rest = rest[got[1]:]
            rest = rest.strip()
            if dy is None:
                md = LEADING_MD_RE.match(rest)
                if md:
                    mo, dy = md.group(1), md.group(2)
                else:
                    d1 = LEADING_D_RE.match(rest)
                    if d1:
                        dy = d1.group(1)
            a.dl_month, a.dl_day = mo, dy
            a.lead = rest
        rest = rest.strip()
        if rest:
            self.add_body(a, it, rest, "dateline", new_para=True)
        else:
            self.mark([it], "dateline", a)

    def on_body(self, it: Line) -> None:
        a = self.open()
        if a is None:
            a = self.new_article()
        self.add_body(a, it, it.text, "article_body")

    def add_body(self, a: Art, it: Line, text: str, cls: str, new_para: bool = False) -> None:
        """Add body text, joining an unfinished paragraph (column-break repair); peel off
        trailing '(下转…版)' markers and credits; a paragraph cut short with '…' on a
        related block is a teaser."""
        close = False
        while True:
            m = MARKER_DOWN_END_RE.search(text)
            if m and m.start() > 0:
                text, a.continues, close = text[: m.start()].rstrip(), True, True
                continue
            got = paragraph_tail(text)
            if got:
                text, cr = got
                self.add_credit(a, cr)
                close = close or cr.form not in ("run_in_byline", "photo")
                a.closed_by_credit = True
                continue
            break
        starts_para = new_para or a.open_para is None or finished(a.paras[a.open_para]["text"])
        if starts_para and a.body_paras() <= 1 and not any(cr.outlets for cr in a.credits):
            self.add_credit(a, leading_attribution(text))      # '据《东方早报》8月8日报道，…'
        for m in INNER_DATELINE_RE.finditer(text):   # a second report merged into this one
            src = DATELINE_RE.match(m.group(0).strip("【】"))
            if m.start() > 0 and src and src.group("source") not in SELF_REFERENCES:
                a.credits.append(Credit(outlets=[src.group("source")], raw=m.group(0), form="inner_dateline"))
        if text:
            if not new_para and a.open_para is not None and not finished(a.paras[a.open_para]["text"]):
                p = a.paras[a.open_para]
                sep = " " if (p["text"][-1:].isascii() and p["text"][-1:].isalnum()
                              and text[:1].isascii() and text[:1].isalnum()) else ""
                p["text"] += sep + text
                p["lines"].append(it.no)
            else:
                a.open_para = a.add_para("body", text, [it])
            a.has_body = True
            if TEASER_END_RE.search(text) and (a.related or (re.search(r"[\u4e00-\u9fff]\.{3,}\s*$", text)
                                                               and not a.dateline_text and a.body_paras() == 1)):
                a.teaser = close = True
        self.mark([it], cls, a)
        if close:
            a.closed = True

    # ----------------------------------------------------------- headline runs
    def on_run(self, i: int) -> int:
        items = self.items
        j = i
        while j < len(items) and not items[j].chrome and items[j].kind == "text" and head_like(items[j]) \
                and not items[j].lead:
            if j > i and (items[j].gap or items[j].numbered):
                break
            j += 1
            if items[j - 1].gap:                     # 'title   lead': the title stands alone
                break
        run = items[i:j]
        if len(run) == 1 and j < len(items) and items[j].gap and not run[0].gap and items[j].no == run[0].no + 1:
            # '习近平回信勉励' / '祖籍宁波的香港企业家   新华社北京…': one index title wrapped onto two lines
            self.headline_block(items[i: j + 1], confirmed=True, wrapped=True)
            self.chrome_since = False
            return j + 1
        nxt, separated = self.next_after(j)
        confirmed = not separated and nxt is not None and (
            nxt.kind in ("byline", "dateline", "up_start", "marker_up") or
            (nxt.kind == "credit" and not (self.open() and self.open().has_body)))
        for _rid, _name, rule in self.run_rules:
            res = rule(self, run, nxt, confirmed, i, j)
            if res is not None:
                self.chrome_since = False
                return res
        return j  # pragma: no cover - the last rule always decides

    def banner(self, run: list[Line]) -> None:
        self.add_furniture("banner", " ".join(ln.text for ln in run), run)

    def is_callout(self, run: list[Line]) -> bool:
        """>=3 lines, one a short label, one restated elsewhere on the page (boxes restate the body)."""
        if len(run) < 3 or not any(label_like(ln.text, 12) for ln in run):
            return False
        return any(len(ln.core) >= 10 and self.all_core.count(ln.core) >= 2 for ln in run)

    def headline_block(self, run: list[Line], confirmed: bool, wrapped: bool = False) -> None:
        """Split a headline run into leading banners + kicker/title/subtitle; start an article.
        Three or more lines above an index item's own 'title   lead' line are headlines listed
        with no text (a whole-issue index whose items lost their text): furniture."""
        x = next((x for x, ln in enumerate(run) if ln.gap), 0)
        if x >= HEAD_LIST_MIN and not any(ln.gap or ln.numbered or ln.level for ln in run[:x]):
            self.add_furniture("headline_index", " / ".join(ln.text for ln in run[:x]), run[:x])
            run = run[x:]
        x = self.channel_bar_end(run)
        if x:
            self.add_furniture("navigation", " / ".join(ln.text for ln in run[:x]), run[:x])
            run = run[x:]
        banner = [strong_banner_cue(ln.text) and self.page_kind == "print_page" for ln in run]
        changed = True
        while changed:
            changed = False
            for x, ln in enumerate(run):
                if banner[x] or ln.level == 0:
                    continue
                for y in (x - 1, x + 1):
                    if 0 <= y < len(run) and banner[y] and run[y].level == ln.level:
                        banner[x] = changed = True
        if not confirmed and all(banner):
            self.banner(run)
            if self.cur is not None:
                self.cur.closed = True
            return
        if all(banner):
            banner[-1] = False
        first = banner.index(False)
        if first:
            self.banner(run[:first])
        head = run[first:]
        if self.page_kind == "markdown" and self.arts:    # later headlines of a Markdown story are its sections
            a = self.new_article()
            for ln in head:
                a.add_para("section_head", ln.text, [ln], tentative=False)
                self.mark([ln], "section_head", a)
            a.open_para = None
            return
        if any(PHOTO_ITEMS_RE.match(ln.text) for ln in head):
            self.photo_items = True
        a = self.new_article()
        a.gap_head = any(ln.gap or ln.numbered for ln in head)
        if wrapped:
            a.title, a.title_level, a.title_lines = "".join(ln.text for ln in head), 0, list(head)
            a.add_para("title", a.title, head)
            self.mark(head, "headline", a)
            return
        self.set_headline(a, head)

    def channel_bar_end(self, run: list[Line]) -> int:
        """A web page's first headline sits right above its date/source line; a long line of glued
        channel names with no punctuation or space above it ('青岛新闻城市档案区市撷英…') is the site's
        channel bar, and everything above that bar is site chrome too. Returns how many lines to drop."""
        if self.page_kind not in WEB_KINDS or self.arts or len(run) < 2:
            return 0
        j = self.pos.get(id(run[-1]), len(self.items)) + 1
        if j >= len(self.items) or self.items[j].chrome != "metadata":
            return 0
        bars = [x for x, ln in enumerate(run[:-1]) if len(ln.text) >= CHANNEL_BAR_MIN and
                not re.search(r"[\s\W\d]", ln.text)]
        return bars[-1] + 1 if bars else 0

    def set_headline(self, a: Art, head: list[Line]) -> None:
        roles = assign_roles(head)
        a.kicker, a.title, a.subtitle, a.title_level = roles["kicker"], roles["title"], roles["subtitle"], roles["level"]
        a.title_lines = list(head)
        for kind in ("kicker", "title", "subtitle"):
            if roles[kind]:
                a.add_para(kind, roles[kind], roles[kind + "_lines"])
        self.mark(head, "headline", a)


KIND_HANDLERS: dict[str, Callable[[Builder, Line], None]] = {
    "caption": Builder.on_caption,
    "photo_credit": Builder.on_photo_credit,
    "box_label": Builder.on_box_label,
    "brief": Builder.on_brief,
    "marker_down": Builder.on_marker_down,
    "marker_up": Builder.on_marker_up,
    "up_start": Builder.on_marker_up,
    "byline": Builder.on_byline,
    "credit": Builder.on_credit,
    "attribution": Builder.on_credit,
    "dateline": Builder.on_dateline,
    "text": Builder.on_body,
}
