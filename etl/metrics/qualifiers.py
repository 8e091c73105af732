"""Qualifier words adjacent to a quantity (``docs/metrics.md``, "Qualifier vocabulary")."""

from __future__ import annotations

from etl.numerals import PREFIX_QUALIFIERS, SUFFIX_QUALIFIERS

_PREFIX_Q = sorted(PREFIX_QUALIFIERS, key=len, reverse=True)
# characters that, directly before a one-char qualifier, make it part of another word
_Q_GUARD = {
    "近": set("最附接将临邻亲贴"),
    "约": set("节签合预制公条契婚违履"),
    "达": set("到抵下表传发送通转直雷高多"),
    "超": set("高赶"),
    "共": set("公总一"),
    "仅": set(),
    "逾": set(),
}


def prefix_qualifiers(text: str, start: int) -> tuple[list[str], int]:
    """Up to two qualifiers directly before ``start`` (nearest first) and where the first of them starts."""
    quals: list[str] = []
    pos = start
    for _ in range(2):
        found = None
        for q in _PREFIX_Q:
            if pos - len(q) >= 0 and text.startswith(q, pos - len(q)):
                if len(q) == 1 and q in _Q_GUARD:
                    prev = text[pos - 2] if pos - 2 >= 0 else ""
                    if prev in _Q_GUARD[q]:
                        continue
                found = q
                break
        if not found:
            break
        quals.append(found)
        pos -= len(found)
    return quals, pos


def suffix_qualifier(text: str, end: int, kind: str) -> tuple[str | None, int]:
    """The qualifier directly after ``end`` (以上, 左右 …; 多/余 after a duration) and where it ends."""
    for q in SUFFIX_QUALIFIERS:
        if text.startswith(q, end):
            nxt = text[end + len(q): end + len(q) + 2]
            if q == "上下" and nxt[:1] in ("游", "级", "班", "文", "楼", "联", "一"):
                continue
            if q == "以下" and (nxt.startswith("简") or nxt[:1] in "几方"):
                continue
            return q, end + len(q)
    if kind == "duration" and end < len(text) and text[end] in "多余":
        return text[end], end + 1
    return None, end
