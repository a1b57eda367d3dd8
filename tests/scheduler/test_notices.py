"""Live notices (``알림``) over real HTTP: the app with the iris transport on a FakeClock, a
fake Iris that echoes; the schedule's notify room hears one result per send with 'all'
(after the echo confirms it, or as unconfirmed after ``confirm_timeout_s``), nothing with
'off' (the ops room still hears of a failure), the failure alert with 'failures'."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from core.config import Config
from storage.kbot_models import ScheduleMeta
from tests.support.api import Api
from tests.support.command_world import ROOMS, START
from tests.support.driver import Driver
from tests.support.echo_app import Sessions, api_response_becomes, start
from tests.support.fakes import FakeClock, FakeIris

NOTIFY_ROOM = ROOMS["AG1"]  # the creator's room
OPS_ROOM = ROOMS["HQ"]
REFUSED = {"success": False, "message": "방을 찾을 수 없습니다"}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


def with_ops(cfg: Config) -> Config:
    alerts = cfg.alerts.model_copy(update={"ops_room_id": OPS_ROOM})
    return cfg.model_copy(update={"alerts": alerts})


def told(iris: FakeIris, room: str) -> list[str]:
    """The texts the bot sent to ``room``."""
    return [str(c.body["data"]) for c in iris.calls if str(c.body.get("room")) == room]


async def set_notify(sessions: Sessions, schedule_id: int, mode: str | None) -> None:
    async with sessions.begin() as s:
        await s.execute(
            update(ScheduleMeta)
            .where(ScheduleMeta.schedule_id == schedule_id)
            .values(notify=mode, notify_room_id=NOTIFY_ROOM)
        )


async def send(api: Api, driver: Driver, schedule_id: int) -> dict[str, Any]:
    """Send the schedule now through the API, letting fake time pass for its retries."""
    answer = driver.request(api.call("POST", f"/api/schedules/{schedule_id}/send"))
    for _ in range(30):
        if answer.done():
            break
        await driver.step(1)
    status, body = await answer
    assert status == 200, body
    return dict(body)


async def test_all_tells_the_notify_room_once_after_the_echo_confirms(
    cfg: Config, sessions: Sessions, clock: FakeClock, iris: FakeIris, aiohttp_client: Any
) -> None:
    iris.mode = "echo"
    api, driver = await start(aiohttp_client, with_ops(cfg), sessions, clock, iris)
    created = await api.create()
    await set_notify(sessions, created["id"], "all")
    sent = await send(api, driver, created["id"])
    await api_response_becomes(sessions, sent["id"], "confirmed")
    await driver.run_for(20, step=1)
    [notice] = told(iris, NOTIFY_ROOM)
    assert notice.startswith(f"[발송 결과] 스케줄 #{created['id']} '주간 특가' 11/26(목) ")
    assert notice.endswith("도매까 강남지점 공지방: 확인됨")
    assert told(iris, OPS_ROOM) == []


async def test_all_says_unconfirmed_once_the_echo_is_overdue(
    cfg: Config, sessions: Sessions, clock: FakeClock, iris: FakeIris, aiohttp_client: Any
) -> None:
    api, driver = await start(aiohttp_client, cfg, sessions, clock, iris)  # silent
    created = await api.create()
    await set_notify(sessions, created["id"], "all")
    await send(api, driver, created["id"])
    await driver.run_for(25, step=1)
    assert told(iris, NOTIFY_ROOM) == []  # still waiting for the echo (30 s)
    await driver.run_for(20, step=1)
    [notice] = told(iris, NOTIFY_ROOM)
    assert notice.endswith(": 미확인(에코 없음)")


async def test_all_tells_every_send_even_two_within_the_alert_interval(
    cfg: Config, sessions: Sessions, clock: FakeClock, iris: FakeIris, aiohttp_client: Any
) -> None:
    """The alert gate holds back a repeat of one key for ``min_interval_s`` (600 s); each
    send's notice is its own key, so two sends a minute apart are two notices."""
    iris.mode = "echo"
    api, driver = await start(aiohttp_client, cfg, sessions, clock, iris)
    created = await api.create()
    await set_notify(sessions, created["id"], "all")
    first = await send(api, driver, created["id"])
    await api_response_becomes(sessions, first["id"], "confirmed")
    await driver.run_for(60, step=1)
    second = await send(api, driver, created["id"])
    await api_response_becomes(sessions, second["id"], "confirmed")
    await driver.run_for(20, step=1)
    notices = told(iris, NOTIFY_ROOM)
    assert len(notices) == 2, notices
    assert all(n.endswith(": 확인됨") for n in notices)
    assert not any("생략" in n for n in notices)


@pytest.mark.parametrize(
    ("mode", "notify_room_texts"),
    [("off", 0), ("failures", 1), (None, 1), ("bogus", 1), ("all", 1)],
)
async def test_a_failure_reaches_the_notify_room_by_its_setting_and_the_ops_room_always(
    cfg: Config,
    sessions: Sessions,
    clock: FakeClock,
    iris: FakeIris,
    aiohttp_client: Any,
    mode: str | None,
    notify_room_texts: int,
) -> None:
    api, driver = await start(aiohttp_client, with_ops(cfg), sessions, clock, iris)
    created = await api.create()
    await set_notify(sessions, created["id"], mode)
    iris.fail_next(1, status=200, body=REFUSED)
    sent = await send(api, driver, created["id"])
    assert sent["status"] == "failed"
    await driver.run_for(20, step=1)
    texts = told(iris, NOTIFY_ROOM)
    assert len(texts) == notify_room_texts  # one message: the alert or the result, not both
    if mode == "all":
        assert texts[0].startswith("[발송 결과]") and ": 발송 실패\n사유: " in texts[0]
    elif texts:
        assert texts[0].startswith("[발송 알림]")  # today's failure alert, unchanged
    [ops] = told(iris, OPS_ROOM)
    assert ops.startswith("[발송 알림]")
