"""A weekly local day and time written as ``"mon 09:00"`` (the config's
``alerts.weekly_digest``), and the week it falls in. Pure."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

WEEK_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKLY = re.compile(r"(mon|tue|wed|thu|fri|sat|sun)\s+([01][0-9]|2[0-3]):([0-5][0-9])")


def weekly_time(value: str) -> tuple[int, time] | None:
    """``"mon 09:00"``: (weekday 0..6, local time); None for "" (off). ValueError otherwise."""
    text = value.strip().lower()
    if not text:
        return None
    found = _WEEKLY.fullmatch(text)
    if found is None:
        raise ValueError(
            f"'{value}' is not a day and time like 'mon 09:00' (mon..sun, 24-hour local time); "
            "empty turns the digest off"
        )
    day, hour, minute = found.groups()
    return WEEK_DAYS.index(day), time(int(hour), int(minute))


def week_start(day: date) -> date:
    """The Monday of ``day``'s week (weeks run Monday to Sunday)."""
    return day - timedelta(days=day.weekday())


def due_in_week(now: datetime, at: tuple[int, time]) -> datetime:
    """When ``at`` (weekday, time) falls in the week of ``now`` (naive local, as ``now``)."""
    day, clock = at
    return datetime.combine(week_start(now.date()) + timedelta(days=day), clock)
