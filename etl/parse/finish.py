"""Rule R9: from articles under construction to :class:`Article` records.

:data:`FINISH_RULES` runs in order over the builder's articles: section heads
are resolved, items that are not articles (a headline with no body, a teaser,
a few words of boilerplate) become furniture, captions no article claimed
become photo-news items, credits are merged into outlets and people, and
headless items get a flagged derived title.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from etl.parse.dates import REPORT_DATE_RE
from etl.parse.lexicon import MEDIA_NAME_RE
from etl.parse.records import Article, Credit, PageMeta, Paragraph
from etl.parse.structure import Art, Builder
from etl.parse.text import SENT_FINAL

HEADLESS_MIN_CHARS = 60     # a headless item shorter than this (no dateline, no credit) is not an article
PHOTO_NEWS_MIN_CHARS = 40   # a caption no article claims, this long, is a photo-news item
BODY_MIN_CHARS = 80         # a body without a finished sentence must be at least this long


def _body(a: Art) -> str:
    return "\n".join(p["text"] for p in sorted(a.paras, key=_order) if p["kind"] == "body")


def _order(p: dict) -> int:
    return p["lines"][0] if p["lines"] else -1


def resolve_section_heads(b: Builder, meta: PageMeta) -> None:
    """R9.1 one lone unmarked section-head candidate is a paragraph start cut by a column break."""
    for a in b.arts:
        tentative = [x for x, p in enumerate(a.paras) if p["kind"] == "section_head" and p.get("tentative")]
        if len(tentative) != 1:
            continue
        x = tentative[0]
        nxt = x + 1
        while nxt < len(a.paras) and a.paras[nxt]["kind"] in ("caption", "duplicate", "callout"):
            nxt += 1
        if nxt < len(a.paras) and a.paras[nxt]["kind"] == "body":
            head, body = a.paras[x], a.paras[nxt]
            body["text"] = head["text"] + body["text"]
            body["lines"] = head["lines"] + body["lines"]
            for ln_id, owner in list(b.owner.items()):
                if owner == a.idx and b.cls.get(ln_id) == "section_head":
                    b.cls[ln_id] = "article_body"
            del a.paras[x]


def _to_furniture(b: Builder, a: Art, kind: str) -> None:
    text = " ".join(p["text"] for p in sorted(a.paras, key=_order))
    lines = sorted({no for p in a.paras for no in p["lines"]})
    b.furniture.append({"kind": kind, "text": text, "lines": lines})
    for ln_id, owner in list(b.owner.items()):
        if owner == a.idx:
            b.owner[ln_id] = -1
            b.cls[ln_id] = "furniture"
    a.idx = -1


def _photo_story(a: Art) -> None:
    """A headline followed only by captioned photos is a photo story: its captions are its body."""
    if a.has_body or not a.title_lines:
        return
    first_title = min(ln.no for ln in a.title_lines)
    caps = [p for p in a.paras if p["kind"] == "caption" and p["lines"] and p["lines"][0] > first_title]
    if caps and sum(len(p["text"]) for p in caps) >= PHOTO_NEWS_MIN_CHARS:
        for p in caps:
            p["kind"] = "body"
        a.has_body = True


def drop_non_articles(b: Builder, meta: PageMeta) -> None:
    """R9.2 keep only news items with a body: a headline with no body is an index entry or a
    teaser; a body cut short with '…' is a teaser; a few headless words are boilerplate (or,
    right after an article, its photo captions)."""
    kept: list[Art] = []
    for a in b.arts:
        _photo_story(a)
        body = _body(a)
        has_sentence = any(ch in body for ch in SENT_FINAL)
        headless = not a.has_headline and a.dateline_text is None and not a.credits and not a.continued_from \
            and not a.brief
        if a.teaser:
            _to_furniture(b, a, "teaser")
        elif not body:
            for p in a.paras:                        # its captions may still be a photo-news item (R9.3)
                if p["kind"] == "caption":
                    lines = [ln for ln in b.items if ln.no in p["lines"] and b.owner.get(id(ln)) == a.idx]
                    b.pending_captions.append((p["text"], lines, None))
            a.paras = [p for p in a.paras if p["kind"] != "caption"]
            _to_furniture(b, a, "teaser" if a.related else "headline_index")
        elif not has_sentence and len(body) < BODY_MIN_CHARS and not (a.gap_head or a.dateline_text or a.credits):
            _to_furniture(b, a, "teaser")
        elif a.tail and (not a.has_headline or not has_sentence or len(body) < HEADLESS_MIN_CHARS):
            _to_furniture(b, a, "boilerplate")
        elif headless and (a.related or a.tail or (len(body) < HEADLESS_MIN_CHARS and len(b.arts) > 1)):
            # (a few headless words alone on a page are still its text: only beside other items are they not)
            prev = kept[-1] if kept else None
            if prev is not None and not a.related and len(body) < HEADLESS_MIN_CHARS:
                for p in a.paras:
                    if p["kind"] == "body":
                        prev.paras.append({**p, "kind": "caption"})
                for ln_id, owner in list(b.owner.items()):
                    if owner == a.idx:
                        b.owner[ln_id], b.cls[ln_id] = prev.idx, "caption"
                a.idx = -1
            else:
                _to_furniture(b, a, "boilerplate")
        else:
            kept.append(a)
    b.arts = kept


def photo_news(b: Builder, meta: PageMeta) -> None:
    """R9.3 captions that no article claimed: a long one is a photo-news item, the rest furniture."""
    for text, lines, cr in b.pending_captions:
        if len(text) >= PHOTO_NEWS_MIN_CHARS:
            a = Art(idx=len(b.arts))
            a.add_para("body", text, lines)
            a.has_body = True
            if cr is not None:
                a.credits.append(cr)
            b.arts.append(a)
            b.mark(lines, "article_body", a)
        else:
            b.add_furniture("caption", text, lines, cls="caption")
    b.pending_captions = []
    b.arts.sort(key=lambda a: min((no for p in a.paras for no in p["lines"]), default=-1))


def _canon(name: str) -> str:
    from etl.outlets import canonical_outlet  # reference aliases: 青岛日报社 is 青岛日报
    return canonical_outlet(name) or name


def _add(dst: list[str], names: list[str], canon: bool = False) -> None:
    seen = {_canon(x) if canon else x for x in dst}
    for n in names:
        key = _canon(n) if canon else n
        if n and key not in seen:
            dst.append(n)
            seen.add(key)


def merge_credits(b: Builder, meta: PageMeta) -> dict[int, dict]:
    """R9.4 outlets and people of each article, in order: the dateline's source, the credits
    (bylines, trailing credits, attributions, photo credits), and for the first article of a
    repost the source its metadata line names."""
    out: dict[int, dict] = {}
    for n, a in enumerate(b.arts):
        outlets: list[str] = []
        people = {"reporters": [], "correspondents": [], "photographers": []}
        if a.dateline_source:                        # '齐鲁网·闪电新闻', '大众网日照·海报新闻' -> 大众网, 海报新闻
            parts = [s for s in re.split(r"[/·]", a.dateline_source) if s]
            _add(outlets, [(MEDIA_NAME_RE.match(s).group(0) if MEDIA_NAME_RE.match(s) and not s.endswith("频道")
                            else s) for s in parts], canon=True)   # '新华网江西频道' is a channel of its own
        for cr in a.credits:
            _add(outlets, cr.outlets, canon=True)
            for k in people:
                _add(people[k], getattr(cr, k))
        if n == 0 and meta.source and meta.kind in ("repost", "epaper_article"):
            from etl.parse.chrome import _originating
            srcs = [s for s in meta.source.split("/") if s] if "/" in meta.source else [_originating(meta.source)]
            _add(outlets, [s for s in srcs if s], canon=True)
        if n == 0 and meta.authors and not people["reporters"] and meta.kind in ("repost", "epaper_article"):
            _add(people["reporters"], meta.authors)      # a portal's '作者：' names the writers
        out[id(a)] = {"outlets": outlets, **people}
    return out


def derive_title(body: str) -> str:
    """Fallback title: clauses of the first sentence until >= 8 chars, capped at 40 chars."""
    first = re.split(r"[。！？!?]", body.strip(), maxsplit=1)[0] if body.strip() else ""
    out = ""
    for c in re.split(r"(?<=[，,；;：:])", first):
        out += c
        if len(out.rstrip("，,；;：:")) >= 8:
            break
    out = out.rstrip("，,；;：: ").lstrip("“‘「『\"' ")
    return out[:40]


FINISH_RULES: tuple[tuple[str, str, Callable], ...] = (
    ("R9.1", "section_heads", resolve_section_heads),
    ("R9.2", "not_articles", drop_non_articles),
    ("R9.3", "photo_news", photo_news),
)


def build_articles(b: Builder, meta: PageMeta) -> tuple[list[Article], dict[int, str]]:
    """Run R9.1–R9.3, then R9.4 credits and R9.5 titles; returns the articles and their leads."""
    for _rid, _name, rule in FINISH_RULES:
        rule(b, meta)
    credits = merge_credits(b, meta)
    articles: list[Article] = []
    leads: dict[int, str] = {}
    for a in b.arts:
        paras = sorted(a.paras, key=_order)
        body = "\n".join(p["text"] for p in paras if p["kind"] == "body")
        title, source = a.title, "heading"
        if not title:                                # R9.5 derived title, flagged
            source = "derived"
            capt = [p["text"] for p in paras if p["kind"] in ("caption", "callout", "duplicate")]
            title = derive_title(body) or (derive_title(capt[0]) if capt else "") or "（无标题）"
        c = credits[id(a)]
        art = Article(
            ordinal=len(articles), kicker=a.kicker, title=title, subtitle=a.subtitle,
            dateline_month=a.dl_month, dateline_day=a.dl_day, news_date=None, date_confidence="unknown",
            outlets=c["outlets"], reporters=c["reporters"], correspondents=c["correspondents"],
            photographers=c["photographers"], body=body,
            paragraphs=[Paragraph(x, p["text"], p["kind"], list(p["lines"])) for x, p in enumerate(paras)],
            captions=[p["text"] for p in paras if p["kind"] == "caption"],
            continuation="continued_from" if a.continued_from else ("continues" if a.continues else "none"),
            title_source=source, title_level=a.title_level, dateline_text=a.dateline_text,
            continues=a.continues, continued_from=a.continued_from,
            bylines=[cr.raw for cr in a.credits if cr.raw],
            section_heads=[p["text"] for p in paras if p["kind"] == "section_head"],
            callouts=[p["text"] for p in paras if p["kind"] == "callout"],
        )
        lead = a.lead if a.lead is not None else (body.split("\n", 1)[0] if body else None)
        rd = REPORT_DATE_RE.match(lead or "") if a.dateline_text is None else None
        if rd:                                       # '2月15日综合报道，…' opens the story: its date
            art.dateline_month, art.dateline_day = rd.group(1), rd.group(2)
        if lead:
            leads[art.ordinal] = lead
        articles.append(art)
    return articles, leads


def credit_of(c: Credit) -> str:
    return c.raw
