"""A rule's own wall-clock times (before holidays, counts, skips and pauses), from croniter.

Each rule becomes one or a few six-field cron expressions (minute hour day month weekday
second): the day fields carry the rule's kind (a weekday list, a day of month, ``L`` for the
month's last day, ``2#2`` for the second Tuesday, ``L5`` for the last Friday) and the time
fields its times of day, as lists when the times form a product (09:00 and 09:30 with 18:00
and 18:30) or else one expression per time, merged.
"""

from __future__ import annotations

import calendar
import datetime as dt
import heapq
from collections.abc import Iterator
from datetime import datetime

from scheduler.cron import wall_times_after
from scheduler.rule_model import WEEKDAYS, MonthDay, Rule

CRON_DAY_OF_WEEK = {name: (index + 1) % 7 for index, name in enumerate(WEEKDAYS)}  # sunday=0
_FALLBACK_FROM = 29  # a day of month from which some months have no such day


def cron_expression(rule: Rule) -> str:
    """croniter's six-field expression for a rule's first time of day.

    A once rule names its day and month; the year is not expressible and is checked by the
    caller instead.
    """
    return cron_expressions(rule)[0]


def cron_expressions(rule: Rule) -> list[str]:
    """The expressions whose merged times are the rule's times (before the monthly fallback
    filter of ``base_walls``)."""
    days = _day_fields(rule)
    times = rule.day_times
    hours, minutes, seconds = (sorted({getattr(t, f) for t in times}) for f in _TIME_FIELDS)
    if len(hours) * len(minutes) * len(seconds) == len(times):  # times form a product
        return [f"{_list(minutes)} {_list(hours)} {days} {_list(seconds)}"]
    return [f"{t.minute} {t.hour} {days} {t.second}" for t in times]


_TIME_FIELDS = ("hour", "minute", "second")


def _list(values: list[int]) -> str:
    return ",".join(str(v) for v in values)


def _day_fields(rule: Rule) -> str:
    """The day-of-month, month and day-of-week fields."""
    if rule.schedule_type == "weekly":
        return "* * " + _list(sorted(CRON_DAY_OF_WEEK[d] for d in rule.weekdays))
    if rule.schedule_type == "once":
        assert rule.date is not None  # guaranteed by validation
        return f"{rule.date.day} {rule.date.month} *"
    if rule.schedule_type == "monthly":
        assert rule.month_day is not None  # guaranteed by validation
        return _month_fields(rule.month_day)
    return "* * *"


def _month_fields(month_day: MonthDay) -> str:
    if month_day.last:
        return "L * *"
    if month_day.day is not None:
        # Day 29..31 also takes L (the last day); base_walls keeps L only in shorter months.
        day = month_day.day
        return f"{day},L * *" if day >= _FALLBACK_FROM else f"{day} * *"
    assert month_day.nth is not None  # validated
    assert month_day.weekday is not None
    weekday = CRON_DAY_OF_WEEK[month_day.weekday]
    return f"* * L{weekday}" if month_day.nth == -1 else f"* * {weekday}#{month_day.nth}"


def base_walls(rule: Rule, start: datetime) -> Iterator[datetime]:
    """The rule's naive wall-clock times strictly after the naive ``start``, in order."""
    if rule.schedule_type == "once":
        assert rule.date is not None  # guaranteed by validation
        return iter([w for t in rule.day_times if (w := datetime.combine(rule.date, t)) > start])
    streams = [wall_times_after(e, start) for e in cron_expressions(rule)]
    walls = streams[0] if len(streams) == 1 else heapq.merge(*streams)
    day = rule.month_day.day if rule.month_day is not None else None
    if rule.schedule_type == "monthly" and day is not None and day >= _FALLBACK_FROM:
        return _month_day_or_last(walls, day)
    return walls


def _month_day_or_last(walls: Iterator[datetime], day: int) -> Iterator[datetime]:
    """Day ``day`` of each month, or the month's last day when the month is shorter."""
    for wall in walls:
        if wall.day == day or wall.day == _month_length(wall.date()) < day:
            yield wall


def _month_length(day: dt.date) -> int:
    return calendar.monthrange(day.year, day.month)[1]
