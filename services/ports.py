"""What the command layer needs from outside it (the scheduler, the transports), as
Protocols the real ones satisfy; the composition root wires them."""

from __future__ import annotations

from typing import Literal, Protocol

from bot.chat_kinds import ChatKind
from bot.events import ChatEvent
from scheduler.calendar import NO_HOLIDAYS, HolidayCalendar
from scheduler.interactive import ANSWER_WITHIN_S
from scheduler.room_gate import RoomBusy

__all__ = [
    "ANSWER_WITHIN_S",
    "NO_CALENDARS",
    "ChatKinds",
    "FixedCalendars",
    "HolidayCalendars",
    "RoomBusy",
    "SchedulerPort",
    "SendResult",
]


class SendResult(Protocol):
    """The outcome of an immediate send (``scheduler.delivery.Outcome``): the seed's log
    status, "interrupted" when shutdown stopped it, or "pending" when it was still going on
    when the answer was due; ``error`` says in Korean why it is not (yet) fully sent."""

    @property
    def status(self) -> str:  # "success" | "failed" | "partial" | "interrupted" | "pending"
        ...

    @property
    def error(self) -> str | None: ...

    @property
    def starts_in_s(self) -> int | None:
        """Pending: seconds until it starts (it waits for the room's next free slot)."""
        ...


class SchedulerPort(Protocol):
    def wake(self) -> None:
        """A schedule changed: re-read the due schedules now instead of at the next tick."""
        ...

    async def send_now(
        self,
        schedule_id: int,
        *,
        kind: Literal["test", "manual"],
        room_id: str | None = None,
        confirmed: bool = False,
        direct: bool = False,
        wait_s: float = ANSWER_WITHIN_S,
    ) -> SendResult:
        """Send ``schedule_id`` now (to ``room_id`` when given), logged as ``kind``; the next
        scheduled send does not move. Answers within ``wait_s`` seconds ("pending" when not
        done by then). ``RoomBusy`` when the room's next free slot is later than now and the
        send is not ``confirmed`` (nothing is queued). ``direct``: ``room_id`` is the 1:1 chat
        of the admin asking for a test send (it needs no registration)."""
        ...


class ChatKinds(Protocol):
    async def kind_of(self, event: ChatEvent) -> ChatKind:
        """Whether ``event``'s room is certainly a 1:1 chat between the bot and the sender
        (``ChatKind.DIRECT``), certainly not, or unknown. Only DIRECT may receive a
        credential. Implemented by ``bot.chat_kinds.EventChatKinds``."""
        ...


class HolidayCalendars(Protocol):
    """The holiday calendar the scheduler sends by (``scheduler.holiday_source.HolidaySource``),
    so the next times people are shown are the ones that will be sent."""

    def current(self) -> HolidayCalendar:
        """The calendar in force now, without I/O (for sync next-time maths)."""
        ...

    async def fresh(self) -> HolidayCalendar:
        """The same, after re-reading ``kbot_holidays`` when it may have changed (at most
        every 60 s)."""
        ...


class FixedCalendars:
    """``HolidayCalendars`` that always answers one calendar (tests, benches, no database)."""

    def __init__(self, calendar: HolidayCalendar = NO_HOLIDAYS) -> None:
        self._calendar = calendar

    def current(self) -> HolidayCalendar:
        return self._calendar

    async def fresh(self) -> HolidayCalendar:
        return self._calendar


NO_CALENDARS = FixedCalendars()
