"""Per-device budgets over real HTTP to FakeIris, on a FakeClock and a real database: a burst
waits for budget (replies first, then by due time, none dropped), two senders sharing the
database (two kbot processes) share one budget, and a restarted sender still counts the sends
of the one before."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from datetime import timedelta

import aiohttp
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.iris.budget import BudgetGate
from bot.iris.client import IrisSender
from bot.iris.devices import IrisDevice
from bot.sender import PRIORITY_REPLY, PRIORITY_SCHEDULED, SendResult
from core.config import Config
from storage.engine import create_engine, session_factory
from storage.kbot_models import DeviceSend
from tests.support.fakes import FakeClock, FakeIris
from tests.support.waits import wait_until

ROOM = "257378349297847"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


async def budgeted_sender(
    http: aiohttp.ClientSession,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    url: str,
    max_per_minute: int = 0,
    max_per_hour: int = 0,
    max_per_day: int = 0,
) -> IrisSender:
    devices = [
        IrisDevice(
            "main",
            url,
            text_gap_ms=0,
            max_per_minute=max_per_minute,
            max_per_hour=max_per_hour,
            max_per_day=max_per_day,
        )
    ]
    sender = IrisSender(http, devices, clock, gates=[BudgetGate(sessions, devices, clock)])
    await sender.start()
    return sender


def spawn(result: Awaitable[SendResult]) -> asyncio.Task[SendResult]:
    async def wait() -> SendResult:
        return await result

    return asyncio.create_task(wait())


async def held(clock: FakeClock, iris: FakeIris, calls: int) -> None:
    """Wait until ``calls`` requests reached the fake and the held queue sleeps on the clock."""
    await iris.wait_for_calls(calls)
    async with asyncio.timeout(5):
        await clock.wait_for_sleepers(1)
    assert len(iris.calls) == calls


async def step(clock: FakeClock, seconds: float) -> None:
    """Move the clock in 5 s steps, letting the held queue look again after each."""
    for _ in range(int(seconds // 5)):
        await clock.advance(5)
        async with asyncio.timeout(5):
            await clock.wait_for_sleepers(1)


async def settled(clock: FakeClock, *senders: IrisSender) -> None:
    """Wait until every sender's queue is empty or held, sleeping on the clock."""

    def parked() -> bool:
        waiting = [s for s in senders if s.queue_depth("main")]
        return all(s.held_s("main") > 0 for s in waiting) and clock.sleepers >= len(waiting)

    await wait_until(parked, "the queues to be empty or held")


async def ledger_rows(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(DeviceSend)) or 0)


async def test_a_burst_waits_for_budget_replies_first_then_by_due_time_none_dropped(
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    iris: FakeIris,
    http: aiohttp.ClientSession,
) -> None:
    sender = await budgeted_sender(http, sessions, clock, iris.url, max_per_minute=5)
    start = clock.monotonic()
    try:
        # ten scheduled sends, submitted together; s9 is due first, s0 last
        now = clock.now()
        scheduled = [
            spawn(
                sender.send_text(
                    ROOM,
                    f"s{i}",
                    priority=PRIORITY_SCHEDULED,
                    deadline=now + timedelta(seconds=600 - 10 * i),
                )
            )
            for i in range(10)
        ]
        await held(clock, iris, 5)
        assert sender.held_s("main") == pytest.approx(60)
        assert sender.queue_depth("main") == 5
        replies = [
            spawn(sender.send_text(ROOM, f"r{i}", priority=PRIORITY_REPLY)) for i in range(2)
        ]
        await step(clock, 55)
        assert len(iris.calls) == 5  # the window has not moved yet
        await clock.advance(5)
        await held(clock, iris, 10)
        await step(clock, 55)
        await clock.advance(5)
        results = await asyncio.wait_for(asyncio.gather(*scheduled, *replies), 5)
    finally:
        await sender.close()
    assert all(result.ok for result in results)
    texts = [body["data"] for body in iris.bodies]
    assert texts == ["s9", "s8", "s7", "s6", "s5", "r0", "r1", "s4", "s3", "s2", "s1", "s0"]
    offsets = [call.at - start for call in iris.calls]
    assert offsets == [0] * 5 + [60] * 5 + [120] * 2
    assert await ledger_rows(sessions) == 12


async def test_two_senders_on_one_database_share_the_device_budget(
    cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    iris: FakeIris,
    http: aiohttp.ClientSession,
) -> None:
    """Two kbot processes (two engines, two senders) drive the same device."""
    other_engine = create_engine(cfg.database, timezone=cfg.timezone)
    one = await budgeted_sender(http, sessions, clock, iris.url, max_per_minute=5, max_per_day=7)
    two = await budgeted_sender(
        http, session_factory(other_engine), clock, iris.url, max_per_minute=5, max_per_day=7
    )
    try:
        tasks = [spawn(sender.send_text(ROOM, f"{n}")) for n in range(4) for sender in (one, two)]
        await iris.wait_for_calls(5)
        await settled(clock, one, two)
        assert len(iris.calls) == 5
        await clock.advance(60)
        await iris.wait_for_calls(7)
        await settled(clock, one, two)  # the day's budget holds the 8th
        assert len(iris.calls) == 7
        await wait_until(lambda: sum(t.done() for t in tasks) == 7, "seven answers")
    finally:
        await one.close()
        await two.close()
        await other_engine.dispose()
    assert await ledger_rows(sessions) == 7
    failed = [t.exception() for t in tasks if t.exception() is not None]
    assert len(failed) == 1  # closed while still waiting: never dropped silently


async def test_a_restarted_sender_still_counts_the_sends_before_it(
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    iris: FakeIris,
    http: aiohttp.ClientSession,
) -> None:
    first = await budgeted_sender(http, sessions, clock, iris.url, max_per_minute=3)
    try:
        for n in range(3):
            await first.send_text(ROOM, f"before {n}")
    finally:
        await first.close()
    await clock.advance(20)
    second = await budgeted_sender(http, sessions, clock, iris.url, max_per_minute=3)
    try:
        task = spawn(second.send_text(ROOM, "after"))
        async with asyncio.timeout(5):
            await clock.wait_for_sleepers(1)
        assert second.held_s("main") == pytest.approx(40)
        await step(clock, 35)
        assert len(iris.calls) == 3
        await clock.advance(5)
        result = await asyncio.wait_for(task, 5)
    finally:
        await second.close()
    assert result.ok and iris.bodies[-1]["data"] == "after"


async def test_a_device_without_budgets_never_touches_the_ledger(
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    iris: FakeIris,
    http: aiohttp.ClientSession,
) -> None:
    sender = await budgeted_sender(http, sessions, clock, iris.url)
    try:
        for n in range(20):
            await sender.send_text(ROOM, f"{n}")
    finally:
        await sender.close()
    assert len(iris.calls) == 20
    assert await ledger_rows(sessions) == 0
