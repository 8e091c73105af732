"""Extract every quantity an article quotes (number + unit) from Chinese news text.

Entry points: :func:`extract_metrics`, :func:`extract_metrics_many` (batch,
the one the pipeline calls) and :func:`parse_number` (re-exported from
:mod:`etl.numerals`).  See ``docs/metrics.md`` for the rules, the unit /
conversion table and the measured precision / recall on the seed pages.

Design in one paragraph: a hand-written scanner finds numerals (Arabic,
full-width, Chinese, mixed, ranges, approximate pairs), then requires a unit
or classifier from :data:`UNITS` right after the numeral.  A numeral without a
unit is never a metric (this alone drops 12345, 5G, 青农1931, 两会, 一带一路,
十四五 …).  Candidates are then filtered (calendar dates, ordinals with 第,
names in short quotes / 《》 titles, numerals embedded in jieba dictionary
words such as 统一/唯一/一把手, the indefinite article 一个/一名/一次, vague
bare magnitudes 百年/千家) and enriched with qualifiers and a measure noun
phrase obtained from ``jieba.posseg`` (the default, global tokenizer, so a
user dictionary loaded by the caller is honoured).
"""

from __future__ import annotations

import bisect
import logging
import re
import threading
from dataclasses import dataclass

import jieba.posseg as pseg

from etl.numerals import (
    ARABIC_CHARS,
    CN_RUN_CHARS,
    PREFIX_QUALIFIERS,
    SUFFIX_QUALIFIERS,
    NumeralScan,
    parse_number,
    scan_numeral,
)
from etl.outlets import to_simplified

__all__ = ["Metric", "extract_metrics", "extract_metrics_many", "parse_number", "UNITS"]

log = logging.getLogger(__name__)


@dataclass
class Metric:
    start: int                 # char offset of ``surface`` in the input text
    end: int
    surface: str               # == text[start:end]: numeral + unit (余/多 inside included)
    value: float               # normalised value in the written unit (magnitude applied)
    value_high: float | None   # upper bound for ranges (一至两个, 两三个)
    unit: str | None           # unit as written, without magnitude (万亩 -> 亩)
    unit_kind: str             # count|money|percent|area|weight|length|duration|volume|other
    value_base: float | None   # value converted to base_unit (see docs/metrics.md)
    base_unit: str | None
    qualifier: str | None      # primary qualifier (controlled vocabulary, see docs)
    measure: str | None        # what is counted / measured (noun phrase)
    sentence: str              # sentence (split on 。！？；\n) containing the surface
    # --- extra fields -------------------------------------------------------
    value_high_base: float | None = None
    qualifiers: tuple[str, ...] = ()   # every qualifier found, nearest first
    qstart: int = -1           # span including adjacent qualifier words (近百万元, 29亿斤以上)
    qend: int = -1
    numeral: str = ""          # numeral part of the surface
    sentence_start: int = -1   # offset of ``sentence`` in the text
    unit_printed: str | None = None   # unit as printed, magnitude kept (7000余万元 -> 万元)


# ---------------------------------------------------------------------------
# unit table
# ---------------------------------------------------------------------------
# surface -> (unit as reported, kind, factor to base unit, base unit, measure override)
_U = tuple[str, str, float | None, str | None, str | None]
UNITS: dict[str, _U] = {}


def _add(kind: str, base: str | None, entries: dict[str, float | None], unit_map: dict[str, str] | None = None):
    for surf, factor in entries.items():
        unit = (unit_map or {}).get(surf, surf)
        UNITS[surf] = (unit, kind, factor, base if factor is not None else None, None)


_add("money", "元", {"元": 1.0})
_add("money", None, {"美元": None, "欧元": None, "日元": None, "港元": None, "英镑": None,
                     "卢布": None, "韩元": None})
_add("percent", "%", {"%": 1.0, "％": 1.0, "个百分点": 1.0, "‰": 0.1},
     {"％": "%"})
_add("area", "平方米", {"平方公里": 1e6, "平方千米": 1e6, "平方米": 1.0, "平米": 1.0, "㎡": 1.0,
                      "公顷": 1e4, "亩": 666.67})
_add("weight", "公斤", {"公斤": 1.0, "千克": 1.0, "斤": 0.5, "吨": 1000.0, "克": 0.001})
_add("length", "米", {"公里": 1000.0, "千米": 1000.0, "米": 1.0, "厘米": 0.01, "毫米": 0.001,
                     "海里": 1852.0})
_add("volume", "立方米", {"立方米": 1.0, "升": 0.001})
_add("duration", "天", {"年": 365.0, "个月": 30.0, "周": 7.0, "天": 1.0, "个工作日": 1.0,
                       "工作日": 1.0, "小时": 1 / 24, "个小时": 1 / 24, "分钟": 1 / 1440})
_add("count", None, {u: None for u in (
    "人次 台次 架次 车次 班次 批次 场次 户次 部门 方面 "
    "个 家 名 位 人 户 条 项 件 套 列 单 幅 次 处 栋 幢 部 座 所 支 批 组 场 台 辆 艘 只 "
    "头 棵 株 本 册 篇 份 种 类 间 张 块 床 门 节 趟 轮 层 起 宗 笔 片 根 架 颗 盏 单位"
).split()})
_add("other", None, {"倍": None, "岁": None, "千瓦时": None, "千瓦": None, "兆瓦": None,
                     "标准箱": None, "标箱": None})
# counts keep their value as base (base_unit None documented)
UNITS["个工作日"] = ("个", "duration", 1.0, "天", "工作日")
UNITS["工作日"] = ("工作日", "duration", 1.0, "天", None)
# 成 (tenths, 八成 = 80%) only after Chinese numerals, see _match_unit
_CHENG = ("成", "percent", 10.0, "%", None)

# unit-like words that make the number a date / name, never a metric
_NON_METRIC_AFTER = ("周年", "年代", "年级", "年度", "单元", "年底", "年初", "年末", "月份",
                     "世纪", "号", "届", "期")
_UNIT_KEYS = sorted(UNITS, key=len, reverse=True)
_CHENG_BAD_NEXT = set("为员本果立功绩效交长熟型都品就")

_SENT_DELIMS = set("。！？；!?;\n")
_SENT_DELIM_RE = re.compile("[" + re.escape("".join(sorted(_SENT_DELIMS))) + "]")
# A "sentence" longer than this (a page printed without 。/newlines) is not stored whole with every
# quantity in it: the quantity keeps SENTENCE_WINDOW chars either side (see docs/big-pages.md).
# The longest sentence holding a quantity on the seed and test pages is 235 chars.
MAX_SENTENCE_CHARS = 1000
SENTENCE_WINDOW = 200
_WS = " \t\u3000\r\n\xa0"

_NOUNISH = {"n", "nr", "ns", "nt", "nz", "ng", "nrt", "nrfg", "vn", "an", "j", "l", "eng", "zg"}
_FWD_CONT = _NOUNISH | {"v", "a", "b", "p", "q", "d", "vd", "s", "t"}
_PHRASE_STOP_WORDS = {"全部", "全面", "均", "都", "已", "等", "共", "各", "分别", "现场", "之内", "以来"}
_FWD_STOP = {"x", "uj", "ul", "uz", "ug", "c", "r", "m", "y", "e", "o", "w", "f"}
_NOMINAL_SUFFIX = set("率量额值数比价")

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
_NAME_SUFFIX_AFTER_DURATION = ("攻坚行动", "攻坚战", "行动计划", "行动", "规划", "计划", "攻坚")


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
_local = threading.local()


def _cache() -> dict:
    c = getattr(_local, "tok_cache", None)
    if c is None:
        c = _local.tok_cache = {}
    return c


def _tokens(s: str) -> list[tuple[str, str, int, int]]:
    """jieba.posseg tokens with offsets (default global tokenizer, user dict honoured)."""

    def _do(s: str):
        out = []
        pos = 0
        for w in pseg.cut(s):
            word, flag = w.word, w.flag
            if not word:
                continue
            idx = s.find(word, pos)
            if idx < 0:  # should not happen; stay robust
                continue
            out.append((word, flag, idx, idx + len(word)))
            pos = idx + len(word)
        return out

    # per-call, per-thread cache (cleared by extract_metrics), so that a user
    # dictionary loaded between calls is always honoured
    c = _cache()
    if s not in c:
        c[s] = _do(s)
    return c[s]


# (opener, closer, longest content, characters the content may not hold) of the spans whose numerals are names
NAME_SPANS = (("“", "”", 20, "。\n"), ("「", "」", 20, "。\n"), ("《", "》", 60, "\n"), ("\"", "\"", 20, "。\n"))


def _excluded_regions(text: str) -> list[tuple[int, int]]:
    """Spans whose numerals are names: short “…” quotes (no 。, ≤20 chars) and 《…》 titles."""
    regions = []
    for open_q, close_q, maxlen, forbid in NAME_SPANS:
        i = 0
        while True:
            a = text.find(open_q, i)
            if a < 0:
                break
            # only a close within maxlen chars can make a region: look no further (linear in the text;
            # an unbounded find from every opener was quadratic on a page of openers and one far close)
            b = text.find(close_q, a + 1, a + 2 + maxlen)
            if b < 0:
                i = a + 1
                continue
            inner = text[a + 1:b]
            if not any(c in inner for c in forbid):
                regions.append((a, b + 1))
                i = b + 1
            else:
                i = a + 1
    regions.sort()
    return regions


def _in_regions(regions, starts, pos: int) -> bool:
    k = bisect.bisect_right(starts, pos) - 1
    while k >= 0:
        a, b = regions[k]
        if a <= pos < b:
            return True
        if a < pos - 100:  # regions are at most ~62 chars long
            break
        k -= 1
    return False


def sentence_ends(text: str) -> list[int]:
    """Offsets of every sentence delimiter (``。！？；!?;`` and newline) in ``text``, ascending.

    Computed once per text; :func:`_sentence_bounds` bisects it, so finding the
    sentence of each of m quantities costs O(log n) instead of a walk over the
    sentence (a page printed as one delimiter-less line made that O(m·n)).
    """
    return [m.start() for m in _SENT_DELIM_RE.finditer(text)]


def _sentence_bounds(text: str, start: int, end: int, ends: list[int] | None = None) -> tuple[int, int]:
    """``[a, b)``: the sentence around ``text[start:end]`` (closing punctuation kept, a newline not)."""
    if ends is None:
        ends = sentence_ends(text)
    k = bisect.bisect_left(ends, start)
    a = ends[k - 1] + 1 if k else 0
    j = bisect.bisect_left(ends, end)
    if j == len(ends):
        return a, len(text)
    b = ends[j]
    return a, (b if text[b] == "\n" else b + 1)


def _clip_sentence(start: int, end: int, sa: int, sb: int) -> tuple[int, int]:
    """The sentence span ``[sa, sb)`` if it is at most MAX_SENTENCE_CHARS long, else a window of
    SENTENCE_WINDOW chars either side of the surface inside it (bounded work and storage per quantity)."""
    if sb - sa <= MAX_SENTENCE_CHARS:
        return sa, sb
    return max(sa, start - SENTENCE_WINDOW), min(sb, end + SENTENCE_WINDOW)


def _match_unit(text: str, j: int, scan: NumeralScan):
    """Return (unit_surface_end, unit_info, extra_half) or None."""
    n = len(text)
    k = j
    # tolerate layout whitespace/newlines between number and unit (259\n\n栋)
    while k < n and k - j < 4 and text[k] in _WS:
        k += 1
    if k >= n:
        return None
    if text.startswith(_NON_METRIC_AFTER, k):
        return "nonmetric"
    # 个多月 / 个半月 / 个多小时
    if text.startswith("个", k):
        for mid, extra in (("多", "多"), ("半", 0.5)):
            if text.startswith("个" + mid, k):
                for tail, unit in (("月", "个月"), ("小时", "个小时")):
                    if text.startswith(tail, k + 2):
                        info = UNITS[unit]
                        return k + 2 + len(tail), info, extra
    for key in _UNIT_KEYS:
        if text.startswith(key, k):
            info = UNITS[key]
            end = k + len(key)
            if key == "个工作日":
                # reported as unit 个 + measure 工作日: the surface stops after 个
                return k + 1, info, None
            if key == "年" and end < n and text[end] == "半":
                return end + 1, info, 0.5
            if key in ("小时", "个小时") and end < n and text[end] == "半":
                return end + 1, info, 0.5
            return end, info, None
    if text.startswith("成", k) and not scan.is_arabic and (k + 1 >= n or text[k + 1] not in _CHENG_BAD_NEXT):
        return k + 1, _CHENG, None
    return None


def _is_date(text: str, scan: NumeralScan, unit_surface: str, uend: int) -> bool:
    if unit_surface in ("月",):  # calendar month (5个月 is a duration)
        return True
    if unit_surface in ("日",):
        return True
    if unit_surface == "年":
        if scan.digit_seq:
            return True
        if scan.is_arabic and scan.int_digits == 4 and 1000 <= scan.low <= 2999:
            return True
        if scan.is_arabic and scan.int_digits == 4 and scan.high is not None:
            return True
        # 24年12月 : year followed by a month
        nxt = scan_numeral(text, uend) if uend < len(text) and (text[uend] in ARABIC_CHARS or text[uend] in CN_RUN_CHARS) else None
        if nxt is not None and text.startswith("月", nxt.end):
            return True
    return False


def _prefix_qualifiers(text: str, start: int) -> tuple[list[str], int]:
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


def _suffix_qualifier(text: str, end: int, kind: str) -> tuple[str | None, int]:
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


def _clean_phrase(toks: list[tuple[str, str]]) -> str | None:
    # phrase must end with a noun-ish token (or a classifier after a noun: 党员中心户)
    while toks and not (toks[-1][1] in _NOUNISH or (toks[-1][1] == "q" and len(toks) > 1 and toks[-2][1] in _NOUNISH)):
        toks = toks[:-1]
    while toks and toks[0][1] in ("d", "q", "p") and len(toks) > 1 and toks[0][0] not in ("在",):
        toks = toks[1:]
    s = "".join(w for w, _ in toks)
    return s or None


def _measure_forward(text: str, pos: int, sent_end: int, noun_first: bool = False) -> str | None:
    n = min(sent_end, len(text))
    i = pos
    if i < n and text[i] == "的":
        i += 1
    # quoted name right after the unit: 7000余万元“金椒贷”
    if i < n and text[i] in "“「《":
        close = {"“": "”", "「": "」", "《": "》"}[text[i]]
        b = text.find(close, i + 1, min(n, i + 16))
        if b > i + 1:
            inner = text[i + 1:b]
            if not any(c in inner for c in "，,。、；"):
                return inner
    # skip a parenthesised note: 12个(市、区)工商联
    if i < n and text[i] in "(（":
        b = -1
        for close in ")）":
            bb = text.find(close, i + 1, min(n, i + 12))
            if bb > 0:
                b = bb
                break
        if b > 0:
            i = b + 1
    window = text[i:min(n, i + 16)]
    if not window:
        return None
    toks = _tokens(window)
    # skip a directly following numeral + classifier (6个30亿元项目)
    k = 0
    skipped = 0
    while k < len(toks) and skipped < 3 and toks[k][1] in ("m", "q", "x") and (
        toks[k][0][0] in ARABIC_CHARS or toks[k][0][0] in CN_RUN_CHARS or toks[k][1] == "q"
        or toks[k][0] in ("亿元", "万元", "元")
    ) and toks[0][1] == "m" and toks[0][0][0] in ARABIC_CHARS + CN_RUN_CHARS:
        k += 1
        skipped += 1
    phrase: list[tuple[str, str]] = []
    chars = 0
    seen_noun = False
    for word, flag, _, _ in toks[k:]:
        if word.strip() == "" or flag in _FWD_STOP:
            break
        if flag not in _FWD_CONT:
            break
        if flag == "p" and (word != "在" or phrase):
            break
        if word in _PHRASE_STOP_WORDS:
            break
        if seen_noun and (flag not in _NOUNISH or flag == "l") and flag != "q":
            break  # a verb after the head noun starts the predicate (…小区全部成立…)
        if noun_first and not phrase and flag not in _NOUNISH:
            break
        phrase.append((word, flag))
        seen_noun = seen_noun or flag in _NOUNISH
        chars += len(word)
        if len(phrase) >= 4 or chars >= 10:
            break
    return _clean_phrase(phrase)


def _measure_backward(text: str, pos: int, sent_start: int) -> str | None:
    a = max(sent_start, pos - 16)
    window = text[a:pos]
    if not window:
        return None
    toks = [(w, f) for w, f, _, _ in _tokens(window)]
    # merge nominalising one-char suffix tokens (组建+率 -> 组建率, 投诉+量)
    merged: list[tuple[str, str]] = []
    for w, f in toks:
        if merged and len(w) == 1 and w in _NOMINAL_SUFFIX and merged[-1][1] not in ("x", "m"):
            merged[-1] = (merged[-1][0] + w, "n")
        else:
            merged.append((w, f))
    skipped = 0
    for idx in range(len(merged) - 1, -1, -1):
        w, f = merged[idx]
        if w.strip() == "" or f in ("x", "m", "w"):
            return None
        if (f in _NOUNISH and f != "eng") or (len(w) > 1 and w[-1] in _NOMINAL_SUFFIX and f == "v"):
            # one-char heads (瓶, 街, 人) read better with their modifier (农药瓶, 镇街, 驾驶人)
            if len(w) == 1 and idx > 0 and merged[idx - 1][1] in _NOUNISH | {"v", "vn"}:
                return merged[idx - 1][0] + w
            return w
        if f in ("v", "p", "d", "uj", "f", "ad", "c", "vd", "ul") and skipped < 2:
            skipped += 1
            continue
        return None
    return None


# ---------------------------------------------------------------------------
# main extraction
# ---------------------------------------------------------------------------
_NUM_START = set(ARABIC_CHARS) | set(CN_RUN_CHARS) | {"半"}


def _extract(text: str) -> list[Metric]:
    out: list[Metric] = []
    if not text:
        return out
    regions = _excluded_regions(text)
    rstarts = [a for a, _ in regions]
    ends = sentence_ends(text)
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        if ch not in _NUM_START:
            i += 1
            continue
        # percent written as 百分之X
        pct_prefix = False
        num_start = i
        if text.startswith("百分之", i) and i + 3 < n and text[i + 3] in _NUM_START:
            pct_prefix = True
            num_start = i + 3
        scan = scan_numeral(text, num_start)
        if scan is None:
            # skip the whole run (十四五, 半百 …) so that no suffix of it is retried
            j = num_start + 1
            if text[num_start] in ARABIC_CHARS:
                while j < n and text[j] in ARABIC_CHARS:
                    j += 1
            else:
                while j < n and (text[j] in CN_RUN_CHARS or text[j] == "半"):
                    j += 1
            i = j
            continue
        next_i = max(scan.end, i + 1)
        m = _candidate(text, i, scan, pct_prefix, regions, rstarts, ends)
        if m is not None:
            out.append(m)
            next_i = max(next_i, m.end)
        i = next_i
    return out


_ARABIC_MAGNITUDE = re.compile(r"(?<=[0-9０-９.．])[十百千万亿萬億]+$")
_CN_MAGNITUDE = re.compile(r"[万亿萬億]+$")


def printed_unit(numeral: str, unit: str | None, is_arabic: bool) -> str | None:
    """The unit as the paper printed it, magnitude included: 7000余万 + 元 -> 万元, 5亿 + 元 -> 亿元,
    二十余 + 个 -> 个. Magnitudes are the characters after an Arabic number (1.2万, 3千万) or a
    trailing 万/亿 of a Chinese numeral (三千万 -> 万); approximations inside (余, 多, 来) are skipped."""
    if unit is None:
        return None
    if unit == "%":
        return unit
    core = re.sub(r"[余多来餘]", "", numeral or "")
    m = (_ARABIC_MAGNITUDE if is_arabic else _CN_MAGNITUDE).search(core)
    return to_simplified(m.group(0)) + unit if m else unit


def _candidate(text: str, i: int, scan: NumeralScan, pct_prefix: bool, regions, rstarts,
               ends: list[int] | None = None) -> Metric | None:
    n = len(text)
    start = i
    prev = text[start - 1] if start > 0 else ""
    # ordinals / serials: 第105次, 总第4466期, 第十一届
    if prev == "第":
        return None
    # codes: 5G, TEU1, COVID-19, 1+3+N, 3+2
    if prev and prev.isascii() and (prev.isalpha() or prev in "+#/_@"):
        return None
    if prev and prev in ".．" :
        return None
    after = text[scan.end] if scan.end < n else ""
    if after == "+" or (after and after.isascii() and after.isalpha() and scan.is_arabic):
        return None
    if _in_regions(regions, rstarts, start):
        return None
    # vague quantities: 几十个, 数百名, 上千, 成千
    if not scan.is_arabic and prev in ("几", "数") :
        return None
    j = scan.end
    special_surface_end = None
    # 期限5(3+2)年 : one duration, the split is not a separate metric
    if scan.is_arabic and j < n and text[j] in "(（":
        k = j + 1
        seen_plus = False
        while k < n and (text[k] in ARABIC_CHARS or text[k] == "+"):
            seen_plus |= text[k] == "+"
            k += 1
        if seen_plus and k < n and text[k] in ")）":
            special_surface_end = k + 1
            j = k + 1
    if pct_prefix:
        unit_end, info, half = scan.end, UNITS["%"], None
        unit_surface = "百分之"
    else:
        mu = _match_unit(text, j, scan)
        if mu is None or mu == "nonmetric":
            return None
        unit_end, info, half = mu
        unit_surface = text[j:unit_end].strip(_WS)
    unit, kind, factor, base_unit, measure_override = info

    # calendar dates are not metrics
    if not pct_prefix and _is_date(text, scan, unit_surface, unit_end):
        return None
    # 七八十年代 handled by _NON_METRIC_AFTER; 一年 etc: indefinite-article rule
    if scan.single_yi and kind in ("count", "duration") and half is None:
        return None
    quals, qstart = _prefix_qualifiers(text, start)
    if scan.bare_magnitude and scan.approx is None and not quals:
        return None  # 百年, 千家万户, 万人空巷
    if not scan.is_arabic and quals == [] and prev in ("上", "成") and scan.bare_magnitude:
        return None
    # ranking: 前10名
    if prev == "前" and unit in ("名", "位"):
        return None
    # named programmes: 三年攻坚行动, 五年规划
    if kind == "duration" and not scan.is_arabic and text.startswith(_NAME_SUFFIX_AFTER_DURATION, unit_end):
        return None
    # numeral embedded in a dictionary word (统一, 唯一, 一把手, 一次次, 万众)
    if not scan.is_arabic:
        sa, sb = _clip_sentence(start, unit_end, *_sentence_bounds(text, start, unit_end, ends))
        sent = text[sa:sb]
        for w, f, ta, tb in _tokens(sent):
            ta += sa
            tb += sa
            if tb <= start:
                continue
            if ta >= unit_end:
                break
            if ta < start < tb and text[ta:start] not in PREFIX_QUALIFIERS:
                return None  # 统一, 唯一, 上半年 (but 近三年 is 近 + 三年)
            if ta <= start and tb > unit_end and len(w) >= 3 and not (half or scan.approx):
                return None
            break

    end = unit_end
    if special_surface_end is not None and unit_end < special_surface_end:
        end = special_surface_end
    surface = text[start:end]
    assert surface == text[start:end]

    value = scan.low
    high = scan.high
    extra_q = None
    if half == 0.5:
        value += 0.5
        if high is not None:
            high += 0.5
    elif half == "多":
        extra_q = "多"

    # qualifiers: inner 余/多 > suffix (以上…) > nearest prefix
    suffix_q, qend = _suffix_qualifier(text, end, kind)
    all_q: list[str] = []
    if scan.approx:
        all_q.append(scan.approx)
    if extra_q:
        all_q.append(extra_q)
    if suffix_q:
        all_q.append(suffix_q)
    all_q.extend(quals)
    qualifier = all_q[0] if all_q else None

    value_base = value * factor if factor is not None else (value if kind == "count" else None)
    high_base = (high * factor if factor is not None else (high if kind == "count" else None)) if high is not None else None
    if kind == "count":
        base_unit = unit

    sa, sb = _sentence_bounds(text, start, end, ends)
    ca, cb = _clip_sentence(start, end, sa, sb)
    sentence = text[ca:cb].strip(_WS)
    sent_start = ca + (len(text[ca:cb]) - len(text[ca:cb].lstrip(_WS)))

    # measure
    measure = measure_override
    if measure is None:
        try:
            if kind == "percent":
                measure = _measure_backward(text, qstart, sa) or _measure_forward(text, qend, sb)
            elif kind == "duration":
                measure = _measure_forward(text, qend, sb, noun_first=True)
                if measure is not None and len(measure) < 2:
                    measure = None
            else:
                measure = _measure_forward(text, qend, sb) or _measure_backward(text, qstart, sa)
        except Exception:  # measure is best effort
            measure = None

    return Metric(
        start=start, end=end, surface=surface, value=float(value), value_high=high,
        unit=unit, unit_kind=kind, value_base=value_base, base_unit=base_unit,
        qualifier=qualifier, measure=measure, sentence=sentence,
        value_high_base=high_base, qualifiers=tuple(all_q), qstart=qstart, qend=qend,
        numeral=text[scan.start:scan.end], sentence_start=sent_start,
        unit_printed=printed_unit(text[scan.start:scan.end], unit, scan.is_arabic),
    )


def _inherit_measures(text: str, metrics: list[Metric]) -> list[Metric]:
    """In lists like 签约率分别达98.15%、99.03% / 不少于5家和3家 the later items share
    the measure of the first one."""
    for prev, cur in zip(metrics, metrics[1:]):
        if cur.measure is None and prev.measure is not None and prev.unit_kind == cur.unit_kind:
            gap = text[prev.qend:cur.qstart]
            if gap in ("、", "和", "与", "及", "，", ",", "或") :
                cur.measure = prev.measure
    return metrics


def _as_printed(metrics: list[Metric], printed: str) -> list[Metric]:
    """Surfaces, numerals and sentences of metrics found in the simplified copy of ``printed``,
    taken from the printed text (the copy has the same length, so the offsets are the same)."""
    for m in metrics:
        k = m.surface.find(m.numeral) if m.numeral else -1
        m.surface = printed[m.start:m.end]
        if k >= 0:
            m.numeral = m.surface[k:k + len(m.numeral)]
        if m.sentence_start >= 0:
            m.sentence = printed[m.sentence_start:m.sentence_start + len(m.sentence)]
    return metrics


def extract_metrics(text: str) -> list[Metric]:
    """All quantities (numeral + unit) quoted in ``text``.  Never raises.

    Text in traditional characters is matched as its simplified form (個 is 个,
    萬 is 万, 餘 is 余: :func:`etl.outlets.to_simplified`, character by
    character, so offsets are unchanged); ``surface`` and ``sentence`` are as
    printed, ``unit``/``measure``/``qualifier`` are simplified.
    """
    if not isinstance(text, str) or not text:
        return []
    try:
        _cache().clear()
        simple = to_simplified(text)
        found = _inherit_measures(simple, _extract(simple))
        return found if simple is text else _as_printed(found, text)
    except Exception:  # pragma: no cover - guarded by the hypothesis test on _extract
        log.exception("extract_metrics failed; returning no metrics for this text")
        return []
    finally:
        _cache().clear()


def extract_metrics_many(texts: list[str]) -> list[list[Metric]]:
    """Batch entry point used by the pipeline (one list of metrics per text)."""
    return [extract_metrics(t) for t in texts]
