"""Sends a person is waiting for (manual and test sends from chat and the API): the answer
comes within ``ANSWER_WITHIN_S`` on the clock, whatever the state of Iris (CONTRACT "HTTP").

Each send runs as a task kept here. One that has not ended by then is answered as "pending",
with the Korean reason it is not done yet, and goes on in the background (with the few retries
``scheduler.attempts`` allows such sends); its log row is written when it ends. ``drain()``
waits for every such task: the scheduler calls it when stopping, after which its pause ends
them at once, each with its log row.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

from core.clock import Clock
from scheduler.attempts import Progress
from scheduler.context import log
from scheduler.delivery import Outcome

ANSWER_WITHIN_S = 15.0


class InteractiveSends:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._tasks: set[asyncio.Task[Outcome]] = set()

    def __len__(self) -> int:
        """How many are still going on."""
        return len(self._tasks)

    async def run(
        self,
        send: Callable[[Progress], Coroutine[Any, Any, Outcome]],
        progress: Progress,
        *,
        wait_s: float,
        name: str,
    ) -> Outcome:
        """Start ``send(progress)`` as a kept task; its outcome when it ends within ``wait_s``
        seconds of the clock, else a "pending" outcome saying why (at once when its start
        slot is that far away). Cancelling the caller does not cancel the send."""
        task = asyncio.create_task(send(progress), name=name)
        self._tasks.add(task)
        task.add_done_callback(self._ended)
        slot = progress.slot
        if slot is not None and (slot - self._clock.now()).total_seconds() >= wait_s:
            wait_s = 0  # it cannot end in time: no need to keep the person waiting
        if wait_s > 0:
            sleeper = asyncio.ensure_future(self._clock.sleep(wait_s))
            try:
                await asyncio.wait((task, sleeper), return_when=asyncio.FIRST_COMPLETED)
            finally:
                sleeper.cancel()
        if not task.done():
            log.info("%s goes on in the background", name)
            return pending(progress, self._clock.now())
        return task.result()

    async def drain(self) -> None:
        """Wait until every send started here has ended."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _ended(self, task: asyncio.Task[Outcome]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("%s failed", task.get_name(), exc_info=error)


def pending(progress: Progress, now: datetime) -> Outcome:
    """The answer for a send still going on: when it starts (waiting for the room's slot) and
    why it is not done yet, in Korean."""
    starts = None
    if progress.slot is not None and progress.slot > now:
        starts = math.ceil((progress.slot - now).total_seconds())
    if progress.retrying is not None:
        reason = f"{progress.retrying}, 다시 시도하는 중"
    elif starts is not None:
        reason = f"방의 발송 간격 때문에 {starts}초 뒤에 시작"
    else:
        reason = "Iris의 응답을 기다리는 중"
    return Outcome("pending", error=reason, starts_in_s=starts)
