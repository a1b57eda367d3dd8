"""Schedule rule -> next send time (scheduler.rules, scheduler.cron)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduler.rules import (
    Rule,
    cron_expression,
    is_finished,
    next_occurrence,
    upcoming,
)
from tests.support.rules import (
    CASES,
    NEW_YORK,
    SEOUL,
    daily,
    new_york,
    once,
    seoul,
    utc,
    weekly,
)


@pytest.mark.parametrize(
    ("rule", "after", "tz", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_next_occurrence(
    rule: Rule, after: datetime, tz: ZoneInfo, expected: datetime | None
) -> None:
    result = next_occurrence(rule, after, tz)
    assert utc(result) == utc(expected)
    if result is not None:
        assert result.tzinfo is tz
        assert result.fold == 0


def test_fall_back_day_sends_once_then_daily_at_the_local_time() -> None:
    sends = upcoming(daily(1, 30), new_york(2026, 10, 31, 12, 0), NEW_YORK, 3)
    assert [s.astimezone(UTC) for s in sends] == [
        datetime(2026, 11, 1, 5, 30, tzinfo=UTC),  # 01:30 EDT, the first pass
        datetime(2026, 11, 2, 6, 30, tzinfo=UTC),  # 01:30 EST
        datetime(2026, 11, 3, 6, 30, tzinfo=UTC),
    ]


def test_spring_forward_day_sends_once_at_the_gap_end() -> None:
    sends = upcoming(daily(2, 30), new_york(2027, 3, 13, 0, 0), NEW_YORK, 3)
    assert [s.astimezone(UTC) for s in sends] == [
        datetime(2027, 3, 13, 7, 30, tzinfo=UTC),  # 02:30 EST
        datetime(2027, 3, 14, 7, 0, tzinfo=UTC),  # 03:00 EDT, the end of the gap
        datetime(2027, 3, 15, 6, 30, tzinfo=UTC),  # 02:30 EDT
    ]


def test_seoul_sends_at_the_same_local_time_all_year() -> None:
    rule = weekly("monday", 9, 30)
    sends = upcoming(rule, seoul(2026, 1, 1, 0, 0), SEOUL, 53)
    assert {(s.hour, s.minute, s.second, s.strftime("%A").lower()) for s in sends} == {
        (9, 30, 0, "monday")
    }
    assert {s.utcoffset() for s in sends} == {timedelta(hours=9)}
    assert sends[0] == seoul(2026, 1, 5, 9, 30)
    assert sends[-1] == seoul(2027, 1, 4, 9, 30)


def test_upcoming_stops_when_the_window_ends() -> None:
    rule = daily(9, 0, valid_from=datetime(2026, 12, 1), valid_until=datetime(2026, 12, 3, 23, 59))
    sends = upcoming(rule, seoul(2026, 11, 1, 0, 0), SEOUL, 5)
    assert sends == [seoul(2026, 12, 1, 9, 0), seoul(2026, 12, 2, 9, 0), seoul(2026, 12, 3, 9, 0)]


@pytest.mark.parametrize("count", [0, 1, 4])
def test_upcoming_returns_count_items(count: int) -> None:
    sends = upcoming(weekly("tuesday,thursday", 18, 0), seoul(2026, 12, 1, 18, 0), SEOUL, count)
    expected = [
        seoul(2026, 12, 3, 18, 0),
        seoul(2026, 12, 8, 18, 0),
        seoul(2026, 12, 10, 18, 0),
        seoul(2026, 12, 15, 18, 0),
    ]
    assert sends == expected[:count]


@pytest.mark.parametrize(
    ("rule", "after", "finished"),
    [
        (once(date(2026, 12, 1), 9, 0), seoul(2026, 12, 1, 8, 59), False),
        (once(date(2026, 12, 1), 9, 0), seoul(2026, 12, 1, 9, 0), True),
        (daily(9, 0, valid_until=datetime(2026, 12, 31, 9, 0)), seoul(2026, 12, 31, 8, 0), False),
        (daily(9, 0, valid_until=datetime(2026, 12, 31, 9, 0)), seoul(2026, 12, 31, 9, 0), True),
        (weekly("friday", 9, 0), seoul(2099, 12, 31, 9, 0), False),
    ],
)
def test_is_finished(rule: Rule, after: datetime, finished: bool) -> None:
    assert is_finished(rule, after, SEOUL) is finished


@pytest.mark.parametrize(
    ("rule", "expression"),
    [
        (daily(9, 30), "30 9 * * * 0"),
        (daily(0, 0, 59), "0 0 * * * 59"),
        (weekly("saturday,sunday,monday", 9, 5, 7), "5 9 * * 0,1,6 7"),
        (weekly("friday", 23, 59, 59), "59 23 * * 5 59"),
        (once(date(2026, 12, 1), 9, 0), "0 9 1 12 * 0"),
    ],
)
def test_cron_expression(rule: Rule, expression: str) -> None:
    assert cron_expression(rule) == expression
