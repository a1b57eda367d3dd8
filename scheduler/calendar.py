"""The days off a holiday policy looks at: the Korean public holidays (the ``holidays``
package's KR calendar: 설날 and 추석 from the lunar calendar, substitute holidays, election
days) with the days ``kbot holiday`` added or removed. Pure: built from values, no I/O.

A calendar is compared by identity (``eq=False``): the scheduler keeps one object until the
days change, so the next-time cache keyed on it stays valid exactly that long."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, eq=False)
class HolidayCalendar:
    days: Mapping[dt.date, str] = field(default_factory=dict)  # day off -> its name

    def holiday(self, day: dt.date) -> str | None:
        """The name of the holiday on ``day``, or None on an ordinary day."""
        return self.days.get(day)

    def business_day(self, day: dt.date) -> bool:
        """Neither a weekend nor a holiday (where a moved send may land)."""
        return day.weekday() < 5 and day not in self.days


NO_HOLIDAYS = HolidayCalendar()
