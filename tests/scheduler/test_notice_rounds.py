"""A campaign's round summary (``알림: 모두``) over real HTTP to an echoing fake Iris: one
summary when the last room of the round is done, with the right counts and the failed
room's name; a room whose send never comes is named after the give-up time; two kbot
processes sweeping at once send it once."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from core.alerts import Alert
from core.config import Config
from scheduler.notice_rounds import GIVE_UP_S
from scheduler.notices import Notices
from storage.kbot_models import Campaign, ScheduleMeta
from storage.models import ScheduleLog
from tests.support.command_world import ROOMS, START
from tests.support.driver import Driver
from tests.support.echo_app import Sessions, start
from tests.support.fakes import FakeClock, FakeIris
from tests.support.sched_support import add_schedule
from web import keys

SEOUL = ZoneInfo("Asia/Seoul")
NOTIFY_ROOM = ROOMS["HQ"]  # the creator's room
REFUSED = {"success": False, "message": "방을 찾을 수 없습니다"}
BASE = datetime(2026, 11, 26, 9, 30)  # naive local: the campaign's base time
NAMES = {
    ROOMS["BR1"]: "도매까 강남지점 공지방",
    ROOMS["BR2"]: "BR2 공지방",
    ROOMS["BR3"]: "BR3 공지방",
}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


async def campaign(sessions: Sessions, rooms: list[str], spread_s: int) -> tuple[int, list[int]]:
    """A campaign of ``rooms`` spread over ``spread_s`` from 09:30, 알림 모두."""
    step = spread_s // len(rooms)
    ids = []
    for n, room in enumerate(rooms):
        at = BASE + timedelta(seconds=n * step)
        ids.append(
            await add_schedule(
                sessions,
                target_room_id=room,
                message_text=f"특가 {n}",
                created_by_type="headquarters",
                created_by_id="HQ",
                created_by_mb_id="hq",
                schedule_time=at.time(),
                next_send_at=at,
            )
        )
    async with sessions.begin() as s:
        row = Campaign(
            title="주간 특가",
            owner_org_id=1,
            spread_s=spread_s,
            base_time=time(9, 30),
            created_at=datetime(2026, 11, 25),
        )
        s.add(row)
        await s.flush()
        for sid in ids:
            s.add(
                ScheduleMeta(
                    schedule_id=sid, notify_room_id=NOTIFY_ROOM, campaign_id=row.id, notify="all"
                )
            )
        return row.id, ids


def told(iris: FakeIris, room: str) -> list[str]:
    return [str(c.body["data"]) for c in iris.calls if str(c.body.get("room")) == room]


async def round_at(app: Any, driver: Driver, clock: FakeClock, when: datetime) -> None:
    """Jump to ``when`` (naive local) and run one scheduler round to its end."""
    clock.set(when.replace(tzinfo=SEOUL))
    task = driver.request(app[keys.SCHEDULER].run_once())
    for _ in range(30):
        if task.done():
            break
        await driver.step(1)
    await task
    await driver.run_for(5, step=1)


async def failed_rooms(sessions: Sessions) -> list[str]:
    async with sessions() as s:
        rows = await s.scalars(select(ScheduleLog).where(ScheduleLog.status == "failed"))
        return [row.target_room_id for row in rows]


async def test_one_summary_after_the_last_room_with_the_counts_and_the_failed_room(
    cfg: Config, sessions: Sessions, clock: FakeClock, iris: FakeIris, aiohttp_client: Any
) -> None:
    iris.mode = "echo"
    api, driver = await start(aiohttp_client, cfg, sessions, clock, iris)
    app = api.client.app
    rooms = [ROOMS["BR1"], ROOMS["BR2"], ROOMS["BR3"]]
    cid, _ = await campaign(sessions, rooms, spread_s=120)
    iris.fail_next(1, status=200, body=REFUSED)  # the first room's send is refused
    await round_at(app, driver, clock, BASE)
    await round_at(app, driver, clock, BASE + timedelta(seconds=40))
    await driver.run_for(60, step=2)
    assert told(iris, NOTIFY_ROOM) == []  # the third room has not had its turn
    await round_at(app, driver, clock, BASE + timedelta(seconds=80))
    await driver.run_for(30, step=2)
    [failed] = await failed_rooms(sessions)
    assert told(iris, NOTIFY_ROOM) == [
        f"[캠페인 C{cid} '주간 특가' 결과] 3개 방 중 2개 확인, 1개 실패: {NAMES[failed]}"
    ]
    await driver.run_for(GIVE_UP_S + 60, step=60)
    assert len(told(iris, NOTIFY_ROOM)) == 1  # never again


async def test_a_room_whose_send_never_comes_is_named_after_the_give_up_time(
    cfg: Config, sessions: Sessions, clock: FakeClock, iris: FakeIris, aiohttp_client: Any
) -> None:
    iris.mode = "echo"
    api, driver = await start(aiohttp_client, cfg, sessions, clock, iris)
    app = api.client.app
    cid, ids = await campaign(sessions, [ROOMS["BR1"], ROOMS["BR2"]], spread_s=0)
    async with sessions.begin() as s:  # the second room's row never sends
        from storage.models import Schedule

        row = await s.get(Schedule, ids[1])
        assert row is not None
        row.status = "inactive"
    await round_at(app, driver, clock, BASE)
    await driver.run_for(GIVE_UP_S - 120, step=60)
    assert told(iris, NOTIFY_ROOM) == []  # the round waits for it
    await driver.run_for(180, step=60)
    assert told(iris, NOTIFY_ROOM) == [
        f"[캠페인 C{cid} '주간 특가' 결과] 2개 방 중 1개 확인, 1개 결과 없음: BR2 공지방"
    ]


async def test_two_processes_sweeping_at_once_send_one_summary(
    cfg: Config, sessions: Sessions, clock: FakeClock, iris: FakeIris, aiohttp_client: Any
) -> None:
    iris.mode = "echo"
    api, driver = await start(aiohttp_client, cfg, sessions, clock, iris)
    app = api.client.app
    await campaign(sessions, [ROOMS["BR1"]], spread_s=0)
    # the app's own sweep is parked on the clock; two more processes' sweeps race
    inboxes: list[list[Alert]] = [[], []]

    def recorder(box: list[Alert]) -> Any:
        async def notify(alert: Alert) -> None:
            box.append(alert)

        return notify

    deps = app[keys.SCHEDULER].deps
    others = [
        Notices(dataclasses.replace(deps, owner=f"p{n}", notify=recorder(box)))
        for n, box in enumerate(inboxes)
    ]
    clock.set(BASE.replace(tzinfo=SEOUL))
    await asyncio.wait_for(app[keys.SCHEDULER].run_once(), 10)  # no retry: no sleeping
    for _ in range(200):  # the echo confirms in the background
        async with sessions() as s:
            entry = (await s.scalars(select(ScheduleLog))).one()
            if (entry.api_response or {}).get("confirmation") == "confirmed":
                break
        await asyncio.sleep(0.02)
    sent = await asyncio.gather(*(n.sweep() for n in others), *(n.sweep() for n in others))
    await driver.run_for(10, step=2)  # and the app's own sweep
    assert sum(sent) == 1
    assert sum(len(box) for box in inboxes) + len(told(iris, NOTIFY_ROOM)) == 1
