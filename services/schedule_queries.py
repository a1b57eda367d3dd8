"""Reading schedules with the permission rule applied: one and the visible list; and the rooms
an actor may use (a target room, a test room). Their send log is ``services.logs``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services import schedule_checks as checks
from services.errors import Conflict, Invalid, NotFound
from services.permissions import Operation, Standing, allows, check, require_acting
from services.permissions import visible as visible_orgs
from storage import schedule_rules
from storage.kbot_models import Room, ScheduleMeta, ScheduleRule
from storage.models import Schedule


class ScheduleNotFound(NotFound):
    """No such schedule, or one the actor may not see: the same answer for both."""

    def __init__(self, schedule_id: int) -> None:
        super().__init__(
            "id",
            f"#{schedule_id} 스케줄이 없거나 볼 권한이 없습니다. 목록에서 번호를 확인해 주세요.",
        )
        self.schedule_id = schedule_id


class RoomGone(Conflict):
    """The schedule's target room is no longer registered or is deactivated: nothing can be
    sent to it (a send now, turning the schedule on)."""

    def __init__(self) -> None:
        super().__init__("room", "대상 방이 등록되지 않았거나 비활성 상태입니다.")


@dataclass(frozen=True, slots=True)
class Found:
    schedule: Schedule
    room: Room | None  # None: the target room is not registered
    meta: ScheduleMeta | None
    rule: ScheduleRule | None = None  # its rule beyond the seed's columns, when it has one


async def load(
    session: AsyncSession,
    schedule_id: int,
    standing: Standing,
    operation: Operation,
) -> Found:
    """The schedule, once an actor of ``standing`` is allowed ``operation`` on it (its room's
    org decides); one it may not see is ``ScheduleNotFound`` like one that does not exist."""
    require_acting(standing, operation)
    row = await session.get(Schedule, schedule_id)
    if row is None:
        raise ScheduleNotFound(schedule_id)
    room = await session.scalar(select(Room).where(Room.chat_id == row.target_room_id))
    if not allows(standing, room.org_id if room else None):
        raise ScheduleNotFound(schedule_id)
    rules = await schedule_rules.load(session, [schedule_id])
    return Found(row, room, await session.get(ScheduleMeta, schedule_id), rules.get(schedule_id))


async def visible(
    session: AsyncSession, standing: Standing, room_id: str | None = None
) -> list[tuple[Schedule, Room | None]]:
    """The schedules an actor of ``standing`` may see (only those sent to ``room_id`` when
    given), most relevant first: active ones by next send, then the rest by id."""
    org_ids = visible_orgs(standing)
    query = select(Schedule, Room).outerjoin(Room, Room.chat_id == Schedule.target_room_id)
    if org_ids is not None:
        query = query.where(Room.org_id.in_(org_ids))
    if room_id is not None:
        query = query.where(Schedule.target_room_id == room_id)
    rows = [(s, r) for s, r in (await session.execute(query)).all()]
    return sorted(rows, key=lambda pair: _relevance(pair[0]))


def _relevance(row: Schedule) -> tuple[int, int, str, int]:
    active = row.status == "active"
    upcoming = active and row.next_send_at is not None
    when = row.next_send_at.isoformat() if upcoming and row.next_send_at else ""
    return (0 if active else 1, 0 if upcoming else 1, when, row.id)


async def usable_room(
    session: AsyncSession,
    standing: Standing,
    raw: str,
    operation: Operation = Operation.CREATE,
    *,
    prefix: str,
) -> Room:
    """The registered, active room ``raw`` names (chat id or name) when an actor of
    ``standing`` may use it for ``operation``; ``prefix`` words the error."""
    room = await checks.find_room(session, raw, visible_orgs(standing), prefix=prefix)
    check(standing, operation, room_org_id=room.org_id)
    return room


async def test_room(session: AsyncSession, standing: Standing, raw: str, *, prefix: str) -> Room:
    """The room ``raw`` names, which the actor must be allowed to test-send to; a room
    problem is reported on the 테스트방 field."""
    try:
        return await usable_room(session, standing, raw, Operation.TEST, prefix=prefix)
    except Invalid as exc:
        raise Invalid("test_room", exc.message) from None
