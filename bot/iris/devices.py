"""Iris devices and the paced send queue each one gets.

An Iris device keeps only the newest waiting request and silently drops requests that
arrive while it is busy, so every request to one device goes through one ``DeviceQueue``:
one request at a time, and after each request (success or failure) the queue waits the
request's gap, measured on the injected clock, before starting the next one.

Order: lowest ``priority`` first, first-in first-out within a priority (see
``bot.sender`` for the reply/scheduled policy). The queue picks the next request only after
the gap has passed, so a reply that arrives during a gap still goes before scheduled
requests that were already waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.sender import Failure, SendError, SendResult
from core.clock import Clock

log = logging.getLogger("kbot.iris")

Request = Callable[[], Awaitable[SendResult]]


@dataclass(frozen=True)
class IrisDevice:
    name: str
    url: str
    text_gap_ms: int = 300
    image_gap_ms: int = 5000
    timeout_s: float = 10


@dataclass(order=True)
class _Job:
    priority: int
    seq: int
    gap_s: float = field(compare=False)
    request: Request = field(compare=False)
    future: asyncio.Future[SendResult] = field(compare=False)


class DeviceQueue:
    """Runs one device's requests one at a time, paced and by priority, in its own task."""

    def __init__(self, name: str, clock: Clock) -> None:
        self.name = name
        self._clock = clock
        self._queue: asyncio.PriorityQueue[_Job] = asyncio.PriorityQueue()
        self._seq = itertools.count()
        self._ready_at = -math.inf
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    def start(self) -> None:
        if self._task is None and not self._closed:
            self._task = asyncio.create_task(self._run(), name=f"iris-queue-{self.name}")

    def submit(self, request: Request, *, gap_s: float, priority: int) -> Awaitable[SendResult]:
        """Queue ``request``; the returned future resolves to its result or ``SendError``.

        ``gap_s`` is how long the device must stay untouched after this request.
        Cancelling the future before the request starts withdraws it.
        """
        if self._closed:
            raise SendError(
                f"Iris device {self.name}: sender is closed", retryable=True, failure=Failure.CLOSED
            )
        future: asyncio.Future[SendResult] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Job(priority, next(self._seq), gap_s, request, future))
        return future

    def depth(self) -> int:
        """Requests waiting, not counting one on the wire."""
        return self._queue.qsize()

    async def close(self) -> None:
        """Stop the worker; every request not yet answered fails with a retryable error."""
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        error = f"Iris device {self.name}: sender closed before the request was answered"
        while not self._queue.empty():
            job = self._queue.get_nowait()
            if not job.future.done():
                job.future.set_exception(SendError(error, retryable=True, failure=Failure.CLOSED))

    async def _run(self) -> None:
        while True:
            job = await self._queue.get()
            delay = self._ready_at - self._clock.monotonic()
            if delay > 0:
                # Put it back and pick again after the gap: something more urgent may come.
                self._queue.put_nowait(job)
                await self._clock.sleep(delay)
                continue
            if job.future.done():  # withdrawn by the caller
                continue
            await self._execute(job)

    async def _execute(self, job: _Job) -> None:
        try:
            result = await job.request()
        except SendError as exc:
            self._finish(job, exc)
        except asyncio.CancelledError:
            error = f"Iris device {self.name}: sender closed while the request was on the wire"
            self._finish(job, SendError(error, retryable=True, failure=Failure.CLOSED))
            raise
        except Exception as exc:
            log.exception("Iris device %s: unexpected error while sending", self.name)
            self._finish(job, SendError(f"unexpected error: {exc!r}", retryable=False))
        else:
            self._finish(job, result)

    def _finish(self, job: _Job, outcome: SendResult | SendError) -> None:
        # Pace from when the device answered (or gave up): it starts sending on receipt.
        self._ready_at = self._clock.monotonic() + job.gap_s
        if job.future.done():
            return
        if isinstance(outcome, SendError):
            job.future.set_exception(outcome)
        else:
            job.future.set_result(outcome)
