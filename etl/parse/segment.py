"""Rules R1 and R4: input lines, and segments of lines that hold two things.

R1 reads the text into :class:`Line` records (markup stripped, normalised) and
marks a YAML front matter block. R4 splits a line where the genre glues two
parts together: a title and its lead separated by a wide gap, a trailing
credit followed by captions, a headline glued to the end of an editor's note,
a dateline after a restated headline, an edition prefix. Each split rule is an
entry of :data:`SPLIT_RULES`, tried in order on every line that is not chrome.
"""
from __future__ import annotations

import re
from collections.abc import Callable

from etl.parse.chrome import MEDIA_WORD_RE, PUB_NAME_RE
from etl.parse.credits import line_credit
from etl.parse.lexicon import (
    DATELINE_RE,
    EDITION_PREFIX_RE,
    EDITOR_LINE_RE,
    INNER_DATELINE_RE,
)
from etl.parse.records import Line
from etl.parse.text import SENT_FINAL, core, normalize, strip_markup

FRONT_MATTER_MAX = 60      # lines scanned for the closing '---' of a front matter block
GAP_RE = re.compile(r"(?<=\S)[ \u3000\u00a0\u2002\u2003\t]{3,}(?=\S)")
GAP_TITLE_MAX = 80         # longest title part of a 'title   lead' line
INNER_PREFIX_MAX = 160     # longest headline text restated before a dateline on one line
GLUED_HEAD_MAX = 30        # longest headline glued after the last sentence of a paragraph
NUMBERED_TITLE_MAX = 200   # '1. 引题 主题 副题' of a whole-issue index runs long
_INNER_CREDIT_RE = re.compile(r"(?<=[。！？!?”])\s*[（(](?P<credit>[^（）()]{2,40}记者[^（）()]{0,20})[）)]\s*(?=\S)")
_INNER_EDITOR_RE = re.compile(r"\s+(?=(?:责任编辑|编辑|责编)\s*[:：])|(?<=报道)(?=来源\s*[:：])|"
                              r"(?<=[。！？”])\s*(?=(?:来源|编辑|责编)\s*[:：][^。]{0,40}(?:编辑|责编|审校|主编)\s*[:：])")
_HTML_BREAK_RE = re.compile(r"\s*<br\s*/?>\s*", re.I)
_ARCHIVE_BYLINE_RE = re.compile(r"(?<=\s)(?P<b>本报(?:特约)?记者\s+[\u4e00-\u9fff]{2,3}(?:\s+[\u4e00-\u9fff]{2,3}){0,2})\s+(?=\S)")
_PAPER_DATE_TAIL_RE = re.compile(r"\s+(?P<tail>(?P<pub>[\u4e00-\u9fffA-Za-z0-9]{2,12})\s*(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*$")
_BYLINE_FORMS = ("byline_line", "boxed_byline")
_NUMBERED_RE = re.compile(r"^(\d{1,2})\s*[.．、]\s*(\S.*)$")
LONG_LINE = 10_000          # longer input lines are cut at sentence ends (R1, _long_line_pieces)


def make_line(no: int, raw: str, bold_open: bool = False) -> tuple[Line, bool, bool]:
    t, level, bullet, opens, closes = strip_markup(raw)
    ln = Line(no=no, raw=raw, text=normalize(t), level=level, bullet=bullet, bold=bold_open or opens)
    return ln, opens, closes


def read_lines(text: str) -> tuple[list[Line], dict[str, str]]:
    """R1: one :class:`Line` per input line; a leading ``---`` … ``---`` block is front matter."""
    raw_lines = text.splitlines()
    lines: list[Line] = []
    bold_open = False
    for no, raw in enumerate(raw_lines):
        ln, opens, closes = make_line(no, raw, bold_open)
        if opens and not closes:
            bold_open = True
        elif closes:
            bold_open = False
        lines.append(ln)
    front: dict[str, str] = {}
    nonblank = [ln for ln in lines if not ln.blank]
    if nonblank and nonblank[0].raw.strip() == "---":
        start = nonblank[0].no
        end = next((ln.no for ln in lines[start + 1: start + FRONT_MATTER_MAX] if ln.raw.strip() == "---"), None)
        if end is not None:
            for ln in lines[start: end + 1]:
                ln.chrome = "front_matter"
                m = re.match(r"^\s*([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$", ln.raw)
                if m:
                    front[m.group(1)] = m.group(2).strip().strip('"').strip("'")
    if any(len(ln.raw) > LONG_LINE for ln in lines):
        lines = [seg for ln in lines for seg in _long_line_pieces(ln)]
    return lines, front


def _long_line_pieces(ln: Line) -> list[Line]:
    """A line longer than LONG_LINE as pieces cut after a sentence end (。！？) every LONG_LINE chars or
    so, each a Line of the same input line number (as R4 segments are). Real lines are under 1,000
    chars; a longer one is a page whose line breaks were lost, and R4, which re-reads what is left of
    a line after each split, would cost O(splits x line) on it: on pieces it is linear in the page."""
    raw = ln.raw
    if len(raw) <= LONG_LINE or ln.chrome:
        return [ln]
    cuts, start = [], 0
    while len(raw) - start > LONG_LINE:
        cut = max(raw.rfind(ch, start, start + LONG_LINE) for ch in "。！？")
        if cut < 0:  # no sentence end in the window: the next one after it, if any
            cut = min((i for i in (raw.find(ch, start + LONG_LINE) for ch in "。！？") if i >= 0), default=-1)
            if cut < 0:
                break
        cuts.append(cut + 1)
        start = cut + 1
    if not cuts:
        return [ln]
    bounds = [0, *cuts, len(raw)]
    pieces = [raw[a:b] for a, b in zip(bounds, bounds[1:]) if raw[a:b].strip()]
    out = [make_line(ln.no, pieces[0], ln.bold)[0]]
    out += [_segment(ln, piece) for piece in pieces[1:]]
    return out


def _segment(ln: Line, raw: str, **flags) -> Line:
    seg, _, _ = make_line(ln.no, raw)
    seg.bold = ln.bold if not seg.level else seg.bold
    for k, v in flags.items():
        setattr(seg, k, v)
    return seg


def _headish(t: str, limit: int) -> bool:
    return bool(t) and len(t) <= limit and not re.search(r"[。！？!?]", t)


# ------------------------------------------------------------------ split rules
def split_html_break(ln: Line, nxt: Line | None) -> list[Line] | None:
    """R4.0 a crawler left HTML line breaks ('…<br/>专栏:<br/>…') in one text line."""
    if not _HTML_BREAK_RE.search(ln.raw):
        return None
    return [_segment(ln, part) for part in _HTML_BREAK_RE.split(ln.raw.strip()) if part.strip()]


def split_wide_gap(ln: Line, nxt: Line | None) -> list[Line] | None:
    """R4.1 'title   lead': a short headline, three or more spaces, then its first paragraph."""
    m = GAP_RE.search(ln.raw.strip())
    if not m:
        return None
    raw = ln.raw.strip()
    left, right = raw[: m.start()], raw[m.end():]
    lt, rt = normalize(strip_markup(left)[0]), normalize(strip_markup(right)[0])
    if lt.endswith(("，", "、")):
        return None
    cr = line_credit(rt)
    if (rt.startswith("□") or (cr is not None and cr.form in _BYLINE_FORMS and cr.reporters)) and \
            len(lt) <= GAP_TITLE_MAX and "。" not in lt:       # a title may exclaim ('鲁豫“牵手”!…')
        return [_segment(ln, left, gap=True), _segment(ln, right)]   # 'title   记者 王瑞超': the byline beside the title
    if not _headish(lt, GAP_TITLE_MAX):
        return None
    if len(core(rt)) < 8:
        return None
    return [_segment(ln, left, gap=True), _segment(ln, right, lead=True)]


def split_inner_credit(ln: Line, nxt: Line | None) -> list[Line] | None:
    """R4.2 a bracketed credit closing an article, with photo captions run on after it."""
    m = _INNER_CREDIT_RE.search(ln.text)
    if not m:
        return None
    return [_segment(ln, ln.text[: m.end()].rstrip()), _segment(ln, ln.text[m.end():])]


def split_inner_editor(ln: Line, nxt: Line | None) -> list[Line] | None:
    """R4.3 an editor line ('责任编辑：…') run on after the last sentence."""
    m = _INNER_EDITOR_RE.search(ln.text)
    if not m or m.start() == 0 or not (EDITOR_LINE_RE.match(ln.text[m.end():]) or
                                       re.match(r"来源\s*[:：]", ln.text[m.end():])):
        return None
    return [_segment(ln, ln.text[: m.start()]), _segment(ln, ln.text[m.end():])]


def split_glued_headline(ln: Line, nxt: Line | None) -> list[Line] | None:
    """R4.4 a headline glued to the end of the previous paragraph, right above a dateline."""
    if nxt is None or not DATELINE_RE.match(nxt.text) or ln.bullet or re.match(r"^[■□▲●◆]", ln.text):
        return None                                   # a summary point ('■…') is not a paragraph with a glued headline
    t = ln.text
    cut = max(t.rfind(ch) for ch in SENT_FINAL)
    if cut <= 0 or cut >= len(t) - 1:
        return None
    tail = t[cut + 1:].strip()
    if not (4 <= len(tail) <= GLUED_HEAD_MAX) or re.search(r"[，,；;：:。！？!?、]", tail):
        return None
    return [_segment(ln, t[: cut + 1], chrome=ln.chrome), _segment(ln, tail)]


def split_inner_dateline(ln: Line, nxt: Line | None) -> list[Line] | None:
    """R4.5 '<edition prefix> <restated headline> 新华社北京4月8日电 <body>' on one line."""
    t = ln.text
    m = next((x for x in INNER_DATELINE_RE.finditer(t) if x.start() > 0), None)
    if m is None or t[: m.start()].rstrip().endswith(("（", "(", "【")):
        return None                                   # a dated credit in brackets is not a dateline
    prefix = t[: m.start()].strip()
    if ln.chrome == "editor_note":                    # '编者按：… 本报记者X报道：…' on one line
        return [_segment(ln, prefix, chrome="editor_note"), _segment(ln, t[m.start():])]
    pm = EDITION_PREFIX_RE.match(prefix)
    head = prefix[pm.end():].strip() if pm else prefix
    # after an archive's edition prefix the whole stretch before the dateline is the item's headline and deck
    if head and not (_headish(head, INNER_PREFIX_MAX) or (pm and len(head) <= 2 * INNER_PREFIX_MAX)):
        return None
    out = []
    if pm:
        out.append(_segment(ln, pm.group(0).strip(), chrome="edition_list"))
    if head:
        out.append(_segment(ln, head))
    out.append(_segment(ln, t[m.start():]))
    return out


def split_edition_prefix(ln: Line, nxt: Line | None) -> list[Line] | None:
    """R4.6 an archive's '第1版(要闻)专栏：' prefix in front of an item's text."""
    m = EDITION_PREFIX_RE.match(ln.text)
    if not m or m.end() >= len(ln.text):
        return None
    rest = ln.text[m.end():]
    bm = _ARCHIVE_BYLINE_RE.search(" " + rest)
    if bm and bm.start() > 1:    # '第1版(要闻)专栏: <headline> 本报记者 韩钟昆 <body>': the byline between them
        s0, s1 = bm.start() - 1, bm.end() - 1
        return [_segment(ln, m.group(0).strip(), chrome="edition_list"), _segment(ln, rest[:s0]),
                _segment(ln, bm.group("b")), _segment(ln, rest[s1:])]
    return [_segment(ln, m.group(0).strip(), chrome="edition_list"), _segment(ln, rest)]


def split_numbered(ln: Line, nxt: Line | None) -> list[Line] | None:
    """R4.7 '1. headline': a numbered item of an index is a headline."""
    m = _NUMBERED_RE.match(ln.text)
    if not m or not _headish(m.group(2), NUMBERED_TITLE_MAX) or m.group(2).endswith(("，", "：")):
        return None
    return [_segment(ln, m.group(2), numbered=True)]


def split_paper_date_tail(ln: Line, nxt: Line | None) -> list[Line] | None:
    """R4.8 'headline 烟台晚报 2023年08月09日': an e-paper prints its paper and date on the headline line."""
    m = _PAPER_DATE_TAIL_RE.search(ln.text)
    if not m or not (PUB_NAME_RE.match(m.group("pub")) and MEDIA_WORD_RE.search(m.group("pub"))):
        return None
    head = ln.text[: m.start()].strip()
    if not _headish(head, GAP_TITLE_MAX):
        return None
    return [_segment(ln, head), _segment(ln, m.group("tail"))]


SPLIT_RULES: tuple[tuple[str, str, Callable[[Line, Line | None], list[Line] | None]], ...] = (
    ("R4.0", "html_break", split_html_break),
    ("R4.1", "wide_gap", split_wide_gap),
    ("R4.2", "inner_credit", split_inner_credit),
    ("R4.3", "inner_editor", split_inner_editor),
    ("R4.4", "glued_headline", split_glued_headline),
    ("R4.5", "inner_dateline", split_inner_dateline),
    ("R4.6", "edition_prefix", split_edition_prefix),
    ("R4.7", "numbered", split_numbered),
    ("R4.8", "paper_date_tail", split_paper_date_tail),
)


def split_lines(lines: list[Line], classify: Callable[[Line], None]) -> list[Line]:
    """R4: apply :data:`SPLIT_RULES` until no line splits; new segments are chrome-classified."""
    out: list[Line] = []
    todo = list(lines)
    i = 0
    while i < len(todo):
        ln = todo[i]
        if ln.blank or (ln.chrome and ln.chrome != "editor_note") or not ln.text:
            out.append(ln)
            i += 1
            continue
        nxt = next((x for x in todo[i + 1:] if not x.blank and x.text), None)
        rules = SPLIT_RULES if not ln.chrome else [r for r in SPLIT_RULES if r[1] in ("glued_headline", "inner_dateline")]
        for _rid, _name, rule in rules:
            parts = rule(ln, nxt)
            if parts and (len(parts) > 1 or parts[0].text != ln.text or parts[0].numbered):
                for p in parts:
                    if p.chrome is None:
                        classify(p)
                todo[i: i + 1] = [p for p in parts if p.text]
                break
        else:
            out.append(ln)
            i += 1
            continue
        # re-examine the first new segment (it may split again), unless it was produced unchanged
        if todo[i].numbered or todo[i].chrome or todo[i].gap:
            out.append(todo[i])
            i += 1
    return out

