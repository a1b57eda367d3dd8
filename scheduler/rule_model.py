"""The values the next-time maths works on: a schedule's ``Rule`` (when it sends), its
``Progress`` (what filters those times), and a ``Planned`` time for display. Validation lives
here so that a ``Rule`` that exists can always fire."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

WEEKDAYS: tuple[str, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)
_SCHEDULE_TYPES = ("once", "daily", "weekly", "monthly")
ScheduleType = Literal["once", "daily", "weekly", "monthly"]
HolidayPolicy = Literal["send", "skip", "next_business_day", "previous_business_day"]
HOLIDAY_POLICIES: tuple[HolidayPolicy, ...] = (
    "send",
    "skip",
    "next_business_day",
    "previous_business_day",
)
NTH_WEEKS = (1, 2, 3, 4, 5, -1)  # -1: the last such weekday of the month
Reason = Literal["holiday", "skip", "pause"]


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

    def __post_init__(self) -> None:
        kinds = (self.day is not None) + self.last + (self.nth is not None)
        if kinds != 1:
            raise RuleError(f"month_day needs exactly one of day, last or nth: {self!r}")
        if self.day is not None and not 1 <= self.day <= 31:
            raise RuleError(f"month_day day must be 1..31: {self.day!r}")
        if self.nth is not None and (self.nth not in NTH_WEEKS or self.weekday not in WEEKDAYS):
            raise RuleError(f"month_day nth must be one of {NTH_WEEKS} with a weekday: {self!r}")
        if self.nth is None and self.weekday is not None:
            raise RuleError(f"month_day weekday needs nth: {self!r}")


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
class Planned:
    """One time of a plan: a send (``sent``; ``moved_from`` the rule's own time when a holiday
    moved it), or a time that is not sent (``at`` is its own time) for ``reason``. ``holiday``
    names the holiday that moved or dropped it."""

    at: datetime
    sent: bool
    moved_from: datetime | None = None
    holiday: str | None = None
    reason: Reason | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """When a schedule sends.

    Fields that do not apply to ``schedule_type`` (``date`` for daily/weekly/monthly,
    ``weekdays`` for once/daily/monthly) are ignored, as rows written by the PHP site may
    carry leftovers. ``times`` (sorted, distinct) replaces ``time`` when given.
    """

    schedule_type: ScheduleType
    time: dt.time
    date: dt.date | None = None
    weekdays: frozenset[str] = frozenset()
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    times: tuple[dt.time, ...] = ()  # several times a day; () is just ``time``
    month_day: MonthDay | None = None  # monthly only
    holiday_policy: HolidayPolicy = "send"

    def __post_init__(self) -> None:
        object.__setattr__(self, "weekdays", frozenset(self.weekdays))
        _validate(self)
        object.__setattr__(self, "times", tuple(sorted(set(self.times))))

    @property
    def day_times(self) -> tuple[dt.time, ...]:
        """The times of day the rule sends at, sorted."""
        return self.times or (self.time,)


def _validate(rule: Rule) -> None:
    if rule.schedule_type not in _SCHEDULE_TYPES:
        raise RuleError(f"schedule_type must be one of {_SCHEDULE_TYPES}: {rule.schedule_type!r}")
    for name, value in [("time", rule.time), *(("times", t) for t in rule.times)]:
        if not isinstance(value, dt.time) or value.tzinfo is not None or value.microsecond:
            raise RuleError(f"{name} must be a naive time in whole seconds: {value!r}")
    unknown = rule.weekdays.difference(WEEKDAYS)
    if unknown:
        raise RuleError(f"weekdays has unknown names {sorted(unknown)}; use {WEEKDAYS}")
    if rule.schedule_type == "once" and rule.date is None:
        raise RuleError("date is required for a once schedule")
    if rule.schedule_type == "weekly" and not rule.weekdays:
        raise RuleError("weekdays must name at least one day for a weekly schedule")
    if rule.schedule_type == "monthly" and not isinstance(rule.month_day, MonthDay):
        raise RuleError("month_day is required for a monthly schedule_type")
    if rule.holiday_policy not in HOLIDAY_POLICIES:
        raise RuleError(
            f"holiday_policy must be one of {HOLIDAY_POLICIES}: {rule.holiday_policy!r}"
        )
    for name in ("valid_from", "valid_until"):
        bound = getattr(rule, name)
        if bound is not None and bound.tzinfo is not None:
            raise RuleError(f"{name} must be a naive local datetime: {bound!r}")
    valid_from, valid_until = rule.valid_from, rule.valid_until
    if valid_from is not None and valid_until is not None and valid_from > valid_until:
        raise RuleError(f"valid_from {valid_from} is after valid_until {valid_until}")
