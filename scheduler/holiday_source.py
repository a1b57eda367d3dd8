"""The process's holiday calendar: the Korean public holidays of the years around now with the
days ``kbot holiday`` added or removed (``kbot_holidays``), kept as one ``HolidayCalendar``
object until the table or the year changes.

``kbot holiday`` runs in another process, so the table is polled: at most every
``check_every_s`` on the clock a cheap fingerprint (row count, newest ``created_at``) is read,
and the calendar is rebuilt only when it moved. Between checks ``current()`` answers without
I/O, which the claim path and the services' next-time maths need (the next-time cache is
keyed on the calendar's identity, so an unchanged calendar keeps it warm)."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import Clock
from scheduler import calendar
from scheduler.calendar import HolidayCalendar
from storage import holidays

log = logging.getLogger("kbot.scheduler")

CHECK_EVERY_S = 60.0
YEARS_BEFORE = 1  # a schedule's catch-up may look back into last year
YEARS_AFTER = 2  # the next times shown (and a once rule) may lie a year or two ahead
_Stamp = tuple[int, tuple[int, datetime | None]]  # (first year, (rows, newest created_at))


class HolidaySource:
    """``current()``: the calendar in force (sync, no I/O); ``fresh()``: the same after a
    check of ``kbot_holidays`` when the last one is ``check_every_s`` old (or never ran)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        tz: ZoneInfo,
        *,
        check_every_s: float = CHECK_EVERY_S,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self._tz = tz
        self._every = check_every_s
        self._checked_at: float | None = None
        self._stamp: _Stamp | None = None
        self._calendar = calendar.korean(self._years())
        self._lock = asyncio.Lock()

    def current(self) -> HolidayCalendar:
        return self._calendar

    async def fresh(self) -> HolidayCalendar:
        """The calendar, re-read first when ``kbot_holidays`` or the year may have changed.
        A failed check keeps the calendar in force (logged) and is tried again next time."""
        now = self._clock.monotonic()
        if self._checked_at is not None and now - self._checked_at < self._every:
            return self._calendar
        async with self._lock:
            if self._checked_at is not None and now - self._checked_at < self._every:
                return self._calendar
            try:
                async with self._sessions() as session:
                    await self._check(session)
            except Exception:
                log.exception("reading kbot_holidays failed; the holiday calendar is unchanged")
            self._checked_at = now
        return self._calendar

    async def _check(self, session: AsyncSession) -> None:
        years = self._years()
        stamp: _Stamp = (years[0], await holidays.version(session))
        if stamp == self._stamp:
            return
        days = await holidays.overrides(session)
        self._calendar = calendar.korean(years, days)
        self._stamp = stamp
        log.info("holiday calendar loaded: %d days set by `kbot holiday`", len(days))

    def _years(self) -> range:
        year = self._clock.now().astimezone(self._tz).year
        return range(year - YEARS_BEFORE, year + YEARS_AFTER + 1)
