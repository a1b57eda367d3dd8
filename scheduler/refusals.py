"""Access refusals told once. A send refused because its room or an org is not in force
(``scheduler.room_access``) is logged 'failed' every time, yet a room left inactive for a
week must not alert at every occurrence: the alert goes out only when the refusal is new,
that is when the schedule's previous log row does not carry the same error. Reading it from
``kb_schedule_logs`` (not from memory) keeps the rule across restarts and across processes
sharing the database; a success or any other outcome in between makes the next refusal new.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ScheduleLog


async def new_refusals(
    session: AsyncSession, written: Iterable[tuple[int, int, str | None]]
) -> set[int]:
    """The log ids among ``written`` ((schedule id, log id just written, its error)) whose
    schedule's previous log row, by id, holds another error or does not exist."""
    fresh: set[int] = set()
    for schedule_id, log_id, error in written:
        previous = await session.scalar(
            select(ScheduleLog.error_message)
            .where(ScheduleLog.schedule_id == schedule_id, ScheduleLog.id < log_id)
            .order_by(ScheduleLog.id.desc())
            .limit(1)
        )
        if previous != error:  # no previous row, or a success, reads as None
            fresh.add(log_id)
    return fresh
