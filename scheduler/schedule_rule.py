"""The bridge from a ``kb_schedule`` row to the pure ``Rule`` the next-time maths works on."""

from __future__ import annotations

from typing import Literal, cast

from scheduler.rules import Rule
from storage.models import Schedule


def rule_of(row: Schedule) -> Rule:
    """The row's rule; raises ``scheduler.rules.RuleError`` for a row that cannot fire (weekly
    without weekdays, once without a date), e.g. one written badly by another system."""
    return Rule(
        schedule_type=cast(Literal["once", "daily", "weekly"], row.schedule_type),
        time=row.schedule_time,
        date=row.schedule_date if row.schedule_type == "once" else None,
        weekdays=frozenset(row.schedule_weekdays or ())
        if row.schedule_type == "weekly"
        else frozenset(),
        valid_from=row.valid_from,
        valid_until=row.valid_until,
    )
