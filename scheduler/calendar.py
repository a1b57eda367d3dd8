"""The days off a holiday policy looks at: the Korean public holidays (the ``holidays``
package's KR calendar: 설날 and 추석 from the lunar calendar, substitute holidays, election
days) with the days ``kbot holiday`` added or removed. Pure: built from values, no I/O.

A calendar is compared by identity (``eq=False``): the scheduler keeps one object until the
days change, so the next-time cache keyed on it stays valid exactly that long."""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import holidays


@dataclass(frozen=True, eq=False)
class HolidayCalendar:
    days: Mapping[dt.date, str] = field(default_factory=dict)  # day off -> its name
    _sorted: tuple[dt.date, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_sorted", tuple(sorted(self.days)))

    def holiday(self, day: dt.date) -> str | None:
        """The name of the holiday on ``day``, or None on an ordinary day."""
        return self.days.get(day)

    def business_day(self, day: dt.date) -> bool:
        """Neither a weekend nor a holiday (where a moved send may land)."""
        return day.weekday() < 5 and day not in self.days

    def next_holiday(self, day: dt.date) -> dt.date | None:
        """The first holiday on or after ``day`` (how far a previous-business-day move may
        reach back is bounded by it)."""
        index = bisect.bisect_left(self._sorted, day)
        return self._sorted[index] if index < len(self._sorted) else None


NO_HOLIDAYS = HolidayCalendar()


def korean(
    years: Iterable[int], overrides: Iterable[tuple[dt.date, str, bool]] = ()
) -> HolidayCalendar:
    """The Korean public holidays of ``years`` (Korean names) changed by ``overrides``:
    ``(day, name, True)`` adds a day off, ``(day, name, False)`` makes a public holiday a
    business day. The same years and overrides give the same object (cached)."""
    return _korean(tuple(sorted(set(years))), tuple(sorted(set(overrides))))


@lru_cache(maxsize=16)
def _korean(
    years: tuple[int, ...], overrides: tuple[tuple[dt.date, str, bool], ...]
) -> HolidayCalendar:
    days: dict[dt.date, str] = dict(public_holidays(years))
    for day, name, off in overrides:
        if off:
            days[day] = name
        else:
            days.pop(day, None)
    return HolidayCalendar(days)


def public_holidays(years: Iterable[int]) -> dict[dt.date, str]:
    """The package's KR holidays of ``years`` with their Korean names (several names on one
    day are joined with ", ")."""
    found = holidays.country_holidays("KR", years=list(years), language="ko")
    return {day: ", ".join(found.get_list(day)) for day in sorted(found)}
