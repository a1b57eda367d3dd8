"""What the command layer needs from outside it (the scheduler, the transports), as
Protocols the real ones satisfy; the composition root wires them."""

from __future__ import annotations

from typing import Literal, Protocol

from bot.chat_kinds import ChatKind
from bot.events import ChatEvent


class SendResult(Protocol):
    """The outcome of an immediate send (``scheduler.delivery.Outcome``): the seed's log
    status, or "interrupted" when shutdown stopped it, and why it did not fully succeed."""

    @property
    def status(self) -> str:  # "success" | "failed" | "partial" | "interrupted"
        ...

    @property
    def error(self) -> str | None: ...


class SchedulerPort(Protocol):
    def wake(self) -> None:
        """A schedule changed: re-read the due schedules now instead of at the next tick."""
        ...

    async def send_now(
        self, schedule_id: int, *, kind: Literal["test", "manual"], room_id: str | None = None
    ) -> SendResult:
        """Send ``schedule_id`` now (to ``room_id`` when given), logged as ``kind``; the next
        scheduled send does not move."""
        ...


class ChatKinds(Protocol):
    async def kind_of(self, event: ChatEvent) -> ChatKind:
        """Whether ``event``'s room is certainly a 1:1 chat between the bot and the sender
        (``ChatKind.DIRECT``), certainly not, or unknown. Only DIRECT may receive a
        credential. Implemented by ``bot.chat_kinds.EventChatKinds``."""
        ...
