"""The weekly digest (``alerts.weekly_digest = "mon 09:00"``) through the real app on a
FakeClock, told to the ops room over real HTTP to a fake Iris, on both backends: due at the
configured local time (not a minute before), once, with last week's numbers from the report
service; sent at start-up when kbot was down at that time within the same week, never for a
week already over; a second process finds it claimed."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from core.alerts import Alert
from core.config import Config
from services.weekly_digest import WeeklyDigest
from storage.engagement_models import Notice, Reply
from storage.models import ScheduleLog
from storage.send_record import record
from tests.support.api import weekly
from tests.support.command_world import ROOMS, START
from tests.support.echo_app import Sessions, start
from tests.support.fakes import FakeClock, FakeIris
from web import keys

SEOUL = ZoneInfo("Asia/Seoul")
OPS_ROOM = ROOMS["HQ"]
CONFIRMED = record([], [{"part": 0, "confirmed": True}], applicable=True)
UNCONFIRMED = record([], [{"part": 0, "confirmed": False}], applicable=True)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)  # Thursday 2026-11-26 09:12 in Seoul


def with_digest(cfg: Config) -> Config:
    alerts = cfg.alerts.model_copy(update={"ops_room_id": OPS_ROOM, "weekly_digest": "mon 09:00"})
    return cfg.model_copy(update={"alerts": alerts})


def digests(iris: FakeIris) -> list[str]:
    return [
        str(c.body["data"])
        for c in iris.calls
        if str(c.body.get("room")) == OPS_ROOM and str(c.body["data"]).startswith("[주간 요약]")
    ]


async def keys_of(sessions: Sessions) -> set[str]:
    async with sessions() as s:
        return set(await s.scalars(select(Notice.key).where(Notice.key.like("digest:%"))))


async def test_the_digest_is_sent_once_at_the_configured_time_with_last_weeks_numbers(
    cfg: Config, sessions: Sessions, clock: FakeClock, iris: FakeIris, aiohttp_client: Any
) -> None:
    api, driver = await start(aiohttp_client, with_digest(cfg), sessions, clock, iris)
    await driver.run_for(4, step=2)
    # kbot was down on Monday 11/23 09:00: the week of 11/16 is told at start, that week
    [late] = digests(iris)
    assert late.startswith("[주간 요약] 11/16(월)~11/22(일)\n발송 0건 · 실패 0건")

    single = await api.create()
    status, made = await api.call(
        "POST", "/api/schedules", "AG1", json=weekly(target_room_id=None, target_org="AG1")
    )
    assert status == 201, made
    rows = made["schedules"]
    at = datetime(2026, 11, 24, 9, 30)  # Tuesday of the week reported next
    log = {"status": "success", "scheduled_at": at}
    await api.add_logs(
        {
            **log,
            "schedule_id": rows[0]["id"],
            "target_room_id": rows[0]["target_room_id"],
            "api_response": CONFIRMED,
        },
        {
            **log,
            "schedule_id": rows[1]["id"],
            "target_room_id": rows[1]["target_room_id"],
            "api_response": CONFIRMED,
        },
        {
            **log,
            "schedule_id": rows[2]["id"],
            "target_room_id": rows[2]["target_room_id"],
            "status": "failed",
            "error_message": "텍스트: 실패",
        },
        {
            **log,
            "schedule_id": single["id"],
            "target_room_id": single["target_room_id"],
            "api_response": UNCONFIRMED,
        },
        {
            **log,
            "schedule_id": single["id"],
            "target_room_id": single["target_room_id"],
            "status": "failed",
            "error_message": "skipped: misfire",
            "scheduled_at": at.replace(hour=10),
        },
        {
            **log,
            "schedule_id": single["id"],
            "target_room_id": single["target_room_id"],
            "scheduled_at": datetime(2026, 11, 30, 8, 0),
        },  # this week: not in the digest
    )
    async with sessions.begin() as s:
        first = (await s.scalars(select(ScheduleLog).order_by(ScheduleLog.id))).first()
        assert first is not None
        for n in range(2):
            s.add(
                Reply(
                    reply_id=f"r{n}",
                    src_echo_id="e",
                    log_id=first.id,
                    schedule_id=first.schedule_id,
                    room_id=first.target_room_id,
                    replied_at=datetime(2026, 11, 24, 1, 0),
                )
            )

    clock.set(datetime(2026, 11, 30, 8, 59, tzinfo=SEOUL))
    await driver.run_for(10, step=2)
    assert len(digests(iris)) == 1  # not a minute early
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=SEOUL))
    await driver.run_for(20, step=2)
    assert digests(iris)[1:] == [
        "[주간 요약] 11/23(월)~11/29(일)\n"
        "발송 4건 · 실패 1건 · 미확인 1건 · 건너뜀 1건\n"
        "답장 많은 캠페인:\n"
        f"1. C{made['campaign_id']} '주간 특가' 답장 2건 (3개 방)"
    ]
    await driver.run_for(600, step=60)
    assert len(digests(iris)) == 2  # once

    # another process sharing the database finds it claimed
    told: list[Alert] = []

    async def notify(alert: Alert) -> None:
        told.append(alert)

    at = api.client.app[keys.CONFIG].alerts.digest_at
    assert at is not None
    other = WeeklyDigest(sessions, clock, SEOUL, OPS_ROOM, at, notify)
    assert await other.run_due() is False and told == []

    # down over the whole week of 12/7: on Tuesday 12/15 only that week's digest, never 11/30's
    clock.set(datetime(2026, 12, 15, 10, 0, tzinfo=SEOUL))
    await driver.run_for(10, step=2)
    assert digests(iris)[2].startswith("[주간 요약] 12/7(월)~12/13(일)")
    assert await keys_of(sessions) == {
        "digest:2026-11-16",
        "digest:2026-11-23",
        "digest:2026-12-07",
    }
