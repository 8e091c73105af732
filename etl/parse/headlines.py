"""Headline roles (R8): the lines of one headline block (kicker 引题, title 主题,
subtitle 副题). Cues, first that applies wins: a column label (【短评】, ·短评·,
'冬季守护 | '); a piece ending with '——'; heading marks; a piece starting with
'——'; commas and couplets between two pieces; otherwise kicker/title/subtitle
by position. See docs/page-grammar.md, "Headline roles".
"""
from __future__ import annotations

import re

from etl.parse.lexicon import BARE_LABEL_RE, COLUMN_LABEL_RE, COMMENTARY_LABELS, PHOTO_ITEMS_RE, TITLE_TAG_RE
from etl.parse.records import Line
from etl.parse.text import chunks, couplet_cue, has_comma, strip_dashes, top_level_dash_split


def bare_label(t: str) -> str | None:
    """A line that is only a label: '[业界影响]', '【经验谈】', '·短评·', or a commentary word ('手记')."""
    m = BARE_LABEL_RE.match(t.strip())
    if m:
        return (m.group("a") or m.group("b")).strip()
    t = re.sub(r"^[○●◇◆■□]\s*|\s*[：:]$", "", t.strip())   # '○财富时评：'
    return t if is_commentary(t) or PHOTO_ITEMS_RE.match(t) else None


def is_commentary(label: str | None) -> bool:
    """A label of a separate commentary item: 短评, 记者手记, 财富时评, 人民时评 …"""
    return bool(label) and (label in COMMENTARY_LABELS or
                            bool(re.search(r"(?:时评|短评|手记|评论|点评|述评|快评|编后|观察)$", label) and len(label) <= 8))


def column_label(t: str) -> tuple[str, str] | None:
    """'【治国理政新实践﹒山东篇】多视角…' -> ('治国理政新实践﹒山东篇', '多视角…')."""
    m = COLUMN_LABEL_RE.match(t)
    if not m:
        return None
    label = next(g for g in (m.group("a"), m.group("b"), m.group("c"), m.group("d")) if g)
    rest = m.group("rest").strip()
    return (label.strip(), rest) if len(rest) >= 2 else None


def assign_roles(lines: list[Line]) -> dict:
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
    label = None
    orig = list(lines)
    if len(lines) > 1 and bare_label(lines[0].text):   # '手记' / '提价合理性不妨公开晒晒'
        label, lines = bare_label(lines[0].text), lines[1:]
    for ln in lines:
        t = ln.text
        cl = column_label(t) if label is None and not pieces else None
        if cl:
            label, t = cl
        sp = top_level_dash_split(t) if not t.startswith("——") else None
        if sp:
            pieces.append({"text": sp[0] + "——", "level": ln.level, "no": ln})
            pieces.append({"text": sp[1], "level": ln.level, "no": ln})
        else:
            pieces.append({"text": t, "level": ln.level, "no": ln})
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
        return _strip_tag(_with_label(res, label, orig))
    k = len(pieces)
    t_idx = None
    for x, p in enumerate(pieces):
        if (p["text"].endswith("——") or p["text"].endswith(("：", ":"))) and x + 1 < k:
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

    def lines_of(ps: list[dict]) -> list[Line]:
        out: list[Line] = []
        for p in ps:
            if all(p["no"] is not x for x in out):
                out.append(p["no"])
        return out

    res["kicker"] = " ".join(strip_dashes(p["text"]).rstrip("：:") for p in pieces[:t_idx]) or None
    res["title"] = strip_dashes(pieces[t_idx]["text"]) or pieces[t_idx]["text"]
    res["subtitle"] = " ".join(strip_dashes(p["text"]) for p in pieces[t_idx + 1:]) or None
    res["level"] = pieces[t_idx]["level"]
    res["kicker_lines"] = lines_of(pieces[:t_idx])
    res["title_lines"] = lines_of([pieces[t_idx]])
    res["subtitle_lines"] = lines_of(pieces[t_idx + 1:])
    return _strip_tag(_with_label(res, label, orig))


def _strip_tag(res: dict) -> dict:
    """'着力提升农民工就业质量（人民时评）': the column tag in brackets is not part of the title."""
    m = TITLE_TAG_RE.match(res["title"] or "")
    if m:
        res["title"] = m.group("t")
    return res


def _with_label(res: dict, label: str | None, lines: list[Line]) -> dict:
    """A column label is the kicker unless the block prints one of its own ('[业界影响]' above
    '饶达：' / '减产影响…' labels a section of the page, not this headline)."""
    if label and res["kicker"] and bare_label(lines[0].text):
        return res
    if label:
        res["kicker"] = f"{label} {res['kicker']}" if res["kicker"] else label
        if all(x is not lines[0] for x in res["kicker_lines"]) and lines:
            res["kicker_lines"] = [lines[0]] + res["kicker_lines"]
    return res


