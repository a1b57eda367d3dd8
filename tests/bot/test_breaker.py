"""The breaker over real HTTP to two FakeIris devices, on a FakeClock and a real database:
N unconfirmed or failed parts in a row pause the device (its sends wait), ONE alert goes to
the ops room through the other device, ONE recovery message when the pause ends; with two
processes on one database exactly one of them alerts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.iris.client import IrisSender
from bot.iris.devices import IrisDevice
from bot.iris.safety import CHECK_EVERY_S, DeviceSafety
from core.config import Config
from core.timeutil import from_utc_naive
from storage.engine import create_engine, session_factory
from storage.kbot_models import DeviceState, RoomDevice
from tests.support.fakes import FakeClock, FakeIris
from tests.support.receipts import add_receipts
from tests.support.sched_support import drive
from tests.support.waits import wait_until

ROOM = "257378349297847"
OPS_ROOM = "900000000000001"
SEOUL = ZoneInfo("Asia/Seoul")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def main_iris(clock: FakeClock) -> AsyncIterator[FakeIris]:
    async with FakeIris(clock) as fake:
        yield fake


@pytest.fixture
async def spare_iris(clock: FakeClock) -> AsyncIterator[FakeIris]:
    async with FakeIris(clock) as fake:
        yield fake


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


def devices(main: FakeIris, spare: FakeIris, *, breaker: int = 3) -> list[IrisDevice]:
    return [
        IrisDevice(name, fake.url, text_gap_ms=0, breaker_unconfirmed=breaker, breaker_pause_s=600)
        for name, fake in (("main", main), ("spare", spare))
    ]


async def process(
    http: aiohttp.ClientSession,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    configured: list[IrisDevice],
) -> tuple[IrisSender, DeviceSafety]:
    """One kbot process's sender and device safety (rooms go to "main")."""
    safety = DeviceSafety(sessions, configured, clock, ops_room_id=OPS_ROOM, tz=SEOUL)
    sender = IrisSender(http, configured, clock, gates=safety.gates)
    await sender.start()
    safety.breaker.attach(sender)
    return sender, safety


async def state(sessions: async_sessionmaker[AsyncSession], name: str) -> DeviceState:
    async with sessions() as s:
        row = await s.get(DeviceState, name)
    assert row is not None
    return row


def texts(fake: FakeIris, room: str = OPS_ROOM) -> list[str]:
    return [body["data"] for body in fake.bodies if body["room"] == room]


async def test_bad_parts_in_a_row_pause_the_device_with_one_alert_and_one_recovery(
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    main_iris: FakeIris,
    spare_iris: FakeIris,
    http: aiohttp.ClientSession,
) -> None:
    async with sessions() as s, s.begin():
        s.add(RoomDevice(room_id=OPS_ROOM, device="spare", source="seen", seen_at=clock.now()))
    await add_receipts(
        sessions, "main", ["confirmed", "unconfirmed", "failed", "unconfirmed"], at=clock.now()
    )
    await clock.advance(10)
    sender, safety = await process(http, sessions, clock, devices(main_iris, spare_iris))
    loop = asyncio.create_task(safety.run(sender), name="device-safety")
    try:
        await spare_iris.wait_for_calls(1)  # the first check trips it and alerts at once
        tripped_at = clock.now()
        [alert] = texts(spare_iris)
        assert "봇 기기 'main' 발송 일시정지" in alert and "연달아 확인되지 않았거나" in alert
        row = await state(sessions, "main")
        assert row.trips == 1 and not row.recovery_told
        assert row.paused_until is not None
        assert from_utc_naive(row.paused_until) == tripped_at + timedelta(seconds=600)

        held = asyncio.create_task(sender.send_text(ROOM, "기다리는 발송"))
        await wait_until(lambda: sender.held_s("main") > 0, "the paused device to hold")
        paused_at = clock.monotonic()
        await drive(clock, lambda: clock.monotonic() >= paused_at + 598, CHECK_EVERY_S)
        assert main_iris.calls == [] and not held.done()
        await drive(clock, lambda: held.done() and len(main_iris.calls) == 2, CHECK_EVERY_S)
        assert held.result().ok
        # a minute more: the old bad parts, sent before the pause ended, do not trip it again
        later = clock.monotonic() + 60
        await drive(clock, lambda: clock.monotonic() >= later, CHECK_EVERY_S)
    finally:
        loop.cancel()
        await asyncio.gather(loop, return_exceptions=True)
        await sender.close()
    [recovery] = texts(main_iris)
    assert "일시정지가 끝나 발송을 다시 시작합니다" in recovery
    assert texts(main_iris, ROOM) == ["기다리는 발송"]
    assert len(texts(spare_iris)) == 1
    row = await state(sessions, "main")
    assert row.trips == 1 and row.recovery_told
    assert row.resumed_at == row.paused_until


async def test_two_processes_trip_and_recover_once(
    cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    main_iris: FakeIris,
    spare_iris: FakeIris,
    http: aiohttp.ClientSession,
) -> None:
    other = create_engine(cfg.database, timezone=cfg.timezone)
    configured = devices(main_iris, spare_iris)
    one = await process(http, sessions, clock, configured)
    two = await process(http, session_factory(other), clock, configured)
    try:
        await add_receipts(sessions, "main", ["failed"] * 3, at=clock.now())
        await clock.advance(5)
        await asyncio.gather(one[1].check(), two[1].check())
        await asyncio.gather(one[1].breaker.wait_told(), two[1].breaker.wait_told())
        assert len(spare_iris.calls) == 1
        # the process that lost the race sees the pause at its next check
        await asyncio.gather(one[1].check(), two[1].check())
        assert one[1].pause.left_s("main") == two[1].pause.left_s("main") > 590
        await clock.advance(600)
        await asyncio.gather(one[1].check(), two[1].check())
        await asyncio.gather(one[1].breaker.wait_told(), two[1].breaker.wait_told())
    finally:
        for sender, safety in (one, two):
            await safety.breaker.close()
            await sender.close()
        await other.dispose()
    told = texts(spare_iris) + texts(main_iris)
    assert len(told) == 2 and "일시정지" in told[0] and "다시 시작" in told[1]
    assert (await state(sessions, "main")).trips == 1


async def test_a_confirmed_part_or_a_breaker_of_zero_keeps_the_device_going(
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    main_iris: FakeIris,
    spare_iris: FakeIris,
    http: aiohttp.ClientSession,
) -> None:
    await add_receipts(sessions, "main", ["failed", "failed", "confirmed"], at=clock.now())
    await add_receipts(sessions, "spare", ["failed"] * 5, at=clock.now())
    configured = devices(main_iris, spare_iris)
    configured[1] = IrisDevice("spare", spare_iris.url, breaker_unconfirmed=0)
    sender, safety = await process(http, sessions, clock, configured)
    try:
        await clock.advance(5)
        await safety.check()
        assert safety.pause.left_s("main") == safety.pause.left_s("spare") == 0
        await add_receipts(sessions, "main", ["unconfirmed"] * 2, at=clock.now())
        await safety.check()
        assert safety.pause.left_s("main") == 0  # confirmed is still among the last three
        later = clock.now() + timedelta(seconds=10)
        await add_receipts(sessions, "main", ["unconfirmed"], at=later)
        await safety.check()
        assert safety.pause.left_s("main") == 600
        await safety.breaker.wait_told()
    finally:
        await safety.breaker.close()
        await sender.close()
    assert len(spare_iris.calls) == 1 and main_iris.calls == []


async def test_a_pause_ended_early_by_hand_is_told_once_and_does_not_trip_again(
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    main_iris: FakeIris,
    spare_iris: FakeIris,
    http: aiohttp.ClientSession,
) -> None:
    await add_receipts(sessions, "main", ["unconfirmed"] * 3, at=clock.now())
    await clock.advance(5)
    sender, safety = await process(http, sessions, clock, devices(main_iris, spare_iris))
    try:
        await safety.check()
        await safety.breaker.wait_told()
        async with sessions() as s, s.begin():  # the operator ends it (docs/operations.md)
            await s.execute(
                update(DeviceState)
                .values(paused_until=datetime(2026, 1, 1))
                .where(DeviceState.name == "main")
            )
        for _ in range(3):
            await safety.check()
            await safety.breaker.wait_told()
        assert safety.pause.left_s("main") == 0
    finally:
        await safety.breaker.close()
        await sender.close()
    told = texts(spare_iris) + texts(main_iris)
    assert len(told) == 2 and "다시 시작" in told[1]
    assert (await state(sessions, "main")).trips == 1
