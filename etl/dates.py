"""Calendar dimension: Gregorian, ISO week, Chinese holidays and lunar date.

Holidays and adjusted workdays come from the ``chinese-calendar`` package
(State Council notices, 2004 onward; years it does not cover get NULL flags
rather than guesses). The lunar date comes from ``lunardate`` and is written
the way mastheads print it (农历甲辰年十月廿九 for 2024-11-29).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Iterable

import chinese_calendar
import pyarrow as pa
from lunardate import LunarDate

from etl import contract

UNKNOWN_DATE_KEY = -1
_STEMS = "甲乙丙丁戊己庚辛壬癸"
_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
_MONTHS = ["正", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]
_DAY_NAMES = ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"]


def date_key(d: date | None) -> int:
    return UNKNOWN_DATE_KEY if d is None else d.year * 10000 + d.month * 100 + d.day


def ganzhi_year(lunar_year: int) -> str:
    return _STEMS[(lunar_year - 4) % 10] + _BRANCHES[(lunar_year - 4) % 12]


def lunar_day_text(day: int) -> str:
    if day <= 10:
        return "初" + "一二三四五六七八九十"[day - 1]
    if day < 20:
        return "十" + "一二三四五六七八九"[day - 11]
    if day == 20:
        return "二十"
    if day < 30:
        return "廿" + "一二三四五六七八九"[day - 21]
    return "三十"


def lunar_text(d: date) -> tuple[int, int, int, bool, str] | None:
    try:
        ld = LunarDate.from_solar_date(d.year, d.month, d.day)
    except ValueError:
        return None
    leap = bool(ld.is_leap_month)
    text = f"农历{ganzhi_year(ld.year)}年{'闰' if leap else ''}{_MONTHS[ld.month - 1]}月{lunar_day_text(ld.day)}"
    return ld.year, ld.month, ld.day, leap, text


def _holiday_flags(d: date) -> tuple[bool | None, str | None, bool | None, bool | None]:
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(d)
        workday = chinese_calendar.is_workday(d)
    except NotImplementedError:
        return None, None, None, None
    is_weekend = d.weekday() >= 5
    adjusted = bool(is_weekend and workday)
    holiday_name = getattr(name, "value", name) if name else None
    return bool(on_holiday and name is not None), holiday_name, adjusted, bool(workday)


DIM_DATE_SCHEMA = contract.arrow_schema("modeled.dim_date")


def calendar_rows(dates: Iterable[date | None]) -> pa.Table:
    """A continuous calendar over the given dates, padded to whole years, plus the unknown row."""
    real = [d for d in dates if d is not None]
    rows: list[dict] = [{"date_key": UNKNOWN_DATE_KEY, "day_name": "未知"}]
    if real:
        start, end = date(min(real).year, 1, 1), date(max(real).year, 12, 31)
        d = start
        while d <= end:
            iso = d.isocalendar()
            lunar = lunar_text(d)
            hol, hname, adjusted, workday = _holiday_flags(d)
            rows.append({
                "date_key": date_key(d), "date": d, "year": d.year, "quarter": (d.month - 1) // 3 + 1,
                "month": d.month, "day": d.day, "iso_week": iso.week, "day_of_week": iso.weekday,
                "day_name": _DAY_NAMES[d.weekday()], "is_weekend": d.weekday() >= 5,
                "is_holiday": hol, "holiday_name": hname, "is_adjusted_workday": adjusted, "is_workday": workday,
                "lunar_year": lunar[0] if lunar else None, "lunar_month": lunar[1] if lunar else None,
                "lunar_day": lunar[2] if lunar else None, "lunar_is_leap_month": lunar[3] if lunar else None,
                "lunar_text": lunar[4] if lunar else None,
            })
            d += timedelta(days=1)
    return pa.Table.from_pylist(rows, schema=DIM_DATE_SCHEMA)
