"""``scheduler.shutdown_grace_s``: ``stop()`` waits for a part in flight at most that long on
the clock, then cuts it; a scheduled send gives its claim back and is sent once by the next
worker, a send a person asked for ends with its log row."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.iris.client import IrisSender
from bot.iris.devices import IrisDevice
from core.config import Config
from scheduler.delivery import STOPPED
from storage.kbot_models import Occurrence
from tests.support.fakes import FakeClock, FakeIris
from tests.support.sched_support import (
    START,
    RecordingSender,
    add_schedule,
    drive,
    logs,
    make_world,
    run,
    scheduler,
    with_settings,
)


@pytest.fixture
async def world(sessions: async_sessionmaker[AsyncSession]) -> None:
    await make_world(sessions)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START + timedelta(minutes=30))  # 09:30 local: the schedule is due


@pytest.fixture
async def iris(clock: FakeClock) -> AsyncIterator[FakeIris]:
    async with FakeIris(clock) as fake:
        fake.hang_next(1)
        yield fake


@pytest.fixture
async def sender(iris: FakeIris, clock: FakeClock) -> AsyncIterator[IrisSender]:
    async with aiohttp.ClientSession() as http:
        device = IrisDevice("default", iris.url, text_gap_ms=0, image_gap_ms=0, timeout_s=60)
        iris_sender = IrisSender(http, [device], clock)
        await iris_sender.start()
        try:
            yield iris_sender
        finally:
            await iris_sender.close()


async def test_a_hung_scheduled_send_is_cut_and_resumed_once_by_the_next_worker(
    cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    world: None,
    clock: FakeClock,
    iris: FakeIris,
    sender: IrisSender,
) -> None:
    await add_schedule(sessions, send_interval_seconds=0)
    first = scheduler(with_settings(cfg, shutdown_grace_s=0), sessions, sender, clock, owner="a")
    first.start()
    await iris.wait_for_calls(1)  # the text part hangs in Iris
    await asyncio.wait_for(first.stop(), 5)  # a grace of 0: cut at once, nothing slept
    assert await logs(sessions) == []
    async with sessions() as s:
        occ = await s.scalar(select(Occurrence))
        assert occ is not None
        assert (occ.state, occ.parts_done, occ.lease_owner) == ("pending", 0, None)  # given back
    recording = RecordingSender(clock)
    second = scheduler(with_settings(cfg), sessions, recording, clock, owner="b")
    [outcome] = await run(clock, second.run_once())
    assert outcome.status == "success"
    assert [s.payload for s in recording.sent] == ["안녕하세요"]
    [entry] = await logs(sessions)
    assert entry.status == "success"


async def test_a_hung_send_a_person_asked_for_ends_with_its_log_row_after_the_grace(
    cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    world: None,
    clock: FakeClock,
    iris: FakeIris,
    sender: IrisSender,
) -> None:
    sid = await add_schedule(sessions, send_interval_seconds=0, next_send_at=None)
    sched = scheduler(with_settings(cfg, shutdown_grace_s=5), sessions, sender, clock)
    answer = await sched.send_now(sid, kind="test", wait_s=0)
    assert answer.status == "pending"
    await iris.wait_for_calls(1)
    stopping = asyncio.ensure_future(sched.stop())
    await clock.wait_for_sleepers(1)  # the grace, on the clock
    assert not stopping.done()
    await clock.advance(4)
    assert not stopping.done()
    await drive(clock, stopping.done)  # the grace ends: the hung part is cut
    await stopping
    [entry] = await logs(sessions)
    assert (entry.status, entry.error_message) == ("failed", STOPPED)
    async with sessions() as s:
        occ = await s.scalar(select(Occurrence))
        assert occ is not None and occ.state != "sending"
