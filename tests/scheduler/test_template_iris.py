"""A template sent by the real app through the fake Iris: the room receives the text filled
in for it, the log keeps that text, ``kb_schedule.message_text`` keeps the template."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Config
from storage.models import Schedule
from tests.scheduler.test_faults import DUE, log_count, ops_world, start, with_faults
from tests.support.fakes import FakeClock, FakeIris
from tests.support.sched_support import ROOM, add_schedule, logs

Client = Any
TEMPLATE = "{지점명} {방이름} {날짜}({요일}) {시간} {{x}} {foo}"
SENT = "BR1 조직 방1 12월 1일(화요일) 09:30 {x} {foo}"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(DUE - timedelta(seconds=2))


async def test_the_room_receives_the_text_filled_in_for_it(
    cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    iris: FakeIris,
    ops_iris: FakeIris,
    aiohttp_client: Client,  # last: the app shuts down before the database goes away
) -> None:
    await ops_world(sessions, ops_device="ops")
    sid = await add_schedule(sessions, message_text=TEMPLATE)
    _, driver = await start(aiohttp_client, with_faults(cfg, iris, ops_iris), clock)

    async def logged() -> bool:
        return await log_count(sessions) == 1

    await driver.until(logged)
    assert iris.bodies == [{"type": "text", "room": ROOM, "data": SENT}]
    [entry] = await logs(sessions)
    assert (entry.status, entry.sent_message_text) == ("success", SENT)
    async with sessions() as s:
        row = await s.get(Schedule, sid)
        assert row is not None and row.message_text == TEMPLATE
