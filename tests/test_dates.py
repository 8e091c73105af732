from datetime import date

from etl.dates import calendar_rows, date_key, lunar_text


def test_lunar_date_agrees_with_the_jinjiaozhou_masthead():
    # seed 000 prints 2024年11月29日 / 农历甲辰年十月廿九 / 星期五
    assert lunar_text(date(2024, 11, 29))[4] == "农历甲辰年十月廿九"


def test_calendar_is_continuous_whole_years_with_unknown_row():
    rows = calendar_rows([date(2024, 11, 29), None]).to_pylist()
    assert rows[0]["date_key"] == -1
    assert len(rows) == 1 + 366  # 2024 is a leap year
    by_key = {r["date_key"]: r for r in rows}
    fri = by_key[20241129]
    assert (fri["day_name"], fri["day_of_week"], fri["iso_week"], fri["is_weekend"]) == ("星期五", 5, 48, False)
    assert by_key[20241001]["is_holiday"] and by_key[20241001]["holiday_name"] == "National Day"
    assert by_key[20241012]["is_adjusted_workday"]  # Saturday worked after National Day 2024
    assert date_key(date(2024, 12, 18)) == 20241218 and date_key(None) == -1
