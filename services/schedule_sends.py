"""Sending a schedule now for a person waiting: a test send (chat ``!스케줄 테스트``, API
``/test``) or a manual send (chat ``!스케줄 발송``, API ``/send``), shared by every door.

The answer comes within ``ANSWER_WITHIN_S`` of the clock from the start of the request: a
send not done by then is answered "pending" and goes on in the background. A room that was
just sent to is not queued again unless the person confirms (``RoomBusy``). A test send goes
to the room named, else the schedule's test room, else the room the command was typed in, but
only when nobody but admins reads it there: a registered test room, or the 1:1 chat with the
bot (``NotATestRoom`` otherwise). Neither moves the next scheduled send.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.clock import Clock
from services import schedule_queries as queries
from services.errors import Conflict, Invalid
from services.permissions import Operation, Standing, standing_of
from services.ports import ANSWER_WITHIN_S, SchedulerPort, SendResult
from storage.engine import ReadSessions
from storage.kbot_models import Admin, Room

DirectCheck = Callable[[], Awaitable[bool]]  # is the room typed in certainly a 1:1 chat?


class NotATestRoom(Conflict):
    """A test send asked for in a room customers may read, for a schedule without a test
    room: refused (the chat door explains how to set a test room)."""

    def __init__(self, schedule_id: int) -> None:
        super().__init__("test_room", "이 방은 고객도 보는 방이라 테스트 발송을 하지 않습니다.")
        self.schedule_id = schedule_id


class ScheduleSends:
    def __init__(
        self,
        read_sessions: ReadSessions,
        clock: Clock,
        scheduler: SchedulerPort,
        tz: ZoneInfo,
        prefix: str,
    ) -> None:
        self._read_sessions = read_sessions
        self._clock = clock
        self._scheduler = scheduler
        self._tz = tz  # unused since errors carry no example dates; kept for the callers
        self._prefix = prefix  # of the chat commands, which some messages name

    async def test_send(
        self,
        schedule_id: int,
        actor: Admin,
        *,
        room: str | None = None,
        current_room_id: str | None = None,
        in_direct_chat: DirectCheck | None = None,
        confirmed: bool = False,
        standing: Standing | None = None,
    ) -> tuple[str, SendResult]:
        """Send now, logged as a test, to ``room`` (chat id or room name) when given, else the
        schedule's test room (the actor must be allowed to use it), else ``current_room_id``
        when it is a registered test room or ``in_direct_chat()`` says it is the actor's 1:1
        chat with the bot. Returns the room's chat id and the result."""
        started = self._clock.monotonic()
        direct = False
        async with self._read_sessions() as s:
            standing = await standing_of(s, actor, standing)
            found = await queries.load(s, schedule_id, standing, Operation.TEST)
            raw = room or (found.meta.test_room_id if found.meta else None)
            if raw:
                target = (await self._test_room(s, standing, raw)).chat_id
            elif current_room_id:
                here = await s.scalar(select(Room).where(Room.chat_id == current_room_id))
                if here is not None and here.room_type == "test":
                    target = (await self._test_room(s, standing, current_room_id)).chat_id
                else:
                    target, direct = current_room_id, True  # only when certainly 1:1 (below)
            else:
                raise Invalid(
                    "test_room",
                    "보낼 테스트방이 없습니다. 스케줄에 테스트방을 정하거나 방을 적어 주세요.",
                )
        if direct and (in_direct_chat is None or not await in_direct_chat()):
            raise NotATestRoom(schedule_id)
        result = await self._scheduler.send_now(
            schedule_id,
            kind="test",
            room_id=target,
            confirmed=confirmed,
            direct=direct,
            wait_s=self._left(started),
        )
        return target, result

    async def send_now(
        self,
        schedule_id: int,
        actor: Admin,
        *,
        confirmed: bool = False,
        standing: Standing | None = None,
    ) -> tuple[str, SendResult]:
        """Send now to the schedule's target room, logged as a manual send (room limits
        apply). Returns the room and the result."""
        started = self._clock.monotonic()
        async with self._read_sessions() as s:
            standing = await standing_of(s, actor, standing)
            found = await queries.load(s, schedule_id, standing, Operation.SEND)
            if found.room is None or not found.room.active:
                raise queries.RoomGone()
            room_id = found.schedule.target_room_id
        result = await self._scheduler.send_now(
            schedule_id, kind="manual", confirmed=confirmed, wait_s=self._left(started)
        )
        return room_id, result

    async def _test_room(self, s: AsyncSession, standing: Standing, raw: str) -> Room:
        return await queries.test_room(s, standing, raw, prefix=self._prefix)

    def _left(self, started: float) -> float:
        """What is left of the answer's time budget."""
        return max(0.0, ANSWER_WITHIN_S - (self._clock.monotonic() - started))
