"""The schedule page's test send and send now through the real app and a fake Iris over HTTP:
a test send reaches the schedule's test room and is logged as a test, a send now reaches the
target room and is logged as manual, a schedule without a test room says one is needed, a
room just sent to asks for a confirmation first, and CSRF is required."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Config
from kbot.bootstrap import init_app
from storage.kbot_models import Occurrence
from storage.models import ScheduleLog
from tests.support.command_world import ROOMS, START, build_world
from tests.support.fakes import FakeClock, FakeIris
from tests.support.pages import Site, csrf_of, quiet
from tests.web.test_api_send_now import through_iris
from tests.web.test_schedule_page import TEST_ROOM, add_test_room, create

SENT = "BR1 조직 특가 안내"  # the template "{지점명} 특가 안내" for BR1's rooms


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


async def iris_site(
    cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    iris: FakeIris,
    aiohttp_client: Any,
) -> Site:
    await build_world(sessions)
    app = await init_app(quiet(through_iris(cfg, iris.url)), clock=clock)
    return Site(await aiohttp_client(app), cfg, sessions, clock)


async def post(site: Site, path: str, data: dict[str, str]) -> tuple[int, str, str | None]:
    return await asyncio.wait_for(site.post(path, data), 10)


async def kinds(site: Site) -> list[tuple[str, str, str]]:
    async with site.sessions() as s:
        rows = await s.execute(
            select(ScheduleLog.target_room_id, ScheduleLog.status, Occurrence.kind)
            .join(Occurrence, Occurrence.log_id == ScheduleLog.id)
            .order_by(ScheduleLog.id)
        )
        return [(room, status, kind) for room, status, kind in rows.all()]


async def test_test_send_and_send_now_reach_iris_and_are_logged(
    cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    clock: FakeClock,
    iris: FakeIris,
    aiohttp_client: Any,  # last: the app shuts down before the database goes away
) -> None:
    site = await iris_site(cfg, sessions, clock, iris, aiohttp_client)
    token = csrf_of(await site.login("BR1"))
    await add_test_room(site)
    bare = await create(site, title="테스트방 없음")
    sid = await create(site, test_room=TEST_ROOM)

    status, _, location = await post(site, f"/schedules/{bare}/test", {"csrf_token": token})
    assert (status, location) == (303, f"/schedules/{bare}?done=test&status=no_test_room")
    _, html = await site.get(str(location))
    assert "테스트방이 없어 테스트 발송을 하지 않았습니다" in html
    assert iris.bodies == []

    assert (await post(site, f"/schedules/{sid}/test", {}))[0] == 403  # no CSRF token
    assert (await post(site, f"/schedules/{sid}/send", {}))[0] == 403
    assert iris.bodies == []

    status, _, location = await post(site, f"/schedules/{sid}/test", {"csrf_token": token})
    assert (status, location) == (303, f"/schedules/{sid}?done=test&status=success")
    assert iris.bodies == [{"type": "text", "room": TEST_ROOM, "data": SENT}]
    _, html = await site.get(str(location))
    assert "테스트 발송을 보냈습니다" in html and 'id="result"' in html

    status, _, location = await post(site, f"/schedules/{sid}/send", {"csrf_token": token})
    assert (status, location) == (303, f"/schedules/{sid}?done=send&status=success")
    assert iris.bodies[-1] == {"type": "text", "room": ROOMS["BR1"], "data": SENT}
    assert await kinds(site) == [
        (TEST_ROOM, "success", "test"),
        (ROOMS["BR1"], "success", "manual"),
    ]
    _, html = await site.get(f"/schedules/{sid}")
    sends = html.split('<table id="recent-sends"', 1)[1].split("</table>", 1)[0]
    assert "테스트" in sends and "수동" in sends and sends.count("성공") == 2

    # the room was just sent to: the page asks first, nothing is sent
    status, html, _ = await post(site, f"/schedules/{sid}/send", {"csrf_token": token})
    assert status == 409 and "방금 이 방에 보냈습니다" in html
    assert 'name="confirm" value="1"' in html and 'id="confirm-send"' in html
    assert len(iris.bodies) == 2
    confirm = {"csrf_token": token, "confirm": "1"}
    status, _, location = await post(site, f"/schedules/{sid}/send", confirm)
    assert status == 303 and location is not None
    assert location.startswith(f"/schedules/{sid}?done=send&status=queued&wait=")
    _, html = await site.get(str(location))
    assert "초 뒤에 보냅니다" in html
