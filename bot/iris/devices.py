"""Iris devices and the paced send queue each one gets.

An Iris device keeps only the newest waiting request and silently drops requests that
arrive while it is busy, so every request to one device goes through one ``DeviceQueue``:
one request at a time, and after each request (success or failure) the queue waits the
request's gap plus a random jitter (0 to ``jitter_ms``), measured on the injected clock,
before starting the next one.

Order: lowest ``priority`` first (see ``bot.sender`` for the reply/scheduled policy), then
earliest ``due``: a request's deadline when it has one (a scheduled send's deadline is its
scheduled time plus the same grace for all, so this is the order of their scheduled times),
else when it was submitted; first-in first-out among equals. The queue picks the next
request only after the gap has passed, so a reply that arrives during a gap still goes
before scheduled requests that were already waiting.

Gates: before a picked request goes out, each of the queue's ``Gate``s is asked in turn
(the breaker's pause, then the account budgets). A gate answers how long the device must
still wait (0: go; a budget gate has then reserved the send). While a gate holds the device,
the queue offers each waiting request to its ``handoff`` (a standby device that may take
the room, unless the standby is held itself: by its gates' last answer, or by a pause it is
known to be in even while idle); a request the handoff does not take waits, and one whose
``deadline`` would pass meanwhile fails at once with ``Failure.LATE`` (never sent), so the
caller applies its misfire rule; so does one that waited through a hold and finds its
deadline passed when its turn comes. Waiting for the pacing gap alone never makes a request
late: it is sent late, as the device's capacity allows (docs/operations.md, "Protecting the
bot account").
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import math
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from bot.sender import Failure, SendError, SendResult
from core.clock import Clock

log = logging.getLogger("kbot.iris")

Request = Callable[["DeviceQueue"], Awaitable[SendResult]]
GATE_RECHECK_S = 5.0  # a held queue looks again at least this often (a reply may have come)


@dataclass(frozen=True)
class IrisDevice:
    name: str
    url: str
    text_gap_ms: int = 300
    image_gap_ms: int = 5000
    timeout_s: float = 10
    jitter_ms: int = 0
    max_per_minute: int = 0
    max_per_hour: int = 0
    max_per_day: int = 0
    breaker_unconfirmed: int = 5
    breaker_pause_s: int = 600
    standby: str = ""

    @property
    def budgeted(self) -> bool:
        return bool(self.max_per_minute or self.max_per_hour or self.max_per_day)


class Gate(Protocol):
    async def hold_s(self, device: str) -> float:
        """Seconds ``device`` must still wait before its next send; 0 lets it go (and, for a
        budget, counts that send)."""
        ...


@runtime_checkable
class KnownHold(Protocol):
    """A gate that can tell a hold it knows of without deciding a send (the breaker's pause,
    ``bot.iris.breaker.PauseView``): so an idle device, whose gates were not asked lately, is
    not taken for free."""

    def left_s(self, device: str) -> float: ...


@dataclass(order=True)
class Job:
    priority: int
    due: float  # clock.monotonic() scale: the deadline, else the submission time
    seq: int
    gap_s: float = field(compare=False)
    request: Request = field(compare=False)
    future: asyncio.Future[SendResult] = field(compare=False)
    room: str = field(default="", compare=False)
    deadline: float | None = field(default=None, compare=False)  # clock.monotonic() scale
    submitted: float = field(default=0.0, compare=False)  # clock.monotonic() scale


Handoff = Callable[[Job], bool]  # True: another queue took the job


class DeviceQueue:
    """Runs one device's requests one at a time, paced and by priority, in its own task."""

    def __init__(
        self,
        name: str,
        clock: Clock,
        *,
        jitter_ms: int = 0,
        gates: Sequence[Gate] = (),
        handoff: Handoff | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.name = name
        self._clock = clock
        self._jitter_s = jitter_ms / 1000
        self._gates = list(gates)
        self._handoff = handoff
        self._rng = rng or random.Random()
        self._queue: asyncio.PriorityQueue[Job] = asyncio.PriorityQueue()
        self._seq = itertools.count()
        self._ready_at = -math.inf
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._held_until = -math.inf  # clock.monotonic() when the gates' last hold ends
        self._last_held_at = -math.inf  # clock.monotonic() when a gate last held the device

    def start(self) -> None:
        if self._task is None and not self._closed:
            self._task = asyncio.create_task(self._run(), name=f"iris-queue-{self.name}")

    def submit(
        self,
        request: Request,
        *,
        gap_s: float,
        priority: int,
        room: str = "",
        deadline: float | None = None,
    ) -> Awaitable[SendResult]:
        """Queue ``request`` (called with the queue that runs it); the returned future
        resolves to its result or ``SendError``.

        ``gap_s`` is how long the device must stay untouched after this request;
        ``deadline`` (monotonic) the latest start before it fails with ``Failure.LATE``.
        Cancelling the future before the request starts withdraws it.
        """
        future: asyncio.Future[SendResult] = asyncio.get_running_loop().create_future()
        now = self._clock.monotonic()
        due = deadline if deadline is not None else now
        self.adopt(Job(priority, due, next(self._seq), gap_s, request, future, room, deadline, now))
        return future

    def adopt(self, job: Job) -> None:
        """Take over ``job`` (from this queue's ``submit`` or another queue's handoff)."""
        if self._closed:
            raise SendError(
                f"Iris device {self.name}: sender is closed", retryable=True, failure=Failure.CLOSED
            )
        job.seq = next(self._seq)
        self._queue.put_nowait(job)

    @property
    def held_s(self) -> float:
        """How long the gates still hold the device (0: not held): as they last answered, or
        as a ``KnownHold`` gate knows now."""
        known = [gate.left_s(self.name) for gate in self._gates if isinstance(gate, KnownHold)]
        return max(0.0, self._held_until - self._clock.monotonic(), *known)

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
            if job.future.done():  # withdrawn by the caller
                continue
            delay = self._ready_at - self._clock.monotonic()
            if delay > 0:
                # Put it back and pick again after the gap: something more urgent may come.
                self._queue.put_nowait(job)
                await self._clock.sleep(delay)
                continue
            if job.submitted <= self._last_held_at and self._late(job, 0):
                continue  # it waited through a hold; checked before the gates count it
            held = await self._held()
            self._held_until = self._clock.monotonic() + held
            if held > 0:
                self._last_held_at = self._clock.monotonic()
                if self._handoff is not None and self._handoff(job):
                    continue
                if self._late(job, held):
                    continue
                self._offer_waiting()
                self._queue.put_nowait(job)
                await self._clock.sleep(min(held, GATE_RECHECK_S))
                continue
            await self._execute(job)

    def _offer_waiting(self) -> None:
        """Offer every waiting request to the handoff, not only the first: a room that must
        wait does not keep the rooms behind it from their standby."""
        if self._handoff is None:
            return
        waiting = [self._queue.get_nowait() for _ in range(self._queue.qsize())]
        for job in waiting:
            if not job.future.done() and not self._handoff(job):
                self._queue.put_nowait(job)

    async def _held(self) -> float:
        for gate in self._gates:
            try:
                wait = await gate.hold_s(self.name)
            except Exception:
                log.exception("Iris device %s: gate %r failed; holding the device", self.name, gate)
                wait = GATE_RECHECK_S
            if wait > 0:
                return wait
        return 0.0

    def _late(self, job: Job, wait_s: float) -> bool:
        """Fail ``job`` with ``Failure.LATE`` when it cannot start before its deadline."""
        if job.deadline is None or self._clock.monotonic() + wait_s <= job.deadline:
            return False
        if not job.future.done():
            job.future.set_exception(
                SendError(
                    f"Iris device {self.name}: held (pause or budget) past the send's deadline",
                    retryable=False,
                    failure=Failure.LATE,
                )
            )
        return True

    async def _execute(self, job: Job) -> None:
        try:
            result = await job.request(self)
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

    def _finish(self, job: Job, outcome: SendResult | SendError) -> None:
        # Pace from when the device answered (or gave up): it starts sending on receipt.
        jitter = self._rng.uniform(0, self._jitter_s) if self._jitter_s > 0 else 0.0
        self._ready_at = self._clock.monotonic() + job.gap_s + jitter
        if job.future.done():
            return
        if isinstance(outcome, SendError):
            job.future.set_exception(outcome)
        else:
            job.future.set_result(outcome)
