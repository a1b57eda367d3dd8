"""Monthly rules and several times a day (scheduler.rules, scheduler.base_times): day N with
the month-end fallback, 말일, the nth and the last weekday, through croniter expressions."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from scheduler.base_times import cron_expressions
from scheduler.rules import MonthDay, Rule, RuleError, next_occurrence, upcoming
from tests.support.rules import NEW_YORK, SEOUL, seoul


def monthly(month_day: MonthDay, *times: time, valid_until: datetime | None = None) -> Rule:
    first = times[0] if times else time(9)
    return Rule("monthly", first, times=times, month_day=month_day, valid_until=valid_until)


def days(rule: Rule, after: datetime, count: int = 6) -> list[str]:
    return [t.strftime("%Y-%m-%d %H:%M") for t in upcoming(rule, after, SEOUL, count)]


JAN_2027 = seoul(2027, 1, 1, 0, 0)


@pytest.mark.parametrize(
    ("name", "rule", "expected"),
    [
        (
            "day 15",
            monthly(MonthDay(day=15)),
            ["2027-01-15", "2027-02-15", "2027-03-15", "2027-04-15"],
        ),
        (
            "31 falls on the month's last day",
            monthly(MonthDay(day=31)),
            ["2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30", "2027-05-31", "2027-06-30"],
        ),
        (
            "30 in February is the 28th, in March the 30th",
            monthly(MonthDay(day=30)),
            ["2027-01-30", "2027-02-28", "2027-03-30", "2027-04-30"],
        ),
        (
            "29 in a leap year",
            monthly(MonthDay(day=29)),
            ["2027-01-29", "2027-02-28", "2027-03-29"],
        ),
        ("말일", monthly(MonthDay(last=True)), ["2027-01-31", "2027-02-28", "2027-03-31"]),
        (
            "둘째 주 화요일",
            monthly(MonthDay(nth=2, weekday="tuesday")),
            ["2027-01-12", "2027-02-09", "2027-03-09", "2027-04-13"],
        ),
        (
            "마지막 주 금요일",
            monthly(MonthDay(nth=-1, weekday="friday")),
            ["2027-01-29", "2027-02-26", "2027-03-26", "2027-04-30"],
        ),
        (
            "다섯째 주 금요일: months without one have none",
            monthly(MonthDay(nth=5, weekday="friday")),
            ["2027-01-29", "2027-04-30", "2027-07-30", "2027-10-29", "2027-12-31", "2028-03-31"],
        ),
        (
            "첫째 주 월요일",
            monthly(MonthDay(nth=1, weekday="monday")),
            ["2027-01-04", "2027-02-01", "2027-03-01"],
        ),
    ],
)
def test_monthly_days(name: str, rule: Rule, expected: list[str]) -> None:
    found = days(rule, JAN_2027, len(expected))
    assert found == [f"{d} 09:00" for d in expected], name


def test_leap_february_has_its_29th() -> None:
    rule = monthly(MonthDay(day=31))
    assert days(rule, seoul(2028, 2, 1, 0, 0), 2) == ["2028-02-29 09:00", "2028-03-31 09:00"]
    assert days(monthly(MonthDay(day=29)), seoul(2028, 2, 1, 0, 0), 1) == ["2028-02-29 09:00"]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (monthly(MonthDay(day=15)), ["0 9 15 * * 0"]),
        (monthly(MonthDay(day=31)), ["0 9 31,L * * 0"]),
        (monthly(MonthDay(last=True)), ["0 9 L * * 0"]),
        (monthly(MonthDay(nth=2, weekday="tuesday")), ["0 9 * * 2#2 0"]),
        (monthly(MonthDay(nth=-1, weekday="friday")), ["0 9 * * L5 0"]),
        (monthly(MonthDay(day=1), time(9), time(13), time(18)), ["0 9,13,18 1 * * 0"]),
        # 09:00, 09:30, 18:00, 18:30 form a product; 09:00 and 13:30 do not
        (
            Rule("daily", time(9), times=(time(9), time(9, 30), time(18), time(18, 30))),
            ["0,30 9,18 * * * 0"],
        ),
        (Rule("daily", time(9), times=(time(9), time(13, 30))), ["0 9 * * * 0", "30 13 * * * 0"]),
    ],
)
def test_cron_expressions(rule: Rule, expected: list[str]) -> None:
    assert cron_expressions(rule) == expected


THREE = (time(9), time(13), time(18))


@pytest.mark.parametrize(
    ("rule", "after", "expected"),
    [
        (
            Rule("daily", time(9), times=THREE),
            seoul(2027, 1, 4, 10, 0),
            ["01-04 13:00", "01-04 18:00", "01-05 09:00", "01-05 13:00"],
        ),
        (
            Rule("weekly", time(9), weekdays=frozenset({"friday"}), times=THREE),
            seoul(2027, 1, 4, 10, 0),
            ["01-08 09:00", "01-08 13:00", "01-08 18:00", "01-15 09:00"],
        ),
        (
            Rule("once", time(9), date=date(2027, 1, 8), times=THREE),
            seoul(2027, 1, 8, 9, 0),
            ["01-08 13:00", "01-08 18:00"],
        ),
        (
            Rule("daily", time(9), times=(time(9), time(13, 30))),
            seoul(2027, 1, 4, 10, 0),
            ["01-04 13:30", "01-05 09:00", "01-05 13:30", "01-06 09:00"],
        ),
        (
            monthly(MonthDay(last=True), *THREE, valid_until=datetime(2027, 2, 28, 13, 0)),
            JAN_2027,
            ["01-31 09:00", "01-31 13:00", "01-31 18:00", "02-28 09:00", "02-28 13:00"],
        ),
    ],
)
def test_several_times_a_day(rule: Rule, after: datetime, expected: list[str]) -> None:
    # one more than expected: the finite rules stop there
    found = [t.strftime("%m-%d %H:%M") for t in upcoming(rule, after, SEOUL, len(expected) + 1)]
    assert found[: len(expected)] == expected
    if rule.schedule_type == "once" or rule.valid_until is not None:
        assert len(found) == len(expected)


def test_monthly_in_a_dst_gap_fires_at_the_gap_end() -> None:
    # New York jumps 02:00 -> 03:00 on Sunday 2027-03-14, the second Sunday of March
    rule = Rule("monthly", time(2, 30), month_day=MonthDay(nth=2, weekday="sunday"))
    after = datetime(2027, 3, 1, tzinfo=NEW_YORK)
    assert next_occurrence(rule, after, NEW_YORK) == datetime(2027, 3, 14, 3, 0, tzinfo=NEW_YORK)


def test_times_are_sorted_and_distinct() -> None:
    rule = Rule("daily", time(18), times=(time(18), time(9), time(18)))
    assert rule.times == (time(9), time(18))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"schedule_type": "monthly", "time": time(9)}, "month_day"),
        ({"schedule_type": "daily", "time": time(9), "times": (time(9, 0, 0, 5),)}, "times"),
        ({"schedule_type": "daily", "time": time(9), "holiday_policy": "maybe"}, "holiday"),
    ],
)
def test_invalid_rules(fields: dict[str, object], message: str) -> None:
    with pytest.raises(RuleError, match=message):
        Rule(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"day": 0},
        {"day": 32},
        {"day": 1, "last": True},
        {"nth": 6, "weekday": "monday"},
        {"nth": 0, "weekday": "monday"},
        {"nth": 2},
        {"nth": 2, "weekday": "mon"},
        {"day": 2, "weekday": "monday"},
    ],
)
def test_invalid_month_days(fields: dict[str, object]) -> None:
    with pytest.raises(RuleError, match="month_day"):
        MonthDay(**fields)  # type: ignore[arg-type]
