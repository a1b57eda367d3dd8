"""The days ``kbot holiday`` changes in the Korean public holidays (``kbot_holidays``): a day
off added (임시공휴일, a company day off; ``off``) or a public holiday made a business day
(not ``off``). Every change is audited; ``created_at`` moves on each, so a process can see
that the table changed from its row count and newest ``created_at``."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import extract, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.timeutil import to_utc_naive
from storage import audit
from storage.kbot_models import HolidayDay

ENTITY = "holiday"


async def set_day(
    session: AsyncSession, day: date, name: str, off: bool, *, at: datetime, actor: str
) -> bool:
    """Record ``day`` as a day off (``off``) or a business day, named ``name``; audited.
    False, with nothing written, when it is recorded so already."""
    row = await session.get(HolidayDay, day)
    before = audit.snapshot(row) if row is not None else None
    if row is not None and (row.name, row.off) == (name[:100], off):
        return False
    if row is None:
        row = HolidayDay(day=day)
        session.add(row)
    row.name, row.off, row.actor, row.created_at = name[:100], off, actor[:120], to_utc_naive(at)
    await session.flush()
    action = "holiday_add" if off else "holiday_remove"
    audit.record(
        session,
        at=at,
        actor=actor,
        action=action,
        entity=ENTITY,
        entity_id=day.isoformat(),
        before=before,
        after=audit.snapshot(row),
    )
    return True


async def delete_day(session: AsyncSession, day: date, *, at: datetime, actor: str) -> bool:
    """Forget what was recorded for ``day`` (the public calendar applies again); audited.
    False when nothing was recorded."""
    row = await session.get(HolidayDay, day)
    if row is None:
        return False
    before = audit.snapshot(row)
    await session.delete(row)
    await session.flush()
    audit.record(
        session,
        at=at,
        actor=actor,
        action="holiday_forget",
        entity=ENTITY,
        entity_id=day.isoformat(),
        before=before,
    )
    return True


async def get_day(session: AsyncSession, day: date) -> HolidayDay | None:
    return await session.get(HolidayDay, day)


async def list_days(session: AsyncSession, year: int | None = None) -> list[HolidayDay]:
    """The recorded days (of ``year`` when given), in date order."""
    query = select(HolidayDay).order_by(HolidayDay.day)
    if year is not None:
        query = query.where(extract("year", HolidayDay.day) == year)
    return list(await session.scalars(query))


async def overrides(session: AsyncSession) -> list[tuple[date, str, bool]]:
    """Every recorded day as ``scheduler.calendar.korean``'s overrides."""
    return [(row.day, row.name, row.off) for row in await list_days(session)]


async def version(session: AsyncSession) -> tuple[int, datetime | None]:
    """(row count, newest ``created_at``): changes whenever a day is added, changed or
    forgotten, for a cheap check before reloading the calendar."""
    found = await session.execute(
        select(func.count(), func.max(HolidayDay.created_at)).select_from(HolidayDay)
    )
    count, newest = found.one()
    return int(count), newest
