"""Holiday policies (scheduler.holiday_moves through scheduler.rules.plan): skip, move to the
next or previous business day, weekends only where a moved time lands, never across a month
for monthly rules, never outside the window, duplicates sent once; with the Korean calendar
(2027 설날 Feb 6-8 + the substitute day Feb 9) and days added or removed by ``kbot holiday``."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from scheduler.calendar import HolidayCalendar, korean
from scheduler.rules import (
    HolidayPolicy,
    MonthDay,
    Planned,
    Progress,
    Rule,
    is_finished,
    next_occurrence,
    plan,
    upcoming,
)
from tests.support.rules import SEOUL, seoul

KOREA = korean([2026, 2027])
FOUNDERS_DAY = date(2027, 4, 30)  # a Friday, the month's last day
COMPANY = korean([2027], [(FOUNDERS_DAY, "창립기념일", True), (date(2027, 5, 5), "", False)])


def shown(planned: list[Planned]) -> list[str]:
    """A plan as text: `02-10 09:00 <- 02-09 (설날 대체 휴일)`, `02-06 09:00 x 설날 전날`."""
    out = []
    for p in planned:
        at = p.at.strftime("%m-%d %H:%M")
        if p.moved_from is not None:
            out.append(f"{at} <- {p.moved_from:%m-%d} ({p.holiday})")
        elif not p.sent:
            out.append(f"{at} x {p.holiday or p.reason}")
        else:
            out.append(at)
    return out


def daily(policy: HolidayPolicy, **fields: object) -> Rule:
    return Rule("daily", time(9), holiday_policy=policy, **fields)  # type: ignore[arg-type]


def weekly(days: str, policy: HolidayPolicy) -> Rule:
    return Rule("weekly", time(9), weekdays=frozenset(days.split(",")), holiday_policy=policy)


def monthly(month_day: MonthDay, policy: HolidayPolicy) -> Rule:
    return Rule("monthly", time(9), month_day=month_day, holiday_policy=policy)


SEOLLAL = seoul(2027, 2, 4, 12, 0)  # Thursday before 설날 2027


@pytest.mark.parametrize(
    ("name", "rule", "after", "calendar", "expected"),
    [
        (
            "send ignores holidays",
            daily("send"),
            SEOLLAL,
            KOREA,
            ["02-05 09:00", "02-06 09:00", "02-07 09:00", "02-08 09:00", "02-09 09:00"],
        ),
        (
            "skip drops 설날 and the substitute day",
            daily("skip"),
            SEOLLAL,
            KOREA,
            [
                "02-05 09:00",
                "02-06 09:00 x 설날 전날",
                "02-07 09:00 x 설날",
                "02-08 09:00 x 설날 다음날",
                "02-09 09:00 x 설날 대체 휴일",
                "02-10 09:00",
                "02-11 09:00",
                "02-12 09:00",
                "02-13 09:00",
            ],
        ),
        (
            "next business day: all land on Wednesday and send once",
            daily("next_business_day"),
            SEOLLAL,
            KOREA,
            ["02-05 09:00", "02-10 09:00 <- 02-06 (설날 전날)", "02-11 09:00", "02-12 09:00"],
        ),
        (
            "previous business day: all land on Friday and send once",
            daily("previous_business_day"),
            SEOLLAL,
            KOREA,
            ["02-05 09:00", "02-10 09:00", "02-11 09:00", "02-12 09:00", "02-13 09:00"],
        ),
        (
            "weekly Tuesday on the substitute day, moved on",
            weekly("tuesday", "next_business_day"),
            SEOLLAL,
            KOREA,
            ["02-10 09:00 <- 02-09 (설날 대체 휴일)", "02-16 09:00", "02-23 09:00"],
        ),
        (
            "weekly Monday on 설날 다음날 moved back over the weekend, with Saturday's",
            weekly("monday,saturday", "previous_business_day"),
            SEOLLAL,
            KOREA,
            # Saturday 설날 전날 lands there first; Monday's time merges into it
            ["02-05 09:00 <- 02-06 (설날 전날)", "02-13 09:00", "02-15 09:00", "02-20 09:00"],
        ),
        (
            "a moved time lands before a later Saturday one, in order",
            weekly("saturday,monday", "previous_business_day"),
            seoul(2027, 2, 5, 10, 0),
            KOREA,
            ["02-13 09:00", "02-15 09:00", "02-20 09:00"],
        ),
        (
            "weekends are no holidays: a Saturday rule sends on Saturdays",
            weekly("saturday", "skip"),
            SEOLLAL,
            KOREA,
            ["02-06 09:00 x 설날 전날", "02-13 09:00", "02-20 09:00", "02-27 09:00"],
        ),
        (
            "둘째 주 화요일 is the substitute day: skipped",
            monthly(MonthDay(nth=2, weekday="tuesday"), "skip"),
            seoul(2027, 2, 1, 0, 0),
            KOREA,
            ["02-09 09:00 x 설날 대체 휴일", "03-09 09:00", "04-13 09:00", "05-11 09:00"],
        ),
        (
            "둘째 주 화요일 moved back to Friday",
            monthly(MonthDay(nth=2, weekday="tuesday"), "previous_business_day"),
            seoul(2027, 2, 1, 0, 0),
            KOREA,
            ["02-05 09:00 <- 02-09 (설날 대체 휴일)", "03-09 09:00", "04-13 09:00", "05-11 09:00"],
        ),
        (
            "day 1 on 삼일절 moved back would leave March: dropped",
            monthly(MonthDay(day=1), "previous_business_day"),
            seoul(2027, 2, 15, 0, 0),
            KOREA,
            ["03-01 09:00 x 삼일절", "04-01 09:00", "05-01 09:00 x 노동절", "06-01 09:00"],
        ),
        (
            "day 1 on 삼일절 moved on stays in March",
            monthly(MonthDay(day=1), "next_business_day"),
            seoul(2027, 2, 15, 0, 0),
            KOREA,
            ["03-02 09:00 <- 03-01 (삼일절)", "04-01 09:00", "05-04 09:00 <- 05-01 (노동절)"],
        ),
        (
            "말일 on an added day moved on would leave April (May 1-3 off): dropped",
            monthly(MonthDay(last=True), "next_business_day"),
            seoul(2027, 4, 1, 0, 0),
            COMPANY,
            ["04-30 09:00 x 창립기념일", "05-31 09:00", "06-30 09:00"],
        ),
        (
            "말일 on an added day moved back",
            monthly(MonthDay(last=True), "previous_business_day"),
            seoul(2027, 4, 1, 0, 0),
            COMPANY,
            ["04-29 09:00 <- 04-30 (창립기념일)", "05-31 09:00", "06-30 09:00"],
        ),
        (
            "a removed public holiday (어린이날) is a business day",
            weekly("wednesday", "skip"),
            seoul(2027, 5, 1, 0, 0),
            COMPANY,
            ["05-05 09:00", "05-12 09:00"],
        ),
        (
            "moved past valid_until: dropped, and the rule ends",
            daily("next_business_day", valid_until=datetime(2027, 2, 9, 23, 59)),
            SEOLLAL,
            KOREA,
            [
                "02-05 09:00",
                "02-06 09:00 x 설날 전날",
                "02-07 09:00 x 설날",
                "02-08 09:00 x 설날 다음날",
                "02-09 09:00 x 설날 대체 휴일",
            ],
        ),
        (
            "moved before valid_from: dropped",
            Rule(
                "weekly",
                time(9),
                weekdays=frozenset({"monday"}),
                valid_from=datetime(2027, 2, 6),
                holiday_policy="previous_business_day",
            ),
            SEOLLAL,
            KOREA,
            ["02-08 09:00 x 설날 다음날", "02-15 09:00", "02-22 09:00"],
        ),
        (
            "no holidays, no moves",
            daily("next_business_day"),
            SEOLLAL,
            HolidayCalendar(),
            ["02-05 09:00", "02-06 09:00", "02-07 09:00"],
        ),
    ],
)
def test_policies(
    name: str,
    rule: Rule,
    after: datetime,
    calendar: HolidayCalendar,
    expected: list[str],
) -> None:
    sends = len([e for e in expected if " x " not in e])
    if " x " in expected[-1]:  # the rule ends: ask for more to see all that is left
        sends += 1
    assert shown(plan(rule, after, SEOUL, sends, calendar)) == expected, name


def test_a_moved_time_is_found_from_after_its_own_time() -> None:
    """After 설날's own times passed, the time moved to Wednesday is still ahead."""
    rule = weekly("tuesday", "next_business_day")
    after = seoul(2027, 2, 9, 12, 0)  # the substitute day, after 09:00
    assert next_occurrence(rule, after, SEOUL, KOREA) == seoul(2027, 2, 10, 9, 0)
    assert next_occurrence(rule, seoul(2027, 2, 10, 9, 0), SEOUL, KOREA) == seoul(2027, 2, 16, 9, 0)


def test_an_added_day_is_skipped_and_a_moved_time_finishes_a_once_rule() -> None:
    once = Rule("once", time(9), date=FOUNDERS_DAY, holiday_policy="skip")
    assert next_occurrence(once, seoul(2027, 4, 1, 0, 0), SEOUL, COMPANY) is None
    assert is_finished(once, seoul(2027, 4, 1, 0, 0), SEOUL, COMPANY)
    moved = Rule("once", time(9), date=FOUNDERS_DAY, holiday_policy="next_business_day")
    # May 1 (Sat), 2 (Sun), 3 (노동절 대체 휴일): the next business day is May 4
    assert upcoming(moved, seoul(2027, 4, 1, 0, 0), SEOUL, 3, COMPANY) == [seoul(2027, 5, 4, 9, 0)]


def test_several_times_on_a_holiday_keep_their_wall_times() -> None:
    rule = Rule("daily", time(9), times=(time(9), time(18)), holiday_policy="previous_business_day")
    after = seoul(2027, 2, 5, 10, 0)
    assert upcoming(rule, after, SEOUL, 3, KOREA) == [
        seoul(2027, 2, 5, 18, 0),
        seoul(2027, 2, 10, 9, 0),
        seoul(2027, 2, 10, 18, 0),
    ]


def test_a_time_moved_out_of_a_pause_is_sent() -> None:
    """The pause ends on the holiday itself; its time, moved to the next day, is sent."""
    rule = Rule("once", time(3), date=date(2027, 3, 10), holiday_policy="next_business_day")
    calendar = HolidayCalendar({date(2027, 3, 10): "휴무일"})
    progress = Progress(paused_until=date(2027, 3, 10))
    found = upcoming(rule, seoul(2027, 3, 1, 0, 0), SEOUL, 2, calendar, progress)
    assert found == [seoul(2027, 3, 11, 3, 0)]
