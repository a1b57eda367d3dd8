"""The bridge from a ``kb_schedule`` row (and its ``kbot_schedule_rules`` row, when it has
richer rules) to the pure ``Rule`` and ``Progress`` the next-time maths works on.

Both rows are untrusted input (the PHP site and anyone with SQL access write them): a value
that cannot be part of a rule raises ``RuleError`` naming the column, and the scheduler puts
the schedule in 'error' instead of guessing."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Protocol, cast

from scheduler.rules import (
    HOLIDAY_POLICIES,
    NO_PROGRESS,
    WEEKDAYS,
    HolidayPolicy,
    MonthDay,
    Progress,
    Rule,
    RuleError,
    ScheduleType,
)

MAX_TIMES = 24  # times a day one schedule may send


class RuleColumns(Protocol):
    """The timing columns of ``kb_schedule``: a ``Schedule`` or a Core row selecting them."""

    @property
    def schedule_type(self) -> str: ...
    @property
    def schedule_time(self) -> dt.time: ...
    @property
    def schedule_date(self) -> dt.date | None: ...
    @property
    def schedule_weekdays(self) -> frozenset[str] | None: ...
    @property
    def valid_from(self) -> dt.datetime: ...
    @property
    def valid_until(self) -> dt.datetime: ...


class ExtraColumns(Protocol):
    """The columns of ``kbot_schedule_rules``: a ``ScheduleRule`` or a Core row of them."""

    @property
    def kind(self) -> str | None: ...
    @property
    def month_day(self) -> int | None: ...
    @property
    def month_last(self) -> bool: ...
    @property
    def month_nth(self) -> int | None: ...
    @property
    def month_weekday(self) -> str | None: ...
    @property
    def times(self) -> str | None: ...
    @property
    def holiday_policy(self) -> str | None: ...
    @property
    def max_sends(self) -> int | None: ...
    @property
    def sends_done(self) -> int: ...
    @property
    def skip_at(self) -> dt.datetime | None: ...
    @property
    def paused_until(self) -> dt.date | None: ...


def rule_of(
    row: RuleColumns, extra: ExtraColumns | None = None, default_policy: HolidayPolicy = "send"
) -> Rule:
    """The row's rule; raises ``scheduler.rules.RuleError`` for a row that cannot fire (weekly
    without weekdays, once without a date, a monthly rule without its day), e.g. one written
    badly by another system. Without ``extra`` it is the seed's rule, holidays per
    ``default_policy``."""
    schedule_type = cast(ScheduleType, row.schedule_type)
    if extra is not None and extra.kind is not None:
        if extra.kind != "monthly":
            raise RuleError(f"kbot_schedule_rules.kind must be 'monthly' or NULL: {extra.kind!r}")
        schedule_type = "monthly"
    return Rule(
        schedule_type=schedule_type,
        time=row.schedule_time,
        date=row.schedule_date if schedule_type == "once" else None,
        weekdays=frozenset(row.schedule_weekdays or ())
        if schedule_type == "weekly"
        else frozenset(),
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        times=_times(extra.times) if extra is not None and extra.times else (),
        month_day=_month_day(extra) if schedule_type == "monthly" and extra else None,
        holiday_policy=_policy(extra.holiday_policy if extra else None, default_policy),
    )


def progress_of(extra: ExtraColumns | None) -> Progress:
    """What filters the rule's times: sends left of ``횟수``, the one skipped time, the pause."""
    if extra is None:
        return NO_PROGRESS
    left = None
    if extra.max_sends is not None:
        if extra.max_sends < 1 or extra.sends_done < 0:
            raise RuleError(f"max_sends {extra.max_sends} / sends_done {extra.sends_done}")
        left = max(0, extra.max_sends - extra.sends_done)
    return Progress(sends_left=left, skip_at=extra.skip_at, paused_until=extra.paused_until)


def fingerprint(row: RuleColumns) -> str:
    """A digest of the seed's timing columns: kbot stores it with a richer rule, and a row
    whose digest no longer matches was edited by someone else (the PHP site). ``updated_at``
    cannot tell: MariaDB moves it (ON UPDATE CURRENT_TIMESTAMP) on kbot's own writes too."""
    days = ",".join(d for d in WEEKDAYS if d in (row.schedule_weekdays or ()))
    parts = (
        row.schedule_type,
        str(row.schedule_date) if row.schedule_type == "once" else "",
        row.schedule_time.isoformat(),
        days if row.schedule_type == "weekly" else "",
        row.valid_from.isoformat(),
        row.valid_until.isoformat(),
    )
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _times(raw: str) -> tuple[dt.time, ...]:
    try:
        times = sorted({dt.time.fromisoformat(part.strip()) for part in raw.split(",")})
    except ValueError:
        raise RuleError(f"kbot_schedule_rules.times is not a list of HH:MM: {raw!r}") from None
    if not 1 <= len(times) <= MAX_TIMES or any(t.tzinfo or t.microsecond for t in times):
        raise RuleError(f"kbot_schedule_rules.times must hold 1..{MAX_TIMES} times: {raw!r}")
    return tuple(times)


def _month_day(extra: ExtraColumns) -> MonthDay:
    day, last = extra.month_day, extra.month_last
    nth, weekday = extra.month_nth, extra.month_weekday
    if day is not None and not last and nth is None and 1 <= day <= 31:
        return MonthDay(day=day)
    if last and day is None and nth is None:
        return MonthDay(last=True)
    if day is None and not last and nth in (1, 2, 3, 4, 5, -1) and weekday in WEEKDAYS:
        return MonthDay(nth=nth, weekday=weekday)
    raise RuleError(
        "a monthly rule needs exactly one of month_day (1..31), month_last, or month_nth "
        f"(1..5, -1) with month_weekday: {day!r}, {last!r}, {nth!r}, {weekday!r}"
    )


def _policy(value: str | None, default: HolidayPolicy) -> HolidayPolicy:
    if value is None:
        return default
    if value not in HOLIDAY_POLICIES:
        raise RuleError(f"holiday_policy must be one of {HOLIDAY_POLICIES}: {value!r}")
    return cast(HolidayPolicy, value)
