"""Driving the real app on a FakeClock: fake time moves in steps, and after each step the
driver waits (real time, bounded) until the app is known to be quiet again.

Quiet is counted, not guessed: each of the app's loops, and each piece of work in flight (a
send of the scheduler, a send someone asked for, a webhook's background answer, a request of
the test's own made through ``request``), is parked
on the clock whenever it waits for time to pass, or held by a fake Iris told to hang; until
it is, something is still running."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from tests.support.fakes import FakeClock, FakeIris
from tests.support.waits import wait_until
from web import keys

# the app's loops (task names), each parked on the clock between its rounds
LOOPS = frozenset(
    {
        "scheduler-loop",
        "scheduler-leases",
        "iris-monitor",
        "room-devices",
        "device-safety",
        "receipt-sweep",
        "notice-sweep",
        "engagement-flush",
    }
)
# work the scheduler runs in tasks of its own (task name prefixes)
SENDS = ("occurrence-", "send-now-")
T = TypeVar("T")


class Driver:
    """Moves fake time in steps, each time waiting until the app has done its work."""

    def __init__(self, clock: FakeClock, *irises: FakeIris) -> None:
        """``irises``: the fake devices that may hold calls (``hang_next``)."""
        self.clock = clock
        self.irises = irises
        self.app: Any = None
        self.requests: list[asyncio.Task[Any]] = []

    @property
    def idle(self) -> int:
        """How many sleepers the app has when nothing is going on: one per loop."""
        return sum(1 for task in asyncio.all_tasks() if task.get_name() in LOOPS)

    def running(self) -> int:
        """The pieces of work in flight, each of which owes a sleeper until it ends."""
        sends = sum(
            1
            for task in asyncio.all_tasks()
            if task.get_name().startswith(SENDS) and not task.done()
        )
        webhooks = len(self.app[keys.WEBHOOKS].tasks) if keys.WEBHOOKS in self.app else 0
        requests = sum(1 for task in self.requests if not task.done())
        return sends + webhooks + requests

    def request(self, call: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        """Make a request to the app in the background, counted as work until answered."""
        task = asyncio.create_task(call)
        self.requests.append(task)
        return task

    async def started(self, app: Any) -> None:
        """Wait for the scheduler's first round (when it runs) and for the app to settle."""
        self.app = app
        if app[keys.SCHEDULER].running:
            await wait_until(
                lambda: app[keys.HEARTBEAT].last_beat is not None,
                "the scheduler's first round",
                timeout_s=10,
                poll_s=0.01,
            )
        await self.quiet()

    async def quiet(self, at_least: int = 0) -> None:
        """Wait until every loop and every piece of work is parked on the clock or held by a
        fake Iris (and at least ``at_least`` coroutines sleep on the clock)."""

        def parked() -> bool:
            sleepers = self.clock.sleepers
            held = sum(iris.holding for iris in self.irises)
            return sleepers >= at_least and sleepers + held >= self.idle + self.running()

        await wait_until(parked, "the app to park on the clock", poll_s=0.005)

    async def step(self, seconds: float) -> None:
        await self.clock.advance(seconds)
        await self.quiet()

    async def run_for(self, seconds: float, step: float = 5.0) -> None:
        for _ in range(int(seconds / step)):
            await self.step(step)

    async def until(
        self, done: Callable[[], Awaitable[bool]], *, step: float = 1.0, limit_s: float = 300
    ) -> None:
        for _ in range(int(limit_s / step)):
            if await done():
                return
            await self.step(step)
        raise AssertionError(f"not done within {limit_s} s of fake time")
