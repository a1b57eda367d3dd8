"""The one read model of the send log (``kb_schedule_logs``) for every door: the chat's
``!스케줄 로그``, the REST API's log lists and the ``/logs`` page (statistics: ``services.stats``).

The visibility rule, answered by ``visible_to`` alone: a log row is visible to an actor who may
see its schedule (the schedule's room's org is in the actor's subtree, ``services.permissions``)
or the room it went to (that room's org is in the subtree). Headquarters (``org_ids`` None)
sees every row, also of unregistered rooms; an inactive actor (an empty set) sees none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, false, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.timeutil import to_local_naive
from storage.kbot_models import Room
from storage.models import Schedule, ScheduleLog
from storage.send_kinds import KIND, Ts, with_kind
from storage.send_record import Confirmation, confirmation_of

TargetRoom = aliased(Room, name="target_room")
# whether the bot's own echo confirmed a send (``storage.send_record``), as every door says it
CONFIRMATION_LABELS: dict[Confirmation, str] = {
    "confirmed": "확인됨",
    "unconfirmed": "확인 안 됨",
    "pending": "확인 중",
    "not_applicable": "확인 없음(드라이런)",
}


def confirmation_label(log: ScheduleLog) -> str | None:
    """확인됨 / 확인 안 됨 / 확인 중 / 확인 없음(드라이런); None when no part reached a device
    or the row predates delivery receipts."""
    return CONFIRMATION_LABELS.get(confirmation_of(log.api_response))


def visible_to(org_ids: set[int] | None) -> ColumnElement[bool]:
    """THE visibility rule of a log row, for an actor who sees the rooms of ``org_ids``."""
    if org_ids is None:
        return true()
    if not org_ids:
        return false()
    visible_rooms = select(Room.chat_id).where(Room.org_id.in_(org_ids))
    visible_schedules = select(Schedule.id).where(Schedule.target_room_id.in_(visible_rooms))
    return or_(
        ScheduleLog.schedule_id.in_(visible_schedules),
        ScheduleLog.target_room_id.in_(visible_rooms),
    )


@dataclass(frozen=True, slots=True)
class DateWindow:
    """The local days ``first`` .. ``last`` inclusive (either open when None), over the naive
    local ``scheduled_at``."""

    first: date | None = None
    last: date | None = None

    @classmethod
    def day(cls, day: date) -> DateWindow:
        return cls(day, day)

    @classmethod
    def last_days(cls, now: datetime, tz: ZoneInfo, days: int) -> DateWindow:
        """The ``days`` local days that end today (in ``tz`` at the aware ``now``)."""
        today = to_local_naive(now, tz).date()
        return cls(today - timedelta(days=days - 1), today)

    def dates(self) -> list[date]:
        """Every day of a closed window, in order."""
        if self.first is None or self.last is None:
            raise ValueError("an open date window has no list of days")
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.first is not None:
            found.append(ScheduleLog.scheduled_at >= datetime.combine(self.first, time()))
        if self.last is not None:
            end = datetime.combine(self.last + timedelta(days=1), time())
            found.append(ScheduleLog.scheduled_at < end)
        return found


@dataclass(frozen=True, slots=True)
class LogFilter:
    """Which log rows a door asks for; None leaves a criterion out."""

    schedule_id: int | None = None
    schedule_ids: tuple[int, ...] | None = None  # any of these (a campaign's rows)
    room: str | None = None  # the chat_id the log went to
    status: str | None = None
    kinds: tuple[str, ...] | None = None  # of storage.send_kinds.KINDS
    window: DateWindow = DateWindow()

    def conditions(self) -> list[ColumnElement[bool]]:
        found = self.window.conditions()
        if self.schedule_id is not None:
            found.append(ScheduleLog.schedule_id == self.schedule_id)
        if self.schedule_ids is not None:
            found.append(ScheduleLog.schedule_id.in_(self.schedule_ids))
        if self.room is not None:
            found.append(ScheduleLog.target_room_id == self.room)
        if self.status is not None:
            found.append(ScheduleLog.status == self.status)
        if self.kinds is not None:
            found.append(KIND.in_(self.kinds))
        return found


@dataclass(frozen=True, slots=True)
class LogRow:
    log: ScheduleLog
    title: str | None
    room_name: str | None  # None: the room it went to is not registered
    kind: str  # scheduled | manual | test

    @property
    def confirmation(self) -> str | None:
        return confirmation_label(self.log)


def matching(query: Select[*Ts], org_ids: set[int] | None, where: LogFilter) -> Select[*Ts]:
    """``query`` over ``kb_schedule_logs`` (with the kind of each send) limited to the rows
    ``where`` asks for that the actor of ``org_ids`` may see."""
    query = with_kind(query.select_from(ScheduleLog))
    return query.where(visible_to(org_ids), *where.conditions())


async def count_logs(session: AsyncSession, org_ids: set[int] | None, where: LogFilter) -> int:
    query = matching(select(func.count(ScheduleLog.id)), org_ids, where)
    return int(await session.scalar(query) or 0)


async def list_logs(
    session: AsyncSession, org_ids: set[int] | None, where: LogFilter, *, offset: int, limit: int
) -> list[LogRow]:
    """Visible log rows, newest first."""
    query = matching(select(ScheduleLog, Schedule.title, TargetRoom.name, KIND), org_ids, where)
    query = query.outerjoin(Schedule, Schedule.id == ScheduleLog.schedule_id)
    query = query.outerjoin(TargetRoom, TargetRoom.chat_id == ScheduleLog.target_room_id)
    query = query.order_by(ScheduleLog.id.desc()).offset(offset).limit(limit)
    return [LogRow(*row) for row in await session.execute(query)]


async def page_of_logs(
    session: AsyncSession, org_ids: set[int] | None, where: LogFilter, *, offset: int, limit: int
) -> tuple[list[LogRow], int]:
    """One page of visible logs, newest first, and how many match."""
    total = await count_logs(session, org_ids, where)
    return await list_logs(session, org_ids, where, offset=offset, limit=limit), total
