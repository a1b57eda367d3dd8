"""``!스케줄 발송`` and ``!스케줄 테스트`` with the real scheduler: through the chat handler (a
room just sent to, confirmation, test sends refused in rooms customers read) and over HTTP
through the Iris webhook with a fake Iris (the reply comes within 15 s of the clock, in
Korean, whatever Iris does)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from commands.router import handle_event
from core.config import Config, IrisDeviceConfig
from kbot.bootstrap import init_app
from storage import rooms
from storage.kbot_models import Occurrence, RoomSend
from storage.models import Base, ScheduleLog
from tests.support.command_world import BR1_ROOM, START, build_world, event, live_context
from tests.support.driver import Driver
from tests.support.fakes import FakeClock, FakeIris
from tests.support.sched_support import drive
from tests.support.waits import wait_until
from tests.test_e2e import TOKEN, iris_body

Sessions = async_sessionmaker[AsyncSession]
DM_ROOM = "18000000000000001"  # the admin's 1:1 chat with the bot, not registered
TEST_ROOM = "100000000000099"  # BR1's registered test room
DESK_ROOM = "100000000000098"  # BR1's registered managers' room, on the second Iris device
GROUP_ROOM = "100000000000097"  # a group room nobody registered
DAILY = "!스케줄 등록\n제목: 매일 안내\n방: {room}\n유형: 매일\n시간: 10:00\n내용:\n안녕하세요"


async def count(sessions: Sessions, model: type[Base]) -> int:
    async with sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


async def add_room(sessions: Sessions, chat_id: str, room_type: str, device: str | None) -> None:
    async with sessions.begin() as s:
        await rooms.add_room(
            s,
            chat_id=chat_id,
            name=f"방 {chat_id[-2:]}",
            org_code="BR1",
            room_type=room_type,
            device=device,
            at=START,
            actor="test",
        )


async def test_a_room_just_sent_to_is_sent_to_again_only_when_confirmed(
    cfg: Config, sessions: Sessions
) -> None:
    await build_world(sessions)
    await add_room(sessions, TEST_ROOM, "test", None)
    ctx, clock, sched, sender = live_context(cfg, sessions)  # room_min_interval_s = 30
    await handle_event(ctx, event(DAILY.format(room=BR1_ROOM)))
    try:
        [sent] = await handle_event(ctx, event("!스케줄 발송 1")) or []
        assert sent == "📤 #1 지금 발송을 이 방으로 보냈습니다. 다음 발송 시각은 그대로입니다."
        await clock.advance(5)
        [busy] = await handle_event(ctx, event("!스케줄 발송 1")) or []
        assert busy == (
            "⏳ 방금 이 방에 보냈습니다. 25초 뒤에 다시 보낼 수 있습니다. "
            "그래도 지금 예약하려면 '!스케줄 발송 1 확인'"
        )
        assert (len(sender.sent), await count(sessions, RoomSend)) == (1, 1)  # nothing queued
        assert await count(sessions, Occurrence) == 1

        [queued] = await handle_event(ctx, event("!스케줄 발송 1 확인")) or []
        assert queued == (
            "⏳ #1 지금 발송을 이 방으로 25초 뒤에 보냅니다. "
            "결과는 '!스케줄 로그 1'로 볼 수 있습니다."
        )
        [again] = await handle_event(ctx, event("!schedule send 1", room=TEST_ROOM)) or []
        assert again.startswith(f"⏳ 대상 방({BR1_ROOM})에는 이미 차례를 기다리는 발송이 있습니다.")
        assert "55초 뒤" in again and "'!스케줄 발송 1 확인'" in again
        [tested] = await handle_event(ctx, event("!스케줄 테스트 1", room=TEST_ROOM)) or []
        assert tested.startswith("🧪 #1 테스트 발송을 이 방으로 보냈습니다")  # another room

        await drive(clock, lambda: len(sender.sent) == 3)
        await sched.drain()
        assert [s.room for s in sender.sent] == [BR1_ROOM, TEST_ROOM, BR1_ROOM]
        assert sender.sent[2].at - sender.sent[0].at == 30
        async with sessions() as s:
            found = await s.execute(select(ScheduleLog.status, ScheduleLog.target_room_id))
            assert sorted(found.all()) == sorted(
                [("success", BR1_ROOM), ("success", TEST_ROOM), ("success", BR1_ROOM)]
            )
    finally:
        await sched.stop()


async def test_a_test_send_goes_only_where_customers_do_not_read(
    cfg: Config, sessions: Sessions
) -> None:
    await build_world(sessions)
    ctx, _, sched, sender = live_context(cfg, sessions)
    await handle_event(ctx, event(DAILY.format(room=BR1_ROOM)))  # no 테스트방
    try:
        for room, direct in ((BR1_ROOM, None), (GROUP_ROOM, None), (GROUP_ROOM, False)):
            [refused] = await handle_event(
                ctx, event("!스케줄 테스트 1", room=room, direct=direct)
            ) or [""]
            assert refused.startswith(
                "❌ 이 방은 고객도 보는 방이라 테스트 발송을 하지 않았습니다."
            )
            assert "!스케줄 수정 1\n테스트방: 방이름" in refused
            assert "봇과의 1:1 채팅에서 '!스케줄 테스트 1'" in refused
        assert sender.sent == [] and await count(sessions, Occurrence) == 0

        # the 1:1 chat with the bot needs no registration: only the admin reads it
        [tested] = (
            await handle_event(ctx, event("!스케줄 테스트 1", room=DM_ROOM, direct=True)) or []
        )
        assert tested.startswith("🧪 #1 테스트 발송을 이 방으로 보냈습니다")
        assert [(s.room, s.payload) for s in sender.sent] == [(DM_ROOM, "안녕하세요")]
        async with sessions() as s:
            [entry] = list(await s.scalars(select(ScheduleLog)))
        assert (entry.status, entry.target_room_id) == ("success", DM_ROOM)
    finally:
        await sched.stop()


# --- over HTTP, through the Iris webhook -------------------------------------------------


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
async def desk_iris(clock: FakeClock) -> AsyncIterator[FakeIris]:
    async with FakeIris(clock) as fake:
        yield fake


def two_devices(cfg: Config, iris: FakeIris, desk: FakeIris) -> Config:
    """Iris ``default`` for the rooms, ``desk`` for the rooms registered on it."""
    iris_cfg = cfg.bot.iris.model_copy(
        update={
            "url": iris.url,
            "text_gap_ms": 0,
            "timeout_s": 60,
            "bot_id": iris.bot_id,
            "devices": [IrisDeviceConfig(name="desk", url=desk.url)],
        }
    )
    bot = cfg.bot.model_copy(
        update={"transport": "iris", "iris": iris_cfg, "webhook_token": SecretStr(TOKEN)}
    )
    scheduler = cfg.scheduler.model_copy(update={"retry_base_s": 2})
    return cfg.model_copy(update={"bot": bot, "scheduler": scheduler})


async def started(
    aiohttp_client: Any, cfg: Config, clock: FakeClock, *irises: FakeIris
) -> tuple[Any, Driver]:
    client = await aiohttp_client(await init_app(cfg, clock=clock))
    driver = Driver(clock, *irises)
    await driver.started(client.app)
    return client, driver


async def say(client: Any, driver: Driver, iris: FakeIris, text: str, room: str, n: int) -> str:
    """Type ``text`` in ``room``; the text of the ``n``-th call ``iris`` receives, letting at
    most 15 s of fake time pass for it."""
    response = await client.post(
        "/webhook/iris", json=iris_body(text, room=room, _id=f"m{n}"), params={"token": TOKEN}
    )
    assert response.status == 200
    for _ in range(15):
        await driver.quiet(driver.idle)
        if len(iris.calls) >= n:
            break
        await driver.step(1)
    return str((await iris.wait_for_calls(n))[n - 1].body["data"])


async def test_a_send_iris_refuses_is_answered_in_chat_within_15_s_in_korean(
    cfg: Config,
    sessions: Sessions,
    clock: FakeClock,
    iris: FakeIris,
    desk_iris: FakeIris,
    aiohttp_client: Any,  # last: the app shuts down before the database goes away
) -> None:
    await build_world(sessions)
    client, driver = await started(
        aiohttp_client, two_devices(cfg, iris, desk_iris), clock, iris, desk_iris
    )
    assert "#1" in await say(client, driver, iris, DAILY.format(room=BR1_ROOM), BR1_ROOM, 1)
    iris.fail_next(3, status=500)
    reply = await say(client, driver, iris, "!스케줄 발송 1", BR1_ROOM, 6)  # after the alert
    reason = "텍스트: Iris가 요청을 거절했습니다 (HTTP 500)"
    assert reply == f"❌ #1 지금 발송을 이 방으로 실패했습니다: {reason}"
    assert [c.body["data"] for c in iris.calls[1:4]] == ["안녕하세요"] * 3  # two retries
    assert f"사유: {reason}" in iris.calls[4].body["data"]  # the failure alert, in Korean too
    logs = await say(client, driver, iris, "!스케줄 로그 1", BR1_ROOM, 7)
    assert f"❌ 실패 — {reason}" in logs and "answered" not in logs


async def test_a_send_iris_leaves_hanging_is_answered_pending_after_15_s(
    cfg: Config,
    sessions: Sessions,
    clock: FakeClock,
    iris: FakeIris,
    desk_iris: FakeIris,
    aiohttp_client: Any,  # last: the app shuts down before the database goes away
) -> None:
    await build_world(sessions)
    await add_room(sessions, DESK_ROOM, "test", "desk")  # typed in here, answered by "desk"
    client, driver = await started(
        aiohttp_client, two_devices(cfg, iris, desk_iris), clock, iris, desk_iris
    )
    form = DAILY.format(room=BR1_ROOM)
    assert "#1" in await say(client, driver, desk_iris, form, DESK_ROOM, 1)
    iris.hang_next(1)
    body = iris_body("!스케줄 발송 1", room=DESK_ROOM, _id="send")
    response = await client.post("/webhook/iris", json=body, params={"token": TOKEN})
    assert response.status == 200
    await iris.wait_for_calls(1)
    await driver.quiet(driver.idle + 1)  # the command waits for the send, on the clock
    await driver.step(14)
    assert len(desk_iris.calls) == 1  # no answer yet ...
    await driver.step(1)
    reply = str((await desk_iris.wait_for_calls(2))[1].body["data"])  # ... 15 s at most
    assert reply == (
        f"⏳ #1 지금 발송을 대상 방({BR1_ROOM})으로 아직 보내는 중입니다 "
        "(Iris의 응답을 기다리는 중). 결과는 '!스케줄 로그 1'로 볼 수 있습니다."
    )
    assert iris.bodies == [{"type": "text", "room": BR1_ROOM, "data": "안녕하세요"}]
    iris.release()
    await wait_until(lambda: count(sessions, ScheduleLog), "the background send's log row")
    async with sessions() as s:
        [entry] = list(await s.scalars(select(ScheduleLog)))
    assert (entry.status, entry.target_room_id) == ("success", BR1_ROOM)
