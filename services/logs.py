"""Send-log reads for the logs and stats pages, limited to what an admin may see: a log row
counts when both its schedule's room and the room it went to belong to a visible org
(headquarters, ``org_ids`` None, sees everything, unregistered rooms included)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.kbot_models import Room
from storage.models import Schedule, ScheduleLog
from storage.send_kinds import KIND, NOT_TEST, with_kind

OwnerRoom = aliased(Room, name="owner_room")
TargetRoom = aliased(Room, name="target_room")


@dataclass(frozen=True, slots=True)
class LogFilter:
    status: str | None = None
    room: str | None = None  # the chat_id the log went to
    day: date | None = None  # local date of scheduled_at


@dataclass(frozen=True, slots=True)
class LogRow:
    log: ScheduleLog
    title: str
    room_name: str | None
    kind: str  # scheduled | manual | test


@dataclass(frozen=True, slots=True)
class RoomStats:
    room_id: str
    room_name: str | None
    success: int
    failed: int  # failed and partial

    @property
    def total(self) -> int:
        return self.success + self.failed

    @property
    def rate(self) -> float:
        return self.success / self.total if self.total else 0.0


def _visible(query: Select, org_ids: set[int] | None) -> Select:
    query = with_kind(query.select_from(ScheduleLog))
    query = query.join(Schedule, Schedule.id == ScheduleLog.schedule_id)
    query = query.outerjoin(OwnerRoom, OwnerRoom.chat_id == Schedule.target_room_id)
    query = query.outerjoin(TargetRoom, TargetRoom.chat_id == ScheduleLog.target_room_id)
    if org_ids is None:
        return query
    return query.where(OwnerRoom.org_id.in_(org_ids), TargetRoom.org_id.in_(org_ids))


def _between(start: date, end: date) -> ColumnElement[bool]:
    """``scheduled_at`` (naive local) on the local days ``start`` .. ``end`` inclusive."""
    return and_(
        ScheduleLog.scheduled_at >= datetime.combine(start, time()),
        ScheduleLog.scheduled_at < datetime.combine(end + timedelta(days=1), time()),
    )


async def list_logs(
    session: AsyncSession, org_ids: set[int] | None, where: LogFilter, *, offset: int, limit: int
) -> tuple[list[LogRow], int]:
    """One page of visible logs, newest first, and how many match."""
    conditions: list[ColumnElement[bool]] = []
    if where.status:
        conditions.append(ScheduleLog.status == where.status)
    if where.room:
        conditions.append(ScheduleLog.target_room_id == where.room)
    if where.day:
        conditions.append(_between(where.day, where.day))
    counted = _visible(select(func.count(ScheduleLog.id)), org_ids).where(*conditions)
    total = await session.scalar(counted) or 0
    query = _visible(select(ScheduleLog, Schedule.title, TargetRoom.name, KIND), org_ids)
    query = query.where(*conditions).order_by(ScheduleLog.id.desc()).offset(offset).limit(limit)
    rows = [LogRow(*row) for row in await session.execute(query)]
    return rows, total


async def room_stats(
    session: AsyncSession, org_ids: set[int] | None, start: date, end: date
) -> list[RoomStats]:
    """Per target room: successes and failures on the local days ``start`` .. ``end``
    (test sends left out: they say nothing about delivery to customers)."""
    query = _visible(
        select(ScheduleLog.target_room_id, TargetRoom.name, ScheduleLog.status, func.count()),
        org_ids,
    )
    query = query.where(_between(start, end), NOT_TEST).group_by(
        ScheduleLog.target_room_id, TargetRoom.name, ScheduleLog.status
    )
    counts: dict[tuple[str, str | None], list[int]] = {}
    for room_id, name, status, n in await session.execute(query):
        slot = counts.setdefault((room_id, name), [0, 0])
        slot[0 if status == "success" else 1] += n
    stats = [RoomStats(room, name, ok, bad) for (room, name), (ok, bad) in counts.items()]
    return sorted(stats, key=lambda s: (-s.total, s.room_name or s.room_id))


async def day_counts(
    session: AsyncSession, org_ids: set[int] | None, start: date, end: date
) -> dict[date, tuple[int, int]]:
    """(successes, failures) per local day from ``start`` to ``end``, every day present."""
    day = func.date(ScheduleLog.scheduled_at)
    query = _visible(select(day, ScheduleLog.status, func.count()), org_ids)
    query = query.where(_between(start, end), NOT_TEST).group_by(day, ScheduleLog.status)
    totals = {start + timedelta(days=i): [0, 0] for i in range((end - start).days + 1)}
    for value, status, n in await session.execute(query):
        slot = totals.get(date.fromisoformat(str(value)[:10]))
        if slot is not None:
            slot[0 if status == "success" else 1] += n
    return {d: (ok, bad) for d, (ok, bad) in totals.items()}
