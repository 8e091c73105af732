"""Rules R2, R3 and R5: the page's own furniture and what it says about the page.

R2 finds a printed masthead at the top of the page. R3 classifies site chrome
line by line with the ordered table :data:`CHROME_RULES` (edition lists,
navigation, breadcrumbs, portal metadata, editor lines, copyright footers,
related-link labels, cross-references, editor's notes). R5 decides the page
kind from the chrome found and assembles :class:`PageMeta` (publication, page
date, source) from the masthead, the metadata lines, the front matter and a
printed citation.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from etl.parse.lexicon import (
    ARTICLE_NAV,
    CHANNEL_DATE_RE,
    CITATION_RE,
    COLUMN_ONLY_RE,
    CONTACT_RE,
    COPYRIGHT_RE,
    CROSS_REF_RE,
    DATE_FULL_RE,
    DATE_ISO_RE,
    DEBRIS_RE,
    EDITION_RE,
    EDITOR_LINE_RE,
    EDITOR_NOTE_RE,
    ISSUE_RE,
    LINK_RE,
    LUNAR_RE,
    META_KEY_RE,
    NAME_SUFFIX_RE,
    NAV_TOKENS,
    PAGE_NO_RE,
    RELATED_RE,
    SECTION_NAME_RE,
    SHARE_RE,
    SITE_NAME_RE,
    URL_RE,
    WEEKDAY_LOOSE_RE,
    WEEKDAY_RE,
    looks_like_name,
)
from etl.parse.records import Line, PageMeta, empty_meta

MASTHEAD_SCAN = 12          # non-blank lines inspected for a masthead
META_MAX_LEN = 100          # longest metadata line
NAV_REMAINDER_MAX = 2       # characters left after removing navigation tokens
MEDIA_WORD_RE = re.compile(r"(?:报|网|社|台|新闻|刊|志|媒体|客户端|APP|在线|网站)$")
PUB_NAME_RE = re.compile(r"^[\u4e00-\u9fffA-Za-z0-9]{2,12}$")   # 青岛日报, YMG, 21世纪经济报道


# ------------------------------------------------------------------ dates
def find_date(t: str) -> date | None:
    for rx in (DATE_FULL_RE, DATE_ISO_RE):
        m = rx.search(t)
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                continue
    return None


def _strip_dates(t: str) -> str:
    t = DATE_FULL_RE.sub(" ", t)
    t = DATE_ISO_RE.sub(" ", t)
    return WEEKDAY_LOOSE_RE.sub(" ", t)


# ------------------------------------------------------------------ R2 masthead
def _meta_remainder(t: str) -> tuple[str, bool]:
    """Remove masthead tokens; return (remainder, had_strong_token)."""
    strong = False
    for rx in (DATE_FULL_RE, LUNAR_RE, WEEKDAY_RE, ISSUE_RE, URL_RE):
        if rx.search(t):
            strong = True
            t = rx.sub(" ", t)
    t = PAGE_NO_RE.sub(" ", t)
    t = re.sub(r"[\s|｜/·、，,：:\-—]+", "", t)
    return t, strong


def find_masthead(lines: list[Line]) -> tuple[PageMeta, set[int]]:
    """R2: a prefix of masthead-token lines and short name lines with at least one
    strong token (date, lunar date, weekday, issue number, URL); it ends at the
    last token line. Returns the metadata and the masthead's line numbers."""
    cand: list[Line] = []
    last_strong = last_meta = -1
    for ln in lines:
        if ln.blank or ln.chrome:
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
        return empty_meta(), set()
    mast = cand[: last_meta + 1]
    meta = empty_meta()
    meta.lines = [ln.raw.strip() for ln in mast]
    names: list[tuple[int, str]] = []
    for ln in mast:
        t = ln.text
        if meta.page_date is None and DATE_FULL_RE.search(t):
            meta.page_date = find_date(t)
        m = LUNAR_RE.search(t)
        if m and meta.lunar_text is None:
            meta.lunar_text = re.sub(r"\s+", "", m.group(0))
        m = WEEKDAY_RE.search(t)
        if m and meta.weekday is None:
            meta.weekday = m.group(0)
        m = ISSUE_RE.search(t)
        if m and meta.issue_no is None:
            meta.issue_no = int(m.group(1) or m.group(2))
        m = URL_RE.search(t)
        if m and meta.url is None:
            meta.url = m.group(0)
        rem, strong = _meta_remainder(t)
        if not strong and re.fullmatch(r"[\w·]+", t) and not SECTION_NAME_RE.match(t):
            names.append((ln.level, t))
        elif strong and len(rem) >= 2 and PUB_NAME_RE.match(rem):
            names.append((0, rem))                   # '1951年9月15日人民日报 第1版'

    if names:
        marked = [n for lvl, n in names if lvl > 0]
        name = marked[0] if marked else names[0][1]
        meta.publication = NAME_SUFFIX_RE.sub("", name) or name
    for ln in mast:
        ln.chrome = "masthead"
    return meta, {ln.no for ln in mast}


# ------------------------------------------------------------------ R3 chrome rules
def _source_value(t: str, key: str) -> str | None:
    m = re.search(key + r"\s*[:：]\s*(?P<v>.*)$", t)
    if not m:
        return None
    v = m.group("v")
    stop = META_KEY_RE.search(v)
    if stop:
        v = v[: stop.start()]
    v = re.split(r"\s+|(?=(?:19|20)\d{2}[-年])", v.strip())[0] if v.strip() else ""
    v = v.strip("-— ")
    return v or None


def rule_edition_list(t: str) -> dict | None:
    return {} if EDITION_RE.match(t) or COLUMN_ONLY_RE.match(t) else None


def rule_cross_reference(t: str) -> dict | None:
    return {} if CROSS_REF_RE.match(t) else None


_EDITION_REF_RE = re.compile(r"(?:第\s*)?[A-Z]{0,2}\d{1,3}(?:\s*[-—~]\s*\d{1,3})?\s*版(?:\s*[:：]\s*[\u4e00-\u9fff·/]{1,12})?")


def _nav_chunks(t: str) -> bool:
    """'今日国内 百态社会 今日财经 今日股市': four or more short unpunctuated chunks (a channel bar)."""
    cs = t.split()
    if re.search(r"记者|通讯员|摄", t):
        return False
    return len(cs) >= 4 and all(2 <= len(c) <= 6 and re.fullmatch(r"[\u4e00-\u9fffA-Za-z]+", c) for c in cs)


def rule_navigation(t: str) -> dict | None:
    if LINK_RE.match(t) or SHARE_RE.match(t) or _nav_chunks(t):
        return {}
    if DEBRIS_RE.search(t) and not re.search(r"[。！？]", t):
        d = find_date(t)                             # a CMS's leaked record still dates the page
        return {"date": d} if d else {}
    if not any(tok in t for tok in NAV_TOKENS):
        return None
    rest = _EDITION_REF_RE.sub(" ", _strip_dates(t))
    for tok in sorted(NAV_TOKENS, key=len, reverse=True):
        rest = rest.replace(tok, " ")
    rest = re.sub(r"[\W\d_]+", "", rest)
    if len(rest) > NAV_REMAINDER_MAX:
        return None
    info: dict = {"article_nav": any(tok in t for tok in ARTICLE_NAV)}
    d = find_date(t)
    if d:
        info["date"] = d
    return info


def rule_breadcrumb(t: str) -> dict | None:
    if SITE_NAME_RE.match(t):                        # '人民日报电子报', '齐鲁晚报数字版'
        return {"publication": NAME_SUFFIX_RE.sub("", t)}
    m = re.match(r"^(?:您的?)?当前(?:的)?位置\s*[:：]\s*(?P<v>.*)$", t)
    if m:
        first = re.split(r"\s*[>＞»]\s*", m.group("v").strip())[0].strip()
        pub = NAME_SUFFIX_RE.sub("", first)
        return {"publication": pub} if pub != first and PUB_NAME_RE.match(pub) else {}
    parts = [p.strip() for p in re.split(r"[>＞»]", t)]
    if len(parts) >= 3 and all(len(p) <= 24 for p in parts) or (len(parts) >= 2 and parts[-1] == "正文"):
        return {}
    parts = [p.strip() for p in re.split(r"[|｜]", t)]
    if len(parts) >= 3 and all(0 < len(p) <= 24 and not re.search(r"[。！？]", p) for p in parts):
        return {}
    return None


def rule_metadata(t: str) -> dict | None:
    if len(t) > META_MAX_LEN or "。" in t:
        return None
    info: dict = {}
    d = find_date(t)
    if d:
        info["date"] = d
    if CHANNEL_DATE_RE.match(t):
        return info
    has_key = META_KEY_RE.search(t)
    if has_key:
        key = has_key.group(1)
        if key in ("时间", "日期") and not (d and len(_strip_dates(t)) <= 4):
            return None
        for k in ("来源", "稿源", "出处", "发布人", "发布者"):
            v = _source_value(t, k)
            if v:
                info["source"] = v
                break
        m = re.search(r"作者\s*[:：]\s*(?P<a>[\u4e00-\u9fff·]{2,4}(?:[\s、，,][\u4e00-\u9fff·]{2,4})*)", t)
        if m:
            info["authors"] = [a for a in re.split(r"[\s、，,]+", m.group("a")) if looks_like_name(a)]
        return info
    if d is None:
        return None
    # a date line: '1987-04-09', '2014年9月19日 星期', or a publication beside its date
    rest = _strip_dates(t)
    rest = _EDITION_REF_RE.sub(" ", rest)
    rest = re.sub(r"\d{1,2}\s*[:：时]\s*\d{2}(?:\s*[:：分]\s*\d{2}\s*秒?)?", " ", rest)   # 12:17, 02时14分26秒
    for tok in sorted(NAV_TOKENS, key=len, reverse=True):
        rest = rest.replace(tok, " ")
    rest = URL_RE.sub(" ", rest)
    rest = re.sub(r"[\s•·|｜]+", "", rest)
    if not rest:
        return info
    if PUB_NAME_RE.match(rest) and MEDIA_WORD_RE.search(rest):
        info["publication"] = rest                   # not '新闻联播文字版': a paper, a site, an agency
        return info
    # '2023-12-11 09:07 青岛日报社/观海新闻': the portal's source beside its date
    parts = [p for p in re.split(r"[/／]", rest) if p]
    if len(parts) > 1 and all(PUB_NAME_RE.match(p) for p in parts):
        info["source"] = "/".join(parts)
        return info
    # '青岛早报 2025年10月31日 王亚平 张建华 …': the paper, its date, the writers
    toks = _strip_dates(t).split()
    toks = [x for x in toks if not _EDITION_REF_RE.fullmatch(x)]
    if len(toks) >= 2 and PUB_NAME_RE.match(toks[0]) and MEDIA_WORD_RE.search(toks[0]) and \
            all(looks_like_name(x) for x in toks[1:]):
        info["publication"], info["authors"] = toks[0], toks[1:]
        return info
    if re.fullmatch(r"[\u4e00-\u9fffA-Za-z]{1,8}", rest):
        return info                                  # '新闻联播 文字版 1995-01-30': a date line with a stray label
    return None


def rule_editor_line(t: str) -> dict | None:
    if EDITOR_LINE_RE.match(t) and len(t) <= META_MAX_LEN and "。" not in t:
        return {"print_staff": bool(re.match(r"^(?:编辑|美编|组版|校对|版式)", t))}
    if re.fullmatch(r"(?:记者|作者|编辑)\s*[:：]\s*(?:管理员|admin|网站编辑|佚名|本站)", t, re.I):
        return {}
    if re.fullmatch(r"[\u4e00-\u9fff·]{2,4}\s*(?:制图|绘图|设计|校对)", t):     # '杜明阳 制图': a graphics credit
        return {}
    return None


def rule_copyright(t: str) -> dict | None:
    if COPYRIGHT_RE.search(t) or (CONTACT_RE.search(t) and "。" not in t and len(re.findall(r"\d", t)) >= 5):
        m = re.search(r"版权所有\s*[:：]?\s*(?P<a>[\u4e00-\u9fff]{2,12}?)(?:社)?\s*$", t) or \
            re.search(r"(?P<a>[\u4e00-\u9fff]{2,12}?)(?:社)?\s*版权所有", t)
        owner = m.group("a") if m else None
        if owner and re.search(r"(?:报|日报|晚报|早报)$", owner):
            return {"owner": owner}
        return {}
    return None


def rule_related(t: str) -> dict | None:
    return {} if RELATED_RE.match(t) else None


def rule_editor_note(t: str) -> dict | None:
    return {} if EDITOR_NOTE_RE.match(t) else None


# (id, name, furniture kind, rule): the first rule that matches a line decides.
CHROME_RULES: tuple[tuple[str, str, str, Callable[[str], dict | None]], ...] = (
    ("R3.1", "edition_list", "edition_list", rule_edition_list),
    ("R3.2", "cross_reference", "cross_reference", rule_cross_reference),
    ("R3.3", "navigation", "navigation", rule_navigation),
    ("R3.4", "breadcrumb", "breadcrumb", rule_breadcrumb),
    ("R3.5", "metadata", "metadata", rule_metadata),
    ("R3.6", "editor_line", "editor_line", rule_editor_line),
    ("R3.7", "copyright", "copyright", rule_copyright),
    ("R3.8", "related", "related", rule_related),
    ("R3.9", "editor_note", "editor_note", rule_editor_note),
)


def classify_chrome(ln: Line, infos: dict[int, dict]) -> None:
    """Set ``ln.chrome`` by :data:`CHROME_RULES`; keep what the line says in ``infos[id(ln)]``."""
    if ln.blank or ln.chrome or not ln.text or re.search(r"<br\s*/?>", ln.text, re.I):
        return                                       # a line of a crawler's leftover <br/> is split first (R4.0)
    for _rid, name, kind, rule in CHROME_RULES:
        info = rule(ln.text)
        if info is not None:
            ln.chrome = kind
            info["rule"] = name
            infos[id(ln)] = info
            return


# ------------------------------------------------------------------ R5 page kind and metadata
def page_kind(lines: list[Line], infos: dict[int, dict], front: dict[str, str]) -> str:
    """R5.1: markdown > issue_index > epaper_article > repost > print_page, by the chrome found."""
    if front:
        return "markdown"
    chrome = [ln for ln in lines if ln.chrome and not ln.blank]
    article_nav = any(infos.get(id(ln), {}).get("article_nav") for ln in chrome)
    editions = {re.sub(r"\s+", "", ln.text) for ln in chrome if ln.chrome == "edition_list" and EDITION_RE.match(ln.text)}
    numbered = sum(1 for ln in lines if ln.numbered)
    portal = any(ln.chrome == "metadata" and re.search(r"来源|发布|作者|编辑", ln.text) for ln in chrome)
    if not article_nav and (len(editions) >= 3 or (numbered >= 2 and not portal)):
        return "issue_index"
    gap_items = sum(1 for ln in lines if ln.gap)
    if not article_nav and gap_items >= 2 and editions:
        return "issue_index"
    if article_nav or any(infos.get(id(ln), {}).get("print_staff") for ln in chrome) or \
            any(infos.get(id(ln), {}).get("publication") and ln.chrome == "breadcrumb" for ln in chrome):
        return "epaper_article"
    top = [ln for ln in lines if not ln.blank][:4]
    if any(ln.chrome == "metadata" and infos.get(id(ln), {}).get("publication") and DATE_FULL_RE.search(ln.text)
           and not re.search(r"\d{1,2}\s*[:：时]\s*\d{2}|https?://|www\.", ln.text) for ln in top):
        return "epaper_article"   # '青岛日报 2024年09月26日' under the title; a portal prints '烟台晚报 2021-12-18 07:44'

    if any(ln.chrome in ("metadata", "breadcrumb", "related", "editor_line") for ln in chrome):
        return "repost"
    return "print_page"


def _before_masthead(lines: list[Line], infos: dict[int, dict]) -> None:
    """Sentences above a page's own masthead line ('1963年11月8日人民日报 第3版' after an
    advert) are not the page's text: boilerplate."""
    seen: list[Line] = []
    for ln in lines:
        if ln.blank:
            continue
        info = infos.get(id(ln), {})
        if ln.chrome in ("metadata", "masthead") and info.get("date") and info.get("publication"):
            for x in seen:
                if not x.chrome and re.search(r"[。！!]\s*$", x.text):
                    x.chrome = "boilerplate"
            return
        seen.append(ln)
        if len(seen) > 4:
            return


def _originating(source: str) -> str | None:
    """'大众网-半岛都市报' -> '半岛都市报': the paper a portal reposts (the last named part)."""
    parts = [p.strip() for p in re.split(r"[-—－_]+", source) if p.strip()]
    name = parts[-1] if parts else None
    if not name or not PUB_NAME_RE.match(name) or not re.search(r"[\u4e00-\u9fff]", name):
        return None
    if looks_like_name(name) and not re.search(r"(?:报|网|社|台|新闻|刊|志|媒体|客户端)$", name):
        return None                                  # '发布人：-陈思羽' names the person who posted it
    return name


def page_meta(meta: PageMeta, lines: list[Line], infos: dict[int, dict], front: dict[str, str]) -> PageMeta:
    """R5.2: fill the page's publication, date and source from chrome, front matter and citations."""
    meta.kind = page_kind(lines, infos, front)
    if meta.kind != "issue_index":                  # '1.集成商通号集团：…' in a story is a numbered section head
        for ln in lines:
            if ln.numbered:
                ln.numbered, ln.text = False, ln.raw.strip() if ln.raw.strip() else ln.text
    pubs: list[tuple[int, str]] = []   # (priority, name): lower wins
    for ln in lines:
        info = infos.get(id(ln))
        if not info:
            continue
        if meta.page_date is None and info.get("date"):
            meta.page_date = info["date"]
        if info.get("source") and meta.source is None:
            meta.source = info["source"]
            orig = _originating(info["source"])
            if orig:
                pubs.append((3, orig))
        if info.get("publication"):
            pubs.append((1, NAME_SUFFIX_RE.sub("", info["publication"])))
        if info.get("authors") and not meta.authors:
            meta.authors = list(info["authors"])
        if info.get("owner"):
            pubs.append((5, info["owner"]))
        if ln.chrome == "edition_list" and meta.edition is None:
            m = re.match(r"^(?:第\s*)?[A-Z]{0,2}\d{1,3}\s*版", ln.text)
            meta.edition = m.group(0) if m and len([x for x in lines if x.chrome == "edition_list"]) == 1 else None
    if front:
        if meta.page_date is None and front.get("date"):
            meta.page_date = find_date(front["date"])
        if front.get("section") and meta.edition is None:
            meta.edition = front["section"]
    for ln in lines:
        m = CITATION_RE.search(ln.text) if not ln.chrome or ln.chrome == "front_matter" else None
        if m:
            pubs.append((2, m.group("pub")))
            if meta.page_date is None:
                meta.page_date = find_date(m.group("date"))
            break
    if meta.publication is None and pubs:
        meta.publication = min(pubs, key=lambda p: p[0])[1]
    _before_masthead(lines, infos)
    if meta.kind == "repost" and meta.source is None:
        top = [ln for ln in lines if not ln.blank][:4]    # '烟台晚报 2021-12-18 07:44' under a repost's title
        pub = next((infos[id(ln)]["publication"] for ln in top if infos.get(id(ln), {}).get("publication")), None)
        meta.source = pub
    return meta
