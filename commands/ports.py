"""What the command layer needs from the scheduler, as a Protocol the real one satisfies."""

from __future__ import annotations

from typing import Literal, Protocol


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
