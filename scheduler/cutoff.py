"""The shutdown deadline for sends in flight (``scheduler.shutdown_grace_s``): the scheduler
sends through a ``CutOffSender``, whose calls still going on when the deadline passes end
with ``Interrupted``. The send then ends as an interrupted one always does
(``scheduler.delivery``): a scheduled occurrence is left, its claim given back, for the next
start or another instance to resume after its last confirmed part; one a person asked for ends
with its log row."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Sequence
from datetime import datetime

from bot.sender import PRIORITY_SCHEDULED, BotSender, SendResult
from scheduler.attempts import Interrupted


class CutOffSender:
    def __init__(self, sender: BotSender) -> None:
        self._sender = sender
        self._cut = asyncio.Event()

    def cut(self) -> None:
        """End every call going on now, and every later one, with ``Interrupted``."""
        self._cut.set()

    async def send_text(
        self,
        room_id: str,
        text: str,
        *,
        priority: int = PRIORITY_SCHEDULED,
        deadline: datetime | None = None,
    ) -> SendResult:
        return await self._unless_cut(
            self._sender.send_text(room_id, text, priority=priority, deadline=deadline)
        )

    async def send_images(
        self,
        room_id: str,
        images: Sequence[bytes],
        *,
        priority: int = PRIORITY_SCHEDULED,
        deadline: datetime | None = None,
    ) -> SendResult:
        return await self._unless_cut(
            self._sender.send_images(room_id, images, priority=priority, deadline=deadline)
        )

    async def close(self) -> None:
        """The wrapped sender belongs to whoever built it; it is not closed here."""

    async def _unless_cut(self, call: Awaitable[SendResult]) -> SendResult:
        sending = asyncio.ensure_future(call)
        cut = asyncio.ensure_future(self._cut.wait())
        try:
            await asyncio.wait((sending, cut), return_when=asyncio.FIRST_COMPLETED)
        finally:
            cut.cancel()
            if not sending.done():
                sending.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sending
        if sending.cancelled():
            raise Interrupted
        return sending.result()
