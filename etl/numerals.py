"""Chinese / Arabic numeral normaliser used by :mod:`etl.metrics`.

Pure functions, no third-party dependencies.  Nothing here raises on str
input: every public function returns ``None`` when it cannot make sense of a
string.

Supported forms
---------------
* Arabic digits, ASCII or full-width (``215``, ``２０２４``, ``89.09``,
  ``3．5``, ``1,000``) optionally followed by a magnitude (``1.5亿``,
  ``28.83万``, ``5千万``) and approximation marks (``7000余万``, ``1万余``,
  ``300多``).
* Chinese numerals, strictly parsed (``二十``, ``一千零五``, ``两千``,
  ``百万``, ``千``, ``十四``); colloquial abbreviations ``一百五`` (150) and
  ``三万五`` (35000).  Malformed runs such as ``十四五`` are rejected.
* Approximate pairs written as adjacent digits: ``两三`` -> 2..3 (never 23),
  ``一两`` -> 1..2, ``十七八`` -> 17..18, ``三四百`` -> 300..400,
  ``二三十`` -> 20..30, ``三五`` -> 3..5.
* Digit-by-digit readings (``二〇二四``) -> 2024, flagged ``digit_seq`` (only
  ever used for calendar years).
* ``半`` -> 0.5.
* Explicit ranges ``A至B`` / ``A到B`` / ``A-B`` / ``A~B`` (magnitude of the
  upper bound is propagated to a bare lower bound: ``3至5万`` -> 3e4..5e4).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ARABIC_CHARS = "0123456789０１２３４５６７８９"
_FW_TRANS = str.maketrans("０１２３４５６７８９．，", "0123456789.,")

CN_DIGITS = {
    "零": 0, "〇": 0, "○": 0,
    "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}
CN_SMALL = {"十": 10, "百": 100, "千": 1000}
CN_BIG = {"万": 1e4, "亿": 1e8}
CN_RUN_CHARS = "".join(CN_DIGITS) + "".join(CN_SMALL) + "".join(CN_BIG)
APPROX_CHARS = "余多"
RANGE_SEPS = "至到~～-－—–"

_ARABIC_RE = re.compile(
    r"[0-9０-９]{1,3}(?:,[0-9]{3})+(?![0-9])(?:[.．][0-9０-９]+)?"
    r"|[0-9０-９]+(?:[.．][0-9０-９]+)?"
)
_CN_RUN_RE = re.compile("[" + CN_RUN_CHARS + "]+")
_ARABIC_MAG_RE = re.compile("[百千万亿]{1,2}")
_CN_MAG_RE = re.compile("[十百千万亿]{1,2}")
# magnitude characters that actually start a unit word
_MAG_UNIT_PREFIXES = ("千克", "千米", "千瓦", "百分", "万分", "千分")

# adjacent-digit approximate pairs (low, high)
_PAIRS = {
    (1, 2), (2, 3), (3, 4), (4, 5), (5, 6), (6, 7), (7, 8), (8, 9), (3, 5),
}

# runs that look like approximate pairs but are fixed names (Five-Year Plans)
_NAMED_RUNS = {"十一五", "十二五", "十三五", "十四五", "十五五"}

PREFIX_QUALIFIERS = (
    # longest first matters only for overlapping entries; handled by sorting
    "不少于", "不低于", "不超过", "不高于", "不多于", "不足", "不到",
    "超过", "超出", "突破", "跨越", "将近", "接近", "大约", "大概",
    "达到", "高达", "多达", "累计", "共计", "合计", "总计", "首次",
    "最高", "最低", "至少", "最多", "仅有", "只有", "低于", "高于",
    "少于", "多于", "近", "约", "达", "超", "逾", "仅", "共",
)
SUFFIX_QUALIFIERS = ("以上", "以下", "以内", "左右", "上下", "之多", "有余")


@dataclass
class NumeralScan:
    """Result of scanning one numeral (possibly a range) in a text."""

    start: int
    end: int
    low: float
    high: float | None
    approx: str | None          # '余' / '多' written inside the numeral
    is_arabic: bool             # at least one bound written with Arabic digits
    bare_magnitude: bool        # only 百/千/万/亿 chars, no digit (百年, 千家)
    single_yi: bool             # exactly '一' (indefinite article usage)
    digit_seq: bool             # 二〇二四-style digit-by-digit reading
    int_digits: int             # integer digits of an Arabic bound (year check)
    is_range: bool
    text: str


def to_ascii_digits(s: str) -> str:
    return s.translate(_FW_TRANS)


def parse_cn_int(s: str) -> float | None:
    """Strictly parse a Chinese numeral run without approximation marks.

    Returns None for malformed input (e.g. ``十四五``, ``二四``, ``半百``).
    """
    if not s or any(ch not in CN_RUN_CHARS for ch in s):
        return None
    total = 0.0
    section = 0.0
    digit: int | None = None
    last_small = 10**9
    last_big = 10.0**18
    last_kind = ""  # 'd' digit, 'z' zero, 's' small unit, 'b' big unit
    last_unit_val = 0.0
    for ch in s:
        if ch in CN_DIGITS:
            d = CN_DIGITS[ch]
            if digit is not None:
                return None  # two digits in a row (e.g. 十四五)
            if d == 0:
                if last_kind not in ("s", "b"):
                    return None
                last_kind = "z"
                continue
            digit = d
            last_kind = "d"
        elif ch in CN_SMALL:
            u = CN_SMALL[ch]
            if u >= last_small or last_kind == "z":
                return None
            section += (digit if digit is not None else 1) * u
            digit = None
            last_small = u
            last_kind = "s"
            last_unit_val = u
        else:  # big unit
            b = CN_BIG[ch]
            if last_kind == "z":
                return None
            section += digit or 0
            if section == 0 and total == 0:
                section = 1
            if b >= last_big or (total and section == 0):
                total = (total + section) * b  # 万亿 / 一万亿
            else:
                total += section * b
            last_big = b
            section = 0.0
            digit = None
            last_small = 10**9
            last_kind = "b"
            last_unit_val = b
    if last_kind == "z":
        return None
    if digit is not None:
        # colloquial abbreviation: 一百五 -> 150, 三万五 -> 35000, 两千三 -> 2300
        if len(s) >= 3 and last_unit_val >= 100 and (s[-2] in CN_SMALL or s[-2] in CN_BIG):
            section += digit * (last_unit_val / 10)
        else:
            section += digit
    total += section
    return float(total)


def _trailing_big(s: str) -> float:
    """Multiplier of trailing 万/亿 chars of a Chinese run (五万 -> 1e4)."""
    mult = 1.0
    for ch in reversed(s):
        if ch in CN_BIG:
            mult *= CN_BIG[ch]
        else:
            break
    return mult


def _parse_cn_run(run: str) -> tuple[float, float | None, bool] | None:
    """Parse a Chinese run: returns (low, high, digit_seq) or None."""
    # digit-by-digit reading (二〇二四)
    if len(run) >= 3 and all(ch in CN_DIGITS and ch != "两" for ch in run):
        val = 0
        for ch in run:
            val = val * 10 + CN_DIGITS[ch]
        return float(val), None, True
    # approximate pair of adjacent digits
    if run in _NAMED_RUNS:
        return None
    for i in range(len(run) - 1):
        a, b = run[i], run[i + 1]
        if a in CN_DIGITS and b in CN_DIGITS and CN_DIGITS[a] and CN_DIGITS[b]:
            da, db = CN_DIGITS[a], CN_DIGITS[b]
            if (da, db) in _PAIRS and ((da, db) != (3, 5) or run == "三五"):
                lo = parse_cn_int(run[:i] + a + run[i + 2:])
                hi = parse_cn_int(run[:i] + b + run[i + 2:])
                if lo is not None and hi is not None and hi > lo:
                    return lo, hi, False
            return None
    v = parse_cn_int(run)
    if v is None:
        return None
    return v, None, False


def _mag_value(m: str) -> float:
    v = 1.0
    for ch in m:
        v *= {"十": 10, "百": 100, "千": 1000, "万": 1e4, "亿": 1e8}[ch]
    return v


def _scan_single(text: str, i: int) -> NumeralScan | None:
    """Scan one numeral (no range) starting exactly at ``i``."""
    n = len(text)
    if i >= n:
        return None
    ch = text[i]
    approx: str | None = None
    if ch in ARABIC_CHARS:
        m = _ARABIC_RE.match(text, i)
        if not m:
            return None
        raw = to_ascii_digits(m.group()).replace(",", "")
        try:
            base = float(raw)
        except ValueError:
            return None
        int_digits = len(raw.split(".")[0])
        j = m.end()
        if j < n and text[j] in APPROX_CHARS:
            approx = text[j]
            j += 1
        mag = 1.0
        if not text.startswith(_MAG_UNIT_PREFIXES, j):
            mm = _ARABIC_MAG_RE.match(text, j)
            if mm:
                mag = _mag_value(mm.group())
                j = mm.end()
                if approx is None and j < n and text[j] in APPROX_CHARS:
                    approx = text[j]
                    j += 1
        return NumeralScan(i, j, base * mag, None, approx, True, False, False,
                           False, int_digits, False, text[i:j])
    if ch == "半":
        return NumeralScan(i, i + 1, 0.5, None, None, False, False, False,
                           False, 0, False, "半")
    m = _CN_RUN_RE.match(text, i)
    if not m:
        return None
    run = m.group()
    # a run ending in 千 that actually starts 千克/千米... : give the 千 back
    j = m.end()
    if run.endswith(("千", "百", "万")) and len(run) > 1 and text.startswith(_MAG_UNIT_PREFIXES, j - 1):
        run = run[:-1]
        j -= 1
    parsed = _parse_cn_run(run)
    if parsed is None:
        return None
    lo, hi, digit_seq = parsed
    if j < n and text[j] in APPROX_CHARS:
        approx = text[j]
        j += 1
        mm = _CN_MAG_RE.match(text, j)
        if mm and not text.startswith(_MAG_UNIT_PREFIXES, j):
            mag = _mag_value(mm.group())
            lo *= mag
            hi = hi * mag if hi is not None else None
            j = mm.end()
    bare = all(c in "百千万亿" for c in run)
    return NumeralScan(i, j, lo, hi, approx, False, bare, run == "一" and approx is None,
                       digit_seq, 0, hi is not None, text[i:j])


def scan_numeral(text: str, i: int) -> NumeralScan | None:
    """Scan a numeral or numeral range starting at ``i`` (no unit, no qualifiers)."""
    first = _scan_single(text, i)
    if first is None:
        return None
    j = first.end
    if j + 1 < len(text) and text[j] in RANGE_SEPS and first.high is None and first.approx is None:
        second = _scan_single(text, j + 1)
        if second is not None and second.high is None and not second.digit_seq:
            lo = first.low
            # 3至5万 -> 3万..5万 : propagate the upper bound's magnitude
            if second.is_arabic:
                sraw = to_ascii_digits(text[second.start:second.end])
                mm = re.search(r"[百千万亿]{1,2}", sraw)
                up_mag = _mag_value(mm.group()) if mm else 1.0
            else:
                up_mag = _trailing_big(text[second.start:second.end].rstrip(APPROX_CHARS))
            first_has_mag = any(c in "百千万亿" for c in text[first.start:first.end]) if first.is_arabic \
                else _trailing_big(first.text) > 1
            if up_mag > 1 and not first_has_mag:
                lo = lo * up_mag
            hi = second.low
            if hi > lo:
                return NumeralScan(i, second.end, lo, hi, second.approx,
                                   first.is_arabic or second.is_arabic, False, False,
                                   first.digit_seq, max(first.int_digits, second.int_digits),
                                   True, text[i:second.end])
            # not a well-formed range (e.g. 2024-12): fall through to the first numeral
    return first


def parse_number(s: str) -> tuple[float, float | None] | None:
    """Normalise a numeral string: '二十余'->(20,None), '两三'->(2,3), '1.5亿'->(1.5e8,None),
    '千余'->(1000,None), '近百万'->(1e6,None), '一至两'->(1,2).

    Leading qualifier words (近/约/超过/…) and trailing ones (以上/左右/…) are
    ignored.  Returns None when the whole string is not a numeral.
    """
    try:
        if not isinstance(s, str):
            return None
        t = s.strip()
        changed = True
        while changed and t:
            changed = False
            for q in sorted(PREFIX_QUALIFIERS, key=len, reverse=True):
                if t.startswith(q) and len(t) > len(q):
                    t = t[len(q):]
                    changed = True
                    break
            for q in SUFFIX_QUALIFIERS:
                if t.endswith(q) and len(t) > len(q):
                    t = t[: -len(q)]
                    changed = True
                    break
        if not t:
            return None
        sc = scan_numeral(t, 0)
        if sc is None or sc.end != len(t):
            return None
        hi = sc.high
        if hi is not None and hi < sc.low:
            return None
        return sc.low, hi
    except Exception:  # pragma: no cover - defensive, must never raise
        return None
