"""Rule R6: the context-free kind of every line that is not chrome.

:data:`LINE_RULES` is tried in order; the first rule that returns a kind wins.
R6.9 then looks at neighbours for caption clusters (a photo credit on its own
line makes the line above it a caption; a short sentence right under a caption
is a caption too).
"""
from __future__ import annotations

import re
from collections.abc import Callable

from etl.parse.credits import line_credit, parse_photo, parse_supplied
from etl.parse.lexicon import (
    BRIEF_MARK_RE,
    CAPTION_RE,
    DATELINE_RE,
    LATIN_FRAGMENT_RE,
    MARKER_DOWN_FULL_RE,
    MARKER_UP_START_RE,
    NUMBERED_BRIEF_RE,
    PICTURE_LABEL_RE,
    REPORTED_LEAD_RE,
    looks_like_name,
)
from etl.parse.records import Credit, Line
from etl.parse.text import finished

BOX_LABEL_MAX = 8          # '■ 名词解释': a sidebar heading, not a caption
CAPTION_CLUSTER_MAX = 30   # a short sentence right under a caption is a caption
CAPTION_LINE_MAX = 60      # the line above a photo-credit line is its caption
CAPTION_TEXT_MAX = 200     # a longer line ending in 'NAME 摄' is body with a photo credit inside
NUMBERED_BRIEFS_MIN = 3    # '1.…' '2.…' '3.…' paragraphs under a heading: a column of numbered briefs
BRIEF_MIN = 30             # a marked line at least this long with a sentence is a brief, not a caption


def kind_noise(ln: Line) -> str | None:
    """Empty after markup, or a short fragment with no Chinese ('dlrb', a stray backslash)."""
    return "noise" if not ln.text or LATIN_FRAGMENT_RE.match(ln.text) else None


def kind_photo_credit(ln: Line) -> str | None:
    got = parse_photo(ln.text)
    if got and not got[0]:
        ln.credit = got[1]
        return "photo_credit"
    cr = parse_supplied(ln.text)
    if cr is not None:
        ln.credit = cr
        return "photo_credit"
    return None


def kind_caption(ln: Line) -> str | None:
    if BRIEF_MARK_RE.match(ln.text) and len(ln.text) > BRIEF_MIN and re.search(r"[。！？]", ln.text) and \
            parse_photo(ln.text) is None:
        return "brief"                                 # '△联席会议制度已在我省全面实行。…': a brief of its own
    if CAPTION_RE.match(ln.text):
        rest = CAPTION_RE.sub("", ln.text)
        cr = line_credit(rest)
        if cr is not None and not cr.empty():            # '■ 本报记者 贾新伟': a credit marked like a caption
            ln.credit = cr
            return "byline" if cr.form in ("byline_line", "boxed_byline", "citation_byline") else "credit"
        if len(rest) <= BOX_LABEL_MAX and not re.search(r"[，。；：！？,.;:!?]", rest):
            return "box_label"
        got = parse_photo(rest)
        if got:
            ln.credit = got[1]
        return "caption"
    if PICTURE_LABEL_RE.match(ln.text):                 # '大图：收割机在田间收割小麦。'
        return "caption"
    got = parse_photo(ln.text) if len(ln.text) <= CAPTION_TEXT_MAX and not DATELINE_RE.match(ln.text) else None
    if got and got[0] and finished(re.sub(r"\s*[（(][^（）()]*[）)]\s*$", "", got[0])):
        ln.credit = got[1]
        return "caption"
    return None


def kind_bullet(ln: Line) -> str | None:
    return "bullet" if ln.bullet else None


def kind_marker(ln: Line) -> str | None:
    if MARKER_DOWN_FULL_RE.match(ln.text):
        return "marker_down"
    if MARKER_UP_START_RE.match(ln.text):
        rest = MARKER_UP_START_RE.sub("", ln.text, count=1)
        return "up_start" if rest.strip() else "marker_up"
    return None


def kind_credit(ln: Line) -> str | None:
    cr: Credit | None = line_credit(ln.text)
    if cr is None:
        return None
    ln.credit = cr
    if cr.form == "attribution":
        return "attribution"
    if cr.form in ("bracketed", "bare_name_or_source", "dated_credit"):
        return "credit"
    return "byline"


def kind_dateline(ln: Line) -> str | None:
    return "dateline" if DATELINE_RE.match(ln.text) or REPORTED_LEAD_RE.match(ln.text) else None


LINE_RULES: tuple[tuple[str, str, Callable[[Line], str | None]], ...] = (
    ("R6.1", "noise", kind_noise),
    ("R6.2", "photo_credit", kind_photo_credit),
    ("R6.3", "caption", kind_caption),
    ("R6.4", "bullet", kind_bullet),
    ("R6.5", "continuation_marker", kind_marker),
    ("R6.6", "credit", kind_credit),
    ("R6.7", "dateline", kind_dateline),
)


def _names_only(ln: Line) -> bool:
    toks = ln.text.split()
    return 1 <= len(toks) <= 3 and all(looks_like_name(t) for t in toks)


def classify_lines(lines: list[Line]) -> None:
    """R6: set ``ln.kind`` for every non-chrome line, then R6.9 caption clusters."""
    seq = [ln for ln in lines if not ln.blank and not ln.chrome]
    for ln in seq:
        ln.kind = "text"
        for _rid, _name, rule in LINE_RULES:
            kind = rule(ln)
            if kind:
                ln.kind = kind
                break
    # R6.9 caption clusters; a lone bullet above body text is a headline ('  • 春运首日发送旅客6.22万人次');
    # a line of one to three bare names right under a headline is its byline ('我当民工报道员' / '牛图')
    for i, ln in enumerate(seq):
        prev = seq[i - 1] if i else None
        names = ln.text.split()
        nxt = seq[i + 1] if i + 1 < len(seq) else None
        if ln.kind == "text" and prev is not None and (prev.kind == "bullet" or head_like(prev)) and \
                not _names_only(prev) and nxt is not None and not _names_only(nxt) and \
                1 <= len(names) <= 3 and all(looks_like_name(n) for n in names):
            ln.kind, ln.credit = "byline", Credit(reporters=names, raw=ln.text, form="byline_line")
    _numbered_briefs(seq)
    for i, ln in enumerate(seq):
        prev = seq[i - 1] if i else None
        nxt = seq[i + 1] if i + 1 < len(seq) else None
        if ln.kind == "bullet" and (prev is None or prev.kind != "bullet") and nxt is not None and \
                nxt.kind in ("text", "dateline", "byline") and not finished(ln.text) and len(ln.text) <= CAPTION_LINE_MAX:
            ln.kind, ln.bullet, ln.gap = "text", False, True   # it starts an item, like an index title
            continue
        if ln.kind == "photo_credit" and prev is not None:
            if prev.kind == "text" and len(prev.text) <= CAPTION_LINE_MAX:
                prev.kind = "caption"
            if prev.kind == "caption":
                prev.credit = prev.credit or ln.credit
        elif ln.kind == "text" and prev is not None and prev.kind == "caption" and \
                len(ln.text) <= CAPTION_CLUSTER_MAX and finished(ln.text) and ln.no - prev.no <= 2:
            ln.kind = "caption"


def _numbered_briefs(seq: list[Line]) -> None:
    """R6.9 '1.近日，…。' / '2.…。' / '3.…。' right under a heading (no paragraph before the list):
    numbered briefs of a news column (本地新闻, 简讯), each an untitled item. Numbered points inside a
    story follow its lead paragraph and stay body."""
    i = 0
    while i < len(seq):
        run: list[Line] = []
        j = i
        while j < len(seq):
            m = NUMBERED_BRIEF_RE.match(seq[j].text)
            if not (m and int(m.group(1)) == len(run) + 1 and seq[j].kind == "text" and
                    len(seq[j].text) > BRIEF_MIN and re.search(r"[。！？]", seq[j].text)):
                break
            run.append(seq[j])
            j += 1
        prev = seq[i - 1] if i else None
        if len(run) >= NUMBERED_BRIEFS_MIN and (prev is None or head_like(prev)):
            for ln in run:
                ln.kind = "brief"
        i = max(j, i + 1)


HEAD_MAX_LEN = 100          # longest line that can still be a headline line
NUMBERED_HEAD_MAX = 200     # ... a numbered index item ('1. 引题 主题 副题')
COLON_HEAD_MAX = 20         # '周口市开发区公用事业局：' above its title: a short line may end with a colon
SENTENCE_LINE_MIN = 60      # an unmarked line longer than this with two commas is a sentence, not a headline
SECTION_HEAD_MAX_LEN = 20   # longest unmarked in-article section head


def head_like(ln: Line) -> bool:
    """Could be a headline line: a text line of at most HEAD_MAX_LEN characters that is
    not a finished sentence, does not end with a comma (a short one may end with a
    colon), does not start with closing punctuation; unmarked lines hold no '。'."""
    t = ln.text
    if ln.kind != "text" or not t or len(t) > (NUMBERED_HEAD_MAX if ln.numbered else HEAD_MAX_LEN) or finished(t):
        return False
    if t[-1] in "，,、；;" or (t[-1] in "：:" and len(t) > COLON_HEAD_MAX):
        return False
    if t[0] in "，。、；：？！”’）》,.;:?!)":
        return False
    if ln.level == 0 and not ln.numbered and len(t) > SENTENCE_LINE_MIN and len(re.findall(r"[，,]", t)) >= 2 and \
            not re.search(r"\s|——", t):
        return False              # a paragraph cut short (a stored excerpt's last line); stacked decks keep their spaces
    return not (ln.level == 0 and "。" in t)


def section_head_like(ln: Line) -> bool:
    return len(ln.text) <= SECTION_HEAD_MAX_LEN and not re.search(r"[，,；;。]", ln.text)
