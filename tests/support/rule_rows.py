"""Writing ``kbot_schedule_rules`` rows directly, as the PHP site or a SQL user would (and as
kbot's own services do), ``kbot_holidays`` rows as ``kbot holiday`` does, and reading back."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from scheduler.schedule_rule import fingerprint
from storage import holidays
from storage.kbot_models import ScheduleRule
from storage.models import Schedule


async def add_rule(
    sessions: async_sessionmaker[AsyncSession], schedule_id: int, **values: Any
) -> None:
    """A rules row for the schedule, fingerprinted with its seed columns as they are now."""
    async with sessions() as s, s.begin():
        row = await s.get(Schedule, schedule_id)
        assert row is not None
        values.setdefault("seed_fingerprint", fingerprint(row))
        s.add(ScheduleRule(schedule_id=schedule_id, updated_at=datetime(2026, 1, 1), **values))


async def rule_of_row(
    sessions: async_sessionmaker[AsyncSession], schedule_id: int
) -> ScheduleRule | None:
    async with sessions() as s:
        return await s.get(ScheduleRule, schedule_id)


async def schedule(sessions: async_sessionmaker[AsyncSession], schedule_id: int) -> Schedule:
    async with sessions() as s:
        row = await s.scalar(select(Schedule).where(Schedule.id == schedule_id))
        assert row is not None
        return row


async def add_holiday(
    sessions: async_sessionmaker[AsyncSession], day: date, name: str, *, off: bool = True
) -> None:
    """What ``kbot holiday add`` does (``off=False``: ``remove`` of a public holiday)."""
    async with sessions() as s, s.begin():
        await holidays.set_day(s, day, name, off, at=datetime.now(UTC), actor="cli")
