"""The breaker through real sends: the real app, a rooms' device (FakeIris) answering every
request with HTTP 500, so each attempt's receipt is 'failed'; after ``breaker_unconfirmed``
of them the device is paused, the ops room (on another device) hears it once, the next
scheduled send waits for the pause, and one recovery message follows its end. Time is a
FakeClock."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Config
from storage.kbot_models import DeviceState, Receipt
from tests.scheduler.test_faults import DUE, OPS_ROOM, ops_world, start, with_faults
from tests.support.fakes import FakeClock, FakeIris
from tests.support.sched_support import add_schedule, logs

Client = Any
BREAKER = 3


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(DUE - timedelta(seconds=2))


async def device_row(sessions: async_sessionmaker[AsyncSession]) -> DeviceState | None:
    async with sessions() as s:
        return await s.get(DeviceState, "default")


async def receipt_states(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[str, str]]:
    async with sessions() as s:
        rows = await s.execute(select(Receipt.device, Receipt.state).order_by(Receipt.id))
        return [(device, state) for device, state in rows]


async def test_failing_parts_pause_their_device_with_one_alert_and_one_recovery(
    cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    iris: FakeIris,
    ops_iris: FakeIris,
    aiohttp_client: Client,  # last: the app shuts down before the database goes away
) -> None:
    await ops_world(sessions, ops_device="ops")
    await add_schedule(sessions)
    iris.fail_next(BREAKER, status=500)  # the first send's three attempts fail, then it answers
    faults = with_faults(cfg, iris, ops_iris, breaker=BREAKER, iris_down_after_s=30 * 86400)
    _, driver = await start(aiohttp_client, faults, clock)

    def pause_alerts_seen() -> list[Any]:
        return [c for c in ops_iris.calls if "발송 일시정지" in c.body["data"]]

    async def paused_and_told() -> bool:
        # the alert is its own task after the row is written: wait for both
        row = await device_row(sessions)
        return row is not None and row.paused_until is not None and bool(pause_alerts_seen())

    await driver.until(paused_and_told, limit_s=120)
    assert await receipt_states(sessions) == [("default", "failed")] * BREAKER
    pause_alerts = pause_alerts_seen()
    assert len(pause_alerts) == 1 and pause_alerts[0].body["room"] == OPS_ROOM
    assert "'default'" in pause_alerts[0].body["data"]
    assert all(c.body["room"] == OPS_ROOM for c in ops_iris.calls)

    # the pause (breaker_pause_s 600) ends: one recovery message
    await driver.run_for(700)
    recoveries = [c for c in ops_iris.calls if "일시정지가 끝나" in c.body["data"]]
    assert len(recoveries) == 1
    assert len([c for c in ops_iris.calls if "발송 일시정지" in c.body["data"]]) == 1
    row = await device_row(sessions)
    assert row is not None and row.trips == 1 and row.recovery_told
    # the first send's fourth attempt waited for the pause past misfire_grace_s: skipped
    assert len(iris.calls) == BREAKER
    [first] = await logs(sessions)
    assert first.error_message is not None and first.error_message.startswith("건너뜀: ")
    assert "일시정지" in first.error_message

    # the next day's send goes out through the recovered device, once
    target = DUE + timedelta(days=1, seconds=-2)
    await driver.step((target - clock.now()).total_seconds())

    async def sent_again() -> bool:
        return len(iris.calls) > BREAKER

    await driver.until(sent_again, limit_s=120)
    await driver.run_for(60)
    assert len(iris.calls) == BREAKER + 1
    assert [entry.status for entry in await logs(sessions)][-1] == "success"
