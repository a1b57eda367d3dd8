"""The Korean calendar (scheduler.calendar.korean): the holidays package's KR holidays with
Korean names, 2026 and 2027 checked against the official lists, and kbot's overrides."""

from __future__ import annotations

from datetime import date

from scheduler.calendar import HolidayCalendar, korean

SEOLLAL_2027 = {
    date(2027, 2, 6): "설날 전날",
    date(2027, 2, 7): "설날",
    date(2027, 2, 8): "설날 다음날",
    date(2027, 2, 9): "설날 대체 휴일",
}


def test_2027_seollal_with_its_substitute_day() -> None:
    days = korean([2027]).days
    assert {d: n for d, n in days.items() if d.month == 2} == SEOLLAL_2027


def test_2026_lunar_and_substitute_holidays() -> None:
    calendar = korean([2026])
    assert calendar.holiday(date(2026, 2, 17)) == "설날"
    assert calendar.holiday(date(2026, 9, 25)) == "추석"
    assert calendar.holiday(date(2026, 3, 2)) == "삼일절 대체 휴일"
    assert calendar.holiday(date(2026, 6, 3)) == "지방선거일"
    assert calendar.holiday(date(2026, 12, 25)) == "기독탄신일"
    assert calendar.holiday(date(2026, 12, 24)) is None
    assert len(korean([2026]).days) == 22


def test_overrides_add_and_remove_days() -> None:
    calendar = korean(
        [2027],
        [(date(2027, 2, 10), "창립기념일", True), (date(2027, 2, 9), "설날 대체 휴일", False)],
    )
    assert calendar.holiday(date(2027, 2, 10)) == "창립기념일"
    assert calendar.holiday(date(2027, 2, 9)) is None
    assert calendar.business_day(date(2027, 2, 9))
    assert not calendar.business_day(date(2027, 2, 13))  # a Saturday
    assert calendar.next_holiday(date(2027, 2, 9)) == date(2027, 2, 10)


def test_same_inputs_same_object() -> None:
    """The next-time cache keys on the calendar's identity."""
    assert korean([2027, 2026]) is korean([2026, 2027])
    assert korean([2027]) is not korean([2027], [(date(2027, 3, 3), "x", True)])
    assert HolidayCalendar() != HolidayCalendar()
