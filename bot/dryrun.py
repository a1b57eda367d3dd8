"""A sender that sends nothing: every would-be send is logged and remembered."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.sender import PRIORITY_SCHEDULED, BotSender, SendResult, check_images, check_text
from core.redact import redact

log = logging.getLogger("kbot.dryrun")


class DryRunSender(BotSender):
    """``BotSender`` for development and the default configuration.

    Logs each send on logger ``kbot.dryrun`` at INFO (room, the text with its credentials
    masked by ``core.redact``, image count and sizes) and keeps the newest ``keep`` records,
    full text included, in ``sent``, oldest first. Refuses the same empty sends the real
    transports refuse.
    """

    def __init__(self, keep: int = 100) -> None:
        if keep < 1:
            raise ValueError("keep must be at least 1")
        self._keep = keep
        self.sent: list[dict[str, Any]] = []

    async def send_text(
        self,
        room_id: str,
        text: str,
        *,
        priority: int = PRIORITY_SCHEDULED,
        deadline: datetime | None = None,
    ) -> SendResult:
        check_text(text)
        log.info("dry run: text to room %s (priority %d):\n%s", room_id, priority, redact(text))
        return self._record({"kind": "text", "room_id": room_id, "text": text}, priority)

    async def send_images(
        self,
        room_id: str,
        images: Sequence[bytes],
        *,
        priority: int = PRIORITY_SCHEDULED,
        deadline: datetime | None = None,
    ) -> SendResult:
        check_images(images)
        sizes = [len(image) for image in images]
        log.info(
            "dry run: %d image(s) to room %s (priority %d), sizes in bytes: %s",
            len(sizes),
            room_id,
            priority,
            sizes,
        )
        record = {"kind": "images", "room_id": room_id, "count": len(sizes), "sizes": sizes}
        return self._record(record, priority)

    async def close(self) -> None:
        return None

    def _record(self, record: dict[str, Any], priority: int) -> SendResult:
        record = {"dryrun": True, **record, "priority": priority}
        self.sent.append(record)
        del self.sent[: -self._keep]
        return SendResult(ok=True, raw=record)
