"""The webhooks through the real composition root: Iris events answered on a fake Iris over
real HTTP, Kakao skill requests answered in the response body."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.events import MAX_BODY_BYTES, ChatEvent
from core.config import Config
from kbot.bootstrap import init_app
from tests.support.fakes import FakeClock, FakeIris
from web import keys
from web.webhooks.routes import APOLOGY
from web.webhooks.state import RecentIds

TOKEN = "hook-token-0123456789"
IRIS_FIXTURES = Path(__file__).parents[1] / "fixtures" / "iris"
SKILL_FIXTURES = Path(__file__).parents[1] / "fixtures" / "kakao_skill"
ROOM = "257378349297847"

Client = Callable[..., Awaitable[TestClient[Any, Any]]]


def iris_body(name: str, **json_fields: str) -> dict[str, Any]:
    body = json.loads((IRIS_FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    body["json"].update(json_fields)
    if "message" in json_fields:
        body["msg"] = json_fields["message"]
    return body


def skill_body(utterance: str = "!스케줄 목록") -> dict[str, Any]:
    body = json.loads((SKILL_FIXTURES / "utterance.json").read_text(encoding="utf-8"))
    body["userRequest"]["utterance"] = utterance
    return body


class EchoHandler:
    """A stand-in for the command layer: "!..." is a command answered with one text."""

    def __init__(self) -> None:
        self.events: list[ChatEvent] = []

    async def __call__(self, event: ChatEvent) -> list[str] | None:
        self.events.append(event)
        if event.text == "!ping":
            return ["pong"]
        if event.text == "!두번":
            return ["첫째", "둘째"]
        if event.text == "!고장":
            raise RuntimeError("handler bug")
        return [f"받음: {event.text}"] if event.text.startswith("!") else None


class SlowHandler:
    """Blocks until released, to outlast the skill time limit."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.finished = False

    async def __call__(self, event: ChatEvent) -> list[str] | None:
        self.started.set()
        await self.release.wait()
        self.finished = True
        return ["늦은 답"]


def with_bot(cfg: Config, **bot: Any) -> Config:
    """``cfg`` with bot settings changed and the scheduler off (these tests do not need it)."""
    bot.setdefault("webhook_token", SecretStr(TOKEN))
    return cfg.model_copy(
        update={
            "bot": cfg.bot.model_copy(update=bot),
            "scheduler": cfg.scheduler.model_copy(update={"enabled": False}),
        }
    )


def iris_cfg(cfg: Config, fake: FakeIris, **bot: Any) -> Config:
    iris = cfg.bot.iris.model_copy(update={"url": fake.url, "text_gap_ms": 0})
    return with_bot(cfg, transport="iris", iris=iris, **bot)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """SQLite only: the webhooks do not touch the database, and a MariaDB schema per test
    would make this file take a minute."""
    return f"sqlite+aiosqlite:///{tmp_path}/kbot.db"


@pytest.fixture
async def fake_iris() -> AsyncIterator[FakeIris]:
    async with FakeIris() as fake:
        yield fake


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def handler() -> EchoHandler:
    return EchoHandler()


async def start(
    aiohttp_client: Client, cfg: Config, clock: FakeClock, handler: Any
) -> TestClient[Any, Any]:
    app = await init_app(cfg, clock=clock)
    app[keys.COMMAND_HANDLER] = handler
    return await aiohttp_client(app)


async def settle(client: TestClient[Any, Any]) -> None:
    """Wait for every background task the webhooks started (they finish on their own)."""
    await client.app[keys.WEBHOOKS].tasks.drain(5)


@pytest.fixture
async def iris_client(
    cfg: Config,
    engine: AsyncEngine,
    fake_iris: FakeIris,
    clock: FakeClock,
    handler: EchoHandler,
    aiohttp_client: Client,  # last: the app stops (and drains its sends) before Iris does
) -> TestClient[Any, Any]:
    return await start(aiohttp_client, iris_cfg(cfg, fake_iris), clock, handler)


async def post_iris(client: TestClient[Any, Any], body: Any, **params: str) -> Any:
    return await client.post("/webhook/iris", json=body, params={"token": TOKEN, **params})


# --- /webhook/iris ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["text_command", "multiline_command"])
async def test_a_command_gets_one_reply_in_its_room(
    iris_client: TestClient[Any, Any], fake_iris: FakeIris, handler: EchoHandler, name: str
) -> None:
    body = iris_body(name)
    resp = await post_iris(iris_client, body)
    assert resp.status == 200
    assert await resp.json() == {"ok": True}
    calls = await fake_iris.wait_for_calls(1)
    await settle(iris_client)
    assert len(fake_iris.calls) == 1
    assert calls[0].body == {"type": "text", "room": ROOM, "data": f"받음: {body['msg']}"}
    assert handler.events[0].user_id == "252507685"


async def test_replies_are_sent_in_order(
    iris_client: TestClient[Any, Any], fake_iris: FakeIris
) -> None:
    await post_iris(iris_client, iris_body("text_command", message="!두번"))
    await fake_iris.wait_for_calls(2)
    assert [b["data"] for b in fake_iris.bodies] == ["첫째", "둘째"]


async def test_the_token_may_come_in_a_header(
    iris_client: TestClient[Any, Any], fake_iris: FakeIris
) -> None:
    resp = await iris_client.post(
        "/webhook/iris", json=iris_body("text_command"), headers={"X-Kbot-Token": TOKEN}
    )
    assert resp.status == 200
    await fake_iris.wait_for_calls(1)


@pytest.mark.parametrize(
    ("params", "headers"),
    [({}, {}), ({"token": "wrong"}, {}), ({}, {"X-Kbot-Token": "wrong"}), ({"token": ""}, {})],
)
async def test_without_the_right_token_401_and_nothing_happens(
    iris_client: TestClient[Any, Any],
    fake_iris: FakeIris,
    handler: EchoHandler,
    params: dict[str, str],
    headers: dict[str, str],
) -> None:
    resp = await iris_client.post(
        "/webhook/iris", json=iris_body("text_command"), params=params, headers=headers
    )
    assert resp.status == 401
    assert (await resp.json())["error"]["code"] == "unauthorized"
    await settle(iris_client)
    assert handler.events == []
    assert fake_iris.calls == []


@pytest.mark.parametrize(
    "body",
    [
        iris_body("bot_own_echo", message="!ping"),  # isMine
        iris_body("plain_chat", user_id="9900112233", message="!ping"),  # the bot's id
        iris_body("member_joined"),  # feed
    ],
    ids=["is_mine", "bot_user_id", "feed"],
)
async def test_own_messages_and_feeds_are_not_handled(
    iris_client: TestClient[Any, Any], fake_iris: FakeIris, handler: EchoHandler, body: Any
) -> None:
    resp = await post_iris(iris_client, body)
    assert resp.status == 200
    await settle(iris_client)
    assert handler.events == []
    assert fake_iris.calls == []


async def test_plain_chatter_gets_no_reply(
    iris_client: TestClient[Any, Any], fake_iris: FakeIris, handler: EchoHandler
) -> None:
    resp = await post_iris(iris_client, iris_body("plain_chat"))
    assert resp.status == 200
    await settle(iris_client)
    assert [e.text for e in handler.events] == ["오늘 점심 뭐 먹죠?"]
    assert fake_iris.calls == []


async def test_a_redelivered_event_is_answered_once(
    iris_client: TestClient[Any, Any], fake_iris: FakeIris, handler: EchoHandler
) -> None:
    body = iris_body("text_command")
    for _ in range(3):
        assert (await post_iris(iris_client, body)).status == 200
    await post_iris(iris_client, iris_body("text_command", _id="136699", message="!ping"))
    await fake_iris.wait_for_calls(2)
    await settle(iris_client)
    assert sorted(b["data"] for b in fake_iris.bodies) == ["pong", "받음: !스케줄 목록"]
    assert len(handler.events) == 2


async def test_a_redelivery_is_logged_at_info_once_per_event(
    iris_client: TestClient[Any, Any],
    fake_iris: FakeIris,
    handler: EchoHandler,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="kbot.webhooks")
    first = iris_body("text_command", _id="136611")
    second = iris_body("text_command", _id="136612", message="!ping")
    for body in (first, first, first, first, second, second):
        assert (await post_iris(iris_client, body)).status == 200
    await fake_iris.wait_for_calls(2)
    await settle(iris_client)
    ignored = [r for r in caplog.records if "ignored: delivered before" in r.getMessage()]
    told = [r.getMessage() for r in ignored if r.levelno == logging.INFO]
    assert len(told) == 2  # one per re-delivered event, not one per repeat
    assert "iris event 136611 in room" in told[0] and "iris event 136612 in room" in told[1]
    assert all(ROOM in line for line in told)
    assert [r.levelno for r in ignored].count(logging.DEBUG) == 2  # the 3rd and 4th of 136611
    assert len(handler.events) == 2


def test_recent_ids_count_deliveries() -> None:
    recent = RecentIds(capacity=2)
    assert [recent.record(k) for k in "aaab"] == [0, 1, 2, 0]
    assert recent.record("c") == 0  # evicts a
    assert recent.record("a") == 0


async def test_a_handler_bug_is_answered_with_an_apology(
    iris_client: TestClient[Any, Any], fake_iris: FakeIris, caplog: pytest.LogCaptureFixture
) -> None:
    await post_iris(iris_client, iris_body("text_command", message="!고장"))
    calls = await fake_iris.wait_for_calls(1)
    text = calls[0].body["data"]
    cid = text.rsplit("오류 번호: ", 1)[1].rstrip(")")
    assert text == APOLOGY.format(cid=cid)
    assert any(cid in r.getMessage() and r.exc_info for r in caplog.records)


async def test_a_failing_iris_is_logged_not_raised(
    iris_client: TestClient[Any, Any], fake_iris: FakeIris, caplog: pytest.LogCaptureFixture
) -> None:
    fake_iris.fail_next(1, status=503)
    await post_iris(iris_client, iris_body("text_command", message="!두번"))
    await settle(iris_client)
    assert len(fake_iris.calls) == 1  # the second text is not tried after a failure
    assert any("reply to room" in r.getMessage() for r in caplog.records)


async def test_oversized_body_is_413(
    iris_client: TestClient[Any, Any], fake_iris: FakeIris, handler: EchoHandler
) -> None:
    body = iris_body("text_command", message="!" + "가" * (MAX_BODY_BYTES // 3 + 10))
    resp = await post_iris(iris_client, body)
    assert resp.status == 413
    assert (await resp.json())["error"]["code"] == "too_large"
    await settle(iris_client)
    assert handler.events == []


@pytest.mark.parametrize(
    "data",
    [
        b"not json",
        b"[1, 2]",
        b'{"msg": "!ping"}',
        json.dumps({"json": {"chat_id": "x"}}).encode(),
        b"[" * 100_000 + b"]" * 100_000,  # json.loads alone would end in RecursionError
        json.dumps({"json": {"chat_id": "1", "user_id": "2", "v": "[" * 100_000}}).encode(),
    ],
    ids=["not json", "array", "no json key", "bad chat_id", "deep", "deep v"],
)
async def test_malformed_body_is_400(
    iris_client: TestClient[Any, Any], handler: EchoHandler, data: bytes
) -> None:
    resp = await iris_client.post("/webhook/iris", data=data, params={"token": TOKEN})
    assert resp.status == 400
    assert (await resp.json())["error"]["code"] == "bad_request"
    await settle(iris_client)
    assert handler.events == []


async def test_bot_id_from_config_without_iris(
    cfg: Config,
    engine: AsyncEngine,
    clock: FakeClock,
    aiohttp_client: Client,
) -> None:
    handler = EchoHandler()
    iris = cfg.bot.iris.model_copy(update={"bot_id": "318842201"})
    client = await start(aiohttp_client, with_bot(cfg, iris=iris), clock, handler)
    await post_iris(client, iris_body("plain_chat", message="!ping"))  # sent by 318842201
    await post_iris(client, iris_body("text_command", message="!ping"))
    await settle(client)
    sender = client.app[keys.SENDER]
    assert [(s["room_id"], s["text"], s["priority"]) for s in sender.sent] == [(ROOM, "pong", 0)]


async def test_iris_config_failure_at_start_up_is_survived(
    cfg: Config,
    engine: AsyncEngine,
    fake_iris: FakeIris,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
    aiohttp_client: Client,
) -> None:
    fake_iris.config_status = 500
    client = await start(aiohttp_client, iris_cfg(cfg, fake_iris), clock, EchoHandler())
    assert client.app[keys.WEBHOOKS].bot_id is None
    assert any("relying on isMine" in r.getMessage() for r in caplog.records)
    await post_iris(client, iris_body("text_command", message="!ping"))
    assert (await fake_iris.wait_for_calls(1))[0].body["data"] == "pong"


@pytest.mark.parametrize(("networks", "status"), [(["10.0.0.0/8"], 403), (["127.0.0.0/8"], 200)])
async def test_allow_networks(
    cfg: Config,
    engine: AsyncEngine,
    clock: FakeClock,
    networks: list[str],
    status: int,
    aiohttp_client: Client,
) -> None:
    handler = EchoHandler()
    client = await start(aiohttp_client, with_bot(cfg, allow_networks=networks), clock, handler)
    resp = await post_iris(client, iris_body("text_command"))
    assert resp.status == status
    await settle(client)
    assert len(handler.events) == (1 if status == 200 else 0)
