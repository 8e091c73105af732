"""Credit forms: who wrote, photographed or supplied an article.

Every form a credit takes on the pages is one entry of :data:`CREDIT_FORMS`,
with the places it may stand (a whole line, right after a dateline, at the end
of a paragraph, at the end of a caption). The finders below try the forms
allowed at a place, in table order, and return a typed :class:`Credit`.

Rules shared by all forms: role words (文, 图, 摄影, 报道, 制图 …) are never
people or outlets; bare self-references (本报, 晚报 …) are not outlets (the
page's own publication is ``PageMeta.publication``); a two-character name
printed with a space inside (``余 博``) is one name.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from etl.parse.lexicon import (
    ATTRIBUTION_RE,
    CITATION_RE,
    CMS_USERS,
    DATELINE_RE,
    LEADING_ATTRIBUTION_RE,
    NAME_TOKEN_RE,
    NOT_MEDIA,
    ORG_SOURCE_RE,
    PHOTO_CREDIT_RE,
    ROLE_WORDS,
    SELF_REFERENCES,
    SUPPLIED_PHOTO_RE,
    looks_like_name,
)
from etl.parse.records import Credit
from etl.parse.text import finished

CREDIT_MAX = 200          # a joint report may credit fifteen reporters
_ROLE_PREFIX_RE = re.compile(r"^\s*[■□]?\s*(?:本版)?(?P<role>文\s*[/、·]\s*图|文图|文字|文|图|摄影|摄)\s*(?:[:：/]\s*)?(?=\S)")
_ROLE_SUFFIX_RE = re.compile(r"\s*(?P<role>摄影报道|文/图|文图|报道|摄影|摄|采写|整理|供稿|发自\S{1,6})\s*$")
_PHOTO_ROLES = {"摄影报道", "文/图", "文、图", "文·图", "文图", "摄影", "摄", "图"}
_KEYWORDS_RE = re.compile(r"((?:特约|实习|首席|特派|见习|驻[\u4e00-\u9fff]{1,4})?记者|通讯员|实习生|见习生|"
                          r"栏目主持人?|主持人|撰稿人?)")
_REPORTED_BY_RE = re.compile(
    r"^\s*(?P<c>[\u4e00-\u9fffA-Za-z/]{0,12}?(?:通讯员\s*[\u4e00-\u9fff、·\s]{2,24}?[、，,]?\s*)?"
    r"(?:特约|实习|首席|特派)?记者\s*[\u4e00-\u9fff、·\s]{2,24}?"
    r"(?:通讯员\s*[\u4e00-\u9fff、·\s]{2,24}?)?)\s*报道\s*[:：]?\s*")
_BRACKET_RE = re.compile(r"^\s*[（(](?P<c>[^（）()]{1,200})[）)]\s*")
_TAIL_BRACKET_RE = re.compile(r"^(?P<body>.*?)\s*[（(](?P<c>[^（）()]{1,200})[）)]\s*\??\s*$")   # '(吕劲)?': an archive's mojibake
_RUN_IN_RE = re.compile(r"^(?P<body>.*?[。！？”])\s*(?P<c>[■□]?\s*(?:文\s*/\s*图|文字|文)?\s*[^。！？，,；;（）()]{0,16}"
                        r"记者[^。！？，,；;（）()]{1,24})$")
_TAIL_ATTRIBUTION_RE = re.compile(r"^(?P<body>.*[。！？”])\s*(?P<c>据\s*[\u4e00-\u9fffA-Za-z《》]{2,20})\s*$")


def _unglue(n: str) -> list[str]:
    """'招婷婷李梅': two names printed without a separator — split where a surname starts a
    2–3 character second name (five or six characters only; four may be one compound-surname name)."""
    if not 5 <= len(n) <= 6 or not re.fullmatch(r"[\u4e00-\u9fff]+", n):
        return [n]
    for cut in (len(n) - 2, len(n) - 3, 3, 2):
        a, b = n[:cut], n[cut:]
        if 2 <= len(a) <= 3 and 2 <= len(b) <= 3 and looks_like_name(b):
            return [a, b]
    return [n]


def _names(x: str) -> list[str] | None:
    """Split a name list; None when a token is not a name."""
    toks = [n for n in re.split(r"[\s、/，,]+", x.strip()) if n]
    out: list[str] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if len(t) == 1 and i + 1 < len(toks) and len(toks[i + 1]) == 1:   # '余 博' is one name
            t, i = t + toks[i + 1], i + 1
        out.append(t)
        i += 1
    out = [n for n in out if n not in ROLE_WORDS]
    out = [part for n in out for part in _unglue(n)]
    if any(not NAME_TOKEN_RE.match(n) or n in CMS_USERS for n in out):
        return None
    return out


def _outlets(x: str) -> list[str]:
    # '中共将乐县委通讯组 福建日报记者': the medium is the word right before 记者
    parts = [o.split()[-1] for o in re.split(r"[/／、]", x) if o.strip()]
    return [o for o in parts if o not in SELF_REFERENCES and o not in ROLE_WORDS and 2 <= len(o) <= 12]


def _spaced_place(t: str) -> bool:
    """'记者刘新宇 天津' / '记者 古宁、唐苗苗 广州': the names are glued or listed with 、 and
    one more word stands apart before 报道 — a place, not a person."""
    m = re.search(r"(?:记者|通讯员)(?P<gap>\s*)(?P<names>\S+)\s+\S+$", t)
    return bool(m) and ("、" in m.group("names") or not m.group("gap"))


def parse_credit(s: str, boxed: bool = False) -> Credit | None:
    """Forms C1–C3 and C8: ``[role] [outlets][记者 names] [通讯员 names] [报道|摄|摄影报道…]``.

    ``boxed`` (a □ byline) allows a credit without the 记者/通讯员 keywords.
    """
    t = s.strip()
    extra: list[str] = []
    m = re.search(r"[，,]\s*(?P<n>[\u4e00-\u9fff、]{2,30}?)(?:参与采写|参与报道|亦有贡献)$", t)
    if m:                                            # '…记者A、B，C参与采写': C wrote too
        extra, t = [x for x in m.group("n").split("、") if x], t[: m.start()]
    if not t or len(t) > CREDIT_MAX or re.search(r"[，。；！？,;!?]", t):
        return None
    if not re.search(r"记者|通讯员|实习生|主持|撰稿", t) and not boxed:
        return None
    photo = False
    photo_only = False                               # '…通讯员张嘉仪摄': a photo credit, not a byline
    place_dropped = False
    m = _ROLE_PREFIX_RE.match(t)
    if m:
        photo = photo or m.group("role").replace(" ", "") in _PHOTO_ROLES
        t = t[m.end():]
    while True:
        m = _ROLE_SUFFIX_RE.search(t)
        if not m or m.start() == 0:
            break
        role = m.group("role")
        photo = photo or role in _PHOTO_ROLES
        photo_only = role == "摄" and not place_dropped
        place_dropped = place_dropped or role == "报道"
        t = t[: m.start()].strip()
    # keywords may come in any order: '…记者 A 通讯员 B', '通讯员李力、记者汪大昭'
    parts = _KEYWORDS_RE.split(t)
    outlet_str = _ROLE_PREFIX_RE.sub("", parts[0]) if parts[0] else ""
    reporters, correspondents = [], []
    if len(parts) == 1:                              # a □ byline without keyword: '□热心读者 石晓峰'
        toks = [x for x in re.split(r"[\s、/]+", t) if x]
        reporters = [x for x in toks if looks_like_name(x)] if boxed else None
        outlet_str = ""
        if not reporters and (not boxed or len(toks) > 2):
            return None
    for kw, chunk in zip(parts[1::2], parts[2::2]):
        names = _names(chunk.strip("、，, "))
        if names is None:
            return None
        (correspondents if kw == "通讯员" else reporters).extend(names)
    last = correspondents if correspondents else reporters
    if place_dropped and len(last) > 1 and (not looks_like_name(last[-1]) or _spaced_place(t)):
        last.pop()                                   # '…记者刘新宇 天津报道': 天津 is where, not who
    outlets = _outlets(outlet_str)
    if any(len(o) > 12 for o in outlets):
        return None
    reporters += [x for x in extra if looks_like_name(x) and x not in reporters]
    cr = Credit(outlets=outlets, reporters=reporters, correspondents=correspondents, raw=s.strip())
    if photo:
        cr.photographers = reporters + correspondents
    if photo_only:
        cr.reporters, cr.correspondents = [], []
    return cr


def parse_dated(s: str) -> Credit | None:
    """Form C10: a credit that carries a dateline: '新华社北京1月2日电 记者周圆、黄垚',
    '本报北京、马德里…1月1日电 记者韩硕、颜欢…' (usually bracketed at an article's end)."""
    m = DATELINE_RE.match(s.strip())
    if not m or m.group("d") is None:
        return None
    rest = s.strip()[m.end():].strip()
    cr = parse_credit(rest) if rest else Credit()
    if cr is None:
        return None
    srcs = [x for x in (m.group("source"), m.group("via")) if x and x not in SELF_REFERENCES]
    cr.outlets = [o for o in srcs if o not in cr.outlets] + cr.outlets
    cr.dateline = (m.group("m"), m.group("d"))
    cr.raw, cr.form = s.strip(), "dated_credit"
    return cr


def parse_bare(s: str) -> Credit | None:
    """Form C5: a bracketed credit with no keyword: '(李溟)', '(文字赵辉)', '(市北公安)'."""
    t = s.strip()
    role = _ROLE_PREFIX_RE.match(t)
    if role:
        t = t[role.end():].strip()
    toks = [x for x in re.split(r"[\s、]+", t) if x]
    if toks and all(looks_like_name(x) for x in toks):
        cr = Credit(reporters=toks, raw=s.strip(), form="bare_name_or_source")
        if role and role.group("role").replace(" ", "") in _PHOTO_ROLES - {"文"}:
            cr.photographers = list(toks)
        return cr
    if not role and len(toks) == 1:
        t = re.sub(r"^据", "", t)                      # '(据新华社)': the outlet, not '据新华社'
        if ORG_SOURCE_RE.fullmatch(t) and t not in SELF_REFERENCES:
            return Credit(outlets=[t], raw=s.strip(), form="bare_name_or_source")
    return None


def parse_attribution(s: str) -> Credit | None:
    """Form C6: '据新华社', '据央视新闻联播解说词' — the medium a report is taken from."""
    m = ATTRIBUTION_RE.match(s.strip())
    if not m:
        return None
    src = m.group("src").strip("《》")
    src = re.sub(r"(?:解说词|消息|报道|综合)$", "", src)
    if src in NOT_MEDIA or len(src) < 2 or not (ORG_SOURCE_RE.fullmatch(src) or len(src) <= 4):
        return None
    if src.startswith(("了解", "介绍", "统计", "悉")):
        return None
    return Credit(outlets=[src], raw=s.strip(), form="attribution")


def leading_attribution(text: str) -> Credit | None:
    """Form C6 at a lead's start: '据《东方早报》8月8日报道，…' credits the paper and dates the story;
    a bracketed source tag '[慧聪礼品工艺品网]…' credits that site."""
    tag = re.match(r"^[\[【](?P<src>[\u4e00-\u9fffA-Za-z]{2,12}(?:网|报|社|台|新闻))[\]】]", text)
    if tag:
        return Credit(outlets=[tag.group("src")], raw=tag.group(0), form="attribution")
    m = LEADING_ATTRIBUTION_RE.match(text)
    if not m or m.group("src") in NOT_MEDIA or not (ORG_SOURCE_RE.fullmatch(m.group("src")) or "《" in m.group(0)):
        return None
    cr = Credit(outlets=[m.group("src")], raw=m.group(0), form="attribution")
    if m.group("d") or m.group("d0"):
        cr.dateline = (m.group("m"), m.group("d")) if m.group("d") else (m.group("m0"), m.group("d0"))
    return cr


def parse_supplied(s: str) -> Credit | None:
    """'广东省文旅厅供图': a photo supplied by an institution — a credit with no person."""
    return Credit(raw=s.strip(), form="photo") if SUPPLIED_PHOTO_RE.match(s.strip()) else None


def parse_photo(s: str) -> tuple[str, Credit] | None:
    """Form C7: '… 崔冬妮 摄', '本报记者 吴江 摄', '新华社记者 孙连生摄(传真照片)', '闫庆收摄'.

    Returns (text before the credit, credit)."""
    t = s.rstrip()
    if "摄" not in t:  # the credit needs it; without it the end-anchored search would try every position
        return None
    m = PHOTO_CREDIT_RE.search(t)
    if not m:
        return None
    before = t[: m.start()].rstrip()
    org = m.group("org") or ""
    if before and not re.search(r"[。！？）)\s]$", before) and not org:
        return None                                  # '…的摄' inside a word, not a credit
    raw = t[m.start():].strip()
    agency = re.search(r"[（(](?P<a>[^（）()]{2,8}?)(?P<fa>发)?[）)]\s*$", raw)
    body = re.sub(r"\s*[（(][^（）()]{0,8}[）)]\s*$", "", raw).strip("（() ")
    if re.search(r"记者|通讯员|摄影师", body):
        cr = parse_credit(re.sub(r"摄影师", "记者", body))  # '本报记者刘炳友通讯员张嘉仪摄': the credit grammar
        if cr is None:
            return None
        cr.photographers = cr.reporters + cr.correspondents
        cr.reporters, cr.correspondents = [], []
    else:
        names = _names(m.group("names").replace("、", " ")) or []   # '胡  程摄' is one name
        alone = not before and len(names) == 1 and 2 <= len(names[0]) <= 3
        if not names or not (alone or all(looks_like_name(n) for n in names)):
            return None
        cr = Credit(photographers=names)
    if agency and (agency.group("fa") or re.search(r"(?:视觉|图片|图库|社)$", agency.group("a"))):
        cr.outlets.append(agency.group("a"))         # '（新华社发）', '（人民视觉）'; '（影像中国）' is a column
    cr.raw, cr.form = raw, "photo"
    return before, cr


def after_dateline(rest: str) -> tuple[Credit, int] | None:
    """Credits that follow a dateline: C3 '(记者 朱颖)' and C4 '记者翟启运报道：'.
    Returns the credit and the number of characters it takes."""
    m = _BRACKET_RE.match(rest)
    if m:
        cr = parse_credit(m.group("c")) or parse_bare(m.group("c"))
        if cr is not None:
            cr.form = cr.form or "bracketed"
            return cr, m.end()
    m = _REPORTED_BY_RE.match(rest)
    if m:
        cr = parse_credit(m.group("c") + "报道")
        if cr is not None and cr.reporters:
            cr.form = "reported_by"
            return cr, m.end()
    return None


def paragraph_tail(text: str) -> tuple[str, Credit] | None:
    """Credits closing a paragraph after its last sentence: C3 bracketed, C5 bare,
    C6 attribution, C8 run-in byline. Returns (text without the credit, credit)."""
    m = _TAIL_BRACKET_RE.match(text)
    if m and m.group("body") and finished(m.group("body")):
        cr = parse_dated(m.group("c")) or parse_credit(m.group("c")) or parse_bare(m.group("c"))
        if cr is not None:
            cr.form = cr.form or "bracketed"
            return m.group("body").rstrip(), cr
    m = _TAIL_ATTRIBUTION_RE.match(text)
    if m:
        cr = parse_attribution(m.group("c"))
        if cr is not None:
            return m.group("body").rstrip(), cr
    m = re.match(r"^(?P<body>.*[。！？”])\s*■\s*(?P<c>(?:本报)?(?:记者|通讯员)?\s*[\u4e00-\u9fff]{2,4})\s*$", text)
    if m:                                            # '…蔚为壮观。 ■ 本报记者 朱玉东': the item's credit
        cr = parse_credit(m.group("c")) or parse_bare(m.group("c"))
        if cr is not None:
            cr.form = "bracketed"
            return m.group("body").rstrip(), cr
    m = re.match(r"^(?P<body>.*[。！？”])(?P<c>[\u4e00-\u9fff]{2,3}(?:\s+[\u4e00-\u9fff]{2,3}){0,2})\s*$", text)
    if m and " " in m.group("c") and all(looks_like_name(x) for x in m.group("c").split()):
        return m.group("body").rstrip(), Credit(reporters=m.group("c").split(), raw=m.group("c"), form="bracketed")
    got = parse_photo(text) if len(text) > 8 else None
    if got and got[0] and re.search(r"[。！？）)]$", got[0]):
        return got[0], got[1]
    m = _RUN_IN_RE.match(text)
    if m:
        cr = parse_credit(m.group("c").lstrip("■□ "))
        people = cr.reporters + cr.correspondents if cr is not None else []
        if people and all(looks_like_name(p) for p in people):
            cr.form = "run_in_byline"
            return m.group("body").rstrip(), cr
    return None


def line_credit(text: str) -> Credit | None:
    """Credits that fill a whole line: C1 boxed byline, C2 byline line, C3 bracketed,
    C5 bare, C6 attribution, C9 citation byline (caller handles C7 photo lines)."""
    t = text.strip()
    if t.startswith("□"):
        cr = parse_credit(t[1:], boxed=True)
        if cr is not None:
            cr.form = "boxed_byline"
        return cr
    if re.fullmatch(r"[（(][^（）()]{1,200}[）)]", t):
        cr = parse_dated(t[1:-1]) or parse_credit(t[1:-1]) or parse_bare(t[1:-1])
        if cr is not None:
            cr.form = cr.form or "bracketed"
        return cr
    cr = parse_attribution(t)
    if cr is not None:
        return cr
    cm = CITATION_RE.search(t)
    if cm:
        inner = (t[: cm.start()] + t[cm.end():]).strip()
        cr = (parse_credit(inner) or parse_bare(inner)) if inner else Credit()
        if cr is not None:
            cr.outlets = cr.outlets + [cm.group("pub")]
            cr.form = "citation_byline"
            return cr
    glued = re.fullmatch(r"[\u4e00-\u9fffA-Za-z/]{0,12}记者(?P<n>[\u4e00-\u9fff]{2,4})", t)
    if glued and looks_like_name(glued.group("n")):          # '东方早报记者宦艳红'
        cr = parse_credit(t)
        if cr is not None:
            cr.form = "byline_line"
            return cr
    if len(t) <= 40 and re.match(r"^[■□]?(?:本版)?[\u4e00-\u9fffA-Za-z/、\s]{0,24}?(?:记者|通讯员|主持人?|撰稿)(?:\s|$)", t):
        cr = parse_credit(t)
        if cr is not None and (cr.reporters or cr.correspondents or (cr.outlets and t.endswith("记者"))):
            cr.form = "byline_line"                  # '中共将乐县委通讯组 福建日报记者' credits a paper, no name
            return cr
    return None


# (id, name, where it stands, finder) — docs/page-grammar.md §Credits lists the same table.
CREDIT_FORMS: tuple[tuple[str, str, str, Callable], ...] = (
    ("C1", "boxed_byline", "line starting with □", line_credit),
    ("C2", "byline_line", "short line '…记者 NAME …'", line_credit),
    ("C3", "bracketed", "after a dateline, a paragraph's end or a line: '(…记者 NAME)'", after_dateline),
    ("C4", "reported_by", "after a dateline: '记者NAME报道：'", after_dateline),
    ("C5", "bare_name_or_source", "'(NAME)' with a known surname, or '(ORG)' ending in a media/agency word",
     parse_bare),
    ("C6", "attribution", "'据新华社' at a paragraph's end or on its own line", parse_attribution),
    ("C7", "photo", "'NAME 摄' / '记者 NAME 摄' at a caption's end or on its own line", parse_photo),
    ("C8", "run_in_byline", "'文/图 本报特派记者NAME 天津报道' after a paragraph's last sentence", paragraph_tail),
    ("C9", "citation_byline", "'本报记者 NAME《人民日报》（2025年01月05日第03版）'", line_credit),
    ("C10", "dated_credit", "'（新华社北京1月2日电 记者NAME、NAME）' closing an article: credit and date", parse_dated),
)
