"""The whole product over real HTTP: Iris-shaped webhooks in, the real command layer and
scheduler, replies and scheduled sends out to a fake Iris. Time is a FakeClock."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Config
from kbot.bootstrap import init_app
from storage import one_time_codes
from storage.models import Schedule, ScheduleLog
from tests.support.command_world import BR1_ROOM, BR1_USER, ROOMS, START, build_world
from tests.support.driver import Driver
from tests.support.fakes import FakeClock, FakeIris
from tests.support.waits import wait_until
from web import keys

TOKEN = "e2e-token"
DM_ROOM = "18000000000000001"
FIXTURES = Path(__file__).parent / "fixtures" / "iris"


def iris_body(
    text_: str, *, user: str = BR1_USER, room: str = BR1_ROOM, _id: str
) -> dict[str, Any]:
    body = json.loads((FIXTURES / "text_command.json").read_text("utf-8"))
    body["msg"] = body["json"]["message"] = text_
    body["json"].update(user_id=user, chat_id=room, _id=_id)
    return body


@pytest.fixture
async def fake_iris() -> AsyncIterator[FakeIris]:
    async with FakeIris() as fake:
        yield fake


@pytest.fixture
def e2e_cfg(cfg: Config, fake_iris: FakeIris) -> Config:
    iris = cfg.bot.iris.model_copy(update={"url": fake_iris.url, "text_gap_ms": 0})
    bot = cfg.bot.model_copy(
        update={
            "transport": "iris",
            "iris": iris,
            "webhook_token": SecretStr(TOKEN),
            # one admin types every command within a minute of fake time here; the reply
            # limits have tests of their own (tests/test_reply_limits.py)
            "replies_per_sender_per_minute": 1000,
            "replies_per_room_per_minute": 1000,
        }
    )
    scheduler = cfg.scheduler.model_copy(update={"room_min_interval_s": 0})
    return cfg.model_copy(update={"bot": bot, "scheduler": scheduler})


async def eventually(sessions: async_sessionmaker[AsyncSession], query: Any) -> Any:
    """The first row of ``query`` once the background send has written it (bounded wait for
    the database write that follows a send the fake Iris already received)."""

    async def row() -> Any:
        async with sessions() as s:
            return await s.scalar(query)

    return await wait_until(row, "the row of the background send")


async def tick(clock: FakeClock, seconds: float) -> None:
    """Advance fake time, then let the woken loops finish their (real) database work and park
    in ``sleep`` again before time moves on."""
    parked = clock.sleepers
    await clock.advance(seconds)
    await wait_until(lambda: clock.sleepers >= parked, f"{parked} loops parked again")


class Chat:
    def __init__(self, client: Any, iris: FakeIris) -> None:
        self.client, self.iris, self.n = client, iris, 0

    async def say(self, text_: str, **kw: Any) -> str:
        """Post one message and return the bot's reply text."""
        return (await self.say_all(text_, **kw))[-1]

    async def say_all(
        self, text_: str, *, expect: int = 1, sender: str | None = None, **kw: Any
    ) -> list[str]:
        """Post one message and return the texts of the next ``expect`` sends to Iris;
        ``sender`` also names the room after the sender, as KakaoTalk names a 1:1 chat and
        every group room without a custom name."""
        self.n += 1
        before = len(self.iris.calls)
        body = iris_body(text_, _id=f"e2e{self.n}", **kw)
        if sender is not None:
            body["sender"] = body["room"] = sender
        resp = await self.client.post("/webhook/iris", json=body, params={"token": TOKEN})
        assert resp.status == 200
        calls = await self.iris.wait_for_calls(before + expect)
        return [str(call.body["data"]) for call in calls[before:]]


async def test_admin_manages_schedules_and_they_are_sent_on_time(
    e2e_cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    fake_iris: FakeIris,
    aiohttp_client: Any,  # last: the app shuts down before the database goes away
) -> None:
    await build_world(sessions)
    clock = FakeClock(START)  # Thursday 2026-11-26 09:12:00 in Seoul
    client = await aiohttp_client(await init_app(e2e_cfg, clock=clock))
    chat = Chat(client, fake_iris)

    form = json.loads((FIXTURES / "multiline_command.json").read_text("utf-8"))["msg"]
    reply = await chat.say(form)
    assert "#1" in reply
    assert "11/27(금) 09:30" in reply

    reply = await chat.say(
        "!스케줄 등록\n제목: 10초 뒤\n유형: 1회\n날짜: 2026-11-26\n시간: 09:12:10\n"
        "내용:\n곧 시작합니다 🎉"
    )
    assert "#2" in reply
    sent_before = len(fake_iris.calls)

    driver = Driver(clock, fake_iris)
    await driver.started(client.app)  # the scheduler's round after the save is parked again
    await driver.step(10)
    calls = await fake_iris.wait_for_calls(sent_before + 1)
    assert calls[-1].body == {"type": "text", "room": BR1_ROOM, "data": "곧 시작합니다 🎉"}
    log = await eventually(sessions, select(ScheduleLog).where(ScheduleLog.schedule_id == 2))
    async with sessions() as s:
        assert log.status == "success"
        assert log.scheduled_at == datetime(2026, 11, 26, 9, 12, 10)
        once = await s.get(Schedule, 2)
        assert once is not None and once.status == "completed" and once.send_count == 1

    # The branch admin cannot touch another branch's room; a bad time names 시간.
    assert "권한" in await chat.say(
        f"!스케줄 등록\n제목: x\n방: {ROOMS['BR2']}\n유형: 매일\n시간: 10:00\n내용:\nx"
    )
    assert "시간" in await chat.say("!스케줄 등록\n제목: x\n유형: 매일\n시간: 25:61\n내용:\nx")
    # An unknown user typing a command is told about 권한; chatter gets nothing.
    assert "권한" in await chat.say("!스케줄 목록", user="555")


async def test_rows_inserted_by_the_php_site_are_picked_up(
    e2e_cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    fake_iris: FakeIris,
    aiohttp_client: Any,  # last: the app shuts down before the database goes away
) -> None:
    await build_world(sessions)
    clock = FakeClock(START)
    await aiohttp_client(await init_app(e2e_cfg, clock=clock))
    async with sessions.begin() as s:
        for title, kind, days, at in (
            ("매일 공지", "daily", None, "09:13:00"),
            ("목요일 공지", "weekly", "thursday", "09:14:00"),
        ):
            await s.execute(
                text(  # inserted now (START): the PHP site's clock is the real one
                    "INSERT INTO kb_schedule (title, created_by_type, created_by_id,"
                    " created_by_mb_id, target_room_id, message_text, schedule_type,"
                    " schedule_time, schedule_weekdays, valid_from, valid_until, created_at,"
                    " updated_at) VALUES (:title, 'branch', 'BR1', 'php', :room, :title, :kind,"
                    " :at, :days, '2026-11-01 00:00:00', '2027-11-01 00:00:00',"
                    " '2026-11-26 09:12:00', '2026-11-26 09:12:00')"  # the PHP site's "now"
                ),
                {"title": title, "room": BR1_ROOM, "kind": kind, "at": at, "days": days},
            )
    for _ in range(int(timedelta(minutes=3).total_seconds() / 5)):
        await tick(clock, 5)
        if len(fake_iris.calls) >= 2:
            break
    calls = await fake_iris.wait_for_calls(2)
    assert [c.body["data"] for c in calls[:2]] == ["매일 공지", "목요일 공지"]
    async with sessions() as s:
        rows = {r.title: r for r in await s.scalars(select(Schedule))}
    assert rows["매일 공지"].next_send_at == datetime(2026, 11, 27, 9, 13)
    assert rows["목요일 공지"].next_send_at == datetime(2026, 12, 3, 9, 14)


async def test_every_chat_command_through_the_iris_webhook(
    e2e_cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    fake_iris: FakeIris,
    aiohttp_client: Any,
) -> None:
    await build_world(sessions)
    clock = FakeClock(START)
    client = await aiohttp_client(await init_app(e2e_cfg, clock=clock))
    chat = Chat(client, fake_iris)

    assert "!스케줄 목록" in await chat.say("!도움말")
    assert "김지점장" in await chat.say("!내정보")
    assert "제목:" in "\n".join(await chat.say_all("!스케줄 등록", expect=2))  # the blank form
    form = json.loads((FIXTURES / "multiline_command.json").read_text("utf-8"))["msg"]
    assert "#1" in await chat.say(form)
    assert "#1" in await chat.say("!스케줄 목록")
    shown = await chat.say("!스케줄 보기 1")
    assert shown.count("09:30") >= 5  # the next five send times
    assert "10:00" in await chat.say("!스케줄 수정 1\n시간: 10:00")
    await chat.say("!스케줄 끄기 1")
    async with sessions() as s:
        assert (await s.get(Schedule, 1)).status == "inactive"  # type: ignore[union-attr]
    await chat.say("!스케줄 켜기 1")
    async with sessions() as s:
        row = await s.get(Schedule, 1)
        assert row is not None and row.status == "active"
        next_before = row.next_send_at

    before = len(fake_iris.calls)
    refused = await chat.say("!스케줄 테스트 1")  # typed in the customers' room: refused
    assert "고객도 보는 방" in refused and len(fake_iris.calls) == before + 1
    fake_iris.room_types[DM_ROOM] = "DirectChat"  # the admin's 1:1 chat with the bot
    sent, reply = await chat.say_all("!스케줄 테스트 1", expect=2, room=DM_ROOM, sender="김지점장")
    assert sent.startswith("이번 주 특가 상품을 안내드립니다.")
    assert fake_iris.calls[-2].body["room"] == DM_ROOM
    assert reply.startswith("🧪 #1 테스트 발송을 이 방으로 보냈습니다")
    async with sessions() as s:
        assert (await s.get(Schedule, 1)).next_send_at == next_before  # type: ignore[union-attr]
    assert "성공" in await chat.say("!스케줄 로그 1")

    assert "확인" in await chat.say("!스케줄 삭제 1")
    async with sessions() as s:
        assert await s.get(Schedule, 1) is not None  # not without 확인
    assert "삭제" in await chat.say("!스케줄 삭제 1 확인")
    async with sessions() as s:
        assert await s.get(Schedule, 1) is None

    assert "등록했습니다" in await chat.say("!방 등록 BR1", room="999000111")
    assert "1:1" in await chat.say("!웹")
    assert "1:1" in await chat.say("!웹", sender="김지점장")  # Iris does not know the room
    link = await chat.say("!웹", room=DM_ROOM, sender="김지점장")
    assert f"{e2e_cfg.server.public_url}/login/" in link
    # the rooms an admin manages are listed in the 1:1 chat only, not in a room others read
    assert "999000111" in await chat.say("!내정보", room="18000000000000001", sender="김지점장")
    fake_iris.room_types[BR1_ROOM] = "MultiChat"
    assert "999000111" not in await chat.say("!내정보")

    async with sessions.begin() as s:
        invite = await one_time_codes.create_invite(
            s,
            org_code="BR2",
            name="새관리자",
            mb_id=None,
            ttl=timedelta(hours=1),
            at=clock.now(),
            actor="test",
        )
    assert "권한" in await chat.say("!스케줄 목록", user="777")
    assert "새관리자" in await chat.say(f"!관리자 인증 {invite.code}", user="777")
    assert "BR2" in await chat.say("!내정보", user="777")
    # chatter and unknown commands from non-admins stay silent: nothing more reached Iris
    before = len(fake_iris.calls)
    resp = await client.post(
        "/webhook/iris", json=iris_body("안녕하세요", _id="quiet"), params={"token": TOKEN}
    )
    assert resp.status == 200
    await client.app[keys.WEBHOOKS].tasks.drain(5)
    assert len(fake_iris.calls) == before


async def test_a_stranger_flooding_a_room_through_iris_gets_one_reply(
    e2e_cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    fake_iris: FakeIris,
    aiohttp_client: Any,
) -> None:
    await build_world(sessions)
    clock = FakeClock(START)
    client = await aiohttp_client(await init_app(e2e_cfg, clock=clock))
    for n in range(60):
        body = iris_body("!스케줄 목록", user="31337", _id=f"flood{n}")
        resp = await client.post("/webhook/iris", json=body, params={"token": TOKEN})
        assert resp.status == 200
    tasks = client.app[keys.WEBHOOKS].tasks
    await wait_until(lambda: not len(tasks), "the background replies", timeout_s=10, poll_s=0.01)
    assert len(fake_iris.calls) == 1 and "권한" in fake_iris.calls[0].body["data"]
