"""A schedule's Progress filtering its rule's times (scheduler.rules): end after N sends,
skip the next time once, pause until a date (inclusive), and how plan() shows them."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from scheduler.calendar import korean
from scheduler.rules import (
    MonthDay,
    Progress,
    Rule,
    is_finished,
    next_occurrence,
    plan,
    upcoming,
)
from tests.support.rules import SEOUL, seoul

DAILY = Rule("daily", time(9))
THREE = Rule("daily", time(9), times=(time(9), time(13), time(18)))
AFTER = seoul(2027, 1, 4, 10, 0)  # Monday


def hours(times: list[datetime]) -> list[str]:
    return [t.strftime("%m-%d %H:%M") for t in times]


@pytest.mark.parametrize(
    ("rule", "progress", "expected"),
    [
        (DAILY, Progress(sends_left=3), ["01-05 09:00", "01-06 09:00", "01-07 09:00"]),
        (DAILY, Progress(sends_left=1), ["01-05 09:00"]),
        (DAILY, Progress(sends_left=0), []),
        (THREE, Progress(sends_left=2), ["01-04 13:00", "01-04 18:00"]),
        (
            DAILY,
            Progress(skip_at=datetime(2027, 1, 5, 9, 0)),
            ["01-06 09:00", "01-07 09:00", "01-08 09:00", "01-09 09:00"],
        ),
        (
            THREE,
            Progress(skip_at=datetime(2027, 1, 4, 18, 0)),
            ["01-04 13:00", "01-05 09:00", "01-05 13:00", "01-05 18:00"],
        ),
        (
            DAILY,
            Progress(paused_until=date(2027, 1, 6)),
            ["01-07 09:00", "01-08 09:00", "01-09 09:00", "01-10 09:00"],
        ),
        (
            DAILY,
            Progress(paused_until=date(2026, 12, 31)),  # over already
            ["01-05 09:00", "01-06 09:00", "01-07 09:00", "01-08 09:00"],
        ),
        (
            DAILY,
            Progress(sends_left=2, skip_at=datetime(2027, 1, 7, 9), paused_until=date(2027, 1, 5)),
            ["01-06 09:00", "01-08 09:00"],
        ),
        (
            Rule("monthly", time(9), month_day=MonthDay(day=15)),
            Progress(paused_until=date(2099, 12, 31)),
            ["2100-01-15"],
        ),
    ],
)
def test_progress_filters(rule: Rule, progress: Progress, expected: list[str]) -> None:
    found = upcoming(rule, AFTER, SEOUL, 4, progress=progress)
    if expected and len(expected[0]) == 10:  # a date far away
        assert [t.date().isoformat() for t in found[:1]] == expected
    else:
        assert hours(found) == expected


def test_end_after_n() -> None:
    progress = Progress(sends_left=1)
    assert not is_finished(DAILY, AFTER, SEOUL, progress=progress)
    assert is_finished(DAILY, AFTER, SEOUL, progress=Progress(sends_left=0))
    assert next_occurrence(DAILY, AFTER, SEOUL, progress=progress) == seoul(2027, 1, 5, 9, 0)


def test_skip_once_names_the_one_after() -> None:
    """`!스케줄 건너뛰기`: skip_at is the next time; the reply names the one after it."""
    skipped = next_occurrence(THREE, AFTER, SEOUL)
    assert skipped == seoul(2027, 1, 4, 13, 0)
    progress = Progress(skip_at=skipped.replace(tzinfo=None))
    assert next_occurrence(THREE, AFTER, SEOUL, progress=progress) == seoul(2027, 1, 4, 18, 0)


def test_plan_marks_skip_pause_and_holidays() -> None:
    calendar = korean([2027])
    rule = Rule("daily", time(9), holiday_policy="skip")
    progress = Progress(skip_at=datetime(2027, 2, 10, 9), paused_until=date(2027, 2, 3))
    planned = plan(rule, seoul(2027, 2, 1, 10, 0), SEOUL, 3, calendar, progress)
    assert [(p.at.strftime("%m-%d"), p.sent, p.reason, p.holiday) for p in planned] == [
        ("02-02", False, "pause", None),
        ("02-03", False, "pause", None),
        ("02-04", True, None, None),
        ("02-05", True, None, None),
        ("02-06", False, "holiday", "설날 전날"),
        ("02-07", False, "holiday", "설날"),
        ("02-08", False, "holiday", "설날 다음날"),
        ("02-09", False, "holiday", "설날 대체 휴일"),
        ("02-10", False, "skip", None),
        ("02-11", True, None, None),
    ]


def test_plan_shows_a_long_pause_by_its_first_times() -> None:
    progress = Progress(paused_until=date(2027, 12, 31))
    planned = plan(DAILY, AFTER, SEOUL, 2, progress=progress)
    assert [(p.at.strftime("%Y-%m-%d"), p.reason) for p in planned] == [
        ("2027-01-05", "pause"),
        ("2027-01-06", "pause"),
        ("2028-01-01", None),
        ("2028-01-02", None),
    ]


def test_progress_is_a_cache_key() -> None:
    assert hash(Progress(sends_left=1)) == hash(Progress(sends_left=1))
    one = next_occurrence(DAILY, AFTER, SEOUL, progress=Progress(skip_at=datetime(2027, 1, 5, 9)))
    assert one == seoul(2027, 1, 6, 9, 0)
    assert next_occurrence(DAILY, AFTER, SEOUL) == seoul(2027, 1, 5, 9, 0)
