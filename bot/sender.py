"""What every outbound transport promises: ``BotSender``, its result and its error.

Priorities (``priority=`` on every send): a lower value goes first. ``PRIORITY_REPLY`` is
for answers to a command somebody just typed; ``PRIORITY_SCHEDULED`` is for scheduled
sends. A transport that queues (Iris) serves waiting replies before waiting scheduled
sends, first-in first-out within one priority; it never interrupts a request already on
the wire, and a reply still waits the device's pacing gap. Replies come from people typing,
so they cannot starve scheduled sends for long.

Errors: a send either returns a ``SendResult`` or raises ``SendError``. ``retryable`` says
whether sending the same request again later may succeed (timeouts, refused or reset
connections, gateway and overload answers). A timeout may still have been delivered, so a
retry can duplicate a message. Transports never retry on their own: the caller decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

PRIORITY_REPLY = 0
PRIORITY_SCHEDULED = 1


class SendError(Exception):
    """A send that did not reach the transport, classified for the caller."""

    def __init__(
        self, message: str, *, retryable: bool, status: int | None = None, raw: Any = None
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.status = status
        self.raw = raw

    def __repr__(self) -> str:
        return f"SendError({str(self)!r}, retryable={self.retryable}, status={self.status!r})"


@dataclass(frozen=True)
class SendResult:
    ok: bool
    raw: Any  # the parsed API response, or the dry-run record
    status: int | None = None


class BotSender(Protocol):
    async def send_text(
        self, room_id: str, text: str, *, priority: int = PRIORITY_SCHEDULED
    ) -> SendResult: ...

    async def send_images(
        self, room_id: str, images: Sequence[bytes], *, priority: int = PRIORITY_SCHEDULED
    ) -> SendResult: ...

    async def close(self) -> None: ...


def check_text(text: str) -> None:
    """Refuse a send no transport can deliver (same rule for every transport)."""
    if not text.strip():
        raise SendError("refusing to send an empty text", retryable=False)


def check_images(images: Sequence[bytes]) -> None:
    if not images:
        raise SendError("refusing to send an empty image list", retryable=False)
    if any(not image for image in images):
        raise SendError("refusing to send an empty image", retryable=False)
