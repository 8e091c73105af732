"""Rule R8's decision table for a run of headline-like lines (:data:`RUN_RULES`).

A *run* is a maximal sequence of consecutive headline-like text lines; ``nxt``
is the first line after it that is not site chrome, and ``confirmed`` says
whether that line is a byline, a dateline or an up-marker (with no separating
chrome between). The first rule that returns an index decides the run.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from etl.parse.headlines import bare_label, column_label, is_commentary
from etl.parse.lines import SECTION_HEAD_MAX_LEN, head_like, section_head_like
from etl.parse.structure import INDEX_MIN_LINES, SEPARATING_CHROME, WEB_KINDS, Builder
from etl.parse.text import couplet_cue, label_like, strong_banner_cue, top_level_dash_split


def run_index(b: Builder, run, nxt, confirmed, i, j):
    """R8.1 a list of headlines (title navigation, an index, a teaser block) that no body follows."""
    a = b.open()
    at_start = a is None or not a.has_body
    no_body_next = nxt is None or (nxt.kind == "text" and head_like(nxt)) or nxt.chrome is not None
    if len(run) >= INDEX_MIN_LINES and at_start and no_body_next and not confirmed and not any(ln.level for ln in run):
        b.add_furniture("headline_index", " / ".join(ln.text for ln in run), run)
        if b.cur is not None and b.cur.has_body:
            b.cur.closed = True
        return j
    return None


def run_restated(b: Builder, run, nxt, confirmed, i, j):
    """R8.2 an index item's headline restated above its dateline: the same article, the rest a deck."""
    a = b.open()
    if a is None or not a.has_headline or a.has_body or not a.gap_head:
        return None
    first = re.sub(r"\s+", "", run[0].text)
    title = re.sub(r"\s+", "", a.title or "")
    if title and first.startswith(title):
        extra = run[0].text[len(a.title):].strip() if run[0].text.startswith(a.title) else ""
        if extra and not a.subtitle:
            a.subtitle = extra
            a.add_para("subtitle", extra, run[:1])
        b.mark(run, "headline", a)
        for ln in run[1:]:
            a.add_para("subtitle", ln.text, [ln])
        return j
    return None


def run_deck(b: Builder, run, nxt, confirmed, i, j):
    """R8.3 a deck line under a headline that captions or site chrome pushed apart: the subtitle."""
    a = b.open()
    if a is None or not a.has_headline or a.has_body or a.dateline_text or a.gap_head or \
            any(cr.form != "photo" for cr in a.credits):
        return None
    if len(run) > 2 or run[0].gap or run[0].numbered or column_label(run[0].text):
        return None
    if any(re.sub(r"\s+", "", ln.text) == re.sub(r"\s+", "", t.text) for ln in run for t in a.title_lines):
        return None               # the block above was a title list and this is the article's own headline
    between = b.items[b.items.index(a.title_lines[-1]) + 1: i] if a.title_lines else []
    if not between or not all((x.chrome and x.chrome not in SEPARATING_CHROME) or
                              x.kind in ("caption", "photo_credit") for x in between):
        return None
    deck = " ".join(ln.text for ln in run)   # '成品油调价迷雾 / 定价权或下放给三桶油' stays one deck
    a.subtitle = (a.subtitle + " " + deck) if a.subtitle else deck
    a.add_para("subtitle", deck, run)
    b.mark(run, "headline", a)
    return j


def run_confirmed(b: Builder, run, nxt, confirmed, i, j):
    """R8.4 followed by a byline, a dateline or an up-marker: a headline block."""
    if confirmed:
        b.headline_block(run, confirmed=True)
        return j
    return None


def run_box_heading(b: Builder, run, nxt, confirmed, i, j):
    """R8.5 the heading of a bullet box."""
    if nxt is not None and nxt.kind == "bullet" and not nxt.chrome:
        b.on_callout(run)
        return j
    return None


def run_item_head(b: Builder, run, nxt, confirmed, i, j):
    """R8.6 an index item ('title   lead', '1. title') or a column-labelled headline ('【短评】…')."""
    first = run[0]
    a = b.open()
    cl = column_label(first.text)
    if cl and len(run) == 1 and not first.gap and b.page_kind in WEB_KINDS and a is not None and a.has_body and \
            not is_commentary(cl[0]):                 # '【现状】市场需求旺盛' inside a web story: one of its sections
        a.add_para("section_head", first.text, [first], tentative=False)
        b.mark([first], "section_head", a)
        a.open_para = None
        return j
    if first.gap or first.numbered or cl or \
            (len(run) > 1 and is_commentary(bare_label(first.text))):
        b.headline_block(run, confirmed=True)
        return j
    return None


def run_continuation(b: Builder, run, nxt, confirmed, i, j):
    """R8.7 an unfinished paragraph is open: the line continues it, or is a picture label."""
    first = run[0]
    if not (b.open_unfinished() and first.level == 0):
        return None
    items = b.items
    after = items[i + 1] if i + 1 < len(items) else None
    if label_like(first.text) and after is not None and after.kind == "text" and after.level == 0 and not after.chrome:
        a = b.cur
        a.add_para("caption", first.text, [first], label=True)
        b.mark([first], "caption", a)
    else:
        b.on_body(first)
    return i + 1


def run_nothing_open(b: Builder, run, nxt, confirmed, i, j):
    """R8.8 nothing open (page start, after a closing credit, chrome or marker): a headline block —
    except on a web page, where heads after a story's closing credit with no dateline or byline of
    their own are more sections of that story ('市场 / 日系车涨价…' under '文/本报记者 …')."""
    a = b.open()
    cur = b.cur
    if a is None and cur is not None and cur.closed_by_credit and not confirmed and \
            b.page_kind in WEB_KINDS and len(run) <= 3 and not any(ln.level for ln in run):
        cur.closed = cur.closed_by_credit = False
        for ln in run:
            cur.add_para("section_head", ln.text, [ln], tentative=False)
            b.mark([ln], "section_head", cur)
        cur.open_para = None
        return j
    if a is None or not a.paras:
        b.headline_block(run, confirmed=False)
        return j
    return None


def run_in_article(b: Builder, run, nxt, confirmed, i, j):
    """R8.9 inside an open article: dash headline, banner, call-out, marked heads, section head, body."""
    a = b.open()
    first = run[0]
    if any(ln.text.endswith("——") or ln.text.startswith("——") for ln in run) or \
            any(ln.level > 0 and top_level_dash_split(ln.text) for ln in run):
        if b.page_kind in WEB_KINDS:                  # '二问：307种药够用吗' / '——各地已增补药品…': a section and its deck
            for ln in run:
                a.add_para("section_head", ln.text, [ln], tentative=False)
                b.mark([ln], "section_head", a)
            a.open_para = None
            return j
        b.headline_block(run, confirmed=False)
        return j
    if b.page_kind == "print_page" and len(run) <= 3 and (
            strong_banner_cue(first.text) or (couplet_cue(first.text) and (first.level == 0 or first.bold))):
        b.banner(run)
        a.closed = True
        return j
    if b.is_callout(run):
        b.on_callout(run)
        return j
    marked = [ln.level for ln in run if ln.level > 0]
    if marked:
        if a.title_level is not None and 0 < a.title_level < min(marked):
            for ln in run:
                a.add_para("section_head", ln.text, [ln], tentative=False)
                b.mark([ln], "section_head", a)
            a.open_para = None
        else:
            b.headline_block(run, confirmed=False)
        return j
    if b.photo_items and len(run) == 1 and section_head_like(first) and nxt is not None and \
            nxt.kind in ("text", "caption"):
        b.headline_block(run, confirmed=True)          # under '图片新闻' each headed block is a photo item
        return j
    if len(run) == 1 and section_head_like(first) and nxt is not None and nxt.kind == "text" and not nxt.chrome:
        a.add_para("section_head", first.text, [first], tentative=True)
        b.mark([first], "section_head", a)
        a.open_para = None
        return j
    if b.page_kind in ("print_page", "issue_index") and not a.credits and \
            (2 <= len(run) <= 3 or (len(run) == 1 and len(first.text) > SECTION_HEAD_MAX_LEN)) and \
            not a.dateline_text and nxt is not None and \
            nxt.kind == "text" and not nxt.chrome and not head_like(nxt) and \
            not any(section_head_like(ln) and re.match(_ENUM_HEAD, ln.text) for ln in run):
        # one long or two or three headline lines after a finished paragraph of a story that printed no byline or
        # dateline (a story with a byline on top has sections; an uncredited one ends where the next begins)
        b.headline_block(run, confirmed=False)
        return j
    for ln in run:
        b.on_body(ln)
    return j


_ENUM_HEAD = r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d+[、.．]|第[一二三四五六七八九十]+)"

RUN_RULES: tuple[tuple[str, str, Callable], ...] = (
    ("R8.1", "headline_index", run_index),
    ("R8.2", "restated_headline", run_restated),
    ("R8.3", "deck", run_deck),
    ("R8.4", "confirmed_headline", run_confirmed),
    ("R8.5", "box_heading", run_box_heading),
    ("R8.6", "item_headline", run_item_head),
    ("R8.7", "continuation", run_continuation),
    ("R8.8", "nothing_open", run_nothing_open),
    ("R8.9", "in_article", run_in_article),
)
