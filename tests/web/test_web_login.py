"""``!웹`` posts a live credential, so only into a room that is certainly a 1:1 chat: over
the real webhooks, with the room type asked of a fake Iris device over real HTTP."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.iris.rooms import ROOM_TYPE_TTL_S
from core.config import Config, IrisDeviceConfig
from kbot.bootstrap import init_app
from storage import admins, rooms
from storage.kbot_models import OneTimeCode
from tests.support.command_world import BR1_ROOM, START, build_world, count
from tests.support.fakes import ROOM_TYPE_QUERY, FakeClock, FakeIris
from tests.support.pages import login_token_of
from tests.test_e2e import TOKEN, Chat
from web import keys

DM_ROOM = "18000000000000001"  # the admin's 1:1 chat with the bot
SECOND_ROOM = "18000000000000002"  # a registered room served by device "second"
NICK = "김지점장"  # the BR1 admin's nickname: a room without a custom name is called this
SKILL_FIXTURES = Path(__file__).parents[1] / "fixtures" / "kakao_skill"
UNSURE = "확인할 수 없어"
SHARED = "여러 사람이 함께 보는 방"
HOW_TO = ("1:1 채팅에서 !웹", "kbot web-login --admin")


@pytest.fixture
async def iris() -> AsyncIterator[FakeIris]:
    async with FakeIris() as fake:
        yield fake


@pytest.fixture
async def second_iris() -> AsyncIterator[FakeIris]:
    async with FakeIris() as fake:
        yield fake


def configured(cfg: Config, *, transport: str, iris: FakeIris, second: FakeIris) -> Config:
    """Two Iris devices (``default``, ``second``), the webhook token, no scheduler."""
    devices = [IrisDeviceConfig(name="second", url=second.url)]
    iris_cfg = cfg.bot.iris.model_copy(
        update={"url": iris.url, "text_gap_ms": 0, "devices": devices}
    )
    bot = cfg.bot.model_copy(
        update={"transport": transport, "iris": iris_cfg, "webhook_token": SecretStr(TOKEN)}
    )
    scheduler = cfg.scheduler.model_copy(update={"enabled": False})
    return cfg.model_copy(update={"bot": bot, "scheduler": scheduler})


@pytest.fixture
async def app(
    cfg: Config,
    sessions: async_sessionmaker[AsyncSession],
    iris: FakeIris,
    second_iris: FakeIris,
    aiohttp_client: Any,  # last: the app shuts down before Iris and the database go away
) -> Any:
    """``await app("iris")``: the world (with a room on device ``second``) and a started app."""

    async def start(transport: str, clock: FakeClock | None = None) -> TestClient[Any, Any]:
        await build_world(sessions)
        async with sessions.begin() as s:
            await rooms.add_room(
                s,
                chat_id=SECOND_ROOM,
                name="2번 폰 방",
                org_code="BR1",
                device="second",
                at=START,
                actor="test",
            )
        live = configured(cfg, transport=transport, iris=iris, second=second_iris)
        return await aiohttp_client(await init_app(live, clock=clock or FakeClock(START)))

    return start


def room_type_asked(room: str) -> dict[str, Any]:
    return {"query": ROOM_TYPE_QUERY, "bind": [room]}


def assert_no_link(reply: str, *because: str) -> None:
    assert "/login/" not in reply
    for phrase in (*because, *HOW_TO):
        assert phrase in reply, reply


@pytest.mark.parametrize(
    ("room_type", "because"),
    [
        ("MultiChat", SHARED),
        ("OM", SHARED),  # open group chat
        ("OD", UNSURE),  # open-chat 1:1: not counted as certain (bot.iris.rooms)
        ("MemoChat", UNSURE),
        (None, UNSURE),  # the device does not know the room: data []
    ],
)
async def test_no_link_in_a_group_room_named_after_the_sender(
    app: Any,
    iris: FakeIris,
    sessions: async_sessionmaker[AsyncSession],
    room_type: str | None,
    because: str,
) -> None:
    client = await app("iris")
    if room_type is not None:
        iris.room_types[BR1_ROOM] = room_type
    chat = Chat(client, iris)
    reply = await chat.say("!웹", sender=NICK)  # the room is named after the sender
    assert_no_link(reply, because)
    assert iris.queries == [room_type_asked(BR1_ROOM)]
    assert not any("/login/" in str(body.get("data")) for body in iris.bodies)
    assert await count(sessions, OneTimeCode) == 0


async def test_a_direct_chat_gets_a_working_link_and_its_type_is_remembered(
    app: Any, iris: FakeIris, sessions: async_sessionmaker[AsyncSession]
) -> None:
    clock = FakeClock(START)
    client = await app("iris", clock)
    iris.room_types[DM_ROOM] = "DirectChat"
    chat = Chat(client, iris)
    link = await chat.say("!웹", room=DM_ROOM, sender=NICK)
    assert iris.bodies[-1]["room"] == DM_ROOM
    code = link.split("/login/", 1)[1].split()[0]
    form = await client.get(f"/login/{code}")  # the browser opens the link, then presses 로그인
    token = login_token_of(await form.text())
    resp = await client.post(f"/login/{code}", data={"login_token": token}, allow_redirects=False)
    assert resp.status == 303 and resp.headers["Set-Cookie"].startswith("kbot_session=")
    assert "/login/" in await chat.say("!웹", room=DM_ROOM, sender=NICK)
    assert iris.queries == [room_type_asked(DM_ROOM)]  # asked once, then remembered
    await clock.advance(ROOM_TYPE_TTL_S)
    assert "/login/" in await chat.say("!웹", room=DM_ROOM, sender=NICK)
    assert iris.queries == [room_type_asked(DM_ROOM)] * 2  # asked again once it went stale
    assert await count(sessions, OneTimeCode) == 3


async def test_no_link_while_iris_cannot_say_and_no_answer_is_remembered(
    app: Any, iris: FakeIris, sessions: async_sessionmaker[AsyncSession]
) -> None:
    client = await app("iris")
    iris.room_types[DM_ROOM] = "DirectChat"
    iris.query_error = "android.database.sqlite.SQLiteException: database is locked"
    chat = Chat(client, iris)
    assert_no_link(await chat.say("!웹", room=DM_ROOM, sender=NICK), UNSURE)
    assert await count(sessions, OneTimeCode) == 0
    iris.query_error = None
    assert "/login/" in await chat.say("!웹", room=DM_ROOM, sender=NICK)
    assert iris.queries == [room_type_asked(DM_ROOM)] * 2


async def test_the_device_that_sends_to_the_room_is_asked(
    app: Any, iris: FakeIris, second_iris: FakeIris, sessions: async_sessionmaker[AsyncSession]
) -> None:
    client = await app("iris")
    iris.room_types[SECOND_ROOM] = "DirectChat"  # what another account's phone would say
    second_iris.room_types[SECOND_ROOM] = "MultiChat"
    reply = await Chat(client, second_iris).say("!웹", room=SECOND_ROOM, sender=NICK)
    assert_no_link(reply, SHARED)
    assert (iris.queries, second_iris.queries) == ([], [room_type_asked(SECOND_ROOM)])
    assert await count(sessions, OneTimeCode) == 0


def skill_body(name: str, utterance: str) -> dict[str, Any]:
    body = json.loads((SKILL_FIXTURES / f"{name}.json").read_text("utf-8"))
    body["userRequest"]["utterance"] = utterance
    return body


async def test_skill_link_only_in_the_channel_1to1_chat_and_a_dry_run_never_sends_one(
    app: Any, sessions: async_sessionmaker[AsyncSession]
) -> None:
    client = await app("dryrun")
    direct, group = skill_body("utterance", "!웹"), skill_body("group_utterance", "!웹")
    async with sessions.begin() as s:
        await admins.add_admin(
            s,
            kakao_user_id=direct["userRequest"]["user"]["id"],
            org_code="BR2",
            name="채널관리자",
            at=START,
            actor="test",
        )

    async def ask(body: dict[str, Any]) -> str:
        resp = await client.post("/webhook/kakao-skill", json=body, headers={"X-Kbot-Token": TOKEN})
        assert resp.status == 200
        return str((await resp.json())["template"]["outputs"][0]["simpleText"]["text"])

    assert_no_link(await ask(group), SHARED)
    assert await count(sessions, OneTimeCode) == 0
    assert "/login/" in await ask(direct)
    assert await count(sessions, OneTimeCode) == 1
    # An Iris event in a dry run: no device to ask, so no link, whatever the room is called.
    body = json.loads((Path(__file__).parents[1] / "fixtures/iris/text_command.json").read_text())
    body["msg"] = body["json"]["message"] = "!웹"
    body["room"] = body["sender"]
    resp = await client.post("/webhook/iris", json=body, params={"token": TOKEN})
    assert resp.status == 200
    await client.app[keys.WEBHOOKS].tasks.drain(5)
    [sent] = client.app[keys.SENDER].sent
    assert_no_link(sent["text"], UNSURE)
    assert await count(sessions, OneTimeCode) == 1
