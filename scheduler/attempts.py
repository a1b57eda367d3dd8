"""Sending one part of an occurrence, with the retries its kind allows, and what a person
waiting for the send may be told meanwhile (``Progress``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.sender import PRIORITY_SCHEDULED, BotSender, Failure, SendError, SendResult
from scheduler.context import Deps, log
from scheduler.handover import handover
from scheduler.parts import Part, PartError, load_image

Pause = Callable[[float], Awaitable[bool]]  # waits; False when the scheduler is stopping
INTERACTIVE_RETRIES = 2  # a person is waiting for a manual or test send: a couple of retries
NOT_RESENT = "전달되었을 수 있어 다시 보내지 않았습니다"  # after a timeout (bot.resend_uncertain)


class Interrupted(Exception):
    """The scheduler is stopping or another worker holds the lease: leave the occurrence."""


@dataclass(slots=True)
class Progress:
    """What a send going on can tell the person waiting for it."""

    slot: datetime | None = None  # the start slot it was given (aware UTC)
    retrying: str | None = None  # the Korean reason of the attempt that failed, while retried


@dataclass(slots=True)
class Attempt:
    """One part, sent and retried: retryable errors again after ``retry_base_s * 2**n`` while
    that stays before ``deadline``, and at most ``retries`` times (None: no count limit).
    A request that timed out may have been delivered: it is not sent again (``PartError``
    with the reason) unless ``Deps.resend_uncertain``. Each request keeps its delivery
    receipt (``scheduler.handover``)."""

    deps: Deps
    pause: Pause
    occurrence_id: int
    index: int  # of the part in the send
    room: str
    part: Part
    deadline: datetime
    retries: int | None
    progress: Progress

    async def run(self, sender: BotSender, responses: list[Any]) -> SendResult:
        deps, part = self.deps, self.part
        payload = await load_image(deps.images, part.image) if part.image is not None else None
        attempt = 0
        while True:
            try:
                return await handover(
                    deps,
                    self.occurrence_id,
                    self.index,
                    self.room,
                    part,
                    self._send(sender, payload),
                )
            except SendError as exc:
                responses.append(exc.detail())  # technical detail: api_response, not the error
                if exc.failure == Failure.TIMEOUT and not deps.resend_uncertain:
                    raise PartError(f"{part.describe()}: {exc.reason}. {NOT_RESENT}") from exc
                delay = deps.settings.retry_base_s * 2**attempt
                if (
                    not exc.retryable
                    or (self.retries is not None and attempt >= self.retries)
                    or deps.clock.now() + timedelta(seconds=delay) > self.deadline
                ):
                    raise
                log.warning(
                    "room %s %s failed (%r), retry in %.0fs", self.room, part.describe(), exc, delay
                )
                self.progress.retrying = f"{part.describe()}: {exc.reason}"
                attempt += 1
                if not await self.pause(delay):
                    raise Interrupted from exc

    def _send(
        self, sender: BotSender, payload: bytes | None
    ) -> Callable[[], Awaitable[SendResult]]:
        # a transport that holds the send (pause, budget) fails it past the deadline
        def send() -> Awaitable[SendResult]:
            if payload is None:
                return sender.send_text(
                    self.room, self.part.text, priority=PRIORITY_SCHEDULED, deadline=self.deadline
                )
            return sender.send_images(
                self.room, [payload], priority=PRIORITY_SCHEDULED, deadline=self.deadline
            )

        return send
