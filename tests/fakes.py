"""Hand-written fakes shared by the tests: a controllable clock (and, further down, the fake
Iris server)."""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from aiohttp import web

from kbot.clock import Clock


class FakeClock:
    """A clock that moves only when ``advance`` is called.

    ``sleep`` parks the caller until the clock has been advanced past its deadline, so code
    under test waits on fake time, never real time.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._mono = 1000.0
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._mono

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((self._mono + seconds, fut))
        try:
            await fut
        finally:
            self._sleepers = [(d, f) for d, f in self._sleepers if f is not fut]

    @property
    def sleepers(self) -> int:
        """How many coroutines are parked in ``sleep`` right now."""
        return sum(1 for _, f in self._sleepers if not f.done())

    async def advance(self, seconds: float) -> None:
        """Move time forward and let every sleeper whose deadline passed run."""
        self._now += timedelta(seconds=seconds)
        self._mono += seconds
        for deadline, fut in list(self._sleepers):
            if deadline <= self._mono and not fut.done():
                fut.set_result(None)
        for _ in range(5):
            await asyncio.sleep(0)

    def set(self, when: datetime) -> None:
        """Jump to ``when`` without waking sleepers (for setting up a scenario)."""
        self._mono += (when - self._now).total_seconds()
        self._now = when.astimezone(UTC)
