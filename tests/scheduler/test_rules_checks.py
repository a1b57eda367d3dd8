"""Schedule rules: the cron expression, and what a rule refuses or ignores (scheduler.rules,
scheduler.cron)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from croniter import croniter

from scheduler.cron import to_instant
from scheduler.rules import (
    Rule,
    RuleError,
    cron_expression,
    next_occurrence,
)
from tests.support.rules import (
    LONDON,
    LORD_HOWE,
    NEW_YORK,
    SEOUL,
    daily,
    once,
    seoul,
    weekly,
)


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
