"""Rules, wall-clock helpers and the table of next-send cases shared by the rule tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from scheduler.rules import (
    Rule,
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
