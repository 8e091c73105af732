"""Character-level helpers for the page parser (normalisation, markup, cues).

Everything here is a pure function of its arguments; nothing keeps state.
See docs/page-grammar.md for the grammar these helpers support.
"""
from __future__ import annotations

import re

# --------------------------------------------------------------------------
# Character classes
# --------------------------------------------------------------------------
IDEO = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# "CJK context": ideographs, CJK symbols & punctuation, full-width forms,
# curly quotes, em dash, ellipsis, middle dot.
CJK_CTX = IDEO + "\u3000-\u303f\uff00-\uffef\u2014\u2026\u2018\u2019\u201c\u201d\u00b7"
_CJK_CTX_RE = re.compile(f"[{CJK_CTX}]")
_IDEO_RE = re.compile(f"[{IDEO}]")

# Whitespace is dropped on both sides of clause punctuation and dashes, and on
# the inner side of quotes/brackets; the outer side of a quote/bracket keeps a
# space because in headlines it separates phrases ('“第一次” 《回眸》…').
FW_PUNCT = "，。、；：？！—…·"
OPENERS = "“‘（《〈「『【"
CLOSERS_FW = "”’）》〉」』】"
_SPACE_AROUND_PUNCT_RE = re.compile(r"\s*([" + re.escape(FW_PUNCT) + r"])\s*")
_SPACE_AFTER_OPENER_RE = re.compile(r"([" + re.escape(OPENERS) + r"])\s+")
_SPACE_BEFORE_CLOSER_RE = re.compile(r"\s+([" + re.escape(CLOSERS_FW) + r"])")

SENT_FINAL = "。！？!?…"
CLOSERS = "”’」』）)】》\"'"
COMMA_LIKE = "，,、；;：:"
CLAUSE_PUNCT_RE = re.compile(r"[，,；;。！？!?]")

ASCII_TO_FW = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
_HW_SYMBOLS = set("％＋／＝＠＆＃＜＞")
_SPACES = {"\u3000", "\u00a0", "\u2002", "\u2003", "\u2009", "\t"}
_ZERO_WIDTH = {"\u200b", "\ufeff", "\u200c", "\u200d"}

_ASCII_PUNCT_RE = re.compile(r"[,;:?!()]")
_DASH_RUN_RE = re.compile(rf"(?<=[{CJK_CTX}])\s*[-－─━—]{{2,}}|[-－─━—]{{2,}}\s*(?=[{CJK_CTX}])")


def is_cjk_ctx(ch: str) -> bool:
    return bool(ch) and bool(_CJK_CTX_RE.match(ch))


def has_ideograph(s: str) -> bool:
    return bool(_IDEO_RE.search(s))


def _fw_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for lo, hi in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A)):
        for o in range(lo, hi + 1):
            table[o] = chr(o - 0xFEE0)
    for ch in _HW_SYMBOLS:
        table[ord(ch)] = chr(ord(ch) - 0xFEE0)
    for ch in _SPACES:
        table.setdefault(ord(ch), " ")
    for ch in _ZERO_WIDTH:
        table.setdefault(ord(ch), None)
    return table


_FW_TABLE = _fw_table()


def fw_to_hw(s: str) -> str:
    """Full-width digits/latin/some symbols -> ASCII; exotic spaces -> ' '."""
    return s.translate(_FW_TABLE)


def _neighbour(s: str, i: int, step: int) -> str:
    """Nearest non-space character from position i in direction step."""
    j = i + step
    while 0 <= j < len(s) and s[j] == " ":
        j += step
    return s[j] if 0 <= j < len(s) else ""


def _convert_ascii_punct(s: str) -> str:
    """ASCII , ; : ? ! ( ) in Chinese context -> full-width.

    * , ; : ? ! convert when a neighbour (ignoring spaces) is CJK context and
      the character is not between two ASCII alphanumerics (1,000  12:30).
    * Parentheses are matched as pairs; a pair converts when its content holds
      an ideograph ((楼栋) -> （楼栋）, but 5(3+2)年 keeps ASCII).  Unpaired
      parentheses convert when a neighbour is CJK context.
    """
    if not _ASCII_PUNCT_RE.search(s):
        return s  # nothing to convert (most lines): skip the per-character pass
    chars = list(s)
    # parentheses
    stack: list[int] = []
    pairs: list[tuple[int, int]] = []
    for i, ch in enumerate(chars):
        if ch == "(":
            stack.append(i)
        elif ch == ")":
            if stack:
                pairs.append((stack.pop(), i))
            else:
                if is_cjk_ctx(_neighbour(s, i, -1)) or is_cjk_ctx(_neighbour(s, i, 1)):
                    chars[i] = "）"
    for i in stack:  # unmatched openers
        if is_cjk_ctx(_neighbour(s, i, -1)) or is_cjk_ctx(_neighbour(s, i, 1)):
            chars[i] = "（"
    for a, b in pairs:
        if has_ideograph(s[a + 1:b]):
            chars[a], chars[b] = "（", "）"
    for i, ch in enumerate(chars):
        if ch in ASCII_TO_FW:
            prev, nxt = _neighbour(s, i, -1), _neighbour(s, i, 1)
            if prev.isascii() and prev.isalnum() and nxt.isascii() and nxt.isalnum():
                continue
            if ch == ":" and nxt == "/":  # URL scheme
                continue
            if is_cjk_ctx(prev) or is_cjk_ctx(nxt):
                chars[i] = ASCII_TO_FW[ch]
    return "".join(chars)


def normalize(s: str) -> str:
    """Normalise one piece of text (a line or a joined paragraph).

    full-width digits/latin -> half-width; ASCII punctuation in CJK context ->
    full-width; dash runs next to CJK -> '——'; whitespace collapsed; spaces
    next to full-width punctuation removed.  '.' and '%' are never touched.
    """
    s = fw_to_hw(s)
    s = re.sub(r"\s+", " ", s).strip()
    if not s:
        return ""
    s = _convert_ascii_punct(s)
    s = _DASH_RUN_RE.sub("——", s)
    s = _SPACE_AROUND_PUNCT_RE.sub(r"\1", s)
    s = _SPACE_AFTER_OPENER_RE.sub(r"\1", s)
    s = _SPACE_BEFORE_CLOSER_RE.sub(r"\1", s)
    return s.strip()


# --------------------------------------------------------------------------
# Markdown-ish markup
# --------------------------------------------------------------------------
_HEADING_RE = re.compile(r"^(#{1,6})(?:\s+|(?=[^#\s]))(.*?)(?:\s+#+)?$")
_BULLET_RE = re.compile(r"^(?:[-*+]\s+|[•▪◦]\s*)(.+)$")


def strip_markup(raw: str) -> tuple[str, int, bool, bool, bool]:
    """Return (text, heading_level, is_bullet, opens_bold, closes_bold).

    Heading marks (#..######), blockquote '>', bullets ('- ', '* ', '+ ', '•')
    and bold/italic markers (** __) are removed; they are kept only as cues.
    """
    s = fw_to_hw(raw).strip()
    level = 0
    bullet = False
    s = re.sub(r"^>\s?", "", s)
    m = _HEADING_RE.match(s)
    if m:
        level = len(m.group(1))
        s = m.group(2).strip()
    if not s.startswith("**"):
        mb = _BULLET_RE.match(s)
        if mb:
            bullet = True
            s = mb.group(1).strip()
    opens = s.startswith("**") or s.startswith("__")
    closes = s.endswith("**") or s.endswith("__")
    s = s.replace("**", "").replace("__", "")
    if s.strip() in {"#", "-", "*", "---", "***", "___"} or re.fullmatch(r"[-*_=#\s]*", s):
        s = ""
    return s.strip(), level, bullet, opens, closes


# --------------------------------------------------------------------------
# Text predicates
# --------------------------------------------------------------------------
def core(s: str) -> str:
    """Letters/digits/ideographs only: the comparison key for duplicates."""
    return re.sub(r"[\W_]+", "", s)


def finished(t: str) -> bool:
    """True if the text ends a sentence (。！？… possibly followed by closers)."""
    t = t.rstrip()
    while t and t[-1] in CLOSERS:
        t = t[:-1]
    return bool(t) and t[-1] in SENT_FINAL


def has_comma(t: str) -> bool:
    return bool(re.search(r"[，,；;]", t))


def top_level_dash_split(t: str) -> tuple[str, str] | None:
    """Split 'kicker——title' at the last '——' not inside quotes/brackets."""
    depth = 0
    pos = -1
    i = 0
    openers, closers = "“‘《（(「『【", "”’》）)」』】"
    while i < len(t):
        ch = t[i]
        if ch in openers:
            depth += 1
        elif ch in closers:
            depth = max(0, depth - 1)
        elif ch == "—" and t.startswith("——", i) and depth == 0:
            pos = i
            while i + 1 < len(t) and t[i + 1] == "—":
                i += 1
        i += 1
    if pos <= 0:
        return None
    end = pos
    while end < len(t) and t[end] == "—":
        end += 1
    left, right = t[:pos].strip(), t[end:].strip()
    if len(left) >= 4 and len(right) >= 2:
        return left, right
    return None


def strip_dashes(t: str) -> str:
    return t.strip().strip("—").strip()


def chunks(t: str) -> list[str]:
    return [c for c in t.split(" ") if c]


def _dot_slogan(chunk: str) -> bool:
    parts = re.split(r"[·・•]", chunk)
    return len(parts) >= 2 and all(1 <= len(p) <= 6 and re.fullmatch(r"\w+", p) for p in parts)


def strong_banner_cue(t: str) -> bool:
    """Slogan shape: a '·'-separated chunk of short phrases (为民·靠民·惠民),
    or >=3 space-separated chunks none of which holds clause punctuation."""
    cs = chunks(t)
    if any(_dot_slogan(c) for c in cs):
        return True
    if len(cs) >= 3 and all(not re.search(r"[，,。；;：:！？]", c) and len(c) <= 16 for c in cs):
        return True
    return False


def couplet_cue(t: str) -> bool:
    """Two space-separated unpunctuated phrases of 2-8 chars (全民动员 人人参与)."""
    cs = chunks(t)
    return len(cs) == 2 and all(2 <= len(c) <= 8 and re.fullmatch(r"[\w“”]+", c) for c in cs)


def label_like(t: str, max_len: int = 16) -> bool:
    """A short unpunctuated label (picture label, call-out box label)."""
    return 0 < len(t) <= max_len and bool(re.fullmatch(r"[\w·“”《》\s]+", t))
