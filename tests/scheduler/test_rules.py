"""Schedule rule -> next send time (scheduler.rules, scheduler.cron)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import pytest
from croniter import croniter
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.cron import to_instant
from scheduler.rules import (
    WEEKDAYS,
    Rule,
    RuleError,
    cron_expression,
    is_finished,
    next_occurrence,
    upcoming,
)

SEOUL = ZoneInfo("Asia/Seoul")
NEW_YORK = ZoneInfo("America/New_York")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")  # 30-minute DST shifts
LONDON = ZoneInfo("Europe/London")


def seoul(y: int, mo: int, d: int, h: int, mi: int, s: int = 0, us: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, us, tzinfo=SEOUL)


def new_york(y: int, mo: int, d: int, h: int, mi: int, s: int = 0, fold: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=NEW_YORK, fold=fold)


def daily(hour: int, minute: int, second: int = 0, **window: datetime) -> Rule:
    return Rule("daily", time(hour, minute, second), **window)  # type: ignore[arg-type]


def weekly(days: str, hour: int, minute: int, second: int = 0) -> Rule:
    return Rule("weekly", time(hour, minute, second), weekdays=frozenset(days.split(",")))


def once(day: date, hour: int, minute: int, **window: datetime) -> Rule:
    return Rule("once", time(hour, minute), date=day, **window)  # type: ignore[arg-type]


def utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.astimezone(UTC)


# 2026-12-04 is a Friday.
CASES = [
    ("daily later today", daily(9, 30), seoul(2026, 12, 1, 8, 0), SEOUL, seoul(2026, 12, 1, 9, 30)),
    (
        "daily strictly after",
        daily(9, 30),
        seoul(2026, 12, 1, 9, 30),
        SEOUL,
        seoul(2026, 12, 2, 9, 30),
    ),
    (
        "daily a microsecond before",
        daily(9, 30),
        seoul(2026, 12, 1, 9, 29, 59, 999999),
        SEOUL,
        seoul(2026, 12, 1, 9, 30),
    ),
    (
        "daily a fraction after",
        daily(9, 30),
        seoul(2026, 12, 1, 9, 30, 0, 1),
        SEOUL,
        seoul(2026, 12, 2, 9, 30),
    ),
    (
        "after given in UTC",
        daily(9, 30),
        datetime(2026, 12, 1, 0, 29, tzinfo=UTC),
        SEOUL,
        seoul(2026, 12, 1, 9, 30),
    ),
    (
        "after given in UTC, past the local time",
        daily(9, 30),
        datetime(2026, 12, 1, 0, 31, tzinfo=UTC),
        SEOUL,
        seoul(2026, 12, 2, 9, 30),
    ),
    (
        "seconds, one before",
        daily(9, 30, 15),
        seoul(2026, 12, 1, 9, 30, 14),
        SEOUL,
        seoul(2026, 12, 1, 9, 30, 15),
    ),
    (
        "seconds, exactly",
        daily(9, 30, 15),
        seoul(2026, 12, 1, 9, 30, 15),
        SEOUL,
        seoul(2026, 12, 2, 9, 30, 15),
    ),
    ("midnight", daily(0, 0), seoul(2026, 12, 31, 23, 59, 59), SEOUL, seoul(2027, 1, 1, 0, 0)),
    (
        "last second of day",
        daily(23, 59, 59),
        seoul(2026, 12, 1, 23, 59, 58),
        SEOUL,
        seoul(2026, 12, 1, 23, 59, 59),
    ),
    (
        "weekly Fri -> Mon",
        weekly("monday,wednesday,friday", 9, 0),
        seoul(2026, 12, 4, 9, 0),
        SEOUL,
        seoul(2026, 12, 7, 9, 0),
    ),
    (
        "weekly same day later",
        weekly("friday", 9, 0),
        seoul(2026, 12, 4, 8, 0),
        SEOUL,
        seoul(2026, 12, 4, 9, 0),
    ),
    (
        "weekly a week on",
        weekly("sunday", 23, 59, 59),
        seoul(2026, 12, 6, 23, 59, 59),
        SEOUL,
        seoul(2026, 12, 13, 23, 59, 59),
    ),
    (
        "weekly over new year",
        weekly("saturday", 10, 0),
        seoul(2026, 12, 27, 0, 0),
        SEOUL,
        seoul(2027, 1, 2, 10, 0),
    ),
    (
        "once ahead",
        once(date(2026, 12, 1), 9, 0),
        seoul(2026, 1, 1, 0, 0),
        SEOUL,
        seoul(2026, 12, 1, 9, 0),
    ),
    ("once exactly now", once(date(2026, 12, 1), 9, 0), seoul(2026, 12, 1, 9, 0), SEOUL, None),
    ("once past", once(date(2026, 12, 1), 9, 0), seoul(2026, 12, 2, 0, 0), SEOUL, None),
    (
        "once a year early",
        once(date(2027, 12, 1), 9, 0),
        seoul(2026, 12, 1, 10, 0),
        SEOUL,
        seoul(2027, 12, 1, 9, 0),
    ),
    (
        "once leap day",
        once(date(2028, 2, 29), 9, 0),
        seoul(2026, 3, 1, 0, 0),
        SEOUL,
        seoul(2028, 2, 29, 9, 0),
    ),
    (
        "valid_from inclusive",
        daily(9, 0, valid_from=datetime(2026, 12, 5, 9, 0)),
        seoul(2026, 12, 1, 0, 0),
        SEOUL,
        seoul(2026, 12, 5, 9, 0),
    ),
    (
        "valid_from a second late",
        daily(9, 0, valid_from=datetime(2026, 12, 5, 9, 0, 1)),
        seoul(2026, 12, 1, 0, 0),
        SEOUL,
        seoul(2026, 12, 6, 9, 0),
    ),
    (
        "valid_from midday, time before it",
        daily(9, 0, valid_from=datetime(2026, 12, 5, 12, 0)),
        seoul(2026, 12, 1, 0, 0),
        SEOUL,
        seoul(2026, 12, 6, 9, 0),
    ),
    (
        "valid_from midday, time after it",
        daily(13, 0, valid_from=datetime(2026, 12, 5, 12, 0)),
        seoul(2026, 12, 1, 0, 0),
        SEOUL,
        seoul(2026, 12, 5, 13, 0),
    ),
    (
        "valid_from far away",
        daily(13, 0, valid_from=datetime(2099, 6, 30, 12, 0)),
        seoul(2026, 12, 1, 0, 0),
        SEOUL,
        seoul(2099, 6, 30, 13, 0),
    ),
    (
        "valid_from already passed",
        daily(9, 0, valid_from=datetime(2026, 1, 1)),
        seoul(2026, 12, 1, 10, 0),
        SEOUL,
        seoul(2026, 12, 2, 9, 0),
    ),
    (
        "valid_until inclusive",
        daily(9, 0, valid_until=datetime(2026, 12, 5, 9, 0)),
        seoul(2026, 12, 4, 9, 0),
        SEOUL,
        seoul(2026, 12, 5, 9, 0),
    ),
    (
        "valid_until reached",
        daily(9, 0, valid_until=datetime(2026, 12, 5, 9, 0)),
        seoul(2026, 12, 5, 9, 0),
        SEOUL,
        None,
    ),
    (
        "valid_until a second early",
        daily(9, 0, valid_until=datetime(2026, 12, 5, 8, 59, 59)),
        seoul(2026, 12, 4, 9, 0),
        SEOUL,
        None,
    ),
    (
        "once before valid_from",
        once(date(2026, 12, 1), 9, 0, valid_from=datetime(2026, 12, 1, 9, 0, 1)),
        seoul(2026, 1, 1, 0, 0),
        SEOUL,
        None,
    ),
    (
        "once after valid_until",
        once(date(2026, 12, 1), 9, 0, valid_until=datetime(2026, 12, 1, 8, 59)),
        seoul(2026, 1, 1, 0, 0),
        SEOUL,
        None,
    ),
    (
        "once inside window",
        once(
            date(2026, 12, 1),
            9,
            0,
            valid_from=datetime(2026, 12, 1, 9, 0),
            valid_until=datetime(2026, 12, 1, 9, 0),
        ),
        seoul(2026, 1, 1, 0, 0),
        SEOUL,
        seoul(2026, 12, 1, 9, 0),
    ),
    # America/New_York: clocks jump 02:00 -> 03:00 on 2027-03-14, fall 02:00 -> 01:00 on 2026-11-01.
    (
        "gap shifts to its end",
        daily(2, 30),
        new_york(2027, 3, 13, 12, 0),
        NEW_YORK,
        new_york(2027, 3, 14, 3, 0),
    ),
    (
        "gap, from the shifted send",
        daily(2, 30),
        new_york(2027, 3, 14, 3, 0),
        NEW_YORK,
        new_york(2027, 3, 15, 2, 30),
    ),
    (
        "gap, last second",
        daily(2, 59, 59),
        new_york(2027, 3, 13, 12, 0),
        NEW_YORK,
        new_york(2027, 3, 14, 3, 0),
    ),
    (
        "gap start is in the gap",
        daily(2, 0),
        new_york(2027, 3, 13, 12, 0),
        NEW_YORK,
        new_york(2027, 3, 14, 3, 0),
    ),
    (
        "just after the gap",
        daily(3, 0),
        new_york(2027, 3, 14, 1, 59),
        NEW_YORK,
        new_york(2027, 3, 14, 3, 0),
    ),
    (
        "before the gap",
        daily(1, 59, 59),
        new_york(2027, 3, 14, 0, 0),
        NEW_YORK,
        new_york(2027, 3, 14, 1, 59, 59),
    ),
    (
        "weekly in the gap",
        weekly("sunday", 2, 15),
        new_york(2027, 3, 10, 0, 0),
        NEW_YORK,
        new_york(2027, 3, 14, 3, 0),
    ),
    (
        "fold fires the first",
        daily(1, 30),
        new_york(2026, 10, 31, 12, 0),
        NEW_YORK,
        new_york(2026, 11, 1, 1, 30),
    ),
    (
        "fold fires once",
        daily(1, 30),
        new_york(2026, 11, 1, 1, 30),
        NEW_YORK,
        new_york(2026, 11, 2, 1, 30),
    ),
    (
        "fold, after in the second pass",
        daily(1, 30),
        new_york(2026, 11, 1, 1, 10, fold=1),
        NEW_YORK,
        new_york(2026, 11, 2, 1, 30),
    ),
    (
        "fold, after between the passes",
        daily(1, 30),
        new_york(2026, 11, 1, 1, 40),
        NEW_YORK,
        new_york(2026, 11, 2, 1, 30),
    ),
    (
        "fold, later time in the second pass",
        daily(1, 50),
        new_york(2026, 11, 1, 1, 40, fold=1),
        NEW_YORK,
        new_york(2026, 11, 2, 1, 50),
    ),
    (
        "valid_until inside the gap",
        daily(2, 30, valid_until=datetime(2027, 3, 14, 2, 45)),
        new_york(2027, 3, 13, 12, 0),
        NEW_YORK,
        None,
    ),
    (
        "valid_from inside the gap",
        daily(2, 30, valid_from=datetime(2027, 3, 14, 2, 45)),
        new_york(2027, 3, 1, 0, 0),
        NEW_YORK,
        new_york(2027, 3, 14, 3, 0),
    ),
    (
        "valid_from at the gap end",
        daily(2, 30, valid_from=datetime(2027, 3, 14, 3, 0)),
        new_york(2027, 3, 1, 0, 0),
        NEW_YORK,
        new_york(2027, 3, 14, 3, 0),
    ),
    (
        "valid_from after the gap end",
        daily(2, 30, valid_from=datetime(2027, 3, 14, 3, 0, 1)),
        new_york(2027, 3, 1, 0, 0),
        NEW_YORK,
        new_york(2027, 3, 15, 2, 30),
    ),
    (
        "once in the gap",
        once(date(2027, 3, 14), 2, 30),
        new_york(2027, 1, 1, 0, 0),
        NEW_YORK,
        new_york(2027, 3, 14, 3, 0),
    ),
    (
        "once in the fold",
        once(date(2026, 11, 1), 1, 30),
        new_york(2026, 1, 1, 0, 0),
        NEW_YORK,
        new_york(2026, 11, 1, 1, 30),
    ),
    (
        "once in the fold, second pass",
        once(date(2026, 11, 1), 1, 30),
        new_york(2026, 11, 1, 1, 0, fold=1),
        NEW_YORK,
        None,
    ),
]


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


@pytest.mark.parametrize(
    ("rule", "start", "expected"),
    [
        (daily(9, 30, 15), datetime(2026, 12, 1), datetime(2026, 12, 1, 9, 30, 15)),
        (weekly("sunday", 9, 5, 7), datetime(2026, 12, 1), datetime(2026, 12, 6, 9, 5, 7)),
        (once(date(2026, 12, 25), 18, 0), datetime(2026, 12, 1), datetime(2026, 12, 25, 18, 0)),
    ],
)
def test_croniter_reads_the_expression_as_meant(
    rule: Rule, start: datetime, expected: datetime
) -> None:
    # seconds are the sixth field, weekday 0 is Sunday
    assert croniter(cron_expression(rule), start).get_next(datetime) == expected


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"schedule_type": "monthly", "time": time(9)}, "schedule_type"),
        ({"schedule_type": "once", "time": time(9)}, "date"),
        ({"schedule_type": "weekly", "time": time(9)}, "weekdays"),
        ({"schedule_type": "weekly", "time": time(9), "weekdays": frozenset({"mon"})}, "weekdays"),
        (
            {"schedule_type": "daily", "time": time(9), "weekdays": frozenset({"Monday"})},
            "weekdays",
        ),
        ({"schedule_type": "daily", "time": time(9, 0, 0, 500)}, "time"),
        ({"schedule_type": "daily", "time": time(9, tzinfo=UTC)}, "time"),
        ({"schedule_type": "daily", "time": timedelta(hours=9)}, "time"),
        (
            {
                "schedule_type": "daily",
                "time": time(9),
                "valid_from": datetime(2026, 1, 1, tzinfo=UTC),
            },
            "valid_from",
        ),
        (
            {
                "schedule_type": "daily",
                "time": time(9),
                "valid_until": datetime(2026, 1, 1, tzinfo=UTC),
            },
            "valid_until",
        ),
        (
            {
                "schedule_type": "daily",
                "time": time(9),
                "valid_from": datetime(2026, 1, 2),
                "valid_until": datetime(2026, 1, 1),
            },
            "valid_from",
        ),
    ],
)
def test_invalid_rules_are_rejected(fields: dict[str, object], message: str) -> None:
    with pytest.raises(RuleError, match=message):
        Rule(**fields)  # type: ignore[arg-type]


def test_rule_error_is_a_value_error() -> None:
    assert issubclass(RuleError, ValueError)


def test_fields_of_other_types_are_ignored() -> None:
    rule = Rule("daily", time(9), date=date(2020, 1, 1), weekdays=frozenset({"monday"}))
    assert cron_expression(rule) == "0 9 * * * 0"
    assert next_occurrence(rule, seoul(2026, 12, 4, 10, 0), SEOUL) == seoul(2026, 12, 5, 9, 0)


def test_weekdays_given_as_a_set_are_frozen() -> None:
    rule = Rule("weekly", time(9), weekdays={"monday"})  # type: ignore[arg-type]
    assert rule.weekdays == frozenset({"monday"})
    assert hash(rule) == hash(weekly("monday", 9, 0))


def test_naive_after_is_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_occurrence(daily(9, 0), datetime(2026, 12, 1), SEOUL)


@pytest.mark.parametrize(
    ("wall", "tz", "expected_utc"),
    [
        (datetime(2026, 12, 1, 9, 0), SEOUL, datetime(2026, 12, 1, 0, 0, tzinfo=UTC)),
        (datetime(2027, 3, 14, 2, 30), NEW_YORK, datetime(2027, 3, 14, 7, 0, tzinfo=UTC)),
        (datetime(2026, 11, 1, 1, 30), NEW_YORK, datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),
        (datetime(2026, 10, 4, 2, 10, 5), LORD_HOWE, datetime(2026, 10, 3, 15, 30, tzinfo=UTC)),
        (datetime(2026, 3, 29, 1, 0), LONDON, datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),
        # Samoa skipped 2011-12-30 entirely (a 24-hour gap).
        (
            datetime(2011, 12, 30, 9, 0),
            ZoneInfo("Pacific/Apia"),
            datetime(2011, 12, 30, 10, 0, tzinfo=UTC),
        ),
    ],
)
def test_to_instant(wall: datetime, tz: ZoneInfo, expected_utc: datetime) -> None:
    assert to_instant(wall, tz).astimezone(UTC) == expected_utc


# ---- property tests against an independent brute force -------------------------------------

# DST changes (instants) in each zone tested, and plain moments for Seoul
TRANSITIONS = {
    SEOUL: [datetime(2026, 12, 1, tzinfo=UTC), datetime(2028, 2, 28, 15, tzinfo=UTC)],
    NEW_YORK: [
        datetime(2026, 3, 8, 7, tzinfo=UTC),
        datetime(2026, 11, 1, 6, tzinfo=UTC),
        datetime(2027, 3, 14, 7, tzinfo=UTC),
        datetime(2027, 11, 7, 6, tzinfo=UTC),
    ],
    LONDON: [datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 10, 25, 1, tzinfo=UTC)],
    LORD_HOWE: [datetime(2026, 4, 4, 15, tzinfo=UTC), datetime(2026, 10, 3, 15, 30, tzinfo=UTC)],
}
DAY = timedelta(days=1)


def in_gap(wall: datetime, tz: ZoneInfo) -> bool:
    """PEP 495: in a gap fold=0 takes the (smaller) offset from before the change."""
    before, after = tz.utcoffset(wall.replace(fold=0)), tz.utcoffset(wall.replace(fold=1))
    assert before is not None and after is not None
    return before < after


def brute_instant(wall: datetime, tz: ZoneInfo) -> datetime:
    """First pass of a fold; for a wall time in a gap, the first existing minute after it
    (transitions in the zones tested fall on whole minutes)."""
    if not in_gap(wall, tz):
        return wall.replace(tzinfo=tz, fold=0)
    probe = wall.replace(second=0)
    while in_gap(probe, tz):
        probe += timedelta(minutes=1)
    return probe.replace(tzinfo=tz)


def brute_next(rule: Rule, after: datetime, tz: ZoneInfo) -> datetime | None:
    """Walk the days one by one in local time; no croniter."""
    if rule.schedule_type == "once":
        assert rule.date is not None
        days = [rule.date]
    else:
        first = after.astimezone(tz).date() - 2 * DAY
        if rule.valid_from is not None:
            first = max(first, rule.valid_from.date() - 2 * DAY)
        days = [first + n * DAY for n in range(16)]
    for day in days:
        if rule.schedule_type == "weekly" and WEEKDAYS[day.weekday()] not in rule.weekdays:
            continue
        instant = brute_instant(datetime.combine(day, rule.time), tz)
        reading = instant.replace(tzinfo=None)
        if instant.astimezone(UTC) <= after.astimezone(UTC):
            continue
        if rule.valid_from is not None and reading < rule.valid_from:
            continue
        if rule.valid_until is not None and reading > rule.valid_until:
            continue
        return instant
    return None


@st.composite
def scenarios(draw: st.DrawFn, near_dst: bool = False) -> tuple[Rule, datetime, ZoneInfo]:
    """A rule, an `after` and a zone around one of TRANSITIONS. With near_dst, the rule time is
    within an hour of a DST change's wall time (so often in its gap or fold) and `after` is in
    the day before the change."""
    tz = draw(
        st.sampled_from(
            [z for z in TRANSITIONS if z is not SEOUL] if near_dst else list(TRANSITIONS)
        )
    )
    transition = draw(st.sampled_from(TRANSITIONS[tz]))
    anchor = datetime.combine(transition.astimezone(tz).date(), time())  # naive local midnight
    near_transition = st.integers(-3600, 3600).map(
        lambda s: (transition.astimezone(tz).replace(tzinfo=None) + timedelta(seconds=s)).time()
    )
    any_time = st.builds(
        time,
        st.integers(0, 23),
        st.one_of(st.sampled_from([0, 30, 59]), st.integers(0, 59)),
        st.one_of(st.just(0), st.integers(0, 59)),
    )
    at = draw(near_transition if near_dst else st.one_of(near_transition, any_time))
    kind: Literal["once", "daily", "weekly"] = draw(st.sampled_from(["once", "daily", "weekly"]))
    weekdays = (
        draw(st.frozensets(st.sampled_from(WEEKDAYS), min_size=1))
        if kind == "weekly"
        else frozenset()
    )
    days_away = st.just(0) if near_dst else st.integers(-3, 10)
    day = (anchor + draw(days_away) * DAY).date() if kind == "once" else None

    def bound() -> datetime | None:
        return draw(
            st.one_of(
                st.none(),
                st.integers(-4 * 86400, 12 * 86400).map(lambda s: anchor + timedelta(seconds=s)),
                # exactly at, or a second around, the rule's time on some day
                st.tuples(st.integers(-4, 12), st.integers(-1, 1)).map(
                    lambda d: (
                        datetime.combine((anchor + d[0] * DAY).date(), at) + timedelta(seconds=d[1])
                    )
                ),
            )
        )

    valid_from, valid_until = bound(), bound()
    if valid_from is not None and valid_until is not None and valid_from > valid_until:
        valid_from, valid_until = valid_until, valid_from
    rule = Rule(kind, at, day, weekdays, valid_from, valid_until)
    offsets = (
        st.integers(-26 * 3600, 7200)
        if near_dst
        else st.one_of(st.integers(-3 * 86400, 3 * 86400), st.integers(-7200, 7200))
    )
    offset = draw(offsets)
    micro = draw(st.sampled_from([0, 0, 1, 999999]))
    after = transition + timedelta(seconds=offset, microseconds=micro)
    after = after.astimezone(draw(st.sampled_from([UTC, tz])))
    return rule, after, tz


@settings(max_examples=200, deadline=None)
@given(scenarios())
def test_next_occurrence_agrees_with_brute_force(scenario: tuple[Rule, datetime, ZoneInfo]) -> None:
    rule, after, tz = scenario
    assert utc(next_occurrence(rule, after, tz)) == utc(brute_next(rule, after, tz))


@settings(max_examples=200, deadline=None)
@given(scenarios(near_dst=True))
def test_next_occurrence_agrees_with_brute_force_around_dst(
    scenario: tuple[Rule, datetime, ZoneInfo],
) -> None:
    rule, after, tz = scenario
    assert utc(next_occurrence(rule, after, tz)) == utc(brute_next(rule, after, tz))


@settings(max_examples=100, deadline=None)
@given(scenarios())
def test_chained_occurrences_increase_and_follow_the_rule(
    scenario: tuple[Rule, datetime, ZoneInfo],
) -> None:
    rule, after, tz = scenario
    chain: list[datetime] = []
    previous: datetime | None = after
    while previous is not None and len(chain) < 8:
        previous = next_occurrence(rule, previous, tz)
        if previous is not None:
            chain.append(previous)
    assert upcoming(rule, after, tz, 8) == chain
    instants = [after.astimezone(UTC)] + [c.astimezone(UTC) for c in chain]
    assert instants == sorted(set(instants))  # strictly increasing
    for sent in chain:
        reading = sent.replace(tzinfo=None)
        assert rule.valid_from is None or reading >= rule.valid_from
        assert rule.valid_until is None or reading <= rule.valid_until
        if rule.schedule_type == "weekly":
            assert WEEKDAYS[reading.weekday()] in rule.weekdays
        if rule.schedule_type == "once":
            assert reading.date() == rule.date
        if reading.time() != rule.time:  # only a time inside a spring-forward gap moves
            nominal = datetime.combine(reading.date(), rule.time)
            assert (
                nominal.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None)
                != nominal
            )
            assert nominal < reading < nominal + timedelta(hours=1)
    if rule.schedule_type == "once":
        assert len(chain) <= 1
