"""The real app with a budgeted Iris device: a scheduled send whose wait for budget would pass
its misfire deadline follows the misfire rule: logged as a skip when nothing was sent yet,
as partial after earlier parts, never sent late."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Config
from core.timeutil import to_utc_naive
from storage.kbot_models import DeviceSend, Occurrence
from storage.models import Schedule
from tests.conftest import PHP_IMAGES
from tests.scheduler.test_faults import DUE, log_count, ops_world, start, with_faults
from tests.support.fakes import FakeClock, FakeIris
from tests.support.sched_support import add_schedule, image_file, logs

Client = Any
LATE_REASON = "봇 기기의 발송 한도나 일시정지로 기다리다 허용 시간이 지나 보내지 않았습니다"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(DUE - timedelta(seconds=2))


def budgeted(cfg: Config, iris: FakeIris, ops_iris: FakeIris, per_hour: int) -> Config:
    faults = with_faults(cfg, iris, ops_iris)
    device = faults.bot.iris.model_copy(update={"max_per_hour": per_hour})
    return faults.model_copy(update={"bot": faults.bot.model_copy(update={"iris": device})})


async def occurrence_state(sessions: async_sessionmaker[AsyncSession]) -> str:
    async with sessions() as s:
        return str(await s.scalar(select(Occurrence.state)))


async def test_a_send_held_by_the_budget_past_its_deadline_is_logged_as_a_skip(
    cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    iris: FakeIris,
    ops_iris: FakeIris,
    aiohttp_client: Client,  # last: the app shuts down before the database goes away
) -> None:
    await ops_world(sessions, ops_device="ops")
    sid = await add_schedule(sessions)
    async with sessions() as s, s.begin():  # the hour's budget went ten minutes ago
        spent = to_utc_naive(clock.now() - timedelta(minutes=10))
        s.add_all(DeviceSend(device="default", sent_at=spent) for _ in range(2))
    _, driver = await start(aiohttp_client, budgeted(cfg, iris, ops_iris, 2), clock, iris)

    async def logged() -> bool:
        return await log_count(sessions) == 1

    await driver.until(logged)
    [entry] = await logs(sessions)
    assert entry.status == "failed"
    assert entry.error_message == f"건너뜀: 텍스트: {LATE_REASON}"
    assert await occurrence_state(sessions) == "skipped"
    async with sessions() as s:
        schedule = await s.get(Schedule, sid)
        assert schedule is not None and schedule.status == "active"  # a skip is no failure
    await driver.run_for(120)
    assert iris.calls == []  # never sent late


async def test_a_part_held_past_the_deadline_after_the_first_makes_the_send_partial(
    cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    iris: FakeIris,
    ops_iris: FakeIris,
    tmp_path: Path,
    aiohttp_client: Client,
) -> None:
    await ops_world(sessions, ops_device="ops")
    promo = image_file(tmp_path / PHP_IMAGES, "7")
    await add_schedule(sessions, message_images={"images": [promo]}, send_order="text_first")
    _, driver = await start(aiohttp_client, budgeted(cfg, iris, ops_iris, 1), clock, iris)

    async def logged() -> bool:
        return await log_count(sessions) == 1

    await driver.until(logged)
    [entry] = await logs(sessions)
    assert entry.status == "partial"
    assert entry.error_message == f"이미지 #7: {LATE_REASON}"
    assert [body["type"] for body in iris.bodies] == ["text"]
    await driver.run_for(120)
    assert len(iris.calls) == 1
