"""Which times of one schedule are due at a claim: pure, from its rule, the holiday calendar
and its progress (the sends left of a count, a skipped time, a pause).

A skipped or paused time is not a time of the rule at all (``next_occurrence`` filters it),
so it is neither sent nor logged as missed; each due time uses up one of the sends left, so
a count of N ends after the N-th time whether it was sent or missed."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core.timeutil import to_local_naive
from scheduler.calendar import HolidayCalendar
from scheduler.rules import Progress, Rule, next_occurrence

MAX_CATCH_UP = 1000  # due times one claim looks at per schedule (after a long downtime)
Timing = tuple[list[datetime], datetime | None]  # due times (naive local), the next time
_SECOND = timedelta(seconds=1)


def first_time(
    rule: Rule,
    stored: datetime | None,
    since: datetime,
    tz: ZoneInfo,
    calendar: HolidayCalendar,
    progress: Progress,
    *,
    recheck: bool,
) -> datetime | None:
    """The schedule's first time to look at: ``stored`` (its aware ``next_send_at``), or the
    rule's first time at or after ``since`` when none is stored. With ``recheck`` a stored
    time is first checked against the calendar and the progress (a day off added, a skip or
    a pause set since it was written): it is then the rule's first time at or after it."""
    if stored is None:
        return next_occurrence(rule, since - _SECOND, tz, calendar, progress)
    if recheck:
        return next_occurrence(rule, stored - _SECOND, tz, calendar, progress)
    return stored


def due_times(
    rule: Rule,
    first: datetime | None,
    now: datetime,
    tz: ZoneInfo,
    calendar: HolidayCalendar,
    progress: Progress,
) -> Timing:
    """The times from ``first`` up to ``now`` (naive local, oldest first, at most
    ``MAX_CATCH_UP``) and the schedule's next time after them (None: none is left)."""
    due: list[datetime] = []
    at = first
    while at is not None and at <= now and len(due) < MAX_CATCH_UP:
        due.append(to_local_naive(at, tz))
        progress = _spent(progress)
        at = next_occurrence(rule, at, tz, calendar, progress)
    if at is not None and at <= now:  # more missed than MAX_CATCH_UP: not all logged
        at = next_occurrence(rule, now, tz, calendar, progress)
    return due, at


def _spent(progress: Progress) -> Progress:
    """``progress`` after one more due time: one send fewer left (when counted)."""
    if progress.sends_left is None:
        return progress
    return replace(progress, sends_left=max(0, progress.sends_left - 1))
