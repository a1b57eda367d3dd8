"""Schedule rules (the seed's ``kb_schedule`` timing columns) and their next send times.

Pure: no clock, no I/O. The next time is computed from the occurrence just handled (or from
"now" for a new schedule), as an aware instant in the configured zone:

- occurrences are the rule's wall-clock times in ``tz``; a time inside a spring-forward gap
  fires once at the end of the gap, a time inside a fall-back fold fires once (the first);
- the validity window is compared with the local wall-clock reading of the send time, both
  ends inclusive, like the seed's polling query (``NOW() BETWEEN valid_from AND valid_until``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from itertools import islice
from typing import Literal
from zoneinfo import ZoneInfo

from scheduler.cron import to_instant, wall_times_after

WEEKDAYS: tuple[str, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
_CRON_DAY_OF_WEEK = {name: (index + 1) % 7 for index, name in enumerate(WEEKDAYS)}  # sunday=0
_SCHEDULE_TYPES = ("once", "daily", "weekly", "monthly")
ScheduleType = Literal["once", "daily", "weekly", "monthly"]
HolidayPolicy = Literal["send", "skip", "next_business_day", "previous_business_day"]
HOLIDAY_POLICIES: tuple[HolidayPolicy, ...] = (
    "send",
    "skip",
    "next_business_day",
    "previous_business_day",
)
# Longer than any spring-forward gap in tzdata (the longest, Samoa 2011, skipped one day). A
# rule time inside a gap that contains valid_from fires at the gap's end, which may be at or
# after valid_from although the rule time itself is before it.
_LONGEST_GAP = timedelta(days=2)


class RuleError(ValueError):
    """The rule cannot describe a schedule (the message names the offending field)."""


@dataclass(frozen=True, slots=True)
class MonthDay:
    """Which day of the month a monthly rule sends: ``day`` (1..31; past the month's end it
    falls on the month's last day), ``last`` (말일), or the ``nth`` (1..5, -1 the last)
    ``weekday`` ('monday'..'sunday') of the month. Exactly one of the three kinds."""

    day: int | None = None
    last: bool = False
    nth: int | None = None
    weekday: str | None = None


@dataclass(frozen=True, slots=True)
class Progress:
    """A schedule's state that filters its rule's times: ``sends_left`` scheduled sends before
    it ends (None: no limit; 0: none left), the one occurrence ``skip_at`` (naive local wall
    time) that is not sent, and ``paused_until`` (a local date; nothing is sent on or before
    it)."""

    sends_left: int | None = None
    skip_at: datetime | None = None
    paused_until: dt.date | None = None


NO_PROGRESS = Progress()


@dataclass(frozen=True, slots=True)
class Rule:
    """When a schedule sends.

    Fields that do not apply to ``schedule_type`` (``date`` for daily/weekly, ``weekdays``
    for once/daily) are ignored, as rows written by the PHP site may carry leftovers.
    """

    schedule_type: ScheduleType
    time: dt.time
    date: dt.date | None = None
    weekdays: frozenset[str] = frozenset()
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    times: tuple[dt.time, ...] = ()  # several times a day, sorted; () is just ``time``
    month_day: MonthDay | None = None  # monthly only
    holiday_policy: HolidayPolicy = "send"

    def __post_init__(self) -> None:
        object.__setattr__(self, "weekdays", frozenset(self.weekdays))
        _validate(self)


def _validate(rule: Rule) -> None:
    if rule.schedule_type not in _SCHEDULE_TYPES:
        raise RuleError(f"schedule_type must be one of {_SCHEDULE_TYPES}: {rule.schedule_type!r}")
    if not isinstance(rule.time, dt.time) or rule.time.tzinfo is not None or rule.time.microsecond:
        raise RuleError(f"time must be a naive time in whole seconds: {rule.time!r}")
    unknown = rule.weekdays.difference(WEEKDAYS)
    if unknown:
        raise RuleError(f"weekdays has unknown names {sorted(unknown)}; use {WEEKDAYS}")
    if rule.schedule_type == "once" and rule.date is None:
        raise RuleError("date is required for a once schedule")
    if rule.schedule_type == "weekly" and not rule.weekdays:
        raise RuleError("weekdays must name at least one day for a weekly schedule")
    for name in ("valid_from", "valid_until"):
        bound = getattr(rule, name)
        if bound is not None and bound.tzinfo is not None:
            raise RuleError(f"{name} must be a naive local datetime: {bound!r}")
    valid_from, valid_until = rule.valid_from, rule.valid_until
    if valid_from is not None and valid_until is not None and valid_from > valid_until:
        raise RuleError(f"valid_from {valid_from} is after valid_until {valid_until}")


def cron_expression(rule: Rule) -> str:
    """croniter's six-field expression (minute hour day month weekday second) for ``rule``.

    A once rule names its day and month; the year is not expressible and is checked by
    ``next_occurrence`` instead.
    """
    day = month = day_of_week = "*"
    if rule.schedule_type == "weekly":
        day_of_week = ",".join(str(n) for n in sorted(_CRON_DAY_OF_WEEK[d] for d in rule.weekdays))
    elif rule.schedule_type == "once":
        assert rule.date is not None  # guaranteed by validation
        day, month = str(rule.date.day), str(rule.date.month)
    return f"{rule.time.minute} {rule.time.hour} {day} {month} {day_of_week} {rule.time.second}"


def next_occurrence(rule: Rule, after: datetime, tz: ZoneInfo) -> datetime | None:
    """The first send time strictly after the aware ``after``, aware in ``tz``; None when the
    rule has no send left (a once rule already past, or the window has ended)."""
    if after.utcoffset() is None:
        raise ValueError(f"after must be timezone-aware: {after!r}")
    return _next_cached(rule, after, tz)


@lru_cache(maxsize=4096)
def _next_cached(rule: Rule, after: datetime, tz: ZoneInfo) -> datetime | None:
    # Many schedules share a rule and a due time; the answer depends on the instant only.
    return next(_occurrences(rule, after, tz), None)


def upcoming(rule: Rule, after: datetime, tz: ZoneInfo, count: int) -> list[datetime]:
    """The next ``count`` send times after ``after`` (fewer when the rule runs out)."""
    return list(islice(_occurrences(rule, after, tz), count))


def is_finished(rule: Rule, after: datetime, tz: ZoneInfo) -> bool:
    """True when no send is left after ``after`` (the schedule is then 'completed')."""
    return next_occurrence(rule, after, tz) is None


def _occurrences(rule: Rule, after: datetime, tz: ZoneInfo) -> Iterator[datetime]:
    if after.utcoffset() is None:
        raise ValueError(f"after must be timezone-aware: {after!r}")
    # Compare instants in UTC: datetimes sharing one tzinfo compare by wall time, ignoring fold.
    after_utc = after.astimezone(UTC)
    if rule.schedule_type == "once":
        assert rule.date is not None  # guaranteed by validation
        walls: Iterator[datetime] = iter([datetime.combine(rule.date, rule.time)])
    else:
        start = after.astimezone(tz).replace(tzinfo=None)
        if rule.valid_from is not None:
            start = max(start, rule.valid_from - _LONGEST_GAP)
        walls = wall_times_after(cron_expression(rule), start)
    for wall in walls:
        instant = to_instant(wall, tz)
        reading = instant.replace(tzinfo=None)
        # Readings never decrease along the walls, so the first one past the window ends it.
        if rule.valid_until is not None and reading > rule.valid_until:
            return
        if instant.astimezone(UTC) <= after_utc:
            continue  # not after `after`: a past once date, or a fold time already sent
        if rule.valid_from is not None and reading < rule.valid_from:
            continue
        yield instant
