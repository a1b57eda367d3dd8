"""The bridge from a ``kb_schedule`` row to the pure ``Rule`` the next-time maths works on."""

from __future__ import annotations

import datetime as dt
from typing import Literal, Protocol, cast

from scheduler.rules import Rule


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


def rule_of(row: RuleColumns) -> Rule:
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
