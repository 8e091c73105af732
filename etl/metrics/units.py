"""The unit table as data (``docs/metrics.md``, "Conversion table") and the unit matcher.

:data:`UNIT_TABLE` is the table: one row per kind and base unit, each listing
the surfaces recognised and their factor to the base (``None``: no conversion).
:data:`UNITS` is derived from it (surface -> :class:`Unit`).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from etl.numerals import NumeralScan
from etl.outlets import to_simplified


class Unit(NamedTuple):
    """What a unit surface means."""

    unit: str                 # the unit as reported (％ -> %, 个工作日 -> 个)
    kind: str                 # count|money|percent|area|weight|length|duration|volume|other
    factor: float | None      # value_base = value * factor (None: no conversion)
    base_unit: str | None     # unit of value_base (None when factor is None)
    measure: str | None       # measure implied by the unit (个工作日 -> 工作日)


# (kind, base unit, {surface: factor to the base unit}, {surface: unit as reported} where it differs)
UNIT_TABLE: tuple[tuple[str, str | None, dict[str, float | None], dict[str, str]], ...] = (
    ("money", "元", {"元": 1.0}, {}),
    ("money", None, {"美元": None, "欧元": None, "日元": None, "港元": None, "英镑": None,
                     "卢布": None, "韩元": None}, {}),
    ("percent", "%", {"%": 1.0, "％": 1.0, "个百分点": 1.0, "‰": 0.1}, {"％": "%"}),
    ("area", "平方米", {"平方公里": 1e6, "平方千米": 1e6, "平方米": 1.0, "平米": 1.0, "㎡": 1.0,
                      "公顷": 1e4, "亩": 666.67}, {}),
    ("weight", "公斤", {"公斤": 1.0, "千克": 1.0, "斤": 0.5, "吨": 1000.0, "克": 0.001}, {}),
    ("length", "米", {"公里": 1000.0, "千米": 1000.0, "米": 1.0, "厘米": 0.01, "毫米": 0.001,
                     "海里": 1852.0}, {}),
    ("volume", "立方米", {"立方米": 1.0, "升": 0.001}, {}),
    ("duration", "天", {"年": 365.0, "个月": 30.0, "周": 7.0, "天": 1.0, "个工作日": 1.0,
                       "工作日": 1.0, "小时": 1 / 24, "个小时": 1 / 24, "分钟": 1 / 1440},
     {"个工作日": "个"}),
    # counts keep their value as base (base_unit is the unit itself, set per metric)
    ("count", None, {u: None for u in (
        "人次 台次 架次 车次 班次 批次 场次 户次 部门 方面 "
        "个 家 名 位 人 户 条 项 件 套 列 单 幅 次 处 栋 幢 部 座 所 支 批 组 场 台 辆 艘 只 "
        "头 棵 株 本 册 篇 份 种 类 间 张 块 床 门 节 趟 轮 层 起 宗 笔 片 根 架 颗 盏 单位"
    ).split()}, {}),
    ("other", None, {"倍": None, "岁": None, "千瓦时": None, "千瓦": None, "兆瓦": None,
                     "标准箱": None, "标箱": None}, {}),
)
# measure implied by a unit surface: 3个工作日 is 3 个 of 工作日 (the surface stops after 个)
UNIT_MEASURE = {"个工作日": "工作日"}

UNITS: dict[str, Unit] = {
    surface: Unit(reported.get(surface, surface), kind, factor, base if factor is not None else None,
                  UNIT_MEASURE.get(surface))
    for kind, base, entries, reported in UNIT_TABLE for surface, factor in entries.items()
}
# 成 (tenths, 八成 = 80%) only after Chinese numerals and not before these characters (成为, 成员 …)
CHENG = Unit("成", "percent", 10.0, "%", None)
CHENG_BAD_NEXT = set("为员本果立功绩效交长熟型都品就")

# words after a numeral that make it a date (DATE_WORDS) or a name / address (NAME_WORDS), never a metric
DATE_WORDS = ("周年", "年代", "年度", "年底", "年初", "年末", "月份", "世纪")
NAME_WORDS = ("年级", "单元", "号", "届", "期")

UNIT_KEYS = sorted(UNITS, key=len, reverse=True)
WS = " \t\u3000\r\n\xa0"


class UnitMatch(NamedTuple):
    """A unit found after a numeral: the surface ends at ``end``; ``half`` is 0.5 (一年半, 个半月),
    ``"多"`` (个多月) or None; ``non_metric`` is the date / name word found instead of a unit."""

    end: int
    info: Unit | None
    half: float | str | None
    non_metric: str | None = None


def match_unit(text: str, j: int, scan: NumeralScan) -> UnitMatch | None:
    """The unit written at ``text[j:]`` (after up to 4 chars of layout whitespace), or None."""
    n = len(text)
    k = j
    # tolerate layout whitespace/newlines between number and unit (259\n\n栋)
    while k < n and k - j < 4 and text[k] in WS:
        k += 1
    if k >= n:
        return None
    for word in DATE_WORDS + NAME_WORDS:
        if text.startswith(word, k):
            return UnitMatch(k, None, None, word)
    # 个多月 / 个半月 / 个多小时
    if text.startswith("个", k):
        for mid, extra in (("多", "多"), ("半", 0.5)):
            if text.startswith("个" + mid, k):
                for tail, unit in (("月", "个月"), ("小时", "个小时")):
                    if text.startswith(tail, k + 2):
                        return UnitMatch(k + 2 + len(tail), UNITS[unit], extra)
    for key in UNIT_KEYS:
        if text.startswith(key, k):
            info = UNITS[key]
            end = k + len(key)
            if key == "个工作日":
                # reported as unit 个 + measure 工作日: the surface stops after 个
                return UnitMatch(k + 1, info, None)
            if key == "年" and end < n and text[end] == "半":
                return UnitMatch(end + 1, info, 0.5)
            if key in ("小时", "个小时") and end < n and text[end] == "半":
                return UnitMatch(end + 1, info, 0.5)
            return UnitMatch(end, info, None)
    if text.startswith("成", k) and not scan.is_arabic and (k + 1 >= n or text[k + 1] not in CHENG_BAD_NEXT):
        return UnitMatch(k + 1, CHENG, None)
    return None


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
